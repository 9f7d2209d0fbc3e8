"""Tests of mirnb.features.bags: Nam et al.'s front end, blocks, sampling, whitening, pooling."""

import librosa
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from sklearn.exceptions import NotFittedError

from mirnb import DataError, ParameterError
from mirnb import features as F
from mirnb.cache import Cache
from mirnb.datasets import Track

SR = 22050


def _tone_clip(seconds, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    env = 0.5 * (1 + np.sin(2 * np.pi * 1.5 * t))
    sig = 0.3 * env * np.sin(2 * np.pi * 330 * t) + 0.01 * rng.standard_normal(t.size)
    return sig.astype(np.float32)


# -- front end ---------------------------------------------------------------------------
def test_deepbof_frames_of_a_10_s_clip_has_the_codes_432_frames():
    """ceil(L / 512) + 1 frames, as the code's stft.m, not librosa's 1 + L // 512.

    220500 samples = 430.66 hops: librosa alone gives 431 frames; the code (and
    deepbof_frames, which pads the clip to a whole number of hops) gives 432, the
    last one centred 172 samples past the end of the clip.
    """
    y = _tone_clip(10.0)
    d = F.deepbof_frames(y, sr=SR)
    assert set(d) == {"mel", "novelty"}
    assert d["mel"].shape == (128, 432) and d["novelty"].shape == (432,)
    assert d["mel"].dtype == d["novelty"].dtype == np.float32
    assert np.isfinite(d["mel"]).all() and np.isfinite(d["novelty"]).all()
    assert (d["mel"] > 0).all() and d["novelty"][0] == 0 and (d["novelty"] >= 0).all()
    assert 1 + len(y) // 512 == 431
    # a whole number of hops: both counts agree
    assert F.deepbof_frames(y[:512 * 40], sr=SR)["mel"].shape == (128, 41)


def test_deepbof_frames_is_the_codes_pipeline():
    y = _tone_clip(2.0, seed=1)
    d = F.deepbof_frames(y, sr=SR, n_mels=64)
    # by hand: pad to whole hops, |STFT| (Hann, 512 zeros each side), + 1e-4 * max,
    # Ellis AGC, Slaney mel on magnitude, log10(1 + 10 x)
    yp = np.concatenate([y, np.zeros(-len(y) % 512, np.float32)])
    X = np.abs(librosa.stft(yp, n_fft=1024, hop_length=512, center=True,
                            pad_mode="constant")).astype(np.float64)
    X = X + 1e-4 * X.max()
    Y = F.agc(X, sr=SR, hop_length=512, method="ellis")
    W = librosa.filters.mel(sr=SR, n_fft=1024, n_mels=64, norm="slaney", dtype=np.float64)
    np.testing.assert_allclose(d["mel"], np.log10(1 + 10 * (W @ Y)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(d["novelty"], F.novelty(Y, sr=SR), rtol=1e-5, atol=1e-7)
    # agc=False skips the AGC only; gain is the compression constant
    d0 = F.deepbof_frames(y, sr=SR, n_mels=64, agc=False, gain=100.0)
    np.testing.assert_allclose(d0["mel"], np.log10(1 + 100 * (W @ X)), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(d0["novelty"], F.novelty(X, sr=SR), rtol=1e-5, atol=1e-7)


def test_deepbof_novelty_peaks_at_clicks():
    times = np.arange(0.5, 4.0, 0.5)
    y = librosa.clicks(times=times, sr=SR, length=4 * SR).astype(np.float32)
    y += 1e-3 * np.random.default_rng(2).standard_normal(y.size).astype(np.float32)
    nf = F.deepbof_frames(y, sr=SR)["novelty"]
    peaks = np.sort(np.argsort(nf)[-len(times):])
    np.testing.assert_allclose(peaks, np.floor(times * SR / 512), atol=1)


def test_deepbof_frames_rejects_a_silent_clip():
    with pytest.raises(DataError, match="silent"):
        F.deepbof_frames(np.zeros(SR, np.float32), sr=SR)
    with pytest.raises(ParameterError):
        F.deepbof_frames(np.zeros(SR, np.int16), sr=SR)
    with pytest.raises(ParameterError):
        F.deepbof_frames(_tone_clip(1.0), sr=SR, gain=0)


def test_deepbof_frames_through_extract(tmp_path):
    assert F.FEATURES["deepbof_frames"] is F.deepbof_frames
    sf.write(tmp_path / "tone.wav", _tone_clip(1.0), SR)
    sf.write(tmp_path / "silent.wav", np.zeros(SR), SR)
    tracks = [Track("tone", tmp_path / "tone.wav"), Track("silent", tmp_path / "silent.wav")]
    cache = Cache(tmp_path / "cache")
    kw = dict(sr=SR, n_jobs=1, cache=cache, verbose=False, n_mels=32,
              load_kwargs={"allow_silent": True})
    feats, skipped = F.extract(tracks, "deepbof_frames", **kw)
    assert list(feats) == ["tone"]
    assert [s.track_id for s in skipped] == ["silent"]
    assert "silent" in skipped[0].reason
    assert feats["tone"]["mel"].shape == (32, 1 + int(np.ceil(SR / 512)))
    again, _ = F.extract(tracks[:1], "deepbof_frames", **kw)   # read back from the cache
    assert cache.stats.hits == 1
    for k in ("mel", "novelty"):
        np.testing.assert_array_equal(again["tone"][k], feats["tone"][k])


# -- blocks ------------------------------------------------------------------------------
def test_blocks_are_frame_major_and_drop_the_last():
    Z = np.array([[0, 1, 2, 3, 4],
                  [10, 11, 12, 13, 14]], dtype=np.float64)
    X = F.blocks(Z, n_frames=2)
    # T - P = 3 blocks (the code drops the 4th possible one); bands of frame i, then i + 1
    np.testing.assert_array_equal(X, [[0, 10, 1, 11],
                                      [1, 11, 2, 12],
                                      [2, 12, 3, 13]])
    assert X.dtype == np.float32
    assert F.blocks(Z, n_frames=4).tolist() == [[0, 10, 1, 11, 2, 12, 3, 13]]


def test_blocks_of_a_clip_shorter_than_one_block():
    for T in (3, 4):
        with pytest.raises(ParameterError, match=rf"{T} frame.*n_frames=4"):
            F.blocks(np.ones((2, T)), n_frames=4)
    with pytest.raises(ParameterError):
        F.blocks(np.ones(10), n_frames=2)
    with pytest.raises(ParameterError):
        F.blocks(np.ones((2, 10)), n_frames=0)


# -- sampling ----------------------------------------------------------------------------
def _clip(T, peaks, n_bands=3, seed=0):
    """(Z, novelty): Z[b, t] = 100 b + t, novelty 0 except the given {frame: value}."""
    Z = (100.0 * np.arange(n_bands)[:, None] + np.arange(T)[None, :]).astype(np.float32)
    nf = np.zeros(T, np.float32)
    for t, v in peaks.items():
        nf[t] = v
    return Z, nf


def test_sample_blocks_onset_takes_the_argmax_start_and_distinct_repeats():
    # n_frames 2, segment 5. a: T 13 -> 11 blocks -> 2 segments (starts 0-4, 5-9);
    # b: T 8 -> 6 blocks -> 1 segment. 3 segments, n_samples 6 -> 2 passes, 6 blocks.
    a = _clip(13, {3: 5.0, 1: 2.0, 7: 1.0, 9: 0.5, 11: 9.0})  # 11: past the segments
    b = _clip(8, {4: 1.0, 0: 0.2, 2: 0.2})
    X, origin = F.sample_blocks({"a": a, "b": b}, n_frames=2, n_samples=6, segment=5)
    assert isinstance(origin, pd.DataFrame)
    assert origin[["clip", "start", "segment", "pass"]].values.tolist() == [
        ["a", 3, 0, 0], ["a", 1, 0, 1],        # largest, then next largest
        ["a", 7, 1, 0], ["a", 9, 1, 1],
        ["b", 4, 0, 0], ["b", 0, 0, 1]]        # tie 0.2 at frames 0 and 2: the first
    assert X.shape == (6, 3 * 2) and X.dtype == np.float32
    for row, (cid, start) in zip(X, origin[["clip", "start"]].values):
        Z = {"a": a, "b": b}[cid][0]
        np.testing.assert_array_equal(row, Z[:, start:start + 2].T.ravel())
    assert origin.attrs["n_passes"] == 2 and origin.attrs["n_segments"] == 3
    assert origin.attrs["skipped"] == {}
    # more passes than positive values: the zero frames follow in order, still distinct
    X5, o5 = F.sample_blocks({"a": a}, n_frames=2, n_samples=10, segment=5)
    assert o5.attrs["n_passes"] == 5
    assert o5["start"].tolist() == [3, 1, 0, 2, 4, 7, 9, 5, 6, 8]
    assert not o5.duplicated(["clip", "start"]).any()


def test_sample_blocks_accepts_deepbof_dicts():
    Z, nf = _clip(13, {3: 1.0, 8: 1.0})
    _, o1 = F.sample_blocks({"a": (Z, nf)}, n_frames=2, n_samples=2, segment=5)
    _, o2 = F.sample_blocks({"a": {"mel": Z, "novelty": nf}}, n_frames=2, n_samples=2,
                            segment=5)
    assert o1["start"].tolist() == o2["start"].tolist() == [3, 8]


def test_sample_blocks_random_stays_within_segments():
    clips = {f"c{i}": _clip(50, {}) for i in range(3)}          # 42 blocks, 4 segments
    X, origin = F.sample_blocks(clips, n_frames=8, n_samples=120, method="random",
                                segment=10, random_state=0)
    assert origin.attrs["n_segments"] == 12 and origin.attrs["n_passes"] == 10
    assert len(origin) == 120
    seg, start = origin["segment"].to_numpy(), origin["start"].to_numpy()
    assert ((start >= 10 * seg) & (start < 10 * seg + 10)).all()
    assert start.max() <= 39                                     # inside the 4 segments
    assert len(np.unique(start)) > 20                            # positions vary
    # the blocks are the spectrogram's frames at those starts
    np.testing.assert_array_equal(X[:, 0], start.astype(np.float32))
    # seeded: reproducible; another seed, other positions
    _, again = F.sample_blocks(clips, n_frames=8, n_samples=120, method="random",
                               segment=10, random_state=0)
    _, other = F.sample_blocks(clips, n_frames=8, n_samples=120, method="random",
                               segment=10, random_state=1)
    assert again.equals(origin) and not other.equals(origin)
    # random needs no novelty
    _, o = F.sample_blocks({"a": (clips["c0"][0], None)}, n_frames=8, n_samples=4,
                           method="random", segment=10, random_state=0)
    assert len(o) == 4


def test_sample_blocks_keeps_a_random_subset_of_n_samples():
    clips = {f"c{i}": _clip(60, {t: 1.0 + t for t in range(0, 50, 3)}) for i in range(4)}
    # 52 blocks -> 5 segments of 10 per clip, 20 in all >= 7: one pass, subset of 7
    X, origin = F.sample_blocks(clips, n_frames=8, n_samples=7, segment=10, random_state=3)
    assert len(origin) == 7 and X.shape == (7, 24)
    assert origin.attrs["n_passes"] == 1 and origin.attrs["n_candidates"] == 20
    _, full = F.sample_blocks(clips, n_frames=8, n_samples=20, segment=10)
    assert len(full) == 20
    merged = origin.merge(full, on=["clip", "start", "segment", "pass"], how="left",
                          indicator=True)
    assert (merged["_merge"] == "both").all()                    # a subset of the pass
    _, other = F.sample_blocks(clips, n_frames=8, n_samples=7, segment=10, random_state=4)
    assert not other.equals(origin)
    # the repeat rule floors: 20 segments, n_samples 50 -> 2 passes, 40 blocks
    _, two = F.sample_blocks(clips, n_frames=8, n_samples=50, segment=10)
    assert two.attrs["n_passes"] == 2 and len(two) == 40


def test_sample_blocks_skips_short_clips_and_reports_them():
    clips = {"long": _clip(13, {3: 1.0, 6: 1.0}), "short": _clip(6, {1: 1.0}),
             "tiny": _clip(2, {})}
    with pytest.warns(UserWarning, match=r"skipped 2 of 3.*'short', 'tiny'"):
        X, origin = F.sample_blocks(clips, n_frames=2, n_samples=2, segment=5)
    assert set(origin.attrs["skipped"]) == {"short", "tiny"}
    assert "6 frames" in origin.attrs["skipped"]["short"]
    assert origin["clip"].unique().tolist() == ["long"]
    with pytest.raises(DataError, match="no clip is long enough"), \
            pytest.warns(UserWarning):
        F.sample_blocks({"short": clips["short"]}, n_frames=2, n_samples=2, segment=5)


def test_sample_blocks_errors():
    good = _clip(13, {3: 1.0})
    with pytest.raises(DataError, match=r"'quiet'.*no onsets"):
        F.sample_blocks({"a": good, "quiet": _clip(13, {11: 1.0})}, n_frames=2,
                        n_samples=4, segment=5)                 # onset only past segments
    F.sample_blocks({"quiet": _clip(13, {})}, n_frames=2, n_samples=4, segment=5,
                    method="random")                           # fine without onsets
    with pytest.raises(DataError, match="'b' has 4 bands"):
        F.sample_blocks({"a": good, "b": _clip(13, {3: 1.0}, n_bands=4)}, n_frames=2,
                        n_samples=4, segment=5)
    with pytest.raises(DataError, match="'a'.*novelty"):
        F.sample_blocks({"a": (good[0], None)}, n_frames=2, segment=5)
    with pytest.raises(DataError, match="'a'.*shape"):
        F.sample_blocks({"a": (good[0], good[1][:-1])}, n_frames=2, segment=5)
    with pytest.raises(DataError, match="'a'"):
        F.sample_blocks({"a": good[0]}, n_frames=2, segment=5)
    for kwargs in ({"method": "onset_sync_max"}, {"n_frames": 0}, {"segment": 0},
                   {"n_samples": 0}, {"n_samples": 2.5}):
        with pytest.raises(ParameterError):
            F.sample_blocks({"a": good}, **kwargs)
    for clips in ([good], {}):
        with pytest.raises(ParameterError):
            F.sample_blocks(clips)


def test_sample_blocks_onset_caps_passes_at_the_segment_length():
    with pytest.warns(UserWarning, match="taking each start once"):
        _, o = F.sample_blocks({"a": _clip(13, {3: 1.0, 6: 1.0})}, n_frames=2,
                               n_samples=100, segment=5)
    assert o.attrs["n_passes"] == 5 and len(o) == 10
    assert sorted(o["start"]) == list(range(10))


# -- PCA whitening -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def correlated():
    rng = np.random.default_rng(5)
    sd = np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.1])
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    return rng.standard_normal((4000, 6)) * sd @ Q.T + np.arange(6)


def _eig(X):
    """Eigenvalues (descending) and vectors of the covariance with denominator n."""
    Xc = X - X.mean(axis=0)
    lam, E = np.linalg.eigh(Xc.T @ Xc / len(X))
    return lam[::-1], E[:, ::-1]


def test_pca_whitener_k_rule(correlated):
    lam, _ = _eig(correlated)
    cum = np.cumsum(lam) / lam.sum()
    for v in (0.5, 0.9, 0.99, cum[2] - 1e-9, cum[2] + 1e-9):
        k = int(np.argmax(cum > v)) + 1          # smallest k with cumulative share > v
        assert F.PCAWhitener(v).fit(correlated).n_components_ == k
    assert F.PCAWhitener(0.9).fit(correlated).n_components_ == 3   # 25 + 9 + 4 of 39.26
    assert F.PCAWhitener(cum[2] + 1e-9).fit(correlated).n_components_ == 4
    assert F.PCAWhitener(1.0).fit(correlated).n_components_ == 6
    assert F.PCAWhitener(0.9, n_components=5).fit(correlated).n_components_ == 5


def test_pca_whitener_unit_variance_without_eps_and_the_eps_effect(correlated):
    lam, E = _eig(correlated)
    w0 = F.PCAWhitener(n_components=4, eps=0.0).fit(correlated)
    Z = w0.transform(correlated)
    assert Z.shape == (4000, 4)
    np.testing.assert_allclose(Z.T @ Z / len(Z), np.eye(4), atol=1e-9)   # denominator n
    np.testing.assert_allclose(w0.explained_variance_, lam[:4], rtol=1e-9)
    np.testing.assert_allclose(w0.explained_variance_ratio_, lam[:4] / lam.sum(),
                               rtol=1e-9)
    # the code's formula, diag((lambda + eps)^-1/2) E_k^T (x - mu), up to the axes' signs
    w = F.PCAWhitener(n_components=4, eps=0.5).fit(correlated)
    ref = (correlated - correlated.mean(axis=0)) @ E[:, :4] / np.sqrt(lam[:4] + 0.5)
    Zw = w.transform(correlated)
    signs = np.sign((Zw * ref).sum(axis=0))
    np.testing.assert_allclose(Zw, ref * signs, rtol=1e-7, atol=1e-9)
    # eps shrinks each component to the variance lambda / (lambda + eps)
    np.testing.assert_allclose(Zw.var(axis=0), lam[:4] / (lam[:4] + 0.5), rtol=1e-9)
    np.testing.assert_allclose(w.scale_, 1 / np.sqrt(lam[:4] + 0.5), rtol=1e-9)
    assert w.mean_ == pytest.approx(correlated.mean(axis=0))
    assert w.components_.shape == (4, 6)
    # dtype is kept; inverse_transform undoes a full whitening
    assert w.transform(correlated.astype(np.float32)).dtype == np.float32
    wall = F.PCAWhitener(1.0).fit(correlated)
    np.testing.assert_allclose(wall.inverse_transform(wall.transform(correlated)),
                               correlated, atol=1e-9)


def test_pca_whitener_errors(correlated):
    with pytest.raises(NotFittedError):
        F.PCAWhitener().transform(correlated)
    w = F.PCAWhitener().fit(correlated)
    with pytest.raises(ParameterError, match="6"):
        w.transform(correlated[:, :5])
    for bad in (F.PCAWhitener(0.0), F.PCAWhitener(1.5), F.PCAWhitener(eps=-1),
                F.PCAWhitener(n_components=0), F.PCAWhitener(n_components=7)):
        with pytest.raises(ParameterError):
            bad.fit(correlated)
    with pytest.raises(ParameterError):
        F.PCAWhitener().fit(correlated[:1])
    flat = np.c_[correlated[:, :2], np.zeros(4000)]
    with pytest.raises(DataError, match="zero variance"):
        F.PCAWhitener(n_components=3, eps=0.0).fit(flat)
    assert F.PCAWhitener(n_components=3, eps=0.01).fit(flat).scale_[2] == pytest.approx(10)
    # scikit-learn conventions: parameters only in __init__, clone works
    from sklearn.base import clone
    assert clone(F.PCAWhitener(0.8, eps=0.1)).get_params()["variance"] == 0.8


# -- pooling -----------------------------------------------------------------------------
def test_window_frames_of_the_papers_pooling_sizes():
    assert [F.window_frames(s) for s in (0.25, 0.5, 1, 2, 4)] == [11, 22, 43, 86, 172]
    assert F.window_frames(1.0, sr=16000, hop_length=256) == 63    # 62.5 rounds up
    with pytest.raises(ParameterError):
        F.window_frames(0.001)
    with pytest.raises(ParameterError):
        F.window_frames(-1.0)


def test_pool_bag_by_hand():
    H = np.array([[1, 0],
                  [3, 1],
                  [2, 5],
                  [0, 2],
                  [4, 0]], dtype=np.float64)
    # windows of 2 rows: (0, 1), (2, 3) and the partial (4,): maxima (3, 1), (2, 5),
    # (4, 0); their mean is (3, 2)
    np.testing.assert_allclose(F.pool_bag(H, window=2), [3.0, 2.0])
    np.testing.assert_allclose(F.pool_bag(H, window=3), [(3 + 4) / 2, (5 + 2) / 2])
    np.testing.assert_allclose(F.pool_bag(H, window=1), H.mean(axis=0))
    np.testing.assert_allclose(F.pool_bag(H, window=10), H.max(axis=0))
    assert F.pool_bag(H.astype(np.float32), window=2).dtype == np.float32
    with pytest.raises(ParameterError):
        F.pool_bag(H, window=0)
    with pytest.raises(ParameterError):
        F.pool_bag(H[:0], window=2)
    with pytest.raises(ParameterError):
        F.pool_bag(H[0], window=2)
