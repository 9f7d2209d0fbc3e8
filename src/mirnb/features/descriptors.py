"""Frame descriptors from a spectrogram: band flatness and crest, onset strength, chroma.

Conventions as in :mod:`mirnb.features.spectral`: the signal (or a
spectrogram) first, keyword-only parameters with librosa's names, output
``(n_features, n_frames)``. Onset strength, spectral flatness, chroma filter
banks and tuning estimation are librosa's; the band-wise flatness and crest
factor after MPEG-7 and Zhang et al., and the onset detection function of
Nam et al.'s code (:func:`novelty`), are the book's own.
"""

import numpy as np

from .. import _check
from ..errors import ParameterError
from ._common import _librosa, _signal, _spectrogram, _sr, _y_or_S
from .spectral import _slaney_mel_basis, log_mel, stft_magnitude

__all__ = ["band_edges", "spectral_flatness", "spectral_crest", "onset_strength", "novelty",
           "chroma"]

# ----------------------------------------------------------------------------
# flatness and crest
# ----------------------------------------------------------------------------
def band_edges(*, sr, n_bands=None, fmin=250.0, bands_per_octave=4):
    """Edges of the log-spaced bands used by the band-wise SFM and SCF.

    Band ``k`` spans ``[fmin * 2**(k / b), fmin * 2**((k + 1) / b))`` with
    ``b = bands_per_octave``: quarter-octave bands from 250 Hz by default, the
    MPEG-7 AudioSpectrumFlatness layout.

    Parameters
    ----------
    sr : int > 0
        Sample rate; no band may reach above ``sr / 2``.
    n_bands : int > 0 or None
        Number of bands. None gives as many as fit below the Nyquist
        frequency, leaving room for the 5 % band overlap of
        :func:`spectral_flatness`.
    fmin : float > 0
        Lower edge of the first band, in Hz.
    bands_per_octave : int > 0

    Returns
    -------
    edges : np.ndarray, shape (n_bands, 2)
        (low, high) in Hz for each band, before any overlap.

    References
    ----------
    .. [1] ISO/IEC 15938-4 (MPEG-7 Audio), AudioSpectrumFlatness: quarter
       octave bands from 250 Hz, widened by 5 % on each side.
    """
    sr = _sr(sr)
    fmin = _check.positive("fmin", fmin)
    b = _check.positive_int("bands_per_octave", bands_per_octave)
    nyquist = sr / 2.0
    room = nyquist / 1.05
    n_max = int(np.floor(b * np.log2(room / fmin) + 1e-9)) if room > fmin else 0
    if n_bands is None:
        n_bands = n_max
        if n_bands < 1:
            raise ParameterError(f"fmin={fmin} Hz leaves no band below the Nyquist "
                                 f"frequency {nyquist:g} Hz")
    n_bands = _check.positive_int("n_bands", n_bands)
    if n_bands > n_max:
        raise ParameterError(f"n_bands={n_bands}: bands of 1/{b} octave from {fmin:g} Hz "
                             f"fit at most {n_max} below {nyquist:g} Hz (sr={sr})")
    k = np.arange(n_bands + 1)
    f = fmin * 2.0 ** (k / b)
    return np.stack([f[:-1], f[1:]], axis=1)


def _band_masks(edges, n_fft, sr, overlap):
    freqs = np.arange(1 + n_fft // 2) * sr / n_fft
    lo = edges[:, :1] * (1 - overlap)
    hi = edges[:, 1:] * (1 + overlap)
    masks = (freqs[None, :] >= lo) & (freqs[None, :] < hi)
    empty = np.flatnonzero(~masks.any(axis=1))
    if empty.size:
        lo_hz, hi_hz = edges[empty[0]]
        raise ParameterError(f"band {empty[0]} ({lo_hz:.0f}-{hi_hz:.0f} Hz) holds no FFT "
                             f"bin at n_fft={n_fft}, sr={sr}; raise n_fft or fmin")
    return masks


def _band_measure(kind, y, S, sr, n_fft, hop_length, window, center, n_bands, fmin,
                  bands_per_octave, overlap, amin, power):
    _y_or_S(y, S)
    sr = _sr(sr)
    amin = _check.positive("amin", amin)
    power = _check.positive("power", power)
    overlap = _check.nonneg("overlap", overlap)
    if S is None:
        S = stft_magnitude(y, n_fft=n_fft, hop_length=hop_length, window=window,
                           center=center)
    else:
        n_fft = _spectrogram(S)
    if n_bands is None:
        bands = [slice(None)]
    else:
        edges = band_edges(sr=sr, n_bands=n_bands, fmin=fmin,
                           bands_per_octave=bands_per_octave)
        bands = list(_band_masks(edges, n_fft, sr, overlap))
    if kind == "flatness":
        with _librosa("spectral_flatness") as librosa:
            return np.concatenate([librosa.feature.spectral_flatness(
                S=S[b], amin=amin, power=power) for b in bands], axis=0)
    P = np.maximum(amin, S.astype(np.float64) ** power)
    out = np.stack([P[b].max(axis=0) / P[b].mean(axis=0) for b in bands])
    return out.astype(S.dtype if np.issubdtype(S.dtype, np.floating) else np.float64)


def spectral_flatness(y=None, *, S=None, sr=22050, n_fft=2048, hop_length=512,
                      window="hann", center=True, n_bands=None, fmin=250.0,
                      bands_per_octave=4, overlap=0.05, amin=1e-10, power=2.0):
    """Spectral flatness measure (SFM): geometric over arithmetic mean of the power spectrum.

    ``SFM = exp(mean(log P)) / mean(P)`` over the bins of the whole spectrum,
    or of each band, per frame, with ``P = max(amin, |STFT|**power)``. It is
    near 1 for noise-like (flat) spectra and near 0 for tonal (peaky) ones.
    Each value is :func:`librosa.feature.spectral_flatness` of the bins of
    the spectrum or of the band; the band layout is this module's.

    Parameters
    ----------
    y : np.ndarray, shape (n,) or None
        Mono audio. Give either ``y`` or ``S``.
    S : np.ndarray, shape (1 + n_fft // 2, n_frames) or None
        Magnitude spectrogram; ``n_fft`` is inferred from it.
    sr : int > 0
        Sample rate (used to place the bands).
    n_fft, hop_length, window, center
        STFT parameters, librosa's defaults; see :func:`stft_magnitude`.
    n_bands : int > 0 or None
        None: one value per frame over all bins (librosa's
        ``spectral_flatness``). An int: that many log-spaced bands, see
        :func:`band_edges`: ``bands_per_octave`` bands per octave from
        ``fmin``. Each band takes the bins whose centre frequency lies in
        ``[low * (1 - overlap), high * (1 + overlap))``. The defaults (1/4
        octave from 250 Hz, 5 % overlap) are MPEG-7's layout.
    fmin, bands_per_octave, overlap
        Band layout, see above.
    amin : float > 0
        Power floor, which keeps log(0) out of the geometric mean.
    power : float > 0
        Exponent applied to the magnitude (2: power spectrum).

    Returns
    -------
    F : np.ndarray, shape (1, n_frames) or (n_bands, n_frames)
        Values in (0, 1].

    References
    ----------
    .. [1] Johnston, J. D. (1988). Transform coding of audio signals using
       perceptual noise criteria. IEEE JSAC 6(2) (spectral flatness).
    .. [2] ISO/IEC 15938-4 (MPEG-7 Audio), AudioSpectrumFlatness.
    .. [3] Zhang, P., Zheng, X., Zhang, W., Li, S., Qian, S., He, W., Zhang,
       S. & Wang, Z. (2015). A deep neural network for modeling music. ICMR,
       Sec. 4.2 (mel spectrum with SFM and SCF as the frame features).
    """
    return _band_measure("flatness", y, S, sr, n_fft, hop_length, window, center,
                         n_bands, fmin, bands_per_octave, overlap, amin, power)


def spectral_crest(y=None, *, S=None, sr=22050, n_fft=2048, hop_length=512,
                   window="hann", center=True, n_bands=None, fmin=250.0,
                   bands_per_octave=4, overlap=0.05, amin=1e-10, power=2.0):
    """Spectral crest factor (SCF): maximum over arithmetic mean of the power spectrum.

    ``SCF = max(P) / mean(P)`` per frame, over the whole spectrum or each
    band, with ``P = max(amin, |STFT|**power)``. It is 1 for a perfectly
    flat band and grows with peakiness, up to the number of bins in the band.

    Parameters
    ----------
    y, S, sr, n_fft, hop_length, window, center, n_bands, fmin, bands_per_octave, overlap, amin, power
        As in :func:`spectral_flatness`.

    Returns
    -------
    F : np.ndarray, shape (1, n_frames) or (n_bands, n_frames)
        Values >= 1.

    References
    ----------
    .. [1] ISO/IEC 15938-4 (MPEG-7 Audio), spectral crest factor per band.
    .. [2] Zhang et al. (2015), ICMR, Sec. 4.2 (SCF beside SFM).
    """
    return _band_measure("crest", y, S, sr, n_fft, hop_length, window, center,
                         n_bands, fmin, bands_per_octave, overlap, amin, power)


# ----------------------------------------------------------------------------
# onset strength and chroma
# ----------------------------------------------------------------------------
def onset_strength(y=None, *, sr, S=None, n_fft=2048, hop_length=512, n_mels=128,
                   fmin=0.0, fmax=None, lag=1, max_size=1, aggregate=np.mean,
                   center=True):
    """Spectral-flux onset strength of the dB mel spectrogram.

    ``o[t] = aggregate_f max(0, L[f, t] - ref[f, t - lag])`` where ``L`` is
    the mel power spectrogram in dB (80 dB range) and ``ref`` is ``L``
    itself, or its running maximum over ``max_size`` mel bands (the
    vibrato-suppressing "superflux" reference). The envelope is shifted by
    ``lag`` (and by ``n_fft // (2 * hop_length)`` frames when ``center``) so
    that peaks line up with the frames of :func:`melspectrogram`. This is
    :func:`librosa.onset.onset_strength` of the :func:`log_mel` spectrogram
    with ``top_db=80``, librosa's own recipe.

    Parameters
    ----------
    y : np.ndarray, shape (n,) or None
        Mono audio. Give either ``y`` or ``S``.
    sr : int > 0
        Sample rate in Hz.
    S : np.ndarray, shape (n_mels, n_frames) or None
        A log-power (dB) mel spectrogram instead of audio.
    n_fft, hop_length, n_mels, fmin, fmax
        Mel spectrogram parameters, see :func:`melspectrogram`.
    lag : int >= 1
        Frames between the compared spectra.
    max_size : int >= 1
        Size of the frequency maximum filter applied to the reference.
    aggregate : callable
        Reduction over bands, called as ``aggregate(x, axis=0)``.
    center : bool
        Align with centred frames (see above).

    Returns
    -------
    o : np.ndarray, shape (n_frames,)
        Non-negative onset strength per frame.

    References
    ----------
    .. [1] Böck, S. & Widmer, G. (2013). Maximum filter vibrato suppression
       for onset detection. DAFx.
    .. [2] Nam, Herrera & Lee (2015), onset-based sampling of multi-frame
       blocks.
    """
    _y_or_S(y, S)
    sr = _sr(sr)
    lag = _check.positive_int("lag", lag)
    max_size = _check.positive_int("max_size", max_size)
    hop_length = _check.positive_int("hop_length", hop_length)
    n_fft = _check.positive_int("n_fft", n_fft)
    _check.function("aggregate", aggregate, example="np.mean")
    if S is None:
        # librosa's own recipe: power_to_db (80 dB range) of the mel power spectrogram
        L = log_mel(y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
                    fmin=fmin, fmax=fmax, power=2.0, top_db=80.0)
    else:
        if not isinstance(S, np.ndarray) or S.ndim != 2:
            raise ParameterError("S must be a 2-D (n_mels, n_frames) dB spectrogram")
        L = S
    if L.shape[1] <= lag:
        raise ParameterError(f"lag={lag} needs more than {lag} frames; the spectrogram has "
                             f"{L.shape[1]}")
    with _librosa("onset_strength") as librosa:
        return librosa.onset.onset_strength(S=L, sr=sr, n_fft=n_fft, hop_length=hop_length,
                                            lag=lag, max_size=max_size, center=center,
                                            aggregate=aggregate)


def novelty(S, *, sr, n_fft=None, n_mels=40, gain=100.0):
    """Onset detection function of Nam et al.'s code: mean rectified log-mel flux.

    From a magnitude spectrogram ``S`` (after :func:`agc` with
    ``method='ellis'`` in the authors' pipeline)::

        N = log10(1 + gain * (W @ S))                        (n_mels, n_frames)
        o[0] = 0,   o[t] = mean_f max(N[f, t] - N[f, t - 1], 0)

    with ``W`` the Slaney mel filter bank on magnitude (power 1, 0 Hz to
    ``sr / 2``, area-normalised: ``librosa.filters.mel(norm='slaney',
    htk=False)``). ``o[t]`` is the half-wave-rectified spectral flux into
    frame ``t``. There is no smoothing, normalisation or peak picking. The
    paper sums the flux over the 40 bands, the code averages it: the two
    differ by the constant factor ``n_mels`` and have the same maxima.
    ``gain`` (100 in the code) is absolute, so the result depends on the
    scale of ``S``; unlike :func:`onset_strength` (librosa's dB recipe), no
    lag or centring shift is applied.

    Parameters
    ----------
    S : np.ndarray, shape (1 + n_fft // 2, n_frames)
        Magnitude spectrogram (linear frequency, non-negative).
    sr : int > 0
        Sample rate of the audio behind ``S``.
    n_fft : int > 0 or None
        FFT length of ``S``; None infers ``2 * (S.shape[0] - 1)``. A value
        that does not give ``S.shape[0]`` bins is an error.
    n_mels : int > 0
        Number of mel bands (40 in the paper and the code).
    gain : float > 0
        Compression constant of ``log10(1 + gain * x)`` (100 in the code).

    Returns
    -------
    o : np.ndarray, shape (n_frames,)
        Non-negative, ``o[0] == 0``; ``S``'s floating-point dtype (float64
        for integer input).

    References
    ----------
    .. [1] Nam, Herrera & Lee (2015), Sec. III-A-4: the onset detection
       function maps the spectrogram to 40 sub-bands and sums the
       half-wave rectified spectral flux; the authors' code
       (``process_tagatune_audio.m``) uses log10(1 + 100 x) and the mean.
    .. [2] Bello, J. P. et al. (2005). A tutorial on onset detection in
       music signals. IEEE Trans. SAP 13(5) (spectral flux).
    """
    n_bins_fft = _spectrogram(S)
    sr = _sr(sr)
    if n_fft is None:
        n_fft = n_bins_fft
    else:
        n_fft = _check.positive_int("n_fft", n_fft)
        if 1 + n_fft // 2 != S.shape[0]:
            raise ParameterError(f"n_fft={n_fft} gives {1 + n_fft // 2} frequency bins, "
                                 f"but S has {S.shape[0]}; pass the n_fft of S (or None)")
    n_mels = _check.positive_int("n_mels", n_mels)
    gain = _check.positive("gain", gain)
    dtype = S.dtype if np.issubdtype(S.dtype, np.floating) else np.float64
    N = np.log10(1.0 + gain * (_slaney_mel_basis(sr, n_fft, n_mels) @ S.astype(np.float64)))
    o = np.zeros(S.shape[1], dtype=np.float64)
    o[1:] = np.maximum(np.diff(N, axis=1), 0.0).mean(axis=0)
    return o.astype(dtype)


def chroma(y, *, sr, n_fft=2048, hop_length=512, kind="stft", n_chroma=12, tuning=None,
           norm=np.inf, window="hann", center=True, fmin=None, n_octaves=7):
    """Chromagram: energy folded onto the 12 pitch classes.

    ``kind='stft'`` maps the power spectrogram through librosa's chroma
    filter bank (after estimating the tuning deviation when ``tuning`` is
    None), as :func:`librosa.feature.chroma_stft`. ``kind='cqt'`` folds a
    constant-Q transform (:func:`librosa.feature.chroma_cqt`, 36 bins per
    octave), which resolves low notes better. Each frame is then scaled to
    unit ``norm`` (the maximum by default: the loudest class is 1, as in the
    Echo Nest's pitch vectors).

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio.
    sr : int > 0
        Sample rate in Hz.
    n_fft : int > 0
        FFT length (``kind='stft'`` only).
    hop_length : int > 0
        Hop in samples. For ``'cqt'`` it must be divisible by
        ``2 ** (n_octaves - 1)``.
    kind : {'stft', 'cqt'}
    n_chroma : int > 0
        Bins per octave of the chromagram (12: semitones).
    tuning : float or None
        Deviation from A440 in fractions of a bin; None estimates it.
    norm : float or None
        Per-frame norm (``np.inf``, 1, 2) or None for raw energies.
    window, center
        STFT parameters (``'stft'`` only).
    fmin : float or None
        Lowest CQT frequency (``'cqt'`` only; None is C1, 32.7 Hz).
    n_octaves : int > 0
        CQT octaves (``'cqt'`` only).

    Returns
    -------
    C : np.ndarray, shape (n_chroma, n_frames)
        Row 0 is C, row 9 is A.

    References
    ----------
    .. [1] Fujishima, T. (1999). Realtime chord recognition of musical sound.
       ICMC (pitch class profiles).
    .. [2] Dieleman, Brakel & Schrauwen (2011), Sec. 3: beat-aligned chroma
       from the Echo Nest analysis.
    """
    y = _signal(y)
    sr = _sr(sr)
    _check.choice("kind", kind, {"stft", "cqt"})
    n_chroma = _check.positive_int("n_chroma", n_chroma)
    hop_length = _check.positive_int("hop_length", hop_length)
    if norm is not None and not (norm == np.inf or norm in (1, 2)):
        raise ParameterError(f"norm={norm!r}: expected np.inf, 1, 2 or None")
    tuning = _check.number("tuning", tuning, optional=True)
    if kind == "cqt":
        n_octaves = _check.positive_int("n_octaves", n_octaves)
        if hop_length % (2 ** (n_octaves - 1)):
            raise ParameterError(f"hop_length={hop_length} must be divisible by "
                                 f"2**(n_octaves - 1) = {2 ** (n_octaves - 1)} for "
                                 "kind='cqt'")
        with _librosa("chroma(kind='cqt')") as librosa:
            return librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=hop_length,
                                              fmin=fmin, norm=norm, tuning=tuning,
                                              n_chroma=n_chroma, n_octaves=n_octaves)
    P = stft_magnitude(y, n_fft=n_fft, hop_length=hop_length, window=window,
                       center=center) ** 2
    with _librosa("chroma") as librosa:
        return librosa.feature.chroma_stft(S=P, sr=sr, n_fft=n_fft, tuning=tuning,
                                           n_chroma=n_chroma, norm=norm)

