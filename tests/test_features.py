"""Tests of mirnb.features against librosa, NumPy references and hand examples."""

import librosa
import numpy as np
import pytest
import soundfile as sf

from mirnb import ParameterError
from mirnb import audio
from mirnb import features as F
from mirnb.cache import Cache
from mirnb.datasets import Skipped, Track

SR = 22050


@pytest.fixture(scope="module")
def y():
    """2 s of a harmonic tone on A3 plus noise, float32."""
    rng = np.random.default_rng(0)
    t = np.arange(2 * SR) / SR
    tone = sum(np.sin(2 * np.pi * 220 * k * t) / k for k in range(1, 8))
    sig = 0.3 * tone / np.abs(tone).max() + 0.05 * rng.standard_normal(t.size)
    return sig.astype(np.float32)


@pytest.fixture(scope="module")
def noise():
    return (0.3 * np.random.default_rng(1).standard_normal(2 * SR)).astype(np.float32)


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


# -- flatness, crest ---------------------------------------------------------------------
def test_spectral_flatness_matches_librosa(y, noise):
    for sig in (y, noise):
        f = F.spectral_flatness(sig)
        ref = librosa.feature.spectral_flatness(y=sig)
        _close(f, ref, rtol=1e-4, atol_rel=1e-6)


def test_band_flatness_uses_the_mpeg7_band_bins(y):
    # band k takes the bins in [low * 0.95, high * 1.05): check two bands by hand
    S = F.stft_magnitude(y, n_fft=2048, hop_length=512)
    freqs = librosa.fft_frequencies(sr=SR, n_fft=2048)
    sfm = F.spectral_flatness(S=S, sr=SR, n_bands=12)
    scf = F.spectral_crest(S=S, sr=SR, n_bands=12)
    for k in (0, 11):
        lo, hi = 250.0 * 2 ** (k / 4), 250.0 * 2 ** ((k + 1) / 4)
        band = S[(freqs >= 0.95 * lo) & (freqs < 1.05 * hi)]
        P = np.maximum(1e-10, band.astype(np.float64) ** 2)
        np.testing.assert_allclose(sfm[k], np.exp(np.log(P).mean(axis=0)) / P.mean(axis=0),
                                   rtol=1e-4)
        np.testing.assert_allclose(scf[k], P.max(axis=0) / P.mean(axis=0), rtol=1e-5)


def test_band_flatness_and_crest_separate_tone_from_noise(y, noise):
    edges = F.band_edges(sr=SR)
    assert edges.shape == (21, 2) and edges[0, 0] == 250.0
    np.testing.assert_allclose(edges[:, 1] / edges[:, 0], 2 ** 0.25)
    sfm_tone = F.spectral_flatness(y, sr=SR, n_bands=12)
    sfm_noise = F.spectral_flatness(noise, sr=SR, n_bands=12)
    assert sfm_tone.shape == (12, 1 + y.size // 512)
    for v in (sfm_tone, sfm_noise):
        assert np.all((v > 0) & (v <= 1 + 1e-6))
    assert sfm_tone.mean() < 0.5 * sfm_noise.mean()
    scf_tone = F.spectral_crest(y, sr=SR, n_bands=12)
    scf_noise = F.spectral_crest(noise, sr=SR, n_bands=12)
    assert np.all(scf_noise >= 1 - 1e-6)
    assert scf_tone.mean() > 1.5 * scf_noise.mean()
    assert F.spectral_crest(y).mean() > F.spectral_crest(noise).mean()
    # a spectrogram in gives the same as the audio in
    S = F.stft_magnitude(y, n_fft=2048, hop_length=512)
    np.testing.assert_allclose(F.spectral_crest(S=S, sr=SR, n_bands=12), scf_tone,
                               rtol=1e-6)


# -- onset strength, chroma -------------------------------------------------------------
def test_onset_strength_matches_librosa():
    clicks = librosa.clicks(times=np.arange(0.25, 2.0, 0.25), sr=SR, length=2 * SR)
    sig = (clicks + 0.01 * np.random.default_rng(3).standard_normal(2 * SR)).astype(
        np.float32)
    o = F.onset_strength(sig, sr=SR, hop_length=512)
    ref = librosa.onset.onset_strength(y=sig, sr=SR, hop_length=512)
    _close(o, ref, rtol=1e-4, atol_rel=1e-4)
    o2 = F.onset_strength(sig, sr=SR, hop_length=256, lag=2, max_size=3)
    ref2 = librosa.onset.onset_strength(y=sig, sr=SR, hop_length=256, lag=2, max_size=3)
    _close(o2, ref2, rtol=1e-4, atol_rel=1e-4)


@pytest.mark.filterwarnings("ignore:n_fft=.*is too large:UserWarning")
def test_chroma_matches_librosa_and_finds_the_pitch_class(y):
    C = F.chroma(y, sr=SR)
    ref = librosa.feature.chroma_stft(y=y, sr=SR)
    _close(C, ref, rtol=1e-4, atol_rel=1e-4)
    C0 = F.chroma(y, sr=SR, tuning=0.0, norm=None)
    ref0 = librosa.feature.chroma_stft(y=y, sr=SR, tuning=0.0, norm=None)
    _close(C0, ref0, rtol=1e-4, atol_rel=1e-5)
    tone = np.sin(2 * np.pi * 440 * np.arange(SR) / SR).astype(np.float32)
    for kind in ("stft", "cqt"):
        c = F.chroma(tone, sr=SR, kind=kind)
        assert c.shape[0] == 12
        assert c.mean(axis=1).argmax() == 9  # A


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
    lambda: F.spectral_flatness(_Y, sr=SR, n_bands=40),
    lambda: F.spectral_flatness(_Y, S=np.ones((1025, 3))),
    lambda: F.spectral_crest(_Y, sr=SR, n_bands=4, n_fft=64),
    lambda: F.band_edges(sr=SR, fmin=20000),
    lambda: F.onset_strength(_Y, sr=SR, lag=0),
    lambda: F.onset_strength(_Y, sr=SR, aggregate="mean"),
    lambda: F.chroma(_Y, sr=SR, kind="cens"),
    lambda: F.chroma(_Y, sr=SR, kind="cqt", hop_length=100),
    lambda: F.chroma(_Y, sr=SR, norm=3),
    lambda: F.agc(np.ones((513, 10)), sr=SR, hop_length=512, time_scale=0),
    lambda: F.agc(np.ones(10), sr=SR, hop_length=512),
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


# -- extraction over a dataset -----------------------------------------------------------
CALLS = []


def counting_log_mel(y, *, sr, scale=1.0):
    """A module-level feature that counts its calls (n_jobs=1 runs in-process)."""
    CALLS.append(1)
    return F.log_mel(y, sr=sr, n_fft=512, hop_length=256, n_mels=32) * scale


@pytest.fixture
def wav_tracks(tmp_path):
    rng = np.random.default_rng(6)
    t = np.arange(SR // 2) / SR
    sf.write(tmp_path / "tone.wav", 0.5 * np.sin(2 * np.pi * 330 * t), SR)
    sf.write(tmp_path / "noise.wav", 0.2 * rng.standard_normal(SR // 2), SR,
             subtype="PCM_16")
    sf.write(tmp_path / "silent.wav", np.zeros(SR // 2), SR)
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk")
    return [Track("tone", tmp_path / "tone.wav", {"genre": "a"}),
            ("noise", tmp_path / "noise.wav"),
            Track("silent", tmp_path / "silent.wav"),
            Track("broken", tmp_path / "broken.wav"),
            Track("no-audio", None)]


def test_extract_skips_bad_files_and_hits_the_cache(wav_tracks, tmp_path):
    cache = Cache(tmp_path / "cache")
    CALLS.clear()
    feats, skipped = F.extract(wav_tracks, counting_log_mel, sr=SR, n_jobs=1, cache=cache,
                               verbose=False)
    assert list(feats) == ["tone", "noise"]
    assert len(CALLS) == 2
    assert all(isinstance(s, Skipped) for s in skipped)
    reasons = {s.track_id: s.reason for s in skipped}
    assert set(reasons) == {"silent", "broken", "no-audio"}
    assert "silent" in reasons["silent"]
    assert "cannot read" in reasons["broken"]
    assert "no audio" in reasons["no-audio"]
    y_tone, _ = audio.load(wav_tracks[0].audio_path, sr=SR)
    np.testing.assert_allclose(feats["tone"], counting_log_mel(y_tone, sr=SR), rtol=1e-6)
    # four files could be hashed and looked up (two then failed to load); two written
    assert (cache.stats.hits, cache.stats.misses, cache.stats.writes) == (0, 4, 2)

    CALLS.clear()
    again, skipped2 = F.extract(wav_tracks, counting_log_mel, sr=SR, n_jobs=1, cache=cache,
                                verbose=False)
    assert CALLS == []  # nothing recomputed
    assert cache.stats.hits == 2 and cache.stats.misses == 6 and cache.stats.writes == 2
    assert [s.track_id for s in skipped2] == [s.track_id for s in skipped]
    for k in feats:
        np.testing.assert_array_equal(again[k], feats[k])

    # another parameter value is another key
    F.extract(wav_tracks[:2], counting_log_mel, sr=SR, n_jobs=1, cache=cache,
              verbose=False, scale=2.0)
    assert len(CALLS) == 2 and cache.stats.misses == 8 and cache.stats.writes == 4

    # a corrupted entry is recomputed, not trusted
    for p in cache.root.rglob("*.npz"):
        p.write_bytes(p.read_bytes()[:100])
    CALLS.clear()
    fixed, _ = F.extract(wav_tracks, counting_log_mel, sr=SR, n_jobs=1, cache=cache,
                         verbose=False)
    assert len(CALLS) == 2 and cache.stats.corrupt == 2
    np.testing.assert_array_equal(fixed["noise"], feats["noise"])


def test_extract_named_feature_in_parallel(wav_tracks, tmp_path):
    good = wav_tracks[:3]
    serial, sk1 = F.extract(good, "mfcc", sr=SR, n_jobs=1, cache=None, verbose=False,
                            n_mfcc=13)
    cache = Cache(tmp_path / "c2")
    parallel, sk2 = F.extract(good, "mfcc", sr=SR, n_jobs=2, cache=cache, verbose=False,
                              n_mfcc=13)
    assert list(parallel) == ["tone", "noise"] and [s.track_id for s in sk2] == ["silent"]
    for k in serial:
        # workers may use other BLAS thread counts: float32 summation order differs
        np.testing.assert_allclose(parallel[k], serial[k], rtol=1e-5, atol=1e-4)
        assert parallel[k].shape[0] == 13
    assert cache.stats.misses == 3 and cache.stats.writes == 2 and len(cache) == 2
    F.extract(good, "mfcc", sr=SR, n_jobs=2, cache=cache, verbose=False, n_mfcc=13)
    assert cache.stats.hits == 2


def test_extract_warms_librosa_before_workers(wav_tracks, monkeypatch):
    from mirnb.datasets import core

    seen = {}

    def fake_map_tracks(func, items, **kwargs):
        seen.update(kwargs)
        return {}, []

    monkeypatch.setattr(core, "map_tracks", fake_map_tracks)
    F.extract(wav_tracks[:2], "mfcc", sr=SR, n_jobs=2, cache=None, verbose=False)
    assert seen["uses_librosa"] is True and seen["n_jobs"] == 2


def test_extract_parameter_errors_stop_the_run(wav_tracks):
    with pytest.raises(ParameterError, match="not a feature name"):
        F.extract(wav_tracks, "log_mell", sr=SR, cache=None, verbose=False)
    with pytest.raises(ParameterError, match="takes no parameter"):
        F.extract(wav_tracks, "log_mel", sr=SR, cache=None, verbose=False, n_mel=40)
    with pytest.raises(ParameterError, match="appears twice"):
        F.extract(wav_tracks[:2] * 2, "log_mel", sr=SR, cache=None, verbose=False)
    with pytest.raises(ParameterError, match="sr="):
        F.extract(wav_tracks, "log_mel", sr="fast", cache=None, verbose=False)
    # a parameter the feature rejects is an error of the call, not a skipped track
    with pytest.raises(ParameterError, match="n_mels=0"):
        F.extract(wav_tracks[:2], "log_mel", sr=SR, n_jobs=1, cache=None, verbose=False,
                  n_mels=0)
