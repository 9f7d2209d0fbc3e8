"""The MSD label helpers and side-file readers (mirnb.datasets.msd.labels)."""

import json
import sqlite3

import pandas as pd
import pytest

from mirnb.datasets.msd import (drop_duplicates, key_labels, mbtag_genres, read_duplicates,
                                read_lastfm_tags, read_split_file, tag_matrix, top_artists)
from mirnb.errors import DataError, MissingDataError, ParameterError


def _labels():
    return pd.DataFrame(
        {"artist_id": ["A", "A", "B", "C", "C", "C"],
         "key": [0, 1, 2, 3, 4, 5], "mode": [1, 0, 1, 0, 1, 0],
         "key_confidence": [0.9, 0.2, 0.6, 0.7, 0.5, 1.0],
         "mode_confidence": [0.9, 0.9, 0.1, 0.9, 0.9, 0.9],
         "mbtags": [["rock", "Jazz"], ["rock", "Jazz"], [], ["metal"], ["metal"], ["metal"]],
         "mbtags_count": [[1, 3], [1, 3], [], [2], [2], [2]]},
        index=pd.Index([f"T{i}" for i in range(6)], name="track_id"))


def test_top_artists_key_labels_and_genres():
    df = _labels()
    assert top_artists(df, 2) == ["C", "A"]
    ids, y = key_labels(df, min_confidence=0.6)
    assert ids == ["T0", "T2", "T3", "T5"] and list(y) == [0, 2, 3, 5]
    ids, y = key_labels(df, min_confidence=0.6, classes=24)
    assert ids == ["T0", "T3", "T5"] and list(y) == [1, 6, 10]
    with pytest.raises(ParameterError):
        key_labels(df, min_confidence=1.5)
    with pytest.raises(ParameterError):
        key_labels(df, min_confidence=0.5, classes=10)
    g = mbtag_genres(df, ["jazz", "Rock", "Metal"])
    assert g.to_dict() == {"T0": "jazz", "T1": "jazz", "T3": "Metal", "T4": "Metal",
                           "T5": "Metal"}
    g = mbtag_genres(df, ["jazz", "Rock", "Metal"], min_count=3, min_tracks=2)
    assert g.to_dict() == {"T0": "jazz", "T1": "jazz"}


def test_read_duplicates_and_drop(tmp_path):
    f = tmp_path / "msd_duplicates.txt"
    f.write_text("# MILLION SONG DATASET - DUPLICATES\n#\n"
                 "%1 Artist - Title\nTRAAAAA128F0000001\nTRAAAAB128F0000002\n"
                 "%2 Other - Song\nTRAAAAC128F0000003 extra text\nTRAAAAD128F0000004\n"
                 "TRAAAAE128F0000005\n")
    groups = read_duplicates(f)
    assert groups == [{"TRAAAAA128F0000001", "TRAAAAB128F0000002"},
                      {"TRAAAAC128F0000003", "TRAAAAD128F0000004", "TRAAAAE128F0000005"}]
    ids = ["TRAAAAB128F0000002", "TRXXXXX128F0000009", "TRAAAAA128F0000001",
           "TRAAAAE128F0000005", "TRAAAAD128F0000004"]
    assert drop_duplicates(ids, groups) == ["TRAAAAB128F0000002", "TRXXXXX128F0000009",
                                            "TRAAAAE128F0000005"]
    bad = tmp_path / "bad.txt"
    bad.write_text("TRAAAAA128F0000001\n%1 x\n")
    with pytest.raises(DataError, match="line 1"):
        read_duplicates(bad)
    with pytest.raises(MissingDataError):
        read_duplicates(tmp_path / "nope.txt")


def test_read_lastfm_tags_in_every_form(tmp_path):
    expected = {("TRA", "rock", 100), ("TRA", "indie", 40), ("TRB", "rock", 7)}
    d = tmp_path / "lastfm_train" / "A" / "A" / "A"
    d.mkdir(parents=True)
    (d / "TRA.json").write_text(json.dumps({"track_id": "TRA", "artist": "x", "title": "y",
                                            "tags": [["rock", "100"], ["indie", "40"]],
                                            "similars": [["TRB", 0.5]]}))
    (d / "TRB.json").write_text(json.dumps({"track_id": "TRB", "tags": [["rock", "7"]]}))
    from_dir = read_lastfm_tags(tmp_path / "lastfm_train")
    assert set(map(tuple, from_dir.itertuples(index=False))) == expected
    assert len(read_lastfm_tags(d / "TRB.json")) == 1
    db = tmp_path / "lastfm_tags.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE tids (tid TEXT)")
    con.execute("CREATE TABLE tags (tag TEXT)")
    con.execute("CREATE TABLE tid_tag (tid INT, tag INT, val FLOAT)")
    con.executemany("INSERT INTO tids VALUES (?)", [("TRA",), ("TRB",)])
    con.executemany("INSERT INTO tags VALUES (?)", [("rock",), ("indie",)])
    con.executemany("INSERT INTO tid_tag VALUES (?, ?, ?)",
                    [(1, 1, 100.0), (1, 2, 40.0), (2, 1, 7.0)])
    con.commit()
    con.close()
    assert set(map(tuple, read_lastfm_tags(db).itertuples(index=False))) == expected
    tsv = tmp_path / "tags.tsv"
    tsv.write_text("track_id\ttag\tcount\nTRA\trock\t100\nTRA\tindie\t40\nTRB\trock\t7\n")
    tags = read_lastfm_tags(tsv)
    assert set(map(tuple, tags.itertuples(index=False))) == expected
    m = tag_matrix(tags, n_tags=1)
    assert list(m.columns) == ["rock"] and m["rock"].tolist() == [1, 1]
    m = tag_matrix(tags, n_tags=5, min_count=10, track_ids=["TRB", "TRA", "TRC"])
    assert list(m.index) == ["TRB", "TRA", "TRC"]
    assert m.loc["TRB"].tolist() == [0, 0] and m.loc["TRA"].tolist() == [1, 1]
    bad = tmp_path / "bad.tsv"
    bad.write_text("TRA\trock\n")
    with pytest.raises(DataError, match="line 1"):
        read_lastfm_tags(bad)


def test_read_split_file_rejects_bad_lines(tmp_path):
    f = tmp_path / "s.txt"
    f.write_text("TRA train\nTRB holdout\n")
    with pytest.raises(DataError, match="line 2"):
        read_split_file(f)
