"""The MSD HDF5 reader and writer (mirnb.datasets.msd.schema), on the real files
in the shared fixtures and on files written by the tests."""

import h5py
import numpy as np
import pytest
from msd_helpers import FIXTURES, REAL, make_analysis, needs_fixtures, structure

from mirnb.datasets.msd import h5_path, read_h5, write_h5
from mirnb.errors import DataError, MissingDataError, ParameterError


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
    assert structure(out) == structure(path)


# ---------------------------------------------------------------------------
# write -> read on synthetic data
# ---------------------------------------------------------------------------
def test_write_read_round_trip(tmp_path):
    ana = make_analysis()
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
        assert structure(path) == structure(REAL[0])


def test_write_h5_rejects_bad_input(tmp_path):
    ana = make_analysis()
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
    bad = make_analysis()
    bad.segments_timbre = bad.segments_timbre[:, :11]
    with pytest.raises(ParameterError, match="segments_timbre"):
        write_h5(target, bad, **kw)
    bad = make_analysis()
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


def test_write_h5_is_atomic(tmp_path, monkeypatch):
    from mirnb.datasets.msd import schema

    kw = dict(track_id="TRABCDE128F0000001", song_id="S", artist_id="A", artist_name="n",
              title="first")
    calls = []
    real = schema.atomic_write
    monkeypatch.setattr(schema, "atomic_write",
                        lambda path, write: calls.append(path) or real(path, write))
    target = write_h5(tmp_path / "x.h5", make_analysis(), **kw)
    assert calls == [target]

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(schema, "_earray", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_h5(target, make_analysis(), **dict(kw, title="second"))
    assert read_h5(target).title == "first"          # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["x.h5"]  # no temporary left
