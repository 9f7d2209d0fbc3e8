"""GTZAN and MagnaTagATune loaders, audio loading and the dataset core,
on layouts written by the tests."""

import hashlib
import logging

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from mirnb import audio
from mirnb.datasets import core, gtzan, load, map_tracks, mtat
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


def test_audio_load_fixes_rate_channels_and_length(tmp_path):
    stereo = np.stack([_tone(440, 1.0, 44100), _tone(660, 1.0, 44100)], axis=1)
    sf.write(tmp_path / "s.wav", stereo, 44100)
    y, sr = audio.load(tmp_path / "s.wav", sr=SR, duration=2.0)
    assert sr == SR and y.shape == (2 * SR,)
    assert np.abs(y[SR + 100:]).max() == 0  # padded with zeros
    y2, _ = audio.load(tmp_path / "s.wav", sr=None, mono=False)
    assert y2.shape == (2, 44100)
    with pytest.raises(DataError, match="shorter than"):
        audio.load(tmp_path / "s.wav", min_duration=5)
    with pytest.raises(DataError, match="fewer than"):
        audio.load(tmp_path / "s.wav", duration=3.0, policy="error")
    with pytest.raises(MissingDataError):
        audio.load(tmp_path / "absent.wav")
    with pytest.raises(ParameterError, match="sr="):
        audio.load(tmp_path / "s.wav", sr=0)


def test_audio_load_rejects_silence_unless_asked(tmp_path):
    sf.write(tmp_path / "z.wav", np.zeros(100, np.float32), SR)
    with pytest.raises(DataError, match="silent"):
        audio.load(tmp_path / "z.wav")
    y, _ = audio.load(tmp_path / "z.wav", allow_silent=True)
    assert y.shape == (100,)


def _fails_on_odd(x):
    if x % 2:
        raise DataError(f"odd {x}")
    return x * 10


def test_map_tracks_skips_and_reports(caplog):
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        res, skipped = map_tracks(_fails_on_odd, [(f"t{i}", i) for i in range(6)], n_jobs=2,
                                  verbose=False)
    assert res == {"t0": 0, "t2": 20, "t4": 40}
    assert [s.track_id for s in skipped] == ["t1", "t3", "t5"]
    assert "odd 1" in skipped[0].reason and "skipped 3 of 6" in caplog.text
    with pytest.raises(DataError):
        map_tracks(_fails_on_odd, [("a", 1)], on_error="raise", verbose=False)


# -- MagnaTagATune ---------------------------------------------------------

TAGS = ["guitar", "piano", "rock", "classical", "fast", "quiet"]


def _write_mtat(root, clips):
    root.mkdir(parents=True, exist_ok=True)
    ann = pd.DataFrame({"clip_id": [c[0] for c in clips]})
    for t in TAGS:
        ann[t] = [int(t in c[3]) for c in clips]
    ann["mp3_path"] = [f"{c[1]}/{c[2]}.mp3" for c in clips]
    ann.to_csv(root / "annotations_final.csv", sep="\t", index=False, quoting=1)
    info = pd.DataFrame({
        "clip_id": [c[0] for c in clips], "track_number": [c[4] for c in clips],
        "title": [f"t{c[4]}" for c in clips], "artist": [c[5] for c in clips],
        "album": ["alb"] * len(clips), "url": "", "segmentStart": 0, "segmentEnd": 29,
        "original_url": "", "mp3_path": ann["mp3_path"]})
    info.to_csv(root / "clip_info_final.csv", sep="\t", index=False, quoting=1)
    for c in clips:
        path = root / c[1] / f"{c[2]}.mp3"
        path.parent.mkdir(exist_ok=True)
        sf.write(path, _tone(300 + 10 * c[0], 1.0, 16000), 16000, format="MP3")


@pytest.fixture
def mtat_home(tmp_path):
    clips = [  # clip_id, folder, name, tags, track_number, artist
        (1, "0", "a-1-0", {"guitar", "rock"}, 1, "ann"),
        (2, "0", "a-1-1", {"guitar", "fast"}, 1, "ann"),
        (3, "5", "b-2-0", {"piano", "classical", "quiet"}, 2, "bob"),
        (4, "c", "c-3-0", {"piano"}, 3, "cat"),
        (5, "d", "d-4-0", {"rock", "guitar"}, 4, "dan"),
        (6, "e", "d-4-1", {"rock"}, 4, "dan"),
        (7, "b", "e-5-0", {"classical"}, 5, "eve"),   # song 5 straddles b (train)
        (8, "d", "e-5-1", {"classical"}, 5, "eve"),   # ... and d, f (test)
        (9, "f", "e-5-2", {"quiet"}, 5, "eve"),
    ]
    _write_mtat(tmp_path / "mtat", clips)
    return tmp_path


def test_mtat_reads_tags_and_audio(mtat_home):
    ds = mtat.MTAT(data_home=mtat_home)
    assert len(ds) == 9 and ds.tag_names == TAGS
    assert sorted(ds.track("3").tags) == ["classical", "piano", "quiet"]
    assert ds.top_tags(2) == ["guitar", "rock"] or ds.top_tags(2) == ["rock", "guitar"]
    assert ds.tag_counts()["classical"] == 3
    m = ds.tag_matrix(tags=["piano", "rock"], track_ids=["3", "5"])
    assert m.to_numpy().tolist() == [[True, False], [False, True]]
    y, sr = ds.track("1").audio(sr=16000)
    assert sr == 16000 and abs(len(y) - 16000) < 2000


def test_mtat_folder_split_keeps_songs_together(mtat_home, caplog):
    ds = mtat.MTAT(data_home=mtat_home)
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        s = ds.splits("folder")
    assert s["valid"] == ["4"]
    assert {"7", "8", "9"} <= set(s["test"]) and "7" not in s["train"]
    assert set(s["train"]) == {"1", "2", "3"} and ds.moved_clips_ == 1
    assert "moved 1 clips" in caplog.text
    for part in s.values():
        songs = set(ds.labels.loc[part, "song"])
        others = [p for p in s.values() if p is not part]
        assert not any(songs & set(ds.labels.loc[o, "song"]) for o in others)


def test_mtat_split_from_files_and_errors(mtat_home, tmp_path):
    ds = mtat.MTAT(data_home=mtat_home)
    (tmp_path / "tr.txt").write_text("1\n2\n3\n0/a-1-0.mp3\n")
    (tmp_path / "va.txt").write_text("4\n")
    (tmp_path / "te.txt").write_text("5\n6\n7\n8\n9\n")
    s = ds.splits("file", train=tmp_path / "tr.txt", valid=tmp_path / "va.txt",
                  test=tmp_path / "te.txt")
    assert s["train"] == ["1", "2", "3"] and s["test"] == ["5", "6", "7", "8", "9"]
    (tmp_path / "te.txt").write_text("77\n")
    with pytest.raises(DataError, match="'77' is not a clip id"):
        ds.splits("file", train=tmp_path / "tr.txt", valid=tmp_path / "va.txt",
                  test=tmp_path / "te.txt")
    with pytest.raises(ParameterError, match="needs test="):
        ds.splits("file", train=tmp_path / "tr.txt", valid=tmp_path / "va.txt")
    with pytest.raises(ParameterError, match="unknown tags"):
        ds.tag_matrix(tags=["banjo"])


def test_mtat_missing_and_malformed(tmp_path):
    with pytest.raises(MissingDataError, match="annotations_final.csv"):
        mtat.MTAT(data_home=tmp_path).labels
    (tmp_path / "mtat").mkdir()
    (tmp_path / "mtat" / "annotations_final.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="no column 'clip_id'"):
        mtat.MTAT(data_home=tmp_path).labels
