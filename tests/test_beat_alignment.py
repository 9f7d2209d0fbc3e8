"""Beat alignment of segment features: overlap, segment fraction and MSongsDB's strict mode.

The seven hand-built edge cases of spec dieleman2011 Sec. 6.1 / 8.5 on one layout
of four segments, then the real MSD fixture files (skipped when absent).

Layout: segments [0, 1), [1, 2), [2, 4), [4, 5) (lengths 1, 1, 2, 1), duration 5,
values 1, 10, 100, 1000, so each weighted mean can be worked out by hand.
"""

import shutil
from pathlib import Path

import numpy as np
import pytest

from mirnb.analysis import beat_features, segments_to_beats
from mirnb.errors import ParameterError

STARTS = [0.0, 1.0, 2.0, 4.0]
VALUES = np.array([1.0, 10.0, 100.0, 1000.0])
DUR = 5.0
FIX, STRICT, OVER = "segment_fraction", "segment_fraction_strict", "overlap"

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "msd"
REAL = sorted(FIXTURES.glob("*.h5")) if FIXTURES.is_dir() else []
needs_fixtures = pytest.mark.skipif(not REAL, reason=f"no MSD fixtures in {FIXTURES}")


def align(beats, method, starts=STARTS, values=VALUES, duration=DUR):
    return segments_to_beats(values, starts, beats, duration=duration, method=method)


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


# --------------------------------------------------------------------------
# the seven edge cases
# --------------------------------------------------------------------------
def test_case1_interior_beat_over_several_segments():
    # beat [0.5, 3): half of segment 0 (w 0.5), all of segment 1 (w 1),
    # 1 s of the 2 s segment 2 (w 0.5); overlap weighs 0.5 s, 1 s, 1 s
    beats = [0.5, 3.0, 3.5]
    expect = (0.5 * 1 + 10 + 0.5 * 100) / 2.0
    for m in (FIX, STRICT):
        close(align(beats, m)[0], expect)
    close(align(beats, OVER)[0], (0.5 * 1 + 10 + 100) / 2.5)
    # starting exactly on segment 1: segment 0 gets weight 0, no harm done
    close(align([1.0, 2.5, 3.5], STRICT)[0], (10 + 0.25 * 100) / 1.25)
    close(align([1.0, 2.5, 3.5], FIX)[0], (10 + 0.25 * 100) / 1.25)


def test_case2_beat_inside_one_segment():
    for m in (FIX, STRICT, OVER):
        close(align([2.5, 3.0, 3.5], m)[:2], [100.0, 100.0])


def test_case3_first_beat_at_the_first_segment_start_wraps_around_in_strict():
    # beat [0, 1.5): first = -1 is the last segment, with weight (5 - 0) / 1 = 5;
    # segment 0 keeps weight 1 and segment 1 gets 0.5
    beats = [0.0, 1.5, 3.0]
    close(align(beats, STRICT)[0], (5 * 1000 + 1 + 0.5 * 10) / 6.5)
    close(align(beats, FIX)[0], (1 + 0.5 * 10) / 1.5)
    close(align(beats, OVER)[0], (1 + 0.5 * 10) / 1.5)
    # a beat before a later first segment: the same wrap-around in strict;
    # fixed counts segment 0's whole length [0.2, 1) (w 1) and half of segment 1
    late = [0.2, 1.0, 2.0, 4.0]
    close(align(beats, STRICT, starts=late)[0], (5 * 1000 + 1 + 0.5 * 10) / 6.5)
    close(align(beats, FIX, starts=late)[0], (1 + 0.5 * 10) / 1.5)
    # a beat wholly before the first segment takes segment 0 (fix 4)
    close(align([0.0, 0.1, 1.5], FIX, starts=late)[0], 1.0)


def test_case4_beats_after_the_last_segment_start_are_zeroed_in_strict():
    beats = [0.5, 3.5, 4.2, 4.6]
    strict = align(beats, STRICT)
    # beat 1 [3.5, 4.2) ends after the last segment start: only segment 2
    first = (0.5 * 1 + 10 + 0.75 * 100) / 2.25
    close(strict, [first, 100.0, 0.0, 0.0])
    fixed = align(beats, FIX)
    close(fixed, [first, (0.25 * 100 + 0.2 * 1000) / 0.45, 1000.0, 1000.0])
    close(align(beats, OVER)[2:], [1000.0, 1000.0])
    # a loop that stops: everything after the first such beat stays zero,
    # even a beat that is itself fine (here a time going back is not allowed,
    # so check with 2-D values that whole rows are zero)
    v2 = np.stack([VALUES, -VALUES], axis=1)
    rows = segments_to_beats(v2, STARTS, beats, duration=DUR, method=STRICT)
    assert rows.shape == (4, 2) and np.all(rows[2:] == 0) and np.all(rows[:2] != 0)


def test_case5_last_beat_over_several_segments():
    # last beat [1.5, 5): strict uses only segment 1, the one in progress
    beats = [0.5, 1.5]
    close(align(beats, STRICT)[1], 10.0)
    close(align(beats, FIX)[1], (0.5 * 10 + 100 + 1000) / 2.5)
    close(align(beats, OVER)[1], (0.5 * 10 + 2 * 100 + 1000) / 3.5)


def test_case6_last_beat_starting_on_a_segment_start_is_nan_in_strict():
    # last beat [2, 5): segment 1 is "in progress" with weight (2 - 2) / 1 = 0
    beats = [0.5, 2.0]
    strict = align(beats, STRICT)
    assert np.isfinite(strict[0]) and np.isnan(strict[1])
    close(align(beats, FIX)[1], (100 + 1000) / 2.0)
    close(align(beats, OVER)[1], (2 * 100 + 1000) / 3.0)
    # the same for a beat that is not last but ends after the last segment start
    strict = align([0.5, 2.0, 4.5], STRICT)
    assert np.isnan(strict[1]) and strict[2] == 0.0


def test_case7_zero_length_beat():
    # a duplicate beat time on a segment start: zero weight sum, NaN in strict;
    # fixed and overlap take the segment that starts there
    beats = [0.5, 2.0, 2.0, 3.0]
    strict = align(beats, STRICT)
    assert np.isnan(strict[1]) and not np.isnan(strict[[0, 2, 3]]).any()
    close(align(beats, FIX)[1], 100.0)
    close(align(beats, OVER)[1], 100.0)
    # strictly inside a segment it is fine in every mode
    for m in (FIX, STRICT, OVER):
        close(align([0.5, 2.5, 2.5, 3.0], m)[1], 100.0)


def test_fixed_mode_never_gives_nan_or_zero_rows_on_random_layouts():
    rng = np.random.default_rng(0)
    for _ in range(50):
        starts = np.concatenate([[0.0], np.sort(rng.choice(np.arange(1, 100) * 0.05, 20,
                                                                replace=False))])
        beats = np.sort(rng.choice(np.arange(0, 110) * 0.05, 25))   # duplicates, ties
        v = rng.uniform(1, 2, len(starts))
        out = segments_to_beats(v, starts, beats, duration=5.0, method=FIX)
        assert np.all((out >= 1) & (out <= 2))
        # away from the edges the fixed and strict modes agree exactly
        strict = segments_to_beats(v, starts, beats, duration=5.0, method=STRICT)
        first_zero = np.flatnonzero(beats > starts[-1])
        n_ok = first_zero[0] if len(first_zero) else len(beats)
        end = np.append(beats[1:], 5.0)
        same = ((beats > starts[0]) & (end <= starts[-1]) & (end > beats)
                & (np.arange(len(beats)) < n_ok))
        close(strict[same], out[same])


def test_method_is_checked():
    with pytest.raises(ParameterError, match="method="):
        align([0.5], "fraction")
    with pytest.raises(ParameterError, match="method="):
        beat_features(_record([0.5]), method=None)
    for m in (FIX, STRICT, OVER):
        assert align([], m).shape == (0,)


# --------------------------------------------------------------------------
# beat_features: chroma_norm='max'
# --------------------------------------------------------------------------
def _record(beats, pitches=None):
    if pitches is None:
        pitches = np.eye(12)[[0, 4, 7, 9]]
    return {"segments_start": np.array(STARTS), "segments_pitches": pitches,
            "segments_timbre": np.outer(VALUES, np.ones(12)),
            "beats_start": np.asarray(beats, dtype=float), "duration": DUR}


def test_chroma_max_keeps_all_zero_beats_zero_and_nan_beats_nan():
    pitches = np.eye(12)[[0, 4, 7, 9]] * 0.5
    pitches[2] = 0.0                              # silent segment [2, 4)
    rec = _record([0.5, 2.5, 3.0, 3.5, 4.5], pitches)
    for m in (FIX, OVER):
        chroma, timbre = beat_features(rec, chroma_norm="max", method=m)
        assert np.all(chroma[1:3] == 0.0), m     # beats inside the silent segment
        close(chroma[[0, 3]].max(axis=1), [1.0, 1.0])
        close(chroma[4], np.eye(12)[9])
    # an ordinary beat mixes its segments and then peaks at 1
    chroma, _ = beat_features(rec, chroma_norm="max", method=FIX)
    close(chroma[0][[0, 4]], [0.5 * 0.5 / 0.5, 1.0])
    # strict mode's NaN row stays NaN after rescaling
    chroma, timbre = beat_features(_record([0.5, 2.0]), chroma_norm="max", method=STRICT)
    assert np.isnan(chroma[1]).all() and np.isnan(timbre[1]).all()
    close(chroma[0].max(), 1.0)



def test_lost_beats_counts_the_strict_modes_nan_and_zero_beats():
    from mirnb.analysis import lost_beats

    rec = _record([0.5, 2.0])  # the second beat starts on a segment start: NaN in strict
    assert lost_beats(rec) == 1 and lost_beats(rec, method=FIX) == 0
    assert lost_beats(_record([0.5, 2.5])) == 0

# --------------------------------------------------------------------------
# the real MSD files
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def records():
    from mirnb.datasets.msd import read_h5

    return [read_h5(p) for p in REAL]


@needs_fixtures
def test_real_files_fixed_mode_is_finite_and_strict_zeroes_three_final_beats(records):
    assert len(records) == 4
    zeroed = 0
    for rec in records:
        chroma, timbre = beat_features(rec, chroma_norm="max", method=FIX)
        assert np.isfinite(chroma).all() and np.isfinite(timbre).all()
        assert (np.abs(timbre).sum(axis=1) > 0).all()
        s_chroma, s_timbre = beat_features(rec, chroma_norm="max", method=STRICT)
        assert not np.isnan(s_timbre).any()
        zero_rows = np.flatnonzero((s_timbre == 0).all(axis=1))
        assert set(zero_rows) <= {len(s_timbre) - 1}
        zeroed += len(zero_rows)
        # the first segment starts at 0, before the first beat: no wrap-around
        assert rec.segments_start[0] == 0.0 < rec.beats_start[0]
    assert zeroed == 3


@needs_fixtures
def test_real_files_modes_agree_closely(records):
    for rec in records:
        over_c, over_t = beat_features(rec, chroma_norm="max", method=OVER)
        for m in (FIX, STRICT):
            c, t = beat_features(rec, chroma_norm="max", method=m)
            keep = ~(t == 0).all(axis=1)
            r = np.corrcoef(t[keep].ravel(), over_t[keep].ravel())[0, 1]
            assert r > 0.95, (rec.track_id, m, r)
            # spec Sec. 6.1: timbre mean |difference| 1.1-2.9, chroma 0.015-0.039
            assert 0.5 < np.abs(t[keep] - over_t[keep]).mean() < 4.0
            assert 0.005 < np.abs(c[keep] - over_c[keep]).mean() < 0.06
        # fixed and strict differ only at the edges (the last beats)
        fc, ft = beat_features(rec, method=FIX)
        sc, st = beat_features(rec, method=STRICT)
        same = np.isclose(ft, st, rtol=1e-9, atol=1e-9).all(axis=1)
        assert same[:-2].all() and same.sum() >= len(same) - 2


@needs_fixtures
def test_msd_loader_passes_the_method_through(tmp_path):
    from mirnb.datasets.msd import MSD, h5_path

    for p in REAL:
        dest = h5_path(tmp_path / "msd", p.stem)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, dest)
    ds = MSD(tmp_path, verbose=False)
    feats, skipped = ds.beat_features(chroma_norm="max", method=STRICT)
    assert not skipped and len(feats) == 4
    assert sum(bool((t[-1] == 0).all()) for _, t in feats.values()) == 3
    chroma, timbre = ds.track(REAL[0].stem).beat_features(method=FIX)
    close(timbre, beat_features(ds.track(REAL[0].stem).record(), method=FIX)[1])
    with pytest.raises(ParameterError, match="method="):
        ds.beat_features(method="strict")
