"""Tests of mirnb.features.spectral against librosa, NumPy references and hand examples."""

import librosa
import numpy as np
import pytest

from mirnb import ParameterError
from mirnb import features as F

SR = 22050


def _close(actual, desired, rtol=1e-4, atol_rel=1e-5):
    """assert_allclose with an absolute tolerance relative to the reference's peak."""
    assert actual.shape == desired.shape
    np.testing.assert_allclose(actual, desired, rtol=rtol,
                               atol=atol_rel * float(np.abs(desired).max()))


# -- spectrograms against librosa -------------------------------------------------------
@pytest.mark.parametrize("n_fft,hop,window,center", [
    (1024, 512, "hann", True),
    (512, 128, "hamming", False),
    (2048, 441, ("kaiser", 8.0), True),
])
def test_stft_magnitude_matches_librosa(y, n_fft, hop, window, center):
    S = F.stft_magnitude(y, n_fft=n_fft, hop_length=hop, window=window, center=center)
    ref = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop, window=window,
                              center=center))
    _close(S, ref)  # float32 FFTs: rtol 1e-4, atol 1e-5 x peak
    assert S.dtype == np.float32


def test_stft_magnitude_pad_modes_and_windows(y):
    for mode in ("reflect", "edge"):
        S = F.stft_magnitude(y, n_fft=512, hop_length=128, pad_mode=mode)
        _close(S, np.abs(librosa.stft(y, n_fft=512, hop_length=128, pad_mode=mode)))
    # an explicit window array, and a callable, are used as given
    w = np.hanning(512)
    _close(F.stft_magnitude(y, n_fft=512, window=w),
           np.abs(librosa.stft(y, n_fft=512, hop_length=512, window=w)))
    _close(F.stft_magnitude(y, n_fft=512, window=np.hanning),
           np.abs(librosa.stft(y, n_fft=512, hop_length=512, window=w)))


def test_stft_magnitude_float64_is_exact(y):
    y64 = y.astype(np.float64)
    S = F.stft_magnitude(y64, n_fft=256, hop_length=64)
    ref = np.abs(librosa.stft(y64, n_fft=256, hop_length=64))
    np.testing.assert_allclose(S, ref, rtol=1e-10, atol=1e-10)


def test_melspectrogram_matches_librosa(y):
    M = F.melspectrogram(y, sr=SR, n_fft=1024, hop_length=256, n_mels=64, fmin=30.0,
                         fmax=8000.0)
    ref = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=1024, hop_length=256,
                                         n_mels=64, fmin=30.0, fmax=8000.0)
    _close(M, ref)
    # from a magnitude spectrogram, with power 1
    S = F.stft_magnitude(y, n_fft=1024, hop_length=256)
    M1 = F.melspectrogram(S=S, sr=SR, n_mels=64, power=1.0)
    ref1 = librosa.feature.melspectrogram(S=S, sr=SR, n_mels=64, power=1.0)
    _close(M1, ref1)


def test_log_mel_db_matches_librosa_choi_front_end():
    rng = np.random.default_rng(2)
    y12 = (0.2 * rng.standard_normal(3 * 12000)).astype(np.float32)
    L = F.log_mel(y12, sr=12000)  # Choi: 12 kHz, n_fft 512, hop 256, 96 mels
    ref = librosa.power_to_db(
        librosa.feature.melspectrogram(y=y12, sr=12000, n_fft=512, hop_length=256,
                                       n_mels=96),
        ref=1.0, amin=1e-10, top_db=None)
    assert L.shape == (96, 1 + y12.size // 256)
    np.testing.assert_allclose(L, ref, atol=1e-3)  # dB
    L80 = F.log_mel(y12, sr=12000, top_db=80.0)
    np.testing.assert_allclose(L80, librosa.power_to_db(
        librosa.feature.melspectrogram(y=y12, sr=12000, n_fft=512, hop_length=256,
                                       n_mels=96), top_db=80.0), atol=1e-3)
    assert L80.max() - L80.min() <= 80.0 + 1e-4


def test_log_mel_db_of_other_powers(y):
    # power 1: an amplitude mel spectrogram, 20 log10, top_db still in dB
    M1 = F.melspectrogram(y, sr=SR, n_fft=1024, hop_length=512, n_mels=40, power=1.0)
    L1 = F.log_mel(y, sr=SR, n_fft=1024, hop_length=512, n_mels=40, power=1.0,
                   ref=0.5, top_db=20.0)
    np.testing.assert_allclose(
        L1, librosa.amplitude_to_db(M1, ref=0.5, amin=1e-10, top_db=20.0), atol=1e-3)
    assert L1.max() - L1.min() == pytest.approx(20.0, abs=1e-3)
    # power 3: (20 / 3) log10, clipped 30 dB below the peak
    M3 = F.melspectrogram(y, sr=SR, n_fft=1024, hop_length=512, n_mels=40, power=3.0)
    L3 = F.log_mel(y, sr=SR, n_fft=1024, hop_length=512, n_mels=40, power=3.0,
                   top_db=30.0)
    ref3 = 20.0 / 3.0 * np.log10(np.maximum(1e-10, M3.astype(np.float64)))
    np.testing.assert_allclose(L3, np.maximum(ref3, ref3.max() - 30.0), atol=1e-3)


def test_log_mel_log1p_and_agc(y):
    M = F.melspectrogram(y, sr=SR, n_fft=1024, hop_length=512, n_mels=40)
    L = F.log_mel(y, sr=SR, n_fft=1024, hop_length=512, n_mels=40, log="log1p", c=100.0)
    np.testing.assert_allclose(L, np.log1p(100.0 * M), rtol=1e-5)
    S = F.stft_magnitude(y, n_fft=1024, hop_length=512)
    A = F.log_mel(y, sr=SR, n_fft=1024, hop_length=512, n_mels=40, log="log1p", agc=True)
    ref = np.log1p(1e4 * F.melspectrogram(S=F.agc(S, sr=SR, hop_length=512), sr=SR,
                                          n_mels=40))
    np.testing.assert_allclose(A, ref, rtol=1e-5)


def test_mfcc_matches_librosa(y):
    C = F.mfcc(y, sr=SR)
    ref = librosa.feature.mfcc(y=y, sr=SR)
    np.testing.assert_allclose(C, ref, rtol=1e-4, atol=1e-3)
    C30 = F.mfcc(y, sr=SR, n_mfcc=30, n_fft=1024, hop_length=256, n_mels=64)
    ref30 = librosa.feature.mfcc(y=y, sr=SR, n_mfcc=30, n_fft=1024, hop_length=256,
                                 n_mels=64)
    np.testing.assert_allclose(C30, ref30, rtol=1e-4, atol=1e-3)


def test_mfcc_deltas_of_a_ramp():
    t = np.arange(40, dtype=np.float64)
    M = np.stack([2.0 * t, -0.5 * t + 3, 0.25 * t ** 2])
    D = F.mfcc_deltas(M, width=9)
    assert D.shape == (9, 40)
    np.testing.assert_array_equal(D[:3], M)
    np.testing.assert_allclose(D[3], 2.0, atol=1e-9)   # d/dt of 2t
    np.testing.assert_allclose(D[4], -0.5, atol=1e-9)
    np.testing.assert_allclose(D[5, 5:-5], 0.5 * t[5:-5], atol=1e-9)  # d/dt of t^2 / 4
    np.testing.assert_allclose(D[6:8], 0.0, atol=1e-9)  # second derivative of lines
    np.testing.assert_allclose(D[8, 5:-5], 0.5, atol=1e-9)


def test_dft_frames_shapes_and_norms(y):
    X = F.dft_frames(y[:SR])  # Hamel & Eck: 1024 samples at 22050 Hz -> 513 bins
    assert X.shape == (1 + (SR - 1024) // 512, 513)
    np.testing.assert_allclose(X.max(axis=1), 1.0, rtol=1e-6)
    X2 = F.dft_frames(y[:SR], norm="l2", hop_length=1024)
    assert X2.shape == (1 + (SR - 1024) // 1024, 513)
    np.testing.assert_allclose(np.linalg.norm(X2, axis=1), 1.0, rtol=1e-5)
    X1 = F.dft_frames(y[:SR], norm="l1")
    np.testing.assert_allclose(X1.sum(axis=1), 1.0, rtol=1e-5)
    Xn = F.dft_frames(y[:SR], norm="none", center=True)
    _close(Xn, F.stft_magnitude(y[:SR]).T)
    silent = F.dft_frames(np.zeros(4096, np.float32))
    assert np.all(silent == 0)


# -- AGC ---------------------------------------------------------------------------------
def test_agc_flattens_a_loudness_ramp():
    rng = np.random.default_rng(4)
    n = 6 * SR
    gain = 10 ** (np.linspace(-40, 0, n) / 20)  # 40 dB fade-in
    sig = (rng.standard_normal(n) * gain).astype(np.float32)
    S = F.stft_magnitude(sig, n_fft=1024, hop_length=256)
    A, E = F.agc(S, sr=SR, hop_length=256, return_envelope=True)
    assert A.shape == S.shape == E.shape

    def frame_db(X):
        return 10 * np.log10(np.sum(X.astype(np.float64) ** 2, axis=0) + 1e-20)

    before, after = frame_db(S).std(), frame_db(A).std()
    assert before > 10.0           # the ramp spans about 40 dB
    assert after < 0.1 * before    # after AGC the frame energy is nearly constant
    # a short event survives: AGC keeps structure faster than time_scale
    burst = sig.copy()
    burst[3 * SR: 3 * SR + 2048] *= 20
    Ab = F.agc(F.stft_magnitude(burst, n_fft=1024, hop_length=256), sr=SR, hop_length=256)
    t = (3 * SR + 1024) // 256
    assert frame_db(Ab)[t] > frame_db(Ab).mean() + 10


def _old_gaussian_agc(S, sr, hop, time_scale=0.5, freq_scale=1.0, amin=1e-10):
    """The Gaussian AGC as it was before method= existed (a NumPy/SciPy restatement)."""
    import scipy.ndimage

    mels = librosa.hz_to_mel(np.linspace(0.0, sr / 2.0, S.shape[0]))
    sigma = freq_scale * (mels[-1] - mels[0]) / 20.0
    K = np.exp(-0.5 * ((mels[:, None] - mels[None, :]) / sigma) ** 2)
    K /= K.sum(axis=1, keepdims=True)
    E = scipy.ndimage.gaussian_filter1d(K @ S.astype(np.float64), time_scale * sr / hop,
                                        axis=1, mode="nearest")
    return S / np.maximum(E, amin), E


def test_agc_gaussian_is_the_unchanged_default(y):
    S = F.stft_magnitude(y, n_fft=1024, hop_length=512)
    A, E = F.agc(S, sr=SR, hop_length=512, return_envelope=True)
    A2 = F.agc(S, sr=SR, hop_length=512, method="gaussian")
    np.testing.assert_array_equal(A, A2)
    ref_A, ref_E = _old_gaussian_agc(S, SR, 512)
    np.testing.assert_allclose(A, ref_A, rtol=1e-5)
    np.testing.assert_allclose(E, ref_E, rtol=1e-5)
    B = F.agc(S.astype(np.float64), sr=SR, hop_length=256, time_scale=0.3, freq_scale=2.0,
              amin=1e-3)
    np.testing.assert_allclose(B, _old_gaussian_agc(S, SR, 256, 0.3, 2.0, 1e-3)[0],
                               rtol=1e-9)


# -- Ellis's tf_agc as in Nam et al.'s code ----------------------------------------------
#: Band centres of fft2melmx(1024, 22050, 10, 2.0) listed in the nam2015 spec, Sec. 1.2.
SPEC_CENTRES = [302, 605, 907, 1242, 1696, 2317, 3166, 4325, 5908, 8071]


def test_agc_filterbank_centres_and_triangles():
    W, c = F.agc_filterbank(sr=SR, n_fft=1024, return_centers=True)
    assert W.shape == (10, 513)
    np.testing.assert_allclose(c, SPEC_CENTRES, atol=1.0)
    # band 0 by hand: edges 0, 302.5, 605 Hz; feet moved out to -302.5 and 907.5 Hz;
    # Slaney area normalisation of the unscaled triangle, 2 / (605 - 0)
    f0, fc, f2 = 0.0, c[0], c[1]
    norm = 2.0 / (f2 - f0)
    lo, hi = fc - 2 * (fc - f0), fc + 2 * (f2 - fc)
    for k in (0, 5, 14, 30, 42):
        f = k * SR / 1024
        want = max(0.0, min((f - lo) / (fc - lo), (hi - f) / (hi - fc))) * norm
        assert W[0, k] == pytest.approx(want, rel=1e-9, abs=1e-15)
    assert W[0, 0] == pytest.approx(0.5 * 2.0 / 605.0, rel=1e-3)  # half way up at 0 Hz
    assert W[0, 43] == 0.0       # 926 Hz: beyond the doubled foot at 907.5 Hz
    # width 1 is the ordinary Slaney mel filter bank
    np.testing.assert_allclose(F.agc_filterbank(sr=SR, n_fft=1024, width=1.0),
                               librosa.filters.mel(sr=SR, n_fft=1024, n_mels=10,
                                                   norm="slaney"), rtol=1e-5, atol=1e-9)


def test_agc_ellis_impulse_decays_as_alpha_to_the_t():
    S = np.zeros((513, 30))
    S[100, 0] = 3.0                      # 2153 Hz, one frame
    Y, E = F.agc(S, sr=SR, hop_length=512, method="ellis", return_envelope=True)
    alpha = np.exp(-(512 / SR) / 0.5)
    assert alpha == pytest.approx(0.9546, abs=1e-4)
    W = F.agc_filterbank(sr=SR, n_fft=1024)
    e0 = W.T @ (3.0 * W[:, 100]) / W.sum(axis=0)      # back-projected band envelopes
    hit = e0 > 0
    assert hit.sum() > 50 and not hit.all()
    t = np.arange(30)
    np.testing.assert_allclose(E[hit], e0[hit, None] * alpha ** t, rtol=1e-12)
    # bins no band of the impulse reaches get the smallest positive value of E
    np.testing.assert_allclose(E[~hit], E[hit].min())
    assert E[hit].min() == pytest.approx(e0[hit].min() * alpha ** 29, rel=1e-12)
    # output: X / (E + 0.01), so zero except at the impulse
    assert Y[100, 0] == pytest.approx(3.0 / (e0[100] + 0.01), rel=1e-12)
    assert np.count_nonzero(Y) == 1


def test_agc_ellis_constant_spectrogram_by_hand():
    W = F.agc_filterbank(sr=SR, n_fft=1024)
    band = W.sum(axis=1)                               # A = F @ c = c * row sums
    per_bin = W.T @ band / W.sum(axis=0)               # E / c
    for c in (2.0, 0.5):
        S = np.full((513, 12), c)
        Y, E = F.agc(S, sr=SR, hop_length=512, method="ellis", return_envelope=True)
        # the peak hold of a constant is the constant: E does not change over time
        np.testing.assert_allclose(E, np.repeat(c * per_bin[:, None], 12, axis=1),
                                   rtol=1e-12)
        np.testing.assert_allclose(Y, c / (c * per_bin[:, None] + 0.01) * np.ones(12),
                                   rtol=1e-12)
    # eps = 0.01 is absolute: scaling the input does not scale the output away
    Y1 = F.agc(np.full((513, 4), 1.0), sr=SR, hop_length=512, method="ellis")
    Y100 = F.agc(np.full((513, 4), 100.0), sr=SR, hop_length=512, method="ellis")
    assert not np.allclose(Y1, Y100)
    np.testing.assert_allclose(Y100, 1.0 / per_bin[:, None] * np.ones(4), rtol=2e-3)
    # other parameters reach the result
    Y3 = F.agc(np.full((513, 4), 1.0), sr=SR, hop_length=512, method="ellis", eps=1.0)
    np.testing.assert_allclose(Y3, 1.0 / (per_bin[:, None] + 1.0) * np.ones(4), rtol=1e-12)


def test_agc_ellis_dtype_shape_and_silence(y):
    S = F.stft_magnitude(y, n_fft=1024, hop_length=512)
    Y, E = F.agc(S, sr=SR, hop_length=512, method="ellis", return_envelope=True)
    assert Y.shape == E.shape == S.shape and Y.dtype == E.dtype == np.float32
    assert (E > 0).all() and np.isfinite(Y).all()
    Z = F.agc(np.zeros((513, 5)), sr=SR, hop_length=512, method="ellis")
    assert not Z.any()
    # fewer, narrower bands change the result
    Y2 = F.agc(S, sr=SR, hop_length=512, method="ellis", n_bands=20, width=1.0)
    assert not np.allclose(Y, Y2)


@pytest.mark.parametrize("kwargs, words", [
    ({"method": "ellis", "freq_scale": 1.0}, ["freq_scale", "gaussian"]),
    ({"method": "ellis", "amin": 1e-10}, ["amin", "gaussian"]),
    ({"n_bands": 10}, ["n_bands", "ellis"]),
    ({"method": "gaussian", "eps": 0.01, "width": 2.0}, ["eps", "width", "ellis"]),
    ({"method": "tf_agc"}, ["method", "ellis"]),
    ({"method": "ellis", "eps": 0}, ["eps"]),
    ({"method": "ellis", "n_bands": 0}, ["n_bands"]),
])
def test_agc_rejects_parameters_of_the_other_method(kwargs, words):
    with pytest.raises(ParameterError) as err:
        F.agc(np.ones((513, 4)), sr=SR, hop_length=512, **kwargs)
    for w in words:
        assert w in str(err.value)


# -- parameter checking -----------------------------------------------------------------
_Y = np.zeros(4096, np.float32)
_Y[::100] = 1.0


@pytest.mark.parametrize("call", [
    lambda: F.stft_magnitude(_Y, n_fft=0),
    lambda: F.stft_magnitude(_Y, n_fft=-1024),
    lambda: F.stft_magnitude(_Y, hop_length=0),
    lambda: F.stft_magnitude(_Y, hop_length=1.5),
    lambda: F.stft_magnitude(list(_Y)),
    lambda: F.stft_magnitude(_Y.astype(np.int16)),
    lambda: F.stft_magnitude(np.stack([_Y, _Y])),
    lambda: F.stft_magnitude(np.zeros(0, np.float32)),
    lambda: F.stft_magnitude(np.array([0.0, np.nan] * 1000)),
    lambda: F.stft_magnitude(_Y, window=np.ones(10)),
    lambda: F.stft_magnitude(_Y, window="no-such-window"),
    lambda: F.stft_magnitude(_Y, window=lambda n: np.ones(n - 1)),
    lambda: F.stft_magnitude(_Y, pad_mode="wrap"),
    lambda: F.melspectrogram(_Y, sr=SR, norm="no-such-norm"),
    lambda: F.stft_magnitude(_Y[:100], n_fft=1024, center=False),
    lambda: F.melspectrogram(_Y, sr="22050"),
    lambda: F.melspectrogram(_Y, sr=0),
    lambda: F.melspectrogram(_Y, sr=True),
    lambda: F.melspectrogram(_Y, sr=22050.5),
    lambda: F.melspectrogram(_Y, sr=SR, fmax=20000),
    lambda: F.melspectrogram(_Y, sr=SR, fmin=5000, fmax=4000),
    lambda: F.melspectrogram(_Y, sr=SR, n_mels=0),
    lambda: F.melspectrogram(_Y, sr=SR, power=0),
    lambda: F.melspectrogram(sr=SR),
    lambda: F.melspectrogram(_Y, sr=SR, S=np.ones((513, 4))),
    lambda: F.melspectrogram(S=-np.ones((513, 4)), sr=SR),
    lambda: F.log_mel(_Y, sr=SR, log="ln"),
    lambda: F.log_mel(_Y, sr=SR, c=0),
    lambda: F.log_mel(_Y, sr=SR, top_db=-1),
    lambda: F.mfcc(_Y, sr=SR, n_mfcc=40, n_mels=20),
    lambda: F.mfcc_deltas(np.ones((20, 5)), width=9),
    lambda: F.mfcc_deltas(np.ones((20, 50)), width=4),
    lambda: F.mfcc_deltas(np.ones(50)),
    lambda: F.dft_frames(_Y, norm="max-abs"),
    lambda: F.agc(np.ones((513, 10)), sr=SR, hop_length=512, time_scale=0),
    lambda: F.agc(np.ones(10), sr=SR, hop_length=512),
])
def test_bad_arguments_raise_parameter_error(call):
    with pytest.raises(ParameterError):
        call()


def test_bins_per_khz_is_choi_figure_2_and_counts_every_band_and_bin_once():
    bins = F.bins_per_khz()                    # 12 kHz, 96 mel bands, 256-point FFT
    assert list(bins.index) == [f"{k}-{k + 1} kHz" for k in range(6)]
    assert bins["mel bands"].sum() == 96 and bins["STFT bins"].sum() == 129
    assert bins["mel bands"].is_monotonic_decreasing
    assert bins["STFT bins"].max() - bins["STFT bins"].min() <= 1
    cd = F.bins_per_khz(sr=22050, n_mels=40, n_fft=1024)     # the last band is 11-11.025 kHz
    assert cd.index[-1] == "11-11.025 kHz" and cd.sum().tolist() == [40, 513]
    with pytest.raises(ParameterError, match="n_mels"):
        F.bins_per_khz(n_mels=0)
