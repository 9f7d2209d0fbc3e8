"""Frame features of the hamel2010 kind: DFT and MFCC frames, the timbral and
temporal set, and FrameSet (rows of several tracks, windows over them)."""

import numpy as np
import pytest
import soundfile as sf

from mirnb import features
from mirnb.errors import DataError, ParameterError
from mirnb.features import FrameSet

SR = 22050


def _tone(freq, seconds=0.5, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_frames_have_the_paper_shape_and_align_with_mfccs():
    y = _tone(440, seconds=1.0)
    out = features.dft_mfcc_frames(y, sr=SR)
    n = 1 + (len(y) - 1024) // 1024
    assert out["dft"].shape == (n, 513) and out["mfcc"].shape == (n, 20)
    assert out["dft"].dtype == np.float32
    peak = np.argmax(out["dft"][3])
    assert abs(peak * SR / 1024 - 440) < SR / 1024
    raw = features.dft_mfcc_frames(y, sr=SR, compression="none")["dft"]
    np.testing.assert_allclose(out["dft"], np.log1p(100 * raw), rtol=1e-5)


def test_too_short_and_silent_clips_raise_clear_errors(tmp_path):
    with pytest.raises(DataError, match="fewer than one frame of n_fft=1024"):
        features.dft_mfcc_frames(_tone(440, seconds=0.02), sr=SR)
    with pytest.raises(DataError, match="silent"):
        features.dft_mfcc_frames(np.zeros(SR, np.float32), sr=SR)
    with pytest.raises(DataError, match="silent"):
        features.timbral_temporal(np.zeros(SR, np.float32), sr=SR)
    with pytest.raises(ParameterError, match="compression"):
        features.dft_mfcc_frames(_tone(440), sr=SR, compression="cube")
    # over a dataset, such clips are skipped and reported, the others kept
    sf.write(tmp_path / "ok.wav", _tone(440), SR)
    sf.write(tmp_path / "short.wav", _tone(440, seconds=0.02), SR)
    frames, skipped = features.extract(
        [("ok", tmp_path / "ok.wav"), ("short", tmp_path / "short.wav")], "dft_mfcc_frames",
        sr=SR, n_jobs=1, cache=False, verbose=False)
    assert list(frames) == ["ok"]
    assert [s.track_id for s in skipped] == ["short"] and "one frame" in skipped[0].reason


def test_timbral_temporal_has_its_documented_size():
    y = _tone(220, seconds=2.0) * (1 + (np.arange(2 * SR) // (SR // 4)) % 2)
    v = features.timbral_temporal(y.astype(np.float32), sr=SR)
    assert v.shape == (2 * 20 + 12 + 2 + 8 + 2,) and np.all(np.isfinite(v))


def test_frameset_subsamples_and_windows_each_track():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(36, 4)).astype(np.float32)
    track = np.repeat(["a", "b", "c"], 12)
    fs = FrameSet(X, track, np.repeat(["x", "y", "x"], 12))
    assert fs.tracks == ["a", "b", "c"] and len(fs.every(4)) == 12
    W = fs.windows(size=5, hop=3)
    assert W.X.shape == (3 * 3, 8)  # 1 + (12 - 5) // 3 = 3 windows per track, mean + var
    np.testing.assert_allclose(W.X[0, :4], X[:5].mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(W.X[0, 4:], X[:5].var(axis=0), rtol=1e-4)
    assert list(W.label) == ["x"] * 3 + ["y"] * 3 + ["x"] * 3
    with pytest.raises(ParameterError, match="expected \\(n, d\\)"):
        FrameSet(X, track[:-1])


def test_frameset_label_indices_sample_and_standardize():
    rng = np.random.default_rng(1)
    X = rng.normal(3.0, 2.0, size=(20, 3)).astype(np.float32)
    fs = FrameSet(X, np.repeat(["a", "b"], 10), np.repeat(["y", "x"], 10))
    assert fs.label_indices(["x", "y"]).tolist() == [1] * 10 + [0] * 10
    sub = fs.sample(5, seed=0)
    rows = np.sort(np.random.default_rng(0).choice(20, 5, replace=False))
    np.testing.assert_array_equal(sub.X, X[rows])
    assert list(sub.track) == list(fs.track[rows]) and list(sub.label) == list(fs.label[rows])
    assert fs.sample(None) is fs and fs.sample(20) is fs
    parts = {"train": fs, "test": fs.with_X(X[::-1] + 1)}
    scaled, scaler = features.frames.standardize(parts)
    np.testing.assert_allclose(scaled["train"].X.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(scaled["train"].X.std(axis=0), 1, atol=1e-5)
    np.testing.assert_allclose(scaled["test"].X, scaler.transform(X[::-1] + 1), rtol=1e-6)
    assert scaled["test"].X.dtype == np.float32 and list(scaled["test"].track) == list(fs.track)
    with pytest.raises(ParameterError, match="fit='valid'"):
        features.frames.standardize(parts, fit="valid")
