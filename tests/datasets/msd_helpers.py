"""Helpers of the MSD tests: the shared real files, a synthetic analysis, track ids."""

from pathlib import Path

import h5py
import numpy as np
import pytest

from mirnb.analysis import Analysis

#: The four real MSD files of the development workspace (never committed).
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "msd"
REAL = sorted(FIXTURES.glob("*.h5")) if FIXTURES.is_dir() else []
needs_fixtures = pytest.mark.skipif(not REAL, reason=f"no MSD fixtures in {FIXTURES}")


def structure(path):
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


def make_analysis(n=7, n_beats=9, seed=0):
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


def track_id(i):
    letters = "ABCDEFGHIJKLMNOP"
    return f"TR{letters[i % 16]}{letters[(i // 16) % 16]}A{i:04d}F0000000"[:18]
