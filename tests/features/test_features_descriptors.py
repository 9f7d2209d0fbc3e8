"""Tests of mirnb.features.descriptors: band flatness and crest, onset strength, chroma."""

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


def test_novelty_on_a_hand_made_spectrogram():
    # a flat spectrum scaled by s_t in frame t: the 40-band mel magnitudes are s_t * m
    s = np.array([0.0, 1.0, 1.0, 0.5, 2.0])
    S = np.ones((513, 1)) * s
    m = librosa.filters.mel(sr=SR, n_fft=1024, n_mels=40, norm="slaney",
                            dtype=np.float64).sum(axis=1)

    def n(x):
        return np.log10(1 + 100 * x * m)

    want = [0.0,                                   # nothing before frame 0
            np.mean(n(1.0) - n(0.0)),              # rise from silence
            0.0,                                   # no change
            0.0,                                   # a fall is rectified away
            np.mean(n(2.0) - n(0.5))]              # a rise again
    o = F.novelty(S, sr=SR, n_fft=1024)
    assert o.shape == (5,) and o.dtype == np.float64
    np.testing.assert_allclose(o, want, rtol=1e-12, atol=1e-15)
    # gain and n_mels are used; float32 in, float32 out; n_fft inferred from S
    o10 = F.novelty(S.astype(np.float32), sr=SR, gain=10.0, n_mels=20)
    m20 = librosa.filters.mel(sr=SR, n_fft=1024, n_mels=20, norm="slaney",
                              dtype=np.float64).sum(axis=1)
    assert o10.dtype == np.float32
    assert o10[1] == pytest.approx(np.mean(np.log10(1 + 10 * m20)), rel=1e-6)


def test_novelty_mixes_bands_by_the_mean():
    # an event in the low bins only: the flux sits in the few bands that cover them
    S = np.zeros((513, 3))
    S[:10, 1:] = 1.0
    S[:10, 2] = 4.0
    W = librosa.filters.mel(sr=SR, n_fft=1024, n_mels=40, norm="slaney", dtype=np.float64)
    N = np.log10(1 + 100 * (W @ S))
    o = F.novelty(S, sr=SR)
    np.testing.assert_allclose(o[1:], np.maximum(np.diff(N, axis=1), 0).sum(axis=0) / 40,
                               rtol=1e-12)
    assert 0 < o[1] < np.log10(1 + 100 * (W[:, :10].sum(axis=1)).max())


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


# -- parameter checking -----------------------------------------------------------------
_Y = np.zeros(4096, np.float32)
_Y[::100] = 1.0


@pytest.mark.parametrize("call", [
    lambda: F.spectral_flatness(_Y, sr=SR, n_bands=40),
    lambda: F.spectral_flatness(_Y, S=np.ones((1025, 3))),
    lambda: F.spectral_crest(_Y, sr=SR, n_bands=4, n_fft=64),
    lambda: F.band_edges(sr=SR, fmin=20000),
    lambda: F.onset_strength(_Y, sr=SR, lag=0),
    lambda: F.onset_strength(_Y, sr=SR, aggregate="mean"),
    lambda: F.chroma(_Y, sr=SR, kind="cens"),
    lambda: F.chroma(_Y, sr=SR, kind="cqt", hop_length=100),
    lambda: F.chroma(_Y, sr=SR, norm=3),
    lambda: F.novelty(np.ones((513, 4)), sr=SR, n_fft=2048),
    lambda: F.novelty(np.ones((513, 4)), sr=SR, gain=0),
    lambda: F.novelty(np.ones((513, 4)), sr=SR, n_mels=0),
    lambda: F.novelty(-np.ones((513, 4)), sr=SR),
    lambda: F.novelty(np.ones(513), sr=SR),
])
def test_bad_arguments_raise_parameter_error(call):
    with pytest.raises(ParameterError):
        call()
