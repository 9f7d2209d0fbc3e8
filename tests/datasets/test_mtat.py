"""The MagnaTagATune loader, its tags and its splits, on a layout written by the tests."""

import logging

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from mirnb.datasets import Split, mtat
from mirnb.errors import DataError, MissingDataError, ParameterError


def _tone(freq, seconds=0.5, sr=16000):
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


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
    assert ds.top_tags(2) == ["guitar", "rock"]  # ties keep the file's tag order
    assert ds.tag_counts()["classical"] == 3 and ds.tag_counts()["fast"] == 1
    assert ds.tag_counts(["1", "2"]).to_dict() == {"guitar": 2, "rock": 1, "fast": 1,
                                                    "piano": 0, "classical": 0, "quiet": 0}
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
    assert set(s["train"]) == {"1", "2", "3"}
    assert isinstance(s, Split) and s.name == "folder" and s.skipped == []
    assert [(m.track_id, m.source, m.target) for m in s.moved] == [("7", "train", "test")]
    assert not hasattr(ds, "moved_clips_")
    assert "moved 1 clips" in caplog.text
    assert s == ds.splits()  # 'folder' is MTAT's default
    for part in s.values():
        songs = set(ds.labels.loc[part, "song"])
        others = [p for p in s.values() if p is not part]
        assert not any(songs & set(ds.labels.loc[o, "song"]) for o in others)


def test_mtat_split_from_files_and_errors(mtat_home, tmp_path):
    ds = mtat.MTAT(data_home=mtat_home)
    (tmp_path / "tr.txt").write_text("1\n2\n3\n0/a-1-0.mp3\n")
    (tmp_path / "va.txt").write_text("4\n")
    (tmp_path / "te.txt").write_text("5\n6\n8\n9\n7\t5/b-2-0.mp3\n")
    files = {"train": tmp_path / "tr.txt", "valid": tmp_path / "va.txt",
             "test": tmp_path / "te.txt"}
    s = ds.splits("files", **files)
    # '7\t5/b-2-0.mp3': the first field that names a clip is taken
    assert s["train"] == ["1", "2", "3"] and s["test"] == ["5", "6", "7", "8", "9"]
    assert s.name == "files" and s.moved == [] and s.skipped == []
    (tmp_path / "te.txt").write_text("5\n6\n7\n8\n9\n77\n")
    s = ds.splits("files", **files)
    assert [(k.track_id, k.reason) for k in s.skipped] == [
        ("77", "test: not in annotations_final.csv")]
    (tmp_path / "te.txt").write_text("77\n")
    with pytest.raises(DataError, match=r"te\.txt: none of the 1 tracks listed for 'test'"):
        ds.splits("files", **files)
    with pytest.raises(ParameterError, match="needs test="):
        ds.splits("files", train=tmp_path / "tr.txt", valid=tmp_path / "va.txt")
    with pytest.raises(ParameterError, match="give one of"):
        ds.splits("files", directory=tmp_path, **files)
    with pytest.raises(ParameterError, match=r"accepted names are \['folder', 'files'\]"):
        ds.splits("file", **files)
    with pytest.raises(ParameterError, match="unknown tags"):
        ds.tag_matrix(tags=["banjo"])
    with pytest.raises(ParameterError, match="unknown track ids"):
        ds.tag_matrix(track_ids=["1", "404"])


def test_mtat_file_split_keeps_songs_together(mtat_home, tmp_path):
    ds = mtat.MTAT(data_home=mtat_home)
    folder = ds.root / "splits"
    folder.mkdir()
    (folder / "train.txt").write_text("1\n3\n")
    (folder / "valid.txt").write_text("2\n4\n")   # 2 is a clip of 1's song
    (folder / "test.txt").write_text("5\n")
    s = ds.splits("files")                        # default folder <root>/splits
    assert dict(s) == {"train": ["1", "2", "3"], "valid": ["4"], "test": ["5"]}
    assert [(m.track_id, m.source, m.target) for m in s.moved] == [("2", "valid", "train")]


def test_mtat_missing_and_malformed(tmp_path):
    with pytest.raises(MissingDataError, match="annotations_final.csv"):
        mtat.MTAT(data_home=tmp_path).labels
    (tmp_path / "mtat").mkdir()
    (tmp_path / "mtat" / "annotations_final.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="no column 'clip_id'"):
        mtat.MTAT(data_home=tmp_path).labels
