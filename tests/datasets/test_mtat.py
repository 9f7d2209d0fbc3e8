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


def test_mtat_random_split_is_by_song_and_seeded(mtat_home):
    ds = mtat.MTAT(data_home=mtat_home)
    s = ds.splits("random", seed=1, fractions=(0.6, 0.2, 0.2))
    assert s.name == "random" and sorted(sum(s.values(), [])) == sorted(ds.track_ids)
    songs = {p: set(ds.labels.loc[ids, "song"]) for p, ids in s.items()}
    assert [len(songs[p]) for p in ("train", "valid", "test")] == [3, 1, 1]  # 5 songs
    assert not (songs["train"] & songs["valid"] or songs["train"] & songs["test"]
                or songs["valid"] & songs["test"])
    assert s == ds.splits("random", seed=1, fractions=(0.6, 0.2, 0.2))
    assert any(s != ds.splits("random", seed=k, fractions=(0.6, 0.2, 0.2))
               for k in range(2, 6))
    with pytest.raises(DataError, match="too few"):
        ds.splits("random", fractions=(0.9, 0.05, 0.05))


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
    with pytest.raises(ParameterError, match=r"accepted names are \['folder', 'random', 'files'\]"):
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


# -- malformed files (regressions): each a DataError naming the file and the line ------

def _mtat_files(root, ann_lines, info_lines=None):
    root = root / "mtat"
    root.mkdir(parents=True, exist_ok=True)
    (root / "annotations_final.csv").write_text("\n".join(ann_lines) + "\n")
    if info_lines is not None:
        (root / "clip_info_final.csv").write_text("\n".join(info_lines) + "\n")
    return root


ANN_HEADER = '"clip_id"\t"guitar"\t"rock"\t"mp3_path"'
INFO_HEADER = "\t".join(f'"{c}"' for c in ["clip_id", "track_number", "title", "artist",
                                            "album", "url", "segmentStart", "segmentEnd",
                                            "original_url", "mp3_path"])


def _info(clip, track, artist, path):
    return "\t".join(f'"{v}"' for v in [clip, track, "t", artist, "alb", "", 0, 29, "", path])


@pytest.mark.parametrize("name", ["annotations_final.csv", "clip_info_final.csv"])
def test_mtat_empty_or_header_only_files(tmp_path, name):
    root = _mtat_files(tmp_path, [ANN_HEADER, '"1"\t"1"\t"0"\t"0/a.mp3"'],
                       [INFO_HEADER, _info(1, 1, "ann", "0/a.mp3")])
    (root / name).write_bytes(b"")
    with pytest.raises(DataError, match=rf"{name} is empty \(0 bytes\); expected the tab"):
        mtat.MTAT(data_home=tmp_path).labels
    (root / name).write_text((ANN_HEADER if name.startswith("ann") else INFO_HEADER) + "\n")
    with pytest.raises(DataError, match=rf"{name} holds a header but no rows"):
        mtat.MTAT(data_home=tmp_path).labels


def test_mtat_clip_info_without_song_columns(tmp_path):
    _mtat_files(tmp_path, [ANN_HEADER, '"1"\t"1"\t"0"\t"0/a.mp3"'],
                ['"clip_id"\t"track_number"\t"title"', '"1"\t"1"\t"t"'])
    with pytest.raises(DataError) as err:
        mtat.MTAT(data_home=tmp_path).labels
    msg = str(err.value)
    assert "clip_info_final.csv has no column 'artist', 'album'" in msg and "'album'" in msg


def test_mtat_a_row_with_too_few_fields_names_its_line(tmp_path):
    _mtat_files(tmp_path, [ANN_HEADER, '"1"\t"1"\t"0"\t"0/a.mp3"', '"2"\t"1"\t"c/b.mp3"'])
    with pytest.raises(DataError, match=r"annotations_final.csv, line 3: 3 fields where "
                                        r"the header has 4"):
        mtat.MTAT(data_home=tmp_path).labels


@pytest.mark.parametrize("value", ["1.0", "2", "", "yes", " 1"])
def test_mtat_tag_values_must_be_0_or_1(tmp_path, value):
    _mtat_files(tmp_path, [ANN_HEADER, '"1"\t"1"\t"0"\t"0/a.mp3"',
                           f'"2"\t"0"\t"{value}"\t"c/b.mp3"'])
    with pytest.raises(DataError, match=r"line 3: tag column 'rock' holds .*must be 0 or 1"):
        mtat.MTAT(data_home=tmp_path).labels


def test_mtat_repeated_clip_id_names_both_lines(tmp_path):
    _mtat_files(tmp_path, [ANN_HEADER, '"1"\t"1"\t"0"\t"0/a.mp3"',
                           '"1"\t"0"\t"1"\t"c/b.mp3"'])
    with pytest.raises(DataError, match=r"clip_id '1' appears twice, on lines 2 and 3"):
        mtat.MTAT(data_home=tmp_path).labels


@pytest.mark.parametrize("path", ["../../x.mp3", "/etc/x.mp3", "0/../../x.mp3",
                                  "C:\\\\x.mp3", ""])
def test_mtat_mp3_path_must_stay_in_the_folder(tmp_path, path):
    _mtat_files(tmp_path, [ANN_HEADER, '"1"\t"1"\t"0"\t"0/a.mp3"',
                           f'"2"\t"1"\t"0"\t"{path}"'])
    with pytest.raises(DataError, match=r"annotations_final.csv, line 3: (mp3_path .* "
                                        r"leaves the dataset's folder|the mp3_path is empty)"):
        mtat.MTAT(data_home=tmp_path).labels


def test_mtat_clips_without_clip_info_are_songs_of_their_own(tmp_path, caplog):
    ann = [ANN_HEADER] + [f'"{i}"\t"1"\t"0"\t"{f}/c{i}.mp3"'
                          for i, f in enumerate("00c d", start=1) if f != " "]
    _mtat_files(tmp_path, ann, [INFO_HEADER, _info(1, 1, "ann", "0/c1.mp3")])
    ds = mtat.MTAT(data_home=tmp_path)
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        songs = ds.labels["song"]
    assert "3 clips are not in" in caplog.text
    assert songs.nunique() == 4 and songs["2"] == "clip:2"
    s = ds.splits("folder")
    assert dict(s) == {"train": ["1", "2"], "valid": ["3"], "test": ["5"]} and not s.moved


def test_mtat_bom_and_windows_line_endings_read_as_usual(tmp_path):
    root = _mtat_files(tmp_path, [ANN_HEADER, '"1"\t"1"\t"0"\t"0/a.mp3"'])
    text = (root / "annotations_final.csv").read_text().replace("\n", "\r\n")
    (root / "annotations_final.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    ds = mtat.MTAT(data_home=tmp_path)
    assert ds.track_ids == ["1"] and ds.labels.loc["1", "mp3_path"] == "0/a.mp3"
    assert ds.tag_names == ["guitar", "rock"] and ds.expected_duration == 29.1
