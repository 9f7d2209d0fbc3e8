"""The MSD loader (mirnb.datasets.msd.MSD) and its splits, on files written by the tests."""

import logging

import pytest
from msd_helpers import make_analysis, track_id

from mirnb.datasets import Split
from mirnb.datasets.msd import MSD, MSDRecord, h5_path, write_h5
from mirnb.errors import DataError, MissingDataError, ParameterError


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
            tid = track_id(i)
            ana = make_analysis(seed=i)
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
    assert track_id(3) in labels.index                 # the file outside data/
    first = labels.loc[track_id(0)]
    assert first.genre == "Rock" and first.mbtags == ["Rock", "pop"]
    assert labels.loc[track_id(12), "genre"] == "british"
    assert labels.loc[track_id(18), "genre"] is None
    tr = ds.track(track_id(0))
    assert tr.audio_path is None and tr.artist_name == "One"
    with pytest.raises(DataError):
        tr.audio()
    rec = tr.record()
    assert isinstance(rec, MSDRecord) and rec.track_id == track_id(0)
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
    assert g[track_id(0)] == "pop"            # 'Rock' is not in the vocabulary
    assert g[track_id(6)] == "Jazz"           # vocabulary spelling is kept
    assert g[track_id(12)] == "pop"
    assert g[track_id(18)] is None
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
    assert isinstance(top, Split) and top.name == "artist" and top == ds.splits(
        n_artists=2, min_tracks=3)  # 'artist' is the MSD's default
    f = tmp_path / "split.txt"
    f.write_text(f"# comment\n{track_id(2)} train\n{track_id(0)} train\n"
                 f"{track_id(1)}\tvalidation\n{track_id(3)} test\nTRNOTINTHEDATA0000 test\n")
    sp = ds.splits("files", path=f)
    assert sp == {"train": [track_id(0), track_id(2)], "valid": [track_id(1)],
                  "test": [track_id(3)]}
    assert [(s.track_id, s.reason) for s in sp.skipped] == [
        ("TRNOTINTHEDATA0000", "test: not in Million Song Dataset")]
    with pytest.raises(MissingDataError, match=r"msd/splits/train\.txt"):
        ds.splits("files")
    with pytest.raises(ParameterError, match=r"\['artist', 'genre', 'key', 'files'\]"):
        ds.splits("mood")
    with pytest.raises(ParameterError, match=r"takes no argument\(s\) \['n_artists'\]"):
        ds.splits("genre", n_artists=3)
    with pytest.raises(ParameterError, match="min_tracks"):
        ds.splits("artist", min_tracks=100)


def test_missing_msd_names_the_layout(tmp_path):
    with pytest.raises(MissingDataError, match=r"data/<A>/<B>/<C>/<TRACKID>\.h5") as err:
        MSD(tmp_path).labels
    assert "millionsongdataset.com" in str(err.value)
    (tmp_path / "msd").mkdir()
    with pytest.raises(MissingDataError, match="no .h5 files"):
        MSD(tmp_path).labels
