"""Tests of mirnb.features.words: Zhang et al.'s audio words (frames, segments, codebook)."""

import numpy as np
import pytest
import soundfile as sf
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from mirnb import DataError, ParameterError
from mirnb import features as F
from mirnb.features import words as W

SR = 22050


# -- helpers -----------------------------------------------------------------------------
def _tone_song(seed, seconds=3.0):
    """Harmonic tones whose pitch changes every quarter second (continuous phase: no clicks)."""
    rng = np.random.default_rng(seed)
    f0 = np.repeat(rng.choice([196.0, 262.0, 330.0, 440.0], int(seconds * 4)), int(0.25 * SR))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    y = sum(np.sin(k * phase) / k for k in range(1, 5))
    return (0.2 * y / np.abs(y).max()).astype(np.float32)


def _noise_song(seed, seconds=3.0):
    """White noise with a slowly changing level."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    env = 0.8 + 0.2 * np.sin(2 * np.pi * 0.7 * np.arange(n) / SR + seed)
    return (0.2 * env * rng.standard_normal(n)).astype(np.float32)


def _frame_songs(n_songs, seed, n_dims=6, lengths=(90, 130)):
    """Correlated Gaussian frame features, one (n_frames_i, n_dims) array per song."""
    rng = np.random.default_rng(seed)
    mix = rng.standard_normal((n_dims, n_dims)) * np.linspace(3, 0.3, n_dims)[:, None]
    return [rng.standard_normal((int(rng.integers(*lengths)), n_dims)) @ mix + 5.0
            for _ in range(n_songs)]


def _auditory_toolbox_mel(sr, n_fft):
    """Slaney's Auditory Toolbox / MIRtoolbox mel filter bank, from its recipe (40 x bins)."""
    freqs = np.empty(42)
    freqs[:13] = 133.3333 + 66.66666666 * np.arange(13)
    freqs[13:] = freqs[12] * 1.0711703 ** np.arange(1, 30)
    fft_freqs = np.arange(1 + n_fft // 2) * sr / n_fft
    Wm = np.zeros((40, fft_freqs.size))
    for i in range(40):
        lo, ce, hi = freqs[i:i + 3]
        up = (fft_freqs > lo) & (fft_freqs <= ce)
        down = (fft_freqs > ce) & (fft_freqs < hi)
        Wm[i, up] = (fft_freqs[up] - lo) / (ce - lo)
        Wm[i, down] = (hi - fft_freqs[down]) / (hi - ce)
        Wm[i] *= 2.0 / (hi - lo)
    return Wm


@pytest.fixture(scope="module")
def train_songs():
    return _frame_songs(6, seed=0)


@pytest.fixture(scope="module")
def fitted(train_songs):
    return W.AudioWords(8, n_components=5, n_frames=4, random_state=0).fit(train_songs)


# -- frame features ------------------------------------------------------------------------
def test_frame_feature_dims_at_22050_hz(y):
    # 2 s, no centre padding: 1 + (44100 - 1024) // 512 = 85 frames
    n = 1 + (y.size - 1024) // 512
    mel = W.frame_features(y, sr=SR, kind="mel")
    sfm = W.frame_features(y, sr=SR, kind="sfm")
    scf = W.frame_features(y, sr=SR, kind="scf")
    assert mel.shape == (n, 40)
    assert sfm.shape == (n, 21)
    assert scf.shape == (n, 21)
    assert np.all((sfm > 0) & (sfm <= 1))
    assert np.all(scf >= 0)
    # the existing descriptors on the Hamming, uncentred STFT; SCF log-compressed
    S = F.stft_magnitude(y, n_fft=1024, hop_length=512, window="hamming", center=False)
    np.testing.assert_allclose(sfm, F.spectral_flatness(S=S, sr=SR, n_bands=21).T,
                               rtol=1e-5)
    np.testing.assert_allclose(scf, np.log(F.spectral_crest(S=S, sr=SR, n_bands=21).T),
                               rtol=1e-5, atol=1e-6)
    both = W.frame_features(y, sr=SR, kind="all")
    assert sorted(both) == ["mel", "scf", "sfm"]
    for k, v in (("mel", mel), ("sfm", sfm), ("scf", scf)):
        np.testing.assert_allclose(both[k], v, rtol=1e-6)


def test_sfm_scf_band_count_matches_marsyas():
    # Marsyas SFM.cpp: MPEG-7 edges 1000 * 2**((i - 8) / 4), i = 0..24, widened by 5 %;
    # a band is invalid once its upper bin round(edge * 1.05 / df) reaches n_fft / 2 + 1.
    n_fft = 1024
    df = SR / n_fft
    edges = 1000.0 * 2.0 ** ((np.arange(25) - 8) / 4)
    upper_bins = np.round(edges[1:] * 1.05 / df)
    n_valid_marsyas = int(np.sum(upper_bins < n_fft // 2 + 1))
    assert n_valid_marsyas == 21
    ours = F.band_edges(sr=SR)
    assert ours.shape == (21, 2)
    np.testing.assert_allclose(ours[:, 0], edges[:21])
    np.testing.assert_allclose(ours[:, 1], edges[1:22])


@pytest.mark.parametrize("band", [8, 14, 20])
def test_sfm_scf_bands_place_a_tone_in_its_band(band):
    # a tone at the geometric centre of band k: that band is the least flat and the peakiest
    f = 250.0 * 2 ** ((band + 0.5) / 4)
    t = np.arange(SR) / SR
    rng = np.random.default_rng(band)
    y = (0.3 * np.sin(2 * np.pi * f * t) + 0.05 * rng.standard_normal(t.size)).astype(
        np.float32)
    sfm = W.frame_features(y, sr=SR, kind="sfm").mean(axis=0)
    scf = W.frame_features(y, sr=SR, kind="scf").mean(axis=0)
    assert int(np.argmin(sfm)) == band
    assert int(np.argmax(scf)) == band


def test_mel_is_mirtoolbox_layout_on_the_magnitude(y):
    # 40 Auditory-Toolbox bands on |FFT| of Hamming frames, no centring, no log
    M = W.frame_features(y, sr=SR, kind="mel", log=None)
    n_fft, hop = 1024, 512
    n = 1 + (y.size - n_fft) // hop
    win = np.hamming(n_fft + 1)[:-1]  # periodic Hamming, as the STFT uses
    frames = np.stack([y[i * hop:i * hop + n_fft] * win for i in range(n)]).astype(np.float64)
    ref = np.abs(np.fft.rfft(frames, axis=1)) @ _auditory_toolbox_mel(SR, n_fft).T
    assert M.shape == ref.shape
    err = np.abs(M - ref).max() / ref.max()
    assert err < 0.01, err


def test_mel_log_options(y):
    lin = W.frame_features(y, sr=SR, kind="mel", log=None).astype(np.float64)
    lg = W.frame_features(y, sr=SR, kind="mel", log="log1p", c=1000.0)
    db = W.frame_features(y, sr=SR, kind="mel", log="db")
    np.testing.assert_allclose(lg, np.log1p(1000.0 * lin), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(db, 20 * np.log10(np.maximum(1e-10, lin)), rtol=1e-4,
                               atol=1e-3)


def test_frame_features_rejects_bad_input(y):
    with pytest.raises(ParameterError, match="kind"):
        W.frame_features(y, kind="mfcc")
    with pytest.raises(ParameterError, match="n_fft"):
        W.frame_features(y[:500], kind="mel")


def test_frame_features_runs_through_extract(tmp_path, y):
    path = tmp_path / "a.wav"
    sf.write(path, y, SR)
    feats, skipped = F.extract([("a", str(path))], W.frame_features, sr=SR, n_jobs=1,
                               cache=False, verbose=False, kind="all")
    assert not skipped
    assert feats["a"]["mel"].shape[1] == 40 and feats["a"]["sfm"].shape[1] == 21


# -- segments -----------------------------------------------------------------------------
def test_segments_shape_order_and_no_overlap():
    Fr = np.arange(23 * 3, dtype=float).reshape(23, 3)
    X = W.segments(Fr, n_frames=5)
    assert X.shape == (4, 15)  # 23 // 5 segments, the 3-frame tail dropped
    for i in range(4):
        np.testing.assert_array_equal(X[i], Fr[5 * i:5 * i + 5].ravel())
    # every kept frame appears exactly once: the segments do not overlap
    frames_used = X.reshape(-1, 3)[:, 0] // 3
    np.testing.assert_array_equal(np.sort(frames_used), np.arange(20))


def test_segments_too_short_or_bad():
    with pytest.raises(ParameterError, match="4 frame.*n_frames=5"):
        W.segments(np.zeros((4, 3)), n_frames=5)
    with pytest.raises(ParameterError, match="2-D"):
        W.segments(np.zeros(10), n_frames=2)
    with pytest.raises(ParameterError, match="n_frames"):
        W.segments(np.zeros((10, 2)), n_frames=0)


# -- the codebook --------------------------------------------------------------------------
def test_words_shape_range_and_dtype(fitted, train_songs):
    words = fitted.transform(train_songs)
    assert len(words) == len(train_songs)
    for w, Fr in zip(words, train_songs):
        assert w.shape == (Fr.shape[0] // 4,)
        assert w.dtype == np.int64
        assert w.min() >= 0 and w.max() < 8
    assert fitted.centroids_.shape == (8, 5)
    assert fitted.n_features_in_ == 6
    assert fitted.n_segments_fit_ == sum(Fr.shape[0] // 4 for Fr in train_songs)
    # every word is the nearest centroid of its whitened segment
    Z = fitted.whiten(train_songs)[0]
    d = ((Z[:, None, :] - fitted.centroids_[None]) ** 2).sum(-1)
    np.testing.assert_array_equal(words[0], d.argmin(axis=1))


def test_pca_is_fitted_on_training_songs_only(train_songs):
    aw = W.AudioWords(8, n_components=5, n_frames=4, random_state=0).fit(train_songs)
    segs = np.concatenate([W.segments(Fr, n_frames=4) for Fr in train_songs])
    np.testing.assert_allclose(aw.pca_.mean_, segs.mean(axis=0), rtol=1e-10)
    state = (aw.pca_.mean_.copy(), aw.pca_.components_.copy(), aw.centroids_.copy())
    test = [10.0 * Fr - 3.0 for Fr in _frame_songs(3, seed=7)]  # clearly different data
    aw.transform(test)
    aw.whiten(test)
    for before, after in zip(state, (aw.pca_.mean_, aw.pca_.components_, aw.centroids_)):
        np.testing.assert_array_equal(before, after)
    assert aw.n_segments_fit_ == segs.shape[0]


def test_whitened_training_segments_have_unit_variance(fitted, train_songs):
    Z = np.concatenate(fitted.whiten(train_songs))
    np.testing.assert_allclose(Z.var(axis=0, ddof=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.cov(Z, rowvar=False), np.eye(5), atol=1e-6)
    # a whitening epsilon damps each component to var / (var + eps)
    eps = 0.5
    aw = W.AudioWords(8, n_components=5, n_frames=4, whiten_eps=eps,
                      random_state=0).fit(train_songs)
    var = aw.pca_.explained_variance_
    Ze = np.concatenate(aw.whiten(train_songs))
    np.testing.assert_allclose(Ze.var(axis=0, ddof=1), var / (var + eps), rtol=1e-6)


def test_words_deterministic_with_a_seed(train_songs):
    a = W.AudioWords(8, n_components=5, n_frames=4, random_state=3).fit(train_songs)
    b = W.AudioWords(8, n_components=5, n_frames=4, random_state=3).fit(train_songs)
    np.testing.assert_array_equal(a.centroids_, b.centroids_)
    for wa, wb in zip(a.transform(train_songs), b.transform(train_songs)):
        np.testing.assert_array_equal(wa, wb)
    mb = W.AudioWords(8, n_components=5, n_frames=4, kmeans="minibatch", batch_size=64,
                      random_state=3)
    w1 = mb.fit_transform(train_songs)
    w2 = clone(mb).fit(train_songs).transform(train_songs)
    for x1, x2 in zip(w1, w2):
        np.testing.assert_array_equal(x1, x2)
        assert x1.min() >= 0 and x1.max() < 8


def test_tones_and_noise_get_disjoint_words():
    tones = [W.frame_features(_tone_song(s), sr=SR) for s in (0, 1)]
    noise = [W.frame_features(_noise_song(s), sr=SR) for s in (2, 3)]
    aw = W.AudioWords(6, n_components=4, n_frames=4, random_state=0).fit(tones + noise)
    wt = set(np.concatenate(aw.transform(tones)).tolist())
    wn = set(np.concatenate(aw.transform(noise)).tolist())
    assert wt and wn
    assert not wt & wn, (wt, wn)
    # a new noise song, unseen in fit, also gets only noise words
    assert set(aw.transform([W.frame_features(_noise_song(9), sr=SR)])[0].tolist()) <= wn


def test_more_words_than_segments_is_a_parameter_error():
    songs = [np.random.default_rng(0).standard_normal((12, 3))]  # 12 // 4 = 3 segments
    with pytest.raises(ParameterError, match=r"n_words=5.*3 segments"):
        W.AudioWords(5, n_components=2, n_frames=4).fit(songs)
    with pytest.raises(ParameterError, match=r"n_components=40.*3 segments"):
        W.AudioWords(2, n_components=40, n_frames=4).fit(songs)


def test_unfitted_use_raises_not_fitted(train_songs):
    aw = W.AudioWords(8)
    for call in (lambda: aw.transform(train_songs), lambda: aw.whiten(train_songs),
                 aw.embedding_init):
        with pytest.raises(NotFittedError):
            call()
    with pytest.raises(NotFittedError):
        W.AudioWordsAll(4).transform([{"mel": np.zeros((9, 2))}])


def test_short_or_mismatched_song_is_a_data_error_naming_it(fitted, train_songs):
    with pytest.raises(DataError, match="blues.00012.*3 frame"):
        W.AudioWords(2, n_components=2, n_frames=4).fit(
            {"blues.00011": train_songs[0], "blues.00012": np.zeros((3, 6))})
    with pytest.raises(DataError, match="song 1 has 4 feature dimensions"):
        fitted.transform([train_songs[0], np.zeros((20, 4))])
    with pytest.raises(ParameterError, match="list of per-song"):
        fitted.transform(train_songs[0])


def test_estimator_api(fitted):
    params = fitted.get_params()
    assert params["n_words"] == 8 and params["n_components"] == 5
    c = clone(fitted)
    assert not hasattr(c, "centroids_")
    with pytest.raises(ParameterError, match="kmeans"):
        W.AudioWords(4, kmeans="elkan").fit([np.zeros((40, 2))])


def test_embedding_init_reserves_row_zero(fitted):
    M = fitted.embedding_init()
    assert M.shape == (9, 5) and M.dtype == np.float32
    np.testing.assert_array_equal(M[0], 0.0)
    np.testing.assert_allclose(M[1:], fitted.centroids_, rtol=1e-6)
    np.testing.assert_allclose(fitted.embedding_init(shift=0), fitted.centroids_, rtol=1e-6)


# -- ALL: several feature types --------------------------------------------------------------
def test_stack_words_single_song_and_lists():
    a, b, c = np.array([0, 1, 2]), np.array([3, 4, 5]), np.array([6, 7, 8])
    S = W.stack_words([a, b, c])
    assert S.shape == (3, 3)
    np.testing.assert_array_equal(S[:, 1], b)
    L = W.stack_words([[a, a[:2]], [b, b[:2]]])
    assert [x.shape for x in L] == [(3, 2), (2, 2)]
    np.testing.assert_array_equal(L[1], [[0, 3], [1, 4]])
    with pytest.raises(ParameterError, match=r"song 0.*\[3, 2\]"):
        W.stack_words([a, b[:2]])
    with pytest.raises(ParameterError, match="numbers of songs"):
        W.stack_words([[a, a], [b]])


def _typed_songs(n_songs, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_songs):
        n = int(rng.integers(60, 100))
        out.append({"mel": rng.standard_normal((n, 5)) @ rng.standard_normal((5, 5)),
                    "sfm": rng.uniform(0.1, 1.0, (n, 3)),
                    "scf": rng.gamma(2.0, 1.0, (n, 3))})
    return out


def test_audio_words_all_per_type_codebooks():
    songs = _typed_songs(4, seed=0)
    aw = W.AudioWordsAll(6, n_components=3, n_frames=4, random_state=0).fit(songs)
    assert list(aw.codebooks_) == ["mel", "sfm", "scf"]
    assert [c.shape for c in aw.centroids_] == [(6, 3)] * 3
    words = aw.transform(songs)
    for w, s in zip(words, songs):
        assert w.shape == (s["mel"].shape[0] // 4, 3)
    for t, kind in enumerate(aw.codebooks_):
        alone = aw.codebooks_[kind].transform([s[kind] for s in songs])
        for w, a in zip(words, alone):
            np.testing.assert_array_equal(w[:, t], a)
    assert len(aw.embedding_init()) == 3
    with pytest.raises(DataError, match="song 1.*different frame counts"):
        aw.transform([songs[0], {**songs[1], "sfm": songs[1]["sfm"][:-1]}])


def test_audio_words_all_joint_codebook():
    songs = _typed_songs(4, seed=1)
    aw = W.AudioWordsAll(6, joint=True, n_components=3, n_frames=4,
                         random_state=0).fit(songs)
    assert list(aw.codebooks_) == ["mel+sfm+scf"]
    assert aw.codebooks_["mel+sfm+scf"].n_features_in_ == 5 + 3 + 3
    words = aw.transform(songs)
    assert all(w.shape == (s["mel"].shape[0] // 4, 1) for w, s in zip(words, songs))


# -- padding ---------------------------------------------------------------------------------
def test_pad_words_reserves_zero_for_padding():
    P = W.pad_words([np.array([0, 1, 2]), np.array([3]), np.array([], dtype=int)])
    np.testing.assert_array_equal(P.words, [[1, 2, 3], [4, 0, 0], [0, 0, 0]])
    assert P.words.dtype == np.int32
    np.testing.assert_array_equal(P.lengths, [3, 1, 0])
    np.testing.assert_array_equal(P.mask, [[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(P.mask, P.words != 0)  # what mask_zero=True computes
    words, lengths, mask = W.pad_words([np.array([5, 6, 7, 8])], length=2)
    np.testing.assert_array_equal(words, [[6, 7]])
    np.testing.assert_array_equal(lengths, [2])
    words, _, mask = W.pad_words([np.array([0, 4]), np.array([2])], length=4, shift=0,
                                 value=-1)
    np.testing.assert_array_equal(words, [[0, 4, -1, -1], [2, -1, -1, -1]])
    assert mask.sum() == 3


def test_pad_words_stacked_and_errors():
    S = [np.array([[0, 1], [2, 3]]), np.array([[4, 5]])]
    P = W.pad_words(S)
    assert P.words.shape == (2, 2, 2) and P.mask.shape == (2, 2)
    np.testing.assert_array_equal(P.words[1], [[5, 6], [0, 0]])
    with pytest.raises(ParameterError, match="collides"):
        W.pad_words([np.array([0, 1])], shift=0, value=0)
    with pytest.raises(ParameterError, match="negative"):
        W.pad_words([np.array([-1, 1])])
    with pytest.raises(ParameterError, match="integers"):
        W.pad_words([np.array([0.5, 1.0])])
    with pytest.raises(ParameterError, match="trailing"):
        W.pad_words([np.array([0, 1]), np.array([[0, 1]])])
