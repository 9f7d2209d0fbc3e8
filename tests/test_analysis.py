"""Tests of mirnb.analysis on synthetic signals with known tempo, metre and key."""

import time

import numpy as np
import pytest

from mirnb.analysis import Analysis, analyze, beat_features, estimate_key, segments_to_beats
from mirnb.errors import ParameterError

SR = 22050


def _clicks(duration, *, period=0.5, first=0.25, accent_every=4, weak=0.5, seed=0):
    """Noise-burst clicks every ``period`` s, every ``accent_every``-th one loud."""
    rng = np.random.default_rng(seed)
    y = np.zeros(int(duration * SR))
    times = np.arange(first, duration - 0.05, period)
    n = int(0.03 * SR)
    decay = np.exp(-np.arange(n) / (0.005 * SR))
    for i, t in enumerate(times):
        k = int(round(t * SR))
        amp = 1.0 if i % accent_every == 0 else weak
        y[k:k + n] += amp * rng.standard_normal(n) * decay
    return (0.5 * y / np.abs(y).max()).astype(np.float32), times


def _chords(progression, *, seconds=0.5, repeats=5):
    """Harmonic-tone triads (MIDI numbers), each ``seconds`` long with an attack."""
    t = np.arange(int(seconds * SR)) / SR
    env = np.minimum(1.0, t / 0.01) * np.exp(-1.5 * t)
    out = []
    for chord in progression * repeats:
        y = np.zeros_like(t)
        for m in chord:
            f = 440.0 * 2 ** ((m - 69) / 12)
            y += sum(0.6 ** h * np.sin(2 * np.pi * f * (h + 1) * t) for h in range(4))
        out.append(y * env)
    y = np.concatenate(out)
    return (0.3 * y / np.abs(y).max()).astype(np.float32)


C_MAJOR = [[60, 64, 67], [65, 69, 72], [67, 71, 74], [60, 64, 67]]   # I IV V I in C
A_MINOR = [[57, 60, 64], [62, 65, 69], [64, 68, 71], [57, 60, 64]]   # i iv V i in A minor


@pytest.fixture(scope="module")
def click_analysis():
    y, times = _clicks(10.0)
    return analyze(y, sr=SR), times


def test_tempo_and_beats_of_a_120_bpm_click_track(click_analysis):
    a, clicks = click_analysis
    assert abs(a.tempo - 120.0) / 120.0 < 0.05
    assert len(a.beats_start) >= 12
    # every beat lies near a click
    dist = np.abs(a.beats_start[:, None] - clicks[None, :]).min(axis=1)
    assert dist.max() < 0.05, dist
    assert np.all(np.diff(a.beats_start) > 0)


def test_bars_and_tatums_follow_the_beats(click_analysis):
    a, _ = click_analysis
    assert a.time_signature == 4
    assert set(np.round(a.bars_start, 6)) <= set(np.round(a.beats_start, 6))
    # downbeats on the loud clicks (every 4th click from 0.25 s, i.e. t = 0.25 + 2 k)
    phase = np.mod(a.bars_start - 0.25, 2.0)
    assert np.all(np.minimum(phase, 2.0 - phase) < 0.05), a.bars_start
    assert len(a.tatums_start) == 2 * len(a.beats_start) - 1
    np.testing.assert_allclose(a.tatums_start[::2], a.beats_start)
    np.testing.assert_allclose(a.tatums_start[1::2],
                               0.5 * (a.beats_start[:-1] + a.beats_start[1:]))


def test_three_four_metre_from_accents():
    y, clicks = _clicks(10.0, accent_every=3, weak=0.3, seed=1)
    a = analyze(y, sr=SR)
    assert a.time_signature == 3
    assert a.time_signature_confidence > 0.2
    loud = clicks[::3]
    assert np.abs(a.bars_start[:, None] - loud[None, :]).min(axis=1).max() < 0.05


@pytest.mark.parametrize("progression, key, mode", [(C_MAJOR, 0, 1), (A_MINOR, 9, 0)])
def test_key_and_mode(progression, key, mode):
    a = analyze(_chords(progression), sr=SR)
    assert (a.key, a.mode) == (key, mode)
    assert 0 < a.key_confidence <= 1 and 0 < a.mode_confidence <= 1


def test_segment_invariants_and_onsets():
    y = _chords(C_MAJOR)
    a = analyze(y, sr=SR)
    n = a.n_segments
    assert a.segments_start[0] == 0.0
    assert np.all(np.diff(a.segments_start) > 0)
    assert a.segments_pitches.shape == (n, 12)
    assert a.segments_timbre.shape == (n, 12)
    for name in ("segments_loudness_max", "segments_loudness_max_time",
                 "segments_loudness_start", "segments_confidence"):
        assert getattr(a, name).shape == (n,)
        assert getattr(a, name).dtype == np.float64
    assert np.all(a.segments_pitches.max(axis=1) == 1.0)
    assert np.all(a.segments_pitches >= 0)
    assert np.all((a.segments_loudness_max >= -60) & (a.segments_loudness_max <= 0))
    assert np.all(a.segments_loudness_max >= a.segments_loudness_start)
    ends = np.append(a.segments_start[1:], a.duration)
    assert np.all(a.segments_loudness_max_time <= ends - a.segments_start + 1e-9)
    assert np.all((a.segments_timbre[:, 0] >= 0) & (a.segments_timbre[:, 0] <= 60))
    assert np.all((a.segments_confidence >= 0) & (a.segments_confidence <= 1))
    # a segment starts within 60 ms before each chord change at k * 0.5 s
    changes = np.arange(0.5, a.duration - 0.1, 0.5)
    gap = changes[:, None] - a.segments_start[None, :]
    assert np.all(((gap >= -0.01) & (gap < 0.06)).any(axis=1))
    assert a.duration == pytest.approx(len(y) / SR)
    assert a.sample_rate == SR
    assert 0.0 <= a.end_of_fade_in < a.start_of_fade_out <= a.duration
    assert -60 < a.loudness < 0


def test_silence_gives_a_valid_empty_analysis():
    a = analyze(np.zeros(2 * SR, dtype=np.float32), sr=SR)
    assert a.n_segments == 1 and np.all(a.segments_pitches == 1.0)
    assert len(a.beats_start) == 0 and len(a.bars_start) == 0
    assert a.key_confidence == 0.0 and a.loudness == -60.0
    np.testing.assert_array_equal(a.sections_start, [0.0])


def test_sections_split_at_a_change_of_texture():
    clicks, _ = _clicks(30.0, accent_every=1, weak=1.0, seed=2)
    y = np.concatenate([clicks, _chords(C_MAJOR, repeats=15)])
    a = analyze(y, sr=SR)
    assert a.sections_start[0] == 0.0
    best = a.sections_start[1:][np.argmax(a.sections_confidence[1:])]
    assert abs(best - 30.0) < 1.0, a.sections_start


def test_bad_parameters_raise():
    y = np.zeros(SR, dtype=np.float32)
    for sr in (0, -22050, 22050.5, "22050", None, 1000):
        with pytest.raises(ParameterError, match="sr="):
            analyze(y, sr=sr)
    with pytest.raises(ParameterError, match="hop_length="):
        analyze(y, sr=SR, hop_length=0)
    with pytest.raises(ParameterError, match="n_timbre="):
        analyze(y, sr=SR, n_timbre=41)
    with pytest.raises(ParameterError, match="samples"):
        analyze(np.zeros(100, dtype=np.float32), sr=SR)
    with pytest.raises(ParameterError, match="dtype"):
        analyze(np.zeros(SR, dtype=np.int16), sr=SR)
    with pytest.raises(ParameterError, match="NaN"):
        analyze(np.full(SR, np.nan, dtype=np.float32), sr=SR)


def test_estimate_key_on_profiles():
    major_scale = np.zeros(12)
    major_scale[[0, 2, 4, 5, 7, 9, 11]] = 1.0
    major_scale[[0, 4, 7]] += 1.0           # stress the tonic triad
    g_major = np.roll(major_scale, 7)
    key, kc, mode, mc, r = estimate_key(g_major)
    assert (key, mode) == (7, 1) and r.shape == (2, 12) and kc > 0
    assert estimate_key(np.ones(12))[1] == 0.0
    with pytest.raises(ParameterError):
        estimate_key(np.ones(11))


def test_segments_to_beats_matches_a_hand_computed_example():
    values = np.array([[0.0, 1.0], [10.0, 1.0], [20.0, 4.0]])
    starts = [0.0, 1.0, 2.0]
    out = segments_to_beats(values, starts, [0.5, 1.5], duration=3.0)
    # beat 0 covers [0.5, 1.5): half of segment 0, half of segment 1
    # beat 1 covers [1.5, 3.0): 0.5 s of segment 1, 1 s of segment 2
    np.testing.assert_allclose(out, [[5.0, 1.0], [(0.5 * 10 + 20) / 1.5, (0.5 + 4) / 1.5]])
    one_d = segments_to_beats(values[:, 0], starts, [0.5, 1.5], duration=3.0)
    np.testing.assert_allclose(one_d, out[:, 0])
    # a zero-length beat takes the segment active at its start
    np.testing.assert_allclose(
        segments_to_beats(values, starts, [1.2, 1.2, 2.5], duration=3.0)[0], values[1])
    assert segments_to_beats(values, starts, [], duration=3.0).shape == (0, 2)
    with pytest.raises(ParameterError):
        segments_to_beats(values, [0.0, 1.0], [0.5], duration=3.0)
    with pytest.raises(ParameterError):
        segments_to_beats(values, starts, [1.0, 0.5], duration=3.0)
    with pytest.raises(ParameterError):
        segments_to_beats(values, starts, [0.5], duration=0)


def test_beat_features_from_an_analysis_and_a_mapping(click_analysis):
    a, _ = click_analysis
    chroma, timbre = beat_features(a)
    assert chroma.shape == (len(a.beats_start), 12)
    assert timbre.shape == (len(a.beats_start), 12)
    chroma_max, _ = beat_features(a.to_dict(), chroma_norm="max")
    np.testing.assert_allclose(chroma_max.max(axis=1), 1.0)
    with pytest.raises(ParameterError):
        beat_features({"segments_start": [0.0]})
    with pytest.raises(ParameterError):
        beat_features(a, chroma_norm="l2")
    assert isinstance(a, Analysis)


def test_speed_of_a_10_s_clip(click_analysis):
    y, _ = _clicks(10.0, seed=3)
    analyze(y, sr=SR)                       # warm (numba compiled by the fixture)
    t0 = time.perf_counter()
    analyze(y, sr=SR)
    # the target is well under 0.3 s; the bound leaves room for a busy machine
    assert time.perf_counter() - t0 < 1.5


def test_analysis_round_trips_through_an_msd_file(click_analysis, tmp_path):
    from dataclasses import fields

    from mirnb.datasets.msd import read_h5, write_h5

    a, _ = click_analysis
    path = write_h5(tmp_path / "TRTEST0000000001.h5", a, track_id="TRTEST0000000001",
                    song_id="SO1", artist_id="AR1", artist_name="x", title="y")
    back = read_h5(path).to_analysis()
    for f in fields(Analysis):
        np.testing.assert_array_equal(getattr(back, f.name), getattr(a, f.name), f.name)
