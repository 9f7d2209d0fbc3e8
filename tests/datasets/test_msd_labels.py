"""The MSD label helpers, task selection and side-file readers (mirnb.datasets.msd.labels)."""

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

from mirnb.datasets.msd import (drop_duplicates, key_labels, mbtag_genres, read_duplicates,
                                read_lastfm_tags, read_split_file, tag_matrix, top_artists)
from mirnb.datasets.msd.tasks import (DIELEMAN_GENRES, SYNTH_COUNTERPARTS, TaskSubset,
                                      artist_task, balanced_split, balanced_subset,
                                      dieleman_genre_table, genre_task, key_task,
                                      pretraining_ids)
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


# -- the three tasks of Dieleman et al. (2011) --------------------------------


def _corpus(n_artists=6, per_artist=12, seed=0):
    """A labels frame like MSD.labels: artists of unequal size, one genre tag each."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows, ids = [], []
    genres = ["rock", "Jazz", "hip-hop"]
    for a in range(n_artists):
        for k in range(per_artist - a):  # artist a has per_artist - a tracks
            ids.append(f"TR{a:02d}{k:03d}")
            rows.append({"artist_id": f"AR{a:02d}", "key": int(rng.integers(12)),
                         "mode": int(rng.integers(2)),
                         "key_confidence": float(rng.random()),
                         "mbtags": [genres[a % 3]], "mbtags_count": [1 + a]})
    return pd.DataFrame(rows, index=pd.Index(ids, name="track_id"))


def test_paper_genres_and_the_synthetic_counterparts():
    from mirnb import synth

    assert len(DIELEMAN_GENRES) == 20 == len(set(DIELEMAN_GENRES))
    assert DIELEMAN_GENRES[:3] == ("folk", "punk", "metal") and "hip hop" in DIELEMAN_GENRES
    assert list(SYNTH_COUNTERPARTS) == list(synth.GENRES)
    table = dieleman_genre_table()
    assert len(table) == 22
    assert list(table["Dieleman et al. 2011"][:20]) == list(DIELEMAN_GENRES)
    assert sorted(table["synthetic family"][table["synthetic family"] != "—"]) == \
        sorted(synth.GENRES)
    match = dict(zip(table["synthetic family"], table["match"]))
    assert (match["disco"], match["electronic"], match["hiphop"]) == ("close", "close", "same")
    assert (match["ambient"], match["gospel"]) == ("none", "none")
    paper = dict(zip(table["Dieleman et al. 2011"], table["synthetic family"]))
    assert (paper["new wave"], paper["rap"], paper["hip hop"]) == ("—", "—", "hiphop")
    assert (table["match"] == "same").sum() == 16


def test_hyphens_match_spaces_and_ties_can_be_dropped():
    df = pd.DataFrame({"mbtags": [["Hip-Hop"], ["hiphop"], ["rock", "pop"], ["rock", "pop"]],
                       "mbtags_count": [[2], [2], [3, 3], [3, 1]]},
                      index=["T0", "T1", "T2", "T3"])
    assert mbtag_genres(df, ["hip hop", "rock", "pop"]).to_dict() == \
        {"T0": "hip hop", "T2": "rock", "T3": "rock"}
    assert mbtag_genres(df, ["hip hop", "rock", "pop"], ties="drop").to_dict() == \
        {"T0": "hip hop", "T3": "rock"}
    with pytest.raises(ParameterError, match="ties="):
        mbtag_genres(df, ["rock"], ties="random")


def test_balanced_subset_takes_exactly_per_class_and_reports_the_rest(caplog):
    ids = [f"T{i:02d}" for i in range(30)]
    y = ["a"] * 12 + ["b"] * 10 + ["c"] * 5 + ["d"] * 3
    with caplog.at_level("WARNING", logger="mirnb.datasets"):
        s = balanced_subset(ids, y, 6, seed=0, name="toy")
    assert isinstance(s, TaskSubset) and s.split is None
    assert len(s) == 12 and s.classes == ["a", "b"] and s.per_class == 6
    assert pd.Series(s.y).value_counts().to_dict() == {"a": 6, "b": 6}
    assert s.left_out == {"c": 5, "d": 3}
    assert "left out 2 classes" in caplog.text and "'c' (5)" in caplog.text
    assert s.ids == [t for t in ids if t in set(s.ids)]  # the given order
    assert s.labels.loc[s.ids[0]] == "a"
    # deterministic under the seed, independent of the input order, and seed-dependent
    again = balanced_subset(ids[::-1], y[::-1], 6, seed=0)
    assert sorted(again.ids) == sorted(s.ids)
    assert sorted(balanced_subset(ids, y, 6, seed=1).ids) != sorted(s.ids)
    # expected classes without tracks are reported with 0; others are ignored
    s = balanced_subset(ids, y, 6, classes=["a", "z"])
    assert s.classes == ["a"] and s.left_out == {"z": 0}
    # per_class=None: the smallest class, within the bounds
    assert balanced_subset(ids, y, None).per_class == 3
    assert len(balanced_subset(ids, y, None, max_per_class=2)) == 8
    s = balanced_subset(ids, y, None, min_per_class=4)
    assert s.per_class == 5 and s.left_out == {"d": 3}
    with pytest.raises(ParameterError, match="max_per_class=2"):
        balanced_subset(ids, y, None, min_per_class=3, max_per_class=2)
    with pytest.raises(ParameterError, match="per_class=13"):
        balanced_subset(ids, y, 13)
    with pytest.raises(ParameterError, match="per_class="):
        balanced_subset(ids, y, 0)
    with pytest.raises(ParameterError, match="labels"):
        balanced_subset(ids, y[:-1], 3)
    with pytest.raises(ParameterError, match="twice"):
        balanced_subset(ids + ids[:1], y + ["a"], 3)


def test_balanced_subset_by_rank_takes_the_highest():
    ids = [f"T{i}" for i in range(8)]
    y = [0, 0, 0, 0, 1, 1, 1, 1]
    rank = [0.1, 0.9, float("nan"), 0.5, 0.3, 0.3, 0.8, 0.2]
    s = balanced_subset(ids, y, 2, rank=rank, seed=123)
    assert s.ids == ["T1", "T3", "T4", "T6"]  # ties by id (T4 before T5); NaN last
    assert balanced_subset(ids, y, 2, rank=rank, seed=9).ids == s.ids  # no randomness
    with pytest.raises(ParameterError, match="rank"):
        balanced_subset(ids, y, 2, rank=rank[:-1])


def test_balanced_split_gives_every_class_the_same_counts():
    for per_class, expected in ((100, (80, 10, 10)), (250, (200, 25, 25)), (10, (8, 1, 1)),
                                (25, (21, 2, 2)), (3, (1, 1, 1))):
        ids = [f"T{c}_{i:03d}" for c in range(4) for i in range(per_class)]
        y = [c for c in range(4) for _ in range(per_class)]
        split = balanced_split(ids, y, seed=0, name="x")
        assert split.name == "x"
        cls = dict(zip(ids, y))
        for part, n in zip(("train", "valid", "test"), expected):
            assert pd.Series([cls[t] for t in split[part]]).value_counts().tolist() == [n] * 4
        assert sorted(sum(split.values(), [])) == sorted(ids)
    a = balanced_split(ids, y, seed=0)
    assert dict(a) == dict(balanced_split(ids[::-1], y[::-1], seed=0))
    assert dict(a) != dict(balanced_split(ids, y, seed=1))
    with pytest.raises(ParameterError, match="fewer than 3"):
        balanced_split(["a", "b", "c", "d"], [0, 0, 1, 1])
    with pytest.raises(ParameterError, match="fractions"):
        balanced_split(ids, y, fractions=(0.8, 0.2, 0.1))


def test_artist_task_takes_the_top_artists_after_duplicates(caplog):
    df = _corpus()  # AR00 has 12 tracks, AR01 11, ..., AR05 7
    task = artist_task(df, n_artists=3, per_class=10, seed=0)
    assert task.name == "artist" and task.classes == ["AR00", "AR01", "AR02"]
    assert len(task) == 30 and task.left_out == {}
    assert [len(task.split[p]) for p in ("train", "valid", "test")] == [24, 3, 3]
    assert set(sum(task.split.values(), [])) == set(task.ids)
    # duplicates are dropped before counting: AR00 keeps 9 of 12, below AR01 and AR02,
    # tied with AR03 (9), and the tie goes by id
    groups = [{"TR00000", "TR00001", "TR00002"}, {"TR00003", "TR00004"}]
    task = artist_task(df, n_artists=3, per_class=9, duplicates=groups, seed=0)
    assert task.classes == ["AR00", "AR01", "AR02"]
    assert not {"TR00001", "TR00002", "TR00004"} & set(task.ids)
    task = artist_task(df, n_artists=2, per_class=9, duplicates=groups, seed=0)
    assert task.classes == ["AR01", "AR02"]
    # ... and a top artist with too few tracks is left out and reported
    with caplog.at_level("WARNING", logger="mirnb.datasets"):
        task = artist_task(df, n_artists=3, per_class=11, seed=0)
    assert task.classes == ["AR00", "AR01"] and task.left_out == {"AR02": 10}
    assert "artist: left out 1 classes" in caplog.text


def test_genre_task_uses_the_vocabulary_and_reports_empty_genres():
    df = _corpus()  # genres by artist: rock (AR00, AR03), Jazz (AR01, AR04), hip-hop
    task = genre_task(df, ["rock", "jazz", "hip hop", "techno"], per_class=15, seed=0)
    assert task.classes == ["hip hop", "jazz", "rock"]
    assert task.left_out == {"techno": 0}
    assert len(task) == 45 and [len(v) for v in task.split.values()] == [39, 3, 3]
    assert genre_task(df, ["rock", "jazz", "hip hop", "techno"], per_class=15,
                      seed=0).ids == task.ids  # deterministic
    paper = genre_task(df, per_class=15)  # the paper's list; 'hip-hop' is its 'hip hop'
    assert paper.classes == ["hip hop", "jazz", "rock"] and len(paper.left_out) == 17


def test_key_task_takes_the_most_confident_tracks_per_key():
    df = _corpus(n_artists=10, per_artist=30)
    task = key_task(df, per_class=5, seed=0)
    assert task.name == "key" and len(task) == 60 and task.classes == list(range(12))
    for k in range(12):
        of_key = df[df["key"] == k].key_confidence
        picked = df.loc[[t for t, c in zip(task.ids, task.y) if c == k], "key_confidence"]
        assert sorted(picked) == sorted(of_key.nlargest(5))
    assert [len(v) for v in task.split.values()] == [36, 12, 12]
    smallest = int(df["key"].value_counts().min())
    auto = key_task(df, per_class=None, seed=0)
    assert auto.per_class == smallest and auto.left_out == {}
    assert key_task(df, per_class=None, max_per_class=4).per_class == 4
    few = key_task(df.iloc[:40], per_class=4)  # 40 tracks cannot fill every key
    assert few.left_out and all(n < 4 for n in few.left_out.values())
    few = key_task(df.iloc[:40], per_class=None)  # keys of 3 or more, one for each part
    counts = df.iloc[:40].key.value_counts()
    assert few.per_class == counts[counts >= 3].min()
    assert few.left_out == {k: counts.get(k, 0) for k in range(12) if counts.get(k, 0) < 3}
    assert few.left_out


def test_pretraining_ids_hold_out_every_valid_and_test_track():
    df = _corpus()
    tasks = [artist_task(df, n_artists=3, per_class=10, seed=0),
             genre_task(df, ["rock", "jazz", "hip hop"], per_class=15, seed=0),
             key_task(df, per_class=3, seed=0)]
    held = set().union(*(set(t.split["valid"]) | set(t.split["test"]) for t in tasks))
    train = set().union(*(set(t.split["train"]) for t in tasks))
    ids = pretraining_ids(df.index, tasks)
    assert ids == [t for t in df.index if t not in held]
    assert train - held <= set(ids)  # training tracks stay in
    assert pretraining_ids(df.index, [t.split for t in tasks]) == ids
    groups = [{ids[0], ids[1]}]
    assert pretraining_ids(df.index, tasks, duplicates=groups) == [ids[0]] + ids[2:]
    assert pretraining_ids(["a", "b", "c"], {"train": ["a"], "valid": ["b"],
                                             "test": []}) == ["a", "c"]
    with pytest.raises(ParameterError, match="valid"):
        pretraining_ids(df.index, [tasks[0].ids])


def test_task_targets_index_the_sorted_classes_in_split_order():
    task = TaskSubset(["t1", "t2", "t3", "t4"], np.array(["b", "a", "b", "c"]), 1,
                      split={"train": ["t3", "t2"], "test": ["t4", "t1"]})
    assert task.classes == ["a", "b", "c"]
    assert task.targets().tolist() == [1, 0, 1, 2] and task.targets().dtype == np.int64
    assert task.targets("train").tolist() == [1, 0]
    assert task.targets("test").tolist() == [2, 1]
