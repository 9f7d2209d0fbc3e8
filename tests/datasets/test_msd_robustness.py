"""Damaged MSD files: NaN in the analysis, missing groups, datasets and fields."""

import shutil

import h5py
import numpy as np
import pytest
from msd_helpers import REAL, make_analysis, needs_fixtures, track_id

from mirnb.analysis import beat_features, segments_to_beats
from mirnb.datasets.msd import MSD, h5_path, read_h5, write_h5
from mirnb.errors import DataError, ParameterError


def _write(root, i, **changes):
    ana = make_analysis(seed=i)
    for name, value in changes.items():
        setattr(ana, name, value)
    tid = track_id(i)
    path = h5_path(root, tid)
    write_h5(path, ana, track_id=tid, song_id=f"SO{i:04d}", artist_id="ARX",
             artist_name="X", title=f"song {i}")
    return tid, path


def _nan_timbre(seed=0, row=3, col=5):
    timbre = make_analysis(seed=seed).segments_timbre.copy()
    timbre[row, col] = np.nan
    return timbre


def test_nan_timbre_raises_a_data_error_naming_track_file_and_field(tmp_path):
    tid, path = _write(tmp_path / "msd", 1, segments_timbre=_nan_timbre(1))
    rec = read_h5(path)
    with pytest.raises(DataError, match=rf"{tid}.*'segments_timbre'.*NaN.*\(3, 5\)"):
        beat_features(rec)
    ds = MSD(tmp_path, verbose=False)
    with pytest.raises(DataError, match=rf"{tid}.*{path.name}.*'segments_timbre'"):
        ds.track(tid).beat_features()
    # an Analysis (no track id): the field is still named, no NumPy warning escapes
    ana = make_analysis()
    ana.segments_pitches = ana.segments_pitches.copy()
    ana.segments_pitches[0, 0] = np.inf
    with pytest.raises(DataError, match="'segments_pitches'"):
        beat_features(ana)
    with pytest.raises(ParameterError, match="NaN or infinite"):
        segments_to_beats(_nan_timbre(), make_analysis().segments_start, [0.5, 1.0],
                          duration=10)


def test_over_a_dataset_bad_tracks_are_skipped_and_reported(tmp_path):
    root = tmp_path / "msd"
    good = [_write(root, i)[0] for i in range(3)]
    bad, _ = _write(root, 7, segments_timbre=_nan_timbre(7))
    ds = MSD(tmp_path, verbose=False)
    feats, skipped = ds.beat_features()
    assert list(feats) == good
    assert all(np.isfinite(c).all() and np.isfinite(t).all() for c, t in feats.values())
    (s,) = skipped
    assert s.track_id == bad and "segments_timbre" in s.reason
    report = ds.validate()
    assert [s.track_id for s in report.invalid] == [bad]
    assert "segments_timbre" in report.invalid[0].reason


@pytest.mark.parametrize("part", ["analysis", "metadata", "musicbrainz", "analysis/songs",
                                  "analysis/segments_timbre", "metadata/artist_terms"])
def test_a_missing_group_or_dataset_is_named(tmp_path, part):
    _, path = _write(tmp_path, 2)
    with h5py.File(path, "a") as h5:
        del h5[part]
    name = part if "/" in part else part + "/"
    with pytest.raises(DataError, match=rf"{path.name}.*'{name}'.*schema"):
        read_h5(path)


def test_a_missing_table_field_is_named(tmp_path):
    _, path = _write(tmp_path, 3)
    with h5py.File(path, "a") as h5:
        t = h5["analysis/songs"][()]
        keep = [n for n in t.dtype.names if n != "tempo"]
        new = np.empty(t.shape, dtype=[(n, t.dtype.fields[n][0]) for n in keep])
        for n in keep:
            new[n] = t[n]
        del h5["analysis/songs"]
        h5.create_dataset("analysis/songs", data=new)
    with pytest.raises(DataError, match=r"'analysis/songs' lacks the field\(s\) \['tempo'\]"):
        read_h5(path)


@needs_fixtures
def test_real_file_without_its_analysis_group(tmp_path):
    path = tmp_path / REAL[0].name
    shutil.copy(REAL[0], path)
    with h5py.File(path, "a") as h5:
        del h5["analysis"]
    with pytest.raises(DataError, match=r"no group 'analysis/'"):
        read_h5(path)
    with pytest.raises(DataError, match=r"no group 'analysis/'"):
        read_h5(path, arrays=False)
