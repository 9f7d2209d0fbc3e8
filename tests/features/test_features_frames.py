"""Tests of mirnb.features.frames: beat-synchronous frames, summaries, windows."""

import librosa
import numpy as np
import pytest

from mirnb import ParameterError
from mirnb import features as F

SR = 22050


# -- beat sync and summaries --------------------------------------------------------------
def test_beat_sync_hand_example():
    Fm = np.array([np.arange(10.0), 10 * np.arange(10.0)])
    B = F.beat_sync(Fm, [2, 5])
    np.testing.assert_allclose(B, [[0.5, 3.0, 7.0], [5.0, 30.0, 70.0]])
    np.testing.assert_allclose(F.beat_sync(Fm, [2, 5], aggregate=np.max)[0], [1, 4, 9])
    np.testing.assert_allclose(F.beat_sync(Fm, [2, 5], pad=False)[0], [3.0])
    # beats at 0 and beyond the end are folded in, duplicates dropped
    np.testing.assert_allclose(F.beat_sync(Fm, [0, 2, 2, 50])[0], [0.5, 5.5])
    # time on axis 0
    np.testing.assert_allclose(F.beat_sync(Fm.T, [2, 5], axis=0)[:, 0], [0.5, 3.0, 7.0])


def test_beat_sync_clips_and_keeps_integer_means():
    Fm = np.arange(10.0)[None, :]
    # without pad, a beat past the end is clipped to n_frames, not dropped
    np.testing.assert_allclose(F.beat_sync(Fm, [2, 50], pad=False), [[5.5]])
    # no beats: one segment over all frames
    np.testing.assert_allclose(F.beat_sync(Fm, []), [[4.5]])
    Fi = np.arange(10)[None, :]
    B = F.beat_sync(Fi, [3])
    assert B.dtype == np.float64
    np.testing.assert_allclose(B, [[1.0, 6.0]])


def test_beat_sync_matches_librosa_sync():
    rng = np.random.default_rng(5)
    Fm = rng.standard_normal((12, 200))
    beats = np.sort(rng.choice(np.arange(1, 200), size=30, replace=False))
    for agg in (np.mean, np.median):
        np.testing.assert_allclose(F.beat_sync(Fm, beats, aggregate=agg),
                                   librosa.util.sync(Fm, beats, aggregate=agg), rtol=1e-12)


def test_summarize_and_windows_hand_examples():
    Fm = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0.0, 0.0, 6.0, 6.0, 0.0, 0.0]])
    v = F.summarize(Fm)
    np.testing.assert_allclose(v, [3.5, 2.0, np.std(Fm[0]), np.std(Fm[1])])
    np.testing.assert_allclose(F.summarize(Fm.T, stats=("max",), axis=0), [6.0, 6.0])
    W = F.frames_to_windows(Fm, size=4, hop=2)  # windows [0:4], [2:6]
    np.testing.assert_allclose(W, [[2.5, 3.0, 1.25, 9.0], [4.5, 3.0, 1.25, 9.0]])
    np.testing.assert_allclose(F.frames_to_windows(Fm.T, size=4, hop=2, axis=0), W)
    short = F.frames_to_windows(Fm, size=100, hop=50)
    np.testing.assert_allclose(short, [F.summarize(Fm, stats=("mean", "var"))])
    # Hamel's 5 s windows with 2.5 s hop over 30 s of 43 frames/s
    size, hop = round(5 * SR / 512), round(2.5 * SR / 512)
    n = 1 + 30 * SR // 512
    assert F.frames_to_windows(np.zeros((50, n)), size=size, hop=hop).shape == (
        1 + (n - size) // hop, 100)


# -- parameter checking -----------------------------------------------------------------
_Y = np.zeros(4096, np.float32)
_Y[::100] = 1.0


@pytest.mark.parametrize("call", [
    lambda: F.beat_sync(np.ones((2, 10)), [5, 2]),
    lambda: F.beat_sync(np.ones((2, 10)), [-1, 2]),
    lambda: F.beat_sync(np.ones((2, 10)), [1.5, 2]),
    lambda: F.beat_sync(np.ones((2, 10)), [2, 5], aggregate=None),
    lambda: F.beat_sync(np.ones((2, 10)), [2, 5], axis=2),
    lambda: F.summarize(np.ones((2, 10)), stats=("mode",)),
    lambda: F.summarize(np.ones((2, 0))),
    lambda: F.frames_to_windows(np.ones((2, 10)), size=0, hop=1),
    lambda: F.frames_to_windows(np.ones((2, 10)), size=4, hop=-2),
])
def test_bad_arguments_raise_parameter_error(call):
    with pytest.raises(ParameterError):
        call()
