"""Tests of the Million Song Dataset reader, writer, loader and label helpers."""

import json
import logging
import sqlite3
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from mirnb.analysis import Analysis
from mirnb.datasets.msd import (MSD, MSDRecord, drop_duplicates, h5_path, key_labels,
                                mbtag_genres, read_duplicates, read_h5, read_lastfm_tags,
                                read_split_file, tag_matrix, top_artists, write_h5)
from mirnb.errors import DataError, MissingDataError, ParameterError

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "msd"
REAL = sorted(FIXTURES.glob("*.h5")) if FIXTURES.is_dir() else []
needs_fixtures = pytest.mark.skipif(not REAL, reason=f"no MSD fixtures in {FIXTURES}")


def _structure(path):
    """Groups, datasets (dtype, compound fields, trailing shape) and attribute names."""
    out = {}
    with h5py.File(path, "r") as h5:
        out["/"] = ("group", tuple(sorted(h5.attrs)))

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                fields = obj.dtype.names and tuple(
                    (n, obj.dtype.fields[n][0].str) for n in obj.dtype.names)
                out[name] = ("dataset", fields or obj.dtype.str, obj.shape[1:],
                             obj.maxshape, obj.compression, tuple(sorted(obj.attrs)))
            else:
                out[name] = ("group", tuple(sorted(obj.attrs)))
        h5.visititems(visit)
    return out


def _analysis(n=7, n_beats=9, seed=0):
    rng = np.random.default_rng(seed)
    pitches = rng.random((n, 12))
    pitches /= pitches.max(axis=1, keepdims=True)
    beats = np.sort(rng.uniform(0.1, 9.9, n_beats))
    return Analysis(
        segments_start=np.concatenate([[0.0], np.sort(rng.uniform(0.1, 9.9, n - 1))]),
        segments_pitches=pitches, segments_timbre=rng.normal(0, 50, (n, 12)),
        segments_loudness_max=rng.uniform(-60, 0, n),
        segments_loudness_max_time=rng.uniform(0, 0.2, n),
        segments_loudness_start=rng.uniform(-60, -10, n),
        segments_confidence=rng.random(n), beats_start=beats,
        beats_confidence=rng.random(n_beats), bars_start=beats[::4],
        bars_confidence=rng.random(len(beats[::4])),
        tatums_start=np.sort(np.concatenate([beats, beats + 0.1])),
        tatums_confidence=rng.random(2 * n_beats), sections_start=np.array([0.0]),
        sections_confidence=np.array([1.0]), key=int(rng.integers(12)),
        key_confidence=float(rng.random()), mode=int(rng.integers(2)),
        mode_confidence=float(rng.random()), tempo=121.5, time_signature=4,
        time_signature_confidence=0.5, duration=10.0, loudness=-12.5,
        end_of_fade_in=0.1, start_of_fade_out=9.5, sample_rate=22050)


def _track_id(i):
    letters = "ABCDEFGHIJKLMNOP"
    return f"TR{letters[i % 16]}{letters[(i // 16) % 16]}A{i:04d}F0000000"[:18]


# ---------------------------------------------------------------------------
# the real files
# ---------------------------------------------------------------------------
@needs_fixtures
@pytest.mark.parametrize("path", REAL, ids=[p.stem for p in REAL])
def test_read_real_fixture(path):
    rec = read_h5(path)
    assert rec.track_id == path.stem
    assert rec.duration > 0 and rec.analysis_sample_rate == 22050
    n = len(rec.segments_start)
    assert n > 100
    assert rec.segments_pitches.shape == (n, 12)
    assert rec.segments_timbre.shape == (n, 12)
    assert rec.segments_loudness_max.shape == (n,)
    assert np.all(np.diff(rec.segments_start) > 0)
    assert np.all(np.diff(rec.beats_start) > 0)
    np.testing.assert_allclose(rec.segments_pitches.max(axis=1), 1.0)
    assert rec.segments_pitches.dtype == np.float64
    assert 0 <= rec.key <= 11 and rec.mode in (0, 1)
    assert len(rec.artist_terms) == len(rec.artist_terms_freq) == len(rec.artist_terms_weight)
    assert len(rec.artist_mbtags) == len(rec.artist_mbtags_count)
    assert all(isinstance(t, str) for t in rec.artist_terms)
    assert rec.song_id.startswith("SO") and rec.artist_id.startswith("AR")
    assert rec["title"] == rec.title


@needs_fixtures
def test_known_values_of_one_fixture():
    path = FIXTURES / "TRAAABD128F429CF47.h5"
    if not path.is_file():
        pytest.skip("TRAAABD128F429CF47.h5 not among the fixtures")
    rec = read_h5(path)
    assert (rec.artist_name, rec.title, rec.release) == ("The Box Tops", "Soul Deep",
                                                         "Dimensions")
    assert rec.year == 1969 and rec.key == 6 and rec.mode == 0
    assert rec.tempo == pytest.approx(121.274)
    assert rec.duration == pytest.approx(148.03546)
    assert len(rec.segments_start) == 550 and len(rec.beats_start) == 296
    assert rec.artist_mbtags == ["classic pop and rock"]
    assert list(rec.artist_mbtags_count) == [1]
    assert rec.artist_terms[0] == "blue-eyed soul"
    assert np.isnan(rec.song_hotttnesss)
    light = read_h5(path, arrays=False)
    assert "segments_start" not in light and light.title == "Soul Deep"
    with pytest.raises(ParameterError, match="songidx"):
        read_h5(path, songidx=1)
    ana = rec.to_analysis()
    assert ana.sample_rate == 22050 and ana.n_segments == 550
    with pytest.raises(ParameterError, match="arrays=False"):
        light.to_analysis()


@needs_fixtures
@pytest.mark.parametrize("path", REAL[:2], ids=[p.stem for p in REAL[:2]])
def test_real_fixture_rewrites_identically(path, tmp_path):
    rec = read_h5(path)
    out = write_h5(tmp_path / path.name, rec, **rec.write_kwargs())
    assert read_h5(out) == rec
    assert _structure(out) == _structure(path)


# ---------------------------------------------------------------------------
# write -> read on synthetic data
# ---------------------------------------------------------------------------
def test_write_read_round_trip(tmp_path):
    ana = _analysis()
    path = h5_path(tmp_path / "msd", "TRABCDE128F0000001")
    assert path == tmp_path / "msd" / "data" / "A" / "B" / "C" / "TRABCDE128F0000001.h5"
    write_h5(path, ana, track_id="TRABCDE128F0000001", song_id="SOXYZ", artist_id="ARXYZ",
             artist_name="Zoë & the Ünicodes", title="A song", release="An album",
             year=2001, artist_terms=["rock", "indie"], artist_terms_freq=[1.0, 0.5],
             artist_terms_weight=[0.9, 0.4], artist_mbtags=["rock"],
             artist_mbtags_count=[3], artist_mbid="mbid-1", danceability=0.25,
             similar_artists=["ARAAA", "ARBBB"])
    assert not list(path.parent.glob("*.tmp"))
    rec = read_h5(path)
    for name in ("segments_start", "segments_pitches", "segments_timbre", "beats_start",
                 "bars_confidence", "tatums_start", "sections_start"):
        np.testing.assert_array_equal(rec[name], getattr(ana, name))
    assert (rec.key, rec.mode, rec.tempo, rec.analysis_sample_rate) == (
        ana.key, ana.mode, 121.5, 22050)
    assert rec.artist_name == "Zoë & the Ünicodes" and rec.year == 2001
    assert rec.artist_terms == ["rock", "indie"]
    np.testing.assert_array_equal(rec.artist_terms_weight, [0.9, 0.4])
    assert rec.artist_mbtags == ["rock"] and list(rec.artist_mbtags_count) == [3]
    assert rec.similar_artists == ["ARAAA", "ARBBB"]
    assert rec.danceability == 0.25 and rec.energy == 0.0
    assert np.isnan(rec.artist_latitude) and rec.genre == ""
    # re-writing the record reproduces it
    again = write_h5(tmp_path / "again.h5", rec, **rec.write_kwargs())
    assert read_h5(again) == rec
    changed = dict(rec.write_kwargs(), title="Another")
    other = read_h5(write_h5(tmp_path / "other.h5", rec, **changed))
    assert other != rec
    if REAL:
        assert _structure(path) == _structure(REAL[0])


def test_write_h5_rejects_bad_input(tmp_path):
    ana = _analysis()
    kw = dict(track_id="TRABCDE128F0000001", song_id="S", artist_id="A", artist_name="n",
              title="t")
    target = tmp_path / "x.h5"
    with pytest.raises(ParameterError, match="unknown MSD field"):
        write_h5(target, ana, **kw, colour="red")
    with pytest.raises(ParameterError, match="at most 32"):
        write_h5(target, ana, **dict(kw, song_id="S" * 40))
    with pytest.raises(ParameterError, match="track_id"):
        write_h5(target, ana, **dict(kw, track_id="a/b"))
    with pytest.raises(ParameterError, match="one value per term"):
        write_h5(target, ana, **kw, artist_terms=["a", "b"], artist_terms_freq=[1.0])
    bad = _analysis()
    bad.segments_timbre = bad.segments_timbre[:, :11]
    with pytest.raises(ParameterError, match="segments_timbre"):
        write_h5(target, bad, **kw)
    bad = _analysis()
    bad.beats_confidence = bad.beats_confidence[:-1]
    with pytest.raises(ParameterError, match="beats arrays differ"):
        write_h5(target, bad, **kw)
    assert not target.exists() and not list(tmp_path.iterdir())


def test_read_h5_errors(tmp_path):
    with pytest.raises(MissingDataError):
        read_h5(tmp_path / "TRNOPE.h5")
    bad = tmp_path / "TRBAD.h5"
    bad.write_bytes(b"not an hdf5 file at all" * 10)
    with pytest.raises(DataError, match=str(bad)):
        read_h5(bad)
    partial = tmp_path / "TRPART.h5"
    with h5py.File(partial, "w") as h5:
        h5.create_group("analysis")
    with pytest.raises(DataError, match="schema"):
        read_h5(partial)


# ---------------------------------------------------------------------------
# the dataset
# ---------------------------------------------------------------------------
ARTISTS = {"ARONE": ("One", ["Rock", "pop"], [5, 2]),
           "ARTWO": ("Two", ["jazz"], [4]),
           "ARTHREE": ("Three", ["british", "Pop"], [9, 1]),
           "ARFOUR": ("Four", [], [])}


@pytest.fixture(scope="module")
def msd_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    root = home / "msd"
    i = 0
    for artist_id, (name, tags, counts) in ARTISTS.items():
        for j in range(6):
            tid = _track_id(i)
            ana = _analysis(seed=i)
            ana.key, ana.mode = j % 3, j % 2
            ana.key_confidence = 0.9 if j < 5 else 0.1
            ana.mode_confidence = 0.8
            # one file in the layout without data/
            path = h5_path(root, tid, data_dir=(i != 3))
            write_h5(path, ana, track_id=tid, song_id=f"SO{i:04d}", artist_id=artist_id,
                     artist_name=name, title=f"song {i}", year=1990 + i,
                     artist_terms=["term"], artist_mbtags=tags, artist_mbtags_count=counts)
            i += 1
    corrupt = root / "data" / "Z" / "Z" / "Z" / "TRZZZZZ128F0000000.h5"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_bytes(b"\x89HDF broken" * 50)
    return home


def test_msd_labels_tracks_and_skipped(msd_home, caplog):
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets.msd"):
        ds = MSD(msd_home)
        labels = ds.labels
    assert len(ds) == 24 and list(labels.index) == sorted(labels.index)
    for col in ("artist_id", "artist_name", "title", "year", "key", "key_confidence", "mode",
                "mode_confidence", "tempo", "time_signature", "duration", "mbtags",
                "terms", "genre", "path"):
        assert col in labels.columns
    assert [s.track_id for s in ds.skipped] == ["TRZZZZZ128F0000000"]
    assert "TRZZZZZ128F0000000" in caplog.text
    assert _track_id(3) in labels.index                 # the file outside data/
    first = labels.loc[_track_id(0)]
    assert first.genre == "Rock" and first.mbtags == ["Rock", "pop"]
    assert labels.loc[_track_id(12), "genre"] == "british"
    assert labels.loc[_track_id(18), "genre"] is None
    tr = ds.track(_track_id(0))
    assert tr.audio_path is None and tr.artist_name == "One"
    with pytest.raises(DataError):
        tr.audio()
    rec = tr.record()
    assert isinstance(rec, MSDRecord) and rec.track_id == _track_id(0)
    chroma, timbre = tr.beat_features()
    assert chroma.shape == (9, 12) and timbre.shape == (9, 12)
    with pytest.raises(ParameterError):
        ds.track("TRNOTTHERE")
    report = ds.validate()
    assert not report.missing and [s.track_id for s in report.invalid] == ["TRZZZZZ128F0000000"]
    assert "Bertin-Mahieux" in ds.cite()


def test_msd_genre_vocabulary(msd_home):
    ds = MSD(msd_home, genres=["pop", "Jazz"], verbose=False)
    g = ds.labels["genre"]
    assert g[_track_id(0)] == "pop"            # 'Rock' is not in the vocabulary
    assert g[_track_id(6)] == "Jazz"           # vocabulary spelling is kept
    assert g[_track_id(12)] == "pop"
    assert g[_track_id(18)] is None
    with pytest.raises(ParameterError):
        MSD(msd_home, genres="pop")


def test_msd_splits(msd_home, tmp_path):
    ds = MSD(msd_home, verbose=False)
    for name, kw in [("artist", {}), ("genre", {}), ("key", {"min_confidence": 0.5})]:
        sp = ds.splits(name, fractions=(0.5, 0.2, 0.3), min_tracks=3, seed=1, **kw)
        parts = [set(sp[k]) for k in ("train", "valid", "test")]
        assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
        union = set().union(*parts)
        if name == "artist":
            assert union == set(ds.track_ids)
            y = ds.labels.loc[sp["test"], "artist_id"]
            assert set(y) == set(ARTISTS)      # stratified: every artist in test
        if name == "genre":
            assert union == set(ds.labels.index[ds.labels["genre"].notna()])
        if name == "key":
            assert union == set(ds.labels.index[ds.labels["key_confidence"] >= 0.5])
    top = ds.splits("artist", n_artists=2, min_tracks=3)
    assert len(set(ds.labels.loc[sum(top.values(), []), "artist_id"])) == 2
    assert ds.splits("artist", seed=3, min_tracks=3) == ds.splits("artist", seed=3,
                                                                  min_tracks=3)
    f = tmp_path / "split.txt"
    f.write_text(f"# comment\n{_track_id(0)} train\n{_track_id(1)}\tvalidation\n"
                 f"{_track_id(2)} test\nTRNOTINTHEDATA0000 test\n")
    assert ds.splits("file", path=f) == {"train": [_track_id(0)], "valid": [_track_id(1)],
                                         "test": [_track_id(2)]}
    with pytest.raises(ParameterError, match="path="):
        ds.splits("file")
    with pytest.raises(ParameterError):
        ds.splits("mood")
    with pytest.raises(ParameterError, match="min_tracks"):
        ds.splits("artist", min_tracks=100)


def test_missing_msd_names_the_layout(tmp_path):
    with pytest.raises(MissingDataError, match=r"data/<A>/<B>/<C>/<TRACKID>\.h5") as err:
        MSD(tmp_path).labels
    assert "millionsongdataset.com" in str(err.value)
    (tmp_path / "msd").mkdir()
    with pytest.raises(MissingDataError, match="no .h5 files"):
        MSD(tmp_path).labels


# ---------------------------------------------------------------------------
# label helpers and side files
# ---------------------------------------------------------------------------
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
