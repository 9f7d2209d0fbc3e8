"""The GTZAN loader and its splits, on a layout written by the tests."""

import hashlib
import logging

import numpy as np
import pytest
import soundfile as sf

from mirnb.datasets import Split, core, gtzan, load
from mirnb.errors import DataError, MissingDataError, ParameterError

SR = 22050


def _tone(freq, seconds=0.5, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture
def gtzan_home(tmp_path):
    for g_i, genre in enumerate(gtzan.GENRES):
        folder = tmp_path / "gtzan" / "genres" / genre
        folder.mkdir(parents=True)
        for i in range(5):
            sf.write(folder / f"{genre}.{i:05d}.wav", _tone(110 * (g_i + 1) + i), SR,
                     subtype="PCM_16")
    (tmp_path / "gtzan/genres/jazz/jazz.00054.wav").write_bytes(b"RIFF not really a wav")
    sf.write(tmp_path / "gtzan/genres/rock/rock.00099.wav", np.zeros(SR, np.float32), SR)
    return tmp_path


def test_gtzan_missing_names_the_layout_and_the_fix(tmp_path):
    with pytest.raises(MissingDataError) as err:
        gtzan.GTZAN(data_home=tmp_path).track_ids
    msg = str(err.value)
    assert "gtzan/genres/<genre>/<genre>.NNNNN.wav" in msg and "mirnb data synth" in msg
    assert str(tmp_path / "gtzan") in msg


def test_gtzan_reads_the_layout(gtzan_home):
    ds = load("gtzan", data_home=gtzan_home)
    assert len(ds) == 52 and set(ds.labels.genre) == set(gtzan.GENRES)
    tr = ds.track("blues.00003")
    assert tr.genre == "blues"
    y, sr = tr.audio()
    assert sr == SR and y.shape == (SR // 2,) and y.dtype == np.float32
    assert not ds.is_synthetic
    with pytest.raises(ParameterError, match="not in GTZAN"):
        ds.track("blues.99999")


def test_gtzan_validate_reports_unreadable_and_silent(gtzan_home):
    ds = gtzan.GTZAN(data_home=gtzan_home)
    assert ds.expected_duration == 30.0
    ds.expected_duration = None  # the fixture's clips are 0.5 s long
    report = ds.validate()
    bad = {s.track_id: s.reason for s in report.invalid}
    assert set(bad) == {"jazz.00054", "rock.00099"}
    assert "cannot read" in bad["jazz.00054"] and "silent" in bad["rock.00099"]
    assert not report.ok and "2 invalid" in str(report)


def test_gtzan_random_split_is_stratified_50_20_30(gtzan_home):
    ds = gtzan.GTZAN(data_home=gtzan_home)
    labels = ds.labels.drop(["jazz.00054", "rock.00099"])
    s = core.stratified_split(labels.index, labels.genre, seed=1)
    assert [len(s[p]) for p in ("train", "valid", "test")] == [25, 10, 15]
    assert not set(s["train"]) & set(s["test"]) and not set(s["valid"]) & set(s["test"])
    assert labels.loc[s["test"], "genre"].value_counts().max() <= 2
    assert s == core.stratified_split(labels.index, labels.genre, seed=1)
    with pytest.raises(ParameterError, match="sum to 1"):
        core.stratified_split(labels.index, labels.genre, fractions=(0.5, 0.5, 0.5))


def test_gtzan_kfold_puts_each_track_in_one_test_fold(gtzan_home):
    ds = gtzan.GTZAN(data_home=gtzan_home)
    folds = ds.splits("kfold", n_folds=4, seed=0)
    tests = [t for f in folds for t in f["test"]]
    assert sorted(tests) == sorted(ds.track_ids) and len(folds) == 4
    assert ds.splits("kfold", n_folds=4, fold=2) == folds[2]
    with pytest.raises(ParameterError):
        ds.splits("kfold", n_folds=4, fold=4)


def test_gtzan_filtered_split_from_local_files(gtzan_home, monkeypatch):
    ds = gtzan.GTZAN(data_home=gtzan_home)
    folder = gtzan_home / "gtzan" / "splits"
    folder.mkdir()
    parts = {"train": ["blues/blues.00000.wav", "rock/rock.00001.wav"],
             "valid": ["jazz/jazz.00002.wav"], "test": ["pop/pop.00004.wav"]}
    spec = {}
    for part, lines in parts.items():
        text = "\n".join(lines) + "\n"
        (folder / f"{part}_filtered.txt").write_text(text)
        spec[part] = {"url": f"https://example.invalid/{part}",
                      "sha256": hashlib.sha256(text.encode()).hexdigest()}
    monkeypatch.setattr(gtzan, "FILTERED_SPLIT", spec)
    split = ds.splits("filtered")
    assert split["train"] == ["blues.00000", "rock.00001"] and split["test"] == ["pop.00004"]
    (folder / "test_filtered.txt").write_text("pop/pop.00003.wav\n")
    with pytest.raises(DataError, match="does not match the published file"):
        ds.splits("filtered")


def test_gtzan_filtered_split_offline_says_where_to_put_the_file(gtzan_home, monkeypatch):
    import pooch

    def offline(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(MissingDataError, match="Download https://raw.githubusercontent.com"):
        gtzan.GTZAN(data_home=gtzan_home).splits("filtered")


def test_read_split_list_accepts_paths_and_ids(tmp_path):
    p = tmp_path / "l.txt"
    p.write_text("blues/blues.00001.wav\n\n# comment\nrock.00002\nmetal\\metal.00003.au\n")
    assert gtzan.read_split_list(p) == ["blues.00001", "rock.00002", "metal.00003"]


def test_gtzan_splits_return_split_objects(gtzan_home):
    ds = gtzan.GTZAN(data_home=gtzan_home)
    s = ds.splits("random", seed=1)
    assert isinstance(s, Split) and s.name == "random" and list(s) == ["train", "valid", "test"]
    assert s.moved == [] and s.skipped == []
    assert sum(map(len, s.values())) == len(ds)
    assert s == ds.splits(seed=1)  # 'random' is GTZAN's default
    assert s == core.stratified_split(ds.labels.index, ds.labels.genre, seed=1)
    folds = ds.splits("kfold", n_folds=3)
    assert all(isinstance(f, Split) and set(f) == {"train", "test"} for f in folds)


def test_gtzan_split_names_and_arguments_are_checked(gtzan_home):
    ds = gtzan.GTZAN(data_home=gtzan_home)
    assert ds.split_names == ("random", "kfold", "filtered", "files")
    with pytest.raises(ParameterError) as err:
        ds.splits("folder")
    msg = str(err.value)
    assert "'random', 'kfold', 'filtered', 'files'" in msg and "other datasets" in msg
    with pytest.raises(ParameterError, match=r"no split name='file'.*accepted names"):
        ds.splits("file")
    with pytest.raises(ParameterError, match=r"takes no argument\(s\) \['n_folds'\]"):
        ds.splits("random", n_folds=3)
    with pytest.raises(ParameterError, match="sum to 1"):
        ds.splits("random", fractions=(0.5, 0.5, 0.5))


def test_gtzan_split_lists_from_files(gtzan_home, caplog):
    ds = gtzan.GTZAN(data_home=gtzan_home)
    folder = gtzan_home / "gtzan" / "splits"
    folder.mkdir()
    (folder / "train.txt").write_text("blues/blues.00000.wav\n# note\n\nrock.00001\n")
    (folder / "valid.txt").write_text("jazz/jazz.00002.wav\nblues/blues.00777.wav\n")
    (folder / "test.txt").write_text("pop/pop.00004.au\n")
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        s = ds.splits("files")
    assert dict(s) == {"train": ["blues.00000", "rock.00001"], "valid": ["jazz.00002"],
                       "test": ["pop.00004"]}
    assert [(k.track_id, k.reason) for k in s.skipped] == [("blues/blues.00777.wav",
                                                            "valid: not in genres/")]
    assert "left 1 listed tracks out" in caplog.text
    (folder / "test.txt").write_text("rock/rock.00001.wav\n")
    with pytest.raises(DataError, match="listed in both 'train' and 'test'"):
        ds.splits("files")
    (folder / "test.txt").unlink()
    with pytest.raises(MissingDataError, match="test.txt"):
        ds.splits("files")


# -- incomplete copies and debris (regressions) ---------------------------------------

def _clips(root, names, seconds=0.1):
    for name in names:
        genre = name.split(".")[0]
        folder = root / "gtzan" / "genres" / genre
        folder.mkdir(parents=True, exist_ok=True)
        sf.write(folder / f"{name}.wav", _tone(220, seconds), SR, subtype="PCM_16")


def test_a_partial_gtzan_reports_every_absent_clip(tmp_path, caplog):
    _clips(tmp_path, [f"blues.{i:05d}" for i in range(10)])
    (tmp_path / "gtzan" / "genres" / "country").mkdir()  # an empty genre folder
    ds = gtzan.GTZAN(data_home=tmp_path)
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        assert len(ds) == 10  # the loader still works on the clips present
        ds.track_ids
    assert caplog.text.count("990 of its 1000 clips are absent") == 1  # warned once
    report = ds.validate(check_audio=False)
    assert len(report.missing) == 990 and report.n_tracks == 1000 and not report.ok
    assert "country.00000" in report.missing and "jazz.00099" in report.missing
    assert "blues.00000" not in report.missing and "990 missing" in str(report)
    assert len(gtzan.TRACK_IDS) == 1000 and gtzan.TRACK_IDS[0] == "blues.00000"


def test_a_complete_gtzan_reports_nothing_missing(tmp_path, caplog):
    for genre in gtzan.GENRES:  # empty files are enough when the audio is not read
        folder = tmp_path / "gtzan" / "genres" / genre
        folder.mkdir(parents=True)
        for i in range(100):
            (folder / f"{genre}.{i:05d}.wav").touch()
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        report = gtzan.GTZAN(data_home=tmp_path).validate(check_audio=False)
    assert report.ok and report.n_tracks == 1000 and "absent" not in caplog.text


def test_hidden_files_are_ignored(tmp_path):
    _clips(tmp_path, ["disco.00000", "blues.00000"])
    disco = tmp_path / "gtzan" / "genres" / "disco"
    (disco / "._disco.00000.wav").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    (disco / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (tmp_path / "gtzan" / "genres" / "._blues").write_bytes(b"\x00")
    (tmp_path / "gtzan" / "genres" / ".Trash").mkdir()
    ((tmp_path / "gtzan" / "genres" / ".Trash") / "x.00000.wav").touch()
    ds = gtzan.GTZAN(data_home=tmp_path)
    assert ds.track_ids == ["blues.00000", "disco.00000"]
    assert not ds.validate(check_audio=False).invalid


def test_one_clip_in_two_files_is_an_error_naming_both(tmp_path):
    _clips(tmp_path, ["blues.00000", "blues.00001", "rock.00000"])
    au = tmp_path / "gtzan" / "genres" / "blues" / "blues.00000.au"
    sf.write(au, _tone(220, 0.1), SR, format="AU", subtype="PCM_16")
    with pytest.raises(DataError) as err:
        gtzan.GTZAN(data_home=tmp_path).splits("kfold", n_folds=2)
    msg = str(err.value)
    assert "blues.00000.au" in msg and "blues.00000.wav" in msg and "two files" in msg


def test_debris_inside_genre_folders_is_skipped_and_reported(tmp_path, caplog):
    _clips(tmp_path, ["blues.00000", "blues.00001"])
    blues = tmp_path / "gtzan" / "genres" / "blues"
    (blues / "blues.00002 (1).wav").write_bytes(b"RIFF")
    (blues / "backup").mkdir()
    (blues / "backup" / "blues.00003.wav").touch()
    (blues / "notes.txt").write_text("x")
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        ds = gtzan.GTZAN(data_home=tmp_path)
        assert ds.track_ids == ["blues.00000", "blues.00001"]
    assert "ignored 3 entries" in caplog.text and "backup" in caplog.text
    invalid = {s.track_id: s.reason for s in ds.validate(check_audio=False).invalid}
    assert invalid == {"blues/blues.00002 (1).wav": "not named <genre>.NNNNN"}


def test_a_folder_that_is_not_a_genre_is_an_error(tmp_path):
    _clips(tmp_path, ["blues.00000"])
    other = tmp_path / "gtzan" / "genres" / "polka"
    other.mkdir()
    (other / "polka.00000.wav").touch()
    with pytest.raises(DataError, match="polka holds audio but is not one of GTZAN's ten"):
        gtzan.GTZAN(data_home=tmp_path).labels


def test_too_small_a_copy_for_a_split_is_a_data_error(tmp_path):
    _clips(tmp_path, ["blues.00000", "blues.00001", "rock.00000"])
    ds = gtzan.GTZAN(data_home=tmp_path)
    with pytest.raises(DataError, match=r"too few clips for 3-fold.*'rock' with 1"):
        ds.splits("kfold", n_folds=3)
    with pytest.raises(DataError, match="too few clips for a stratified random split"):
        ds.splits("random")


def test_read_split_list_errors_are_data_errors(tmp_path):
    with pytest.raises(MissingDataError, match="absent.txt"):
        gtzan.read_split_list(tmp_path / "absent.txt")
    p = tmp_path / "l.txt"
    p.write_bytes(b"\xef\xbb\xbfblues/blues.00001.wav\r\nrock/rock.0000\xe9.wav\r\n")
    assert gtzan.read_split_list(p)[0] == "blues.00001"
    p.write_bytes(b"")
    assert gtzan.read_split_list(p) == []
