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
    report = gtzan.GTZAN(data_home=gtzan_home).validate()
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
