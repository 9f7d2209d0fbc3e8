"""Audio features for the five chapters, and their extraction over a dataset.

Every function takes the signal (or a spectrogram) first and keyword-only
parameters with librosa's names (``sr``, ``n_fft``, ``hop_length``,
``n_mels``, ``fmin``, ``fmax``, ``window``, ``center``). Inputs are checked at
entry: a bad value raises :class:`mirnb.ParameterError` naming the value and
the allowed range.

Orientation follows librosa: spectrogram-like features are ``(n_features,
n_frames)``, time on the last axis. The two functions that produce *samples
for a classifier* (:func:`dft_frames`, :func:`frames_to_windows`) return
``(n_samples, n_features)`` rows, as scikit-learn and Keras expect.

The short-time Fourier transform, the mel and chroma filter banks, the
decibel conversion, MFCC's DCT, onset strength, spectral flatness, delta
filters, tuning estimation, beat-synchronous aggregation and framing are
librosa's (:func:`librosa.stft`, :func:`librosa.feature.melspectrogram`,
:func:`librosa.power_to_db`, ...). This module checks the arguments, sets
each paper's defaults and adds what is the book's own: the band-wise
flatness and crest factor after MPEG-7 and Zhang et al., the time-frequency
automatic gain control, the per-frame normalisations of :func:`dft_frames`
and the clip summaries. librosa compiles its numba kernels the first time a
process calls them (about 20-30 s in a fresh environment, a few seconds to
load from numba's cache later); :func:`mirnb.warmup.librosa_kernels` does it
once, in one process, before :func:`extract` starts parallel workers.

:func:`extract` computes any of these features (or your own function) over a
list of tracks: in parallel over the cores, with progress, a content cache
(:mod:`mirnb.cache`) and a report of the files it had to skip.
"""

import contextlib
import functools
import inspect
import logging
import numbers
import os

import numpy as np
import scipy.ndimage

from . import _check
from .errors import DataError, ParameterError

__all__ = [
    "stft_magnitude", "dft_frames", "melspectrogram", "log_mel", "log_stft", "mfcc",
    "mfcc_deltas", "mfcc_with_deltas",
    "spectral_flatness", "spectral_crest", "band_edges", "onset_strength", "chroma",
    "agc", "beat_sync", "summarize", "frames_to_windows", "dft_mfcc_frames",
    "timbral_temporal", "TIMBRAL_DESCRIPTORS", "extract", "FEATURES", "FEATURES_VERSION",
    "STATS",
]

log = logging.getLogger("mirnb.features")

#: Bumped whenever a feature's output changes for the same input and
#: parameters; it is part of every cache key written by :func:`extract`.
FEATURES_VERSION = "2"  # 2: computed with librosa's STFT, dB, DCT, flatness, onsets

#: Statistics accepted by :func:`summarize` and :func:`frames_to_windows`.
STATS = {
    "mean": np.mean,
    "std": np.std,
    "var": np.var,
    "min": np.min,
    "max": np.max,
    "median": np.median,
}


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------
def _signal(y, name="y"):
    """Check that ``y`` is a non-empty, finite, 1-D floating-point array."""
    if not isinstance(y, np.ndarray):
        raise ParameterError(f"{name} must be a numpy array of audio samples, "
                             f"got {type(y).__name__}")
    if y.ndim != 1:
        raise ParameterError(f"{name} must be 1-D (mono) audio, got shape {y.shape}; "
                             "mix down first, e.g. mirnb.audio.load(..., mono=True)")
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(f"{name} must hold floating-point samples, got dtype "
                             f"{y.dtype}; convert with y.astype(np.float32) / 32768 "
                             "for 16-bit PCM")
    if y.size == 0:
        raise ParameterError(f"{name} is empty")
    if not np.isfinite(y).all():
        raise ParameterError(f"{name} holds NaN or infinite samples")
    return y


def _sr(sr):
    """Check a sample rate: a positive whole number of Hz (int or integral float)."""
    ok = (isinstance(sr, numbers.Real) and not isinstance(sr, bool)
          and sr > 0 and float(sr).is_integer())
    if not ok:
        raise ParameterError(f"sr={sr!r}: expected a positive whole number of Hz, "
                             "e.g. 22050")
    return int(sr)


def _int_at_least(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ParameterError(f"{name}={value!r}: expected an integer >= {low}")
    return int(value)


def _nonneg(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ParameterError(f"{name}={value!r}: expected a number >= 0")
    return float(value)


def _freq_range(fmin, fmax, sr):
    """Check ``0 <= fmin < fmax <= sr / 2`` and return (fmin, fmax)."""
    fmin = _nonneg("fmin", fmin)
    nyquist = sr / 2.0
    if fmax is None:
        fmax = nyquist
    else:
        fmax = _check.positive("fmax", fmax)
        if fmax > nyquist:
            raise ParameterError(f"fmax={fmax!r} Hz is above the Nyquist frequency "
                                 f"{nyquist:g} Hz of sr={sr}")
    if fmin >= fmax:
        raise ParameterError(f"fmin={fmin!r} must be below fmax={fmax!r}")
    return fmin, fmax


def _spectrogram(S, name="S"):
    """Check a non-negative real 2-D spectrogram and return n_fft for it."""
    if not isinstance(S, np.ndarray) or S.ndim != 2:
        shape = getattr(S, "shape", None)
        raise ParameterError(f"{name} must be a 2-D array (n_bins, n_frames), got "
                             f"{type(S).__name__} with shape {shape}")
    if not np.issubdtype(S.dtype, np.floating) and not np.issubdtype(S.dtype, np.integer):
        raise ParameterError(f"{name} must be real-valued (a magnitude spectrogram), "
                             f"got dtype {S.dtype}; take np.abs of a complex STFT")
    if S.shape[0] < 2 or S.shape[1] < 1:
        raise ParameterError(f"{name} has shape {S.shape}: expected at least 2 "
                             "frequency bins and 1 frame")
    if not np.isfinite(S).all() or (S < 0).any():
        raise ParameterError(f"{name} must be finite and non-negative")
    return 2 * (S.shape[0] - 1)


def _y_or_S(y, S):
    if (y is None) == (S is None):
        raise ParameterError("pass exactly one of y (audio) or S (spectrogram)")


@contextlib.contextmanager
def _librosa(what):
    """Import librosa; re-raise its ParameterError as mirnb's, naming ``what``."""
    import librosa

    try:
        yield librosa
    except librosa.util.exceptions.ParameterError as err:
        raise ParameterError(f"{what}: {err}") from None


def _window(window, n_fft, dtype):
    """The periodic analysis window of length ``n_fft``, in ``dtype``.

    :func:`librosa.filters.get_window` builds it; the length is checked here
    because :func:`librosa.stft` would silently zero-pad a shorter window.
    """
    import librosa

    if isinstance(window, (np.ndarray, list)):
        w = np.asarray(window)
    else:
        try:
            w = np.asarray(librosa.filters.get_window(window, n_fft, fftbins=True))
        except (librosa.util.exceptions.ParameterError, ValueError, TypeError) as err:
            raise ParameterError(f"window={window!r}: not a window "
                                 f"librosa.filters.get_window knows ({err})") from None
    if w.shape != (n_fft,):
        raise ParameterError(f"window has shape {w.shape}; expected ({n_fft},) to "
                             f"match n_fft={n_fft}")
    return w.astype(dtype, copy=False)


#: ``pad_mode`` values :func:`librosa.stft` accepts (:func:`numpy.pad` modes).
_PAD_MODES = {"constant", "edge", "linear_ramp", "reflect", "symmetric"}


# ----------------------------------------------------------------------------
# spectrograms
# ----------------------------------------------------------------------------
def stft_magnitude(y, *, n_fft=1024, hop_length=512, window="hann", center=True,
                   pad_mode="constant"):
    """Magnitude of the short-time Fourier transform, ``|STFT(y)|``.

    Frame ``t`` covers samples ``[t * hop_length, t * hop_length + n_fft)``
    of the signal (padded by ``n_fft // 2`` on both sides when ``center``),
    is multiplied by the periodic window, and its real FFT's modulus gives
    column ``t``: ``np.abs(librosa.stft(y, ...))``, with the window cast to
    the signal's precision and its length checked.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio, floating point. float32 input is processed in float32.
    n_fft : int > 0
        FFT length, and frame length, in samples.
    hop_length : int > 0
        Samples between the starts of successive frames.
    window : str, tuple, number, callable or np.ndarray of shape (n_fft,)
        Analysis window, as in :func:`librosa.filters.get_window` (periodic).
    center : bool
        Pad so that frame ``t`` is centred at sample ``t * hop_length``.
    pad_mode : {'constant', 'edge', 'linear_ramp', 'reflect', 'symmetric'}
        :func:`numpy.pad` mode for ``center``; librosa 0.11's default is
        ``'constant'`` (zeros). :func:`librosa.stft` refuses the
        statistics modes (``'mean'``, ``'wrap'``...).

    Returns
    -------
    S : np.ndarray, shape (1 + n_fft // 2, n_frames)
        Non-negative magnitudes. ``n_frames = 1 + len(y) // hop_length``
        with ``center``, else ``1 + (len(y) - n_fft) // hop_length``.

    Raises
    ------
    ParameterError
        Bad parameters, or a signal shorter than ``n_fft`` with
        ``center=False``.

    References
    ----------
    .. [1] Allen, J. B. (1977). Short term spectral analysis, synthesis, and
       modification by discrete Fourier transform. IEEE Trans. ASSP 25(3).
    .. [2] Choi, Fazekas & Sandler (2016), Sec. 3 (the STFT input variant).

    Notes
    -----
    Used by every chapter through :func:`melspectrogram`; directly in the
    ``choi2016`` chapter (STFT input) and the ``nam2015`` chapter (AGC).
    """
    y = _signal(y)
    n_fft = _check.positive_int("n_fft", n_fft)
    hop_length = _check.positive_int("hop_length", hop_length)
    if not isinstance(center, (bool, np.bool_)):
        raise ParameterError(f"center={center!r}: expected True or False")
    w = _window(window, n_fft, y.dtype)
    if center:
        _check.choice("pad_mode", pad_mode, _PAD_MODES)
    elif y.shape[0] < n_fft:
        raise ParameterError(f"the signal has {y.shape[0]} samples, fewer than "
                             f"n_fft={n_fft}; use center=True, a smaller n_fft or a "
                             "longer signal")
    with _librosa("stft_magnitude") as librosa:
        D = librosa.stft(y, n_fft=n_fft, hop_length=hop_length, window=w, center=center,
                         pad_mode=pad_mode)
    return np.abs(D)


def dft_frames(y, *, n_fft=1024, hop_length=512, window="hann", center=False,
               norm="max"):
    """Absolute-DFT frames as rows, the input of Hamel & Eck's DBN.

    Hamel & Eck (2010) feed a deep belief network with the magnitude of the
    DFT of 1024-sample frames of 22050 Hz audio (46.44 ms), which gives
    ``1 + 1024 // 2 = 513`` values per frame. This returns those frames as
    rows (one training example per frame).

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio, floating point (22050 Hz for the paper's setting).
    n_fft : int > 0
        Frame and FFT length. 1024 gives the paper's 513 bins.
    hop_length : int > 0
        Samples between frame starts (512: half-overlapping frames;
        ``hop_length=n_fft`` gives non-overlapping frames).
    window : str, tuple, callable or np.ndarray
        Analysis window; see :func:`stft_magnitude`. ``'boxcar'`` is the
        plain (rectangular) DFT.
    center : bool
        False (the default) starts the first frame at sample 0, so every
        frame lies inside the clip; True pads as :func:`stft_magnitude`.
    norm : {'max', 'l2', 'l1', 'none'}
        Per-frame scaling. The paper does not depend on one particular
        per-frame scale, so the choice is left to the chapter:

        - ``'max'``: divide each frame by its largest magnitude, so values
          lie in [0, 1] with a 1 in every non-silent frame. Removes loudness,
          keeps the spectral shape; a natural range for binary-visible RBMs.
        - ``'l2'``: unit Euclidean norm per frame (unit energy).
        - ``'l1'``: unit sum per frame (a distribution over frequency).
        - ``'none'``: raw magnitudes; standardise later with statistics
          fitted on the training split only.

        The scaling is :func:`librosa.util.normalize` along each row;
        all-zero (silent) frames stay zero.

    Returns
    -------
    X : np.ndarray, shape (n_frames, 1 + n_fft // 2)
        One frame per row.

    References
    ----------
    .. [1] Hamel, P. & Eck, D. (2010). Learning features from music audio
       with deep belief networks. ISMIR, Sec. 4 (features: DFT of
       1024-sample frames, 513 inputs).

    Notes
    -----
    Used in the ``hamel2010`` chapter (DBN input, t-SNE of the inputs).
    """
    _check.choice("norm", norm, {"max", "l2", "l1", "none"})
    X = stft_magnitude(y, n_fft=n_fft, hop_length=hop_length, window=window,
                       center=center).T
    if norm == "none":
        return X
    with _librosa("dft_frames") as librosa:
        return librosa.util.normalize(X, norm={"max": np.inf, "l2": 2, "l1": 1}[norm],
                                      axis=1)


def melspectrogram(y=None, *, sr, S=None, n_fft=2048, hop_length=512, window="hann",
                   center=True, n_mels=128, fmin=0.0, fmax=None, power=2.0, htk=False,
                   norm="slaney"):
    """Mel-scaled spectrogram: a mel filter bank applied to ``|STFT|**power``.

    :func:`librosa.feature.melspectrogram` applied to ``S ** power``, where
    ``S`` is :func:`stft_magnitude` of ``y`` or the spectrogram given.

    Parameters
    ----------
    y : np.ndarray, shape (n,) or None
        Mono audio. Give either ``y`` or ``S``.
    sr : int > 0
        Sample rate of ``y`` in Hz.
    S : np.ndarray, shape (1 + n_fft // 2, n_frames) or None
        A magnitude spectrogram instead of audio (for example after
        :func:`agc`); ``n_fft`` is then inferred from its height.
    n_fft, hop_length, window, center
        STFT parameters; see :func:`stft_magnitude`. librosa's defaults.
    n_mels : int > 0
        Number of mel bands.
    fmin, fmax : float
        Frequency range of the filter bank in Hz,
        ``0 <= fmin < fmax <= sr / 2``; ``fmax=None`` means ``sr / 2``.
    power : float > 0
        Exponent of the magnitude: 2 for power, 1 for amplitude.
    htk : bool
        HTK mel formula instead of Slaney's (librosa's default).
    norm : {'slaney', None} or number
        Filter normalisation, as in :func:`librosa.filters.mel`.

    Returns
    -------
    M : np.ndarray, shape (n_mels, n_frames)

    References
    ----------
    .. [1] Stevens, Volkmann & Newman (1937), the mel scale; Slaney (1998),
       Auditory Toolbox, the filter bank shape.
    .. [2] Choi, Fazekas & Sandler (2016), Sec. 3; Nam, Herrera & Lee
       (2015), preprocessing; Zhang et al. (2015), features.

    Notes
    -----
    Used through :func:`log_mel` in the ``choi2016``, ``nam2015`` and
    ``zhang2015`` chapters.
    """
    _y_or_S(y, S)
    sr = _sr(sr)
    n_mels = _check.positive_int("n_mels", n_mels)
    power = _check.positive("power", power)
    fmin, fmax = _freq_range(fmin, fmax, sr)
    if S is None:
        S = stft_magnitude(y, n_fft=n_fft, hop_length=hop_length, window=window,
                           center=center)
    else:
        n_fft = _spectrogram(S)
    with _librosa("melspectrogram") as librosa:
        # librosa takes S already raised to the power
        return librosa.feature.melspectrogram(S=S ** power, sr=sr, n_fft=n_fft,
                                              n_mels=n_mels, fmin=fmin, fmax=fmax,
                                              htk=bool(htk), norm=norm)


def log_mel(y=None, *, sr, S=None, n_fft=512, hop_length=256, n_mels=96, fmin=0.0,
            fmax=None, power=2.0, window="hann", center=True, log="db", amin=1e-10,
            ref=1.0, top_db=None, c=10000.0, agc=False, agc_time_scale=0.5,
            agc_freq_scale=1.0):
    """Log-compressed mel spectrogram: Choi's decibels or Nam's ``log(1 + c·x)``.

    The defaults are Choi et al.'s front end for 12 kHz audio: a 512-point
    FFT, hop 256 and 96 mel bands, in decibels. A 29.1 s clip at 12 kHz gives
    about 1366 frames, the paper's 96 x 1366 input.

    Parameters
    ----------
    y : np.ndarray, shape (n,) or None
        Mono audio. Give either ``y`` or ``S``.
    sr : int > 0
        Sample rate in Hz (12000 in Choi et al.).
    S : np.ndarray, shape (1 + n_fft // 2, n_frames) or None
        Magnitude spectrogram instead of audio.
    n_fft, hop_length, n_mels, fmin, fmax, power, window, center
        See :func:`melspectrogram`.
    log : {'db', 'log1p'}
        ``'db'``: ``(20 / power) * log10(max(amin, M) / ref)``, that is
        ``librosa.power_to_db(M, ref=ref, amin=amin, top_db=top_db)`` for
        ``power=2`` (and ``2 / power`` times it otherwise, ``top_db`` kept
        in dB). ``'log1p'``: ``ln(1 + c * M)``, a compression that is
        linear near zero and logarithmic for large values.
    amin : float > 0
        Floor before the logarithm (``'db'`` only).
    ref : float > 0
        Reference value, 0 dB (``'db'`` only).
    top_db : float >= 0 or None
        Clip values more than ``top_db`` below the peak (``'db'`` only).
    c : float > 0
        Compression constant of ``'log1p'``. 10 000 follows Dieleman &
        Schrauwen (2014); the ``nam2015`` config holds the value it uses.
    agc : bool
        Apply :func:`agc` to the magnitude spectrogram before the mel
        filter bank, as Nam et al. do.
    agc_time_scale, agc_freq_scale : float > 0
        The ``time_scale`` and ``freq_scale`` of :func:`agc`.

    Returns
    -------
    L : np.ndarray, shape (n_mels, n_frames)

    References
    ----------
    .. [1] Choi, K., Fazekas, G. & Sandler, M. (2016). Automatic tagging
       using deep convolutional neural networks. ISMIR, Sec. 3 (log
       amplitude mel spectrogram, 96 bands, 12 kHz, FFT 512, hop 256).
    .. [2] Nam, J., Herrera, J. & Lee, K. (2015). A deep bag-of-features
       model for music auto-tagging. arXiv:1508.04999, preprocessing (AGC,
       mel spectrogram, logarithmic amplitude compression).
    .. [3] Dieleman, S. & Schrauwen, B. (2014). End-to-end learning for
       music audio. ICASSP (``log(1 + C x)``, ``C = 10000``).

    Notes
    -----
    Used in the ``choi2016`` (dB), ``nam2015`` (AGC + log1p) and
    ``zhang2015`` chapters.
    """
    _check.choice("log", log, {"db", "log1p"})
    amin = _check.positive("amin", amin)
    ref = _check.positive("ref", ref)
    c = _check.positive("c", c)
    if top_db is not None:
        top_db = _nonneg("top_db", top_db)
    if agc:
        _y_or_S(y, S)
        if S is None:
            S = stft_magnitude(y, n_fft=n_fft, hop_length=hop_length, window=window,
                               center=center)
        S = _agc(S, sr=sr, hop_length=hop_length, time_scale=agc_time_scale,
                 freq_scale=agc_freq_scale, amin=amin)
        y = None
    M = melspectrogram(y, sr=sr, S=S, n_fft=n_fft, hop_length=hop_length, window=window,
                       center=center, n_mels=n_mels, fmin=fmin, fmax=fmax, power=power)
    if log == "log1p":
        return np.log1p(c * M)
    # (20 / power) log10 M is 2 / power times power_to_db's 10 log10 M
    scale = 2.0 / _check.positive("power", power)
    with _librosa("log_mel") as librosa:
        L = librosa.power_to_db(M, ref=ref, amin=amin,
                                top_db=None if top_db is None else top_db / scale)
    return L if scale == 1.0 else scale * L


def mfcc(y, *, sr, n_mfcc=20, n_fft=2048, hop_length=512, n_mels=128, fmin=0.0,
         fmax=None, window="hann", center=True, top_db=80.0, dct_type=2):
    """Mel-frequency cepstral coefficients.

    The orthonormal DCT (type 2 by default) of the dB mel power spectrogram
    (:func:`log_mel`), truncated to the first ``n_mfcc`` coefficients:
    :func:`librosa.feature.mfcc` of that spectrogram, with librosa's
    defaults (no liftering).

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio.
    sr : int > 0
        Sample rate in Hz.
    n_mfcc : int > 0
        Number of coefficients kept, at most ``n_mels``. Choi et al. use 30
        (then add deltas with :func:`mfcc_deltas`); Hamel & Eck's baseline
        uses 20.
    n_fft, hop_length, n_mels, fmin, fmax, window, center
        See :func:`melspectrogram`.
    top_db : float >= 0 or None
        Dynamic range kept in the dB spectrogram before the DCT (80 dB, as
        librosa).
    dct_type : {1, 2, 3}
        DCT type (orthonormal).

    Returns
    -------
    C : np.ndarray, shape (n_mfcc, n_frames)

    References
    ----------
    .. [1] Davis, S. & Mermelstein, P. (1980). Comparison of parametric
       representations for monosyllabic word recognition. IEEE Trans. ASSP.
    .. [2] Hamel & Eck (2010), Sec. 5 (MFCC baseline); Choi et al. (2016),
       Sec. 3 (MFCC input).

    Notes
    -----
    Used in the ``hamel2010`` (baseline, t-SNE) and ``choi2016`` (MFCC
    input) chapters.
    """
    n_mels = _check.positive_int("n_mels", n_mels)
    n_mfcc = _check.positive_int("n_mfcc", n_mfcc)
    if n_mfcc > n_mels:
        raise ParameterError(f"n_mfcc={n_mfcc} exceeds n_mels={n_mels}")
    _check.choice("dct_type", dct_type, {1, 2, 3})
    L = log_mel(y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, fmin=fmin,
                fmax=fmax, power=2.0, window=window, center=center, log="db",
                top_db=top_db)
    with _librosa("mfcc") as librosa:
        return librosa.feature.mfcc(S=L, n_mfcc=n_mfcc, dct_type=dct_type, norm="ortho",
                                    lifter=0)


def mfcc_deltas(M, *, width=9):
    """Stack features with their first and second time derivatives.

    Parameters
    ----------
    M : np.ndarray, shape (d, n_frames)
        Features over time, usually :func:`mfcc`.
    width : odd int >= 3
        Frames in the local Savitzky-Golay fit of each derivative (librosa's
        :func:`~librosa.feature.delta`), at most ``n_frames``.

    Returns
    -------
    D : np.ndarray, shape (3 * d, n_frames)
        ``[M; delta(M); delta-delta(M)]``.

    References
    ----------
    .. [1] Furui, S. (1986). Speaker-independent isolated word recognition
       using dynamic features of speech spectrum. IEEE Trans. ASSP.
    .. [2] Choi et al. (2016), Sec. 3: 30 MFCCs with first and second
       derivatives, 90 inputs per frame.

    Notes
    -----
    Used in the ``choi2016`` chapter (MFCC input).
    """
    import librosa

    if not isinstance(M, np.ndarray) or M.ndim != 2:
        raise ParameterError(f"M must be a 2-D array (d, n_frames), got shape "
                             f"{getattr(M, 'shape', None)}")
    width = _int_at_least("width", width, 3)
    if width % 2 == 0:
        raise ParameterError(f"width={width}: expected an odd integer >= 3")
    if width > M.shape[1]:
        raise ParameterError(f"width={width} is larger than the {M.shape[1]} frames of M;"
                             " use a smaller width or a longer signal")
    d1 = librosa.feature.delta(M, width=width, order=1, axis=-1)
    d2 = librosa.feature.delta(M, width=width, order=2, axis=-1)
    return np.concatenate([M, d1, d2], axis=0)


def log_stft(y, *, n_fft=512, hop_length=256, power=2.0, window="hann", center=True,
             amin=1e-10, ref=1.0, top_db=None):
    """Log-compressed linear-frequency spectrogram, in decibels.

    ``(20 / power) * log10(max(amin, |STFT(y)|**power) / ref)``, that is
    :func:`librosa.power_to_db` of the power spectrogram for ``power=2``:
    :func:`log_mel` without the mel filter bank. The defaults give Choi et
    al.'s STFT input, 257 bins of a 512-point FFT with hop 256.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio.
    n_fft, hop_length, window, center
        See :func:`stft_magnitude`.
    power : float > 0
        Exponent of the magnitude (2: power).
    amin, ref, top_db
        See :func:`log_mel` (``log='db'``).

    Returns
    -------
    L : np.ndarray, shape (1 + n_fft // 2, n_frames)

    References
    ----------
    .. [1] Choi, K., Fazekas, G. & Sandler, M. (2016). Automatic tagging
       using deep convolutional neural networks. ISMIR, Sec. 3 and Table 3
       (the STFT input of FCN-4).

    Notes
    -----
    Used in the ``choi2016`` chapter (the STFT input variant).
    """
    amin = _check.positive("amin", amin)
    ref = _check.positive("ref", ref)
    power = _check.positive("power", power)
    if top_db is not None:
        top_db = _nonneg("top_db", top_db)
    S = stft_magnitude(y, n_fft=n_fft, hop_length=hop_length, window=window, center=center)
    scale = 2.0 / power
    with _librosa("log_stft") as librosa:
        L = librosa.power_to_db(S ** power, ref=ref, amin=amin,
                                top_db=None if top_db is None else top_db / scale)
    return L if scale == 1.0 else scale * L


def mfcc_with_deltas(y, *, sr, n_mfcc=30, n_fft=512, hop_length=256, n_mels=96, fmin=0.0,
                     fmax=None, top_db=80.0, width=9):
    """MFCCs stacked with their first and second derivatives.

    :func:`mfcc_deltas` of :func:`mfcc`: ``3 * n_mfcc`` rows per frame. The
    defaults are Choi et al.'s MFCC input (30 coefficients and their deltas
    and delta-deltas: 90 per frame) on the same frames as their mel input.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio.
    sr : int > 0
    n_mfcc, n_fft, hop_length, n_mels, fmin, fmax, top_db
        See :func:`mfcc`.
    width : odd int >= 3
        See :func:`mfcc_deltas`.

    Returns
    -------
    D : np.ndarray, shape (3 * n_mfcc, n_frames)

    References
    ----------
    .. [1] Choi, K., Fazekas, G. & Sandler, M. (2016). Automatic tagging
       using deep convolutional neural networks. ISMIR, Sec. 3 and Table 3
       (the MFCC input).

    Notes
    -----
    Used in the ``choi2016`` chapter (the MFCC network).
    """
    M = mfcc(y, sr=sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
             fmin=fmin, fmax=fmax, top_db=top_db)
    return mfcc_deltas(M, width=width)


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

    Notes
    -----
    Used in the ``zhang2015`` chapter.
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
    overlap = _nonneg("overlap", overlap)
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
       Sec. 3 (mel spectrum with SFM and SCF as the frame features).

    Notes
    -----
    Used in the ``zhang2015`` chapter.
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
    .. [2] Zhang et al. (2015), ICMR, Sec. 3 (SCF beside SFM).

    Notes
    -----
    Used in the ``zhang2015`` chapter.
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

    Notes
    -----
    Used in the ``nam2015`` chapter (where to cut blocks) and by
    :mod:`mirnb.analysis`.
    """
    _y_or_S(y, S)
    sr = _sr(sr)
    lag = _check.positive_int("lag", lag)
    max_size = _check.positive_int("max_size", max_size)
    hop_length = _check.positive_int("hop_length", hop_length)
    n_fft = _check.positive_int("n_fft", n_fft)
    if not callable(aggregate):
        raise ParameterError(f"aggregate={aggregate!r}: expected a callable such as np.mean")
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

    Notes
    -----
    Used by :mod:`mirnb.analysis` for the MSD-style segments of the
    ``dieleman2011`` chapter.
    """
    y = _signal(y)
    sr = _sr(sr)
    _check.choice("kind", kind, {"stft", "cqt"})
    n_chroma = _check.positive_int("n_chroma", n_chroma)
    hop_length = _check.positive_int("hop_length", hop_length)
    if norm is not None and not (norm == np.inf or norm in (1, 2)):
        raise ParameterError(f"norm={norm!r}: expected np.inf, 1, 2 or None")
    if tuning is not None:
        if isinstance(tuning, bool) or not isinstance(tuning, numbers.Real):
            raise ParameterError(f"tuning={tuning!r}: expected a number or None")
        tuning = float(tuning)
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


# ----------------------------------------------------------------------------
# automatic gain control
# ----------------------------------------------------------------------------
@functools.lru_cache(maxsize=16)
def _mel_smoother(n_bins, sr, freq_scale):
    import librosa

    mels = librosa.hz_to_mel(np.linspace(0.0, sr / 2.0, n_bins))
    sigma = freq_scale * (mels[-1] - mels[0]) / 20.0
    K = np.exp(-0.5 * ((mels[:, None] - mels[None, :]) / sigma) ** 2)
    K /= K.sum(axis=1, keepdims=True)
    K.setflags(write=False)
    return K


def _agc(S, *, sr, hop_length, time_scale, freq_scale, amin, return_envelope=False):
    _spectrogram(S)
    sr = _sr(sr)
    hop_length = _check.positive_int("hop_length", hop_length)
    time_scale = _check.positive("time_scale", time_scale)
    freq_scale = _check.positive("freq_scale", freq_scale)
    amin = _check.positive("amin", amin)
    dtype = S.dtype if np.issubdtype(S.dtype, np.floating) else np.float64
    K = _mel_smoother(S.shape[0], sr, freq_scale)
    E = K @ S.astype(np.float64)
    sigma_t = time_scale * sr / hop_length
    E = scipy.ndimage.gaussian_filter1d(E, sigma_t, axis=1, mode="nearest")
    out = (S / np.maximum(E, amin)).astype(dtype)
    if return_envelope:
        return out, E.astype(dtype)
    return out


def agc(S, *, sr, hop_length, time_scale=0.5, freq_scale=1.0, amin=1e-10,
        return_envelope=False):
    """Time-frequency automatic gain control: divide by a smoothed envelope.

    Loudness that changes slowly, over time (fades, mixing, mastering) or
    over frequency (overall brightness), is removed by dividing the
    spectrogram by an estimate of its local level::

        E = G_t * (K_f @ S)        out = S / max(E, amin)

    ``K_f`` averages each frequency bin with its neighbours using a Gaussian
    on the mel scale whose standard deviation is ``freq_scale / 20`` of the
    mel range (``freq_scale = 1`` matches the spacing of the 20 mel bands
    Ellis's ``tf_agc`` uses by default). ``G_t`` is a Gaussian over time with
    standard deviation ``time_scale`` seconds (``time_scale * sr /
    hop_length`` frames), extended at the edges by repetition. Events
    shorter than these scales (notes, onsets, formants) survive; level
    changes slower than them are flattened. The output is dimensionless,
    about 1 where the signal is at its local average level.

    This follows the idea of Ellis's ``tf_agc`` (smooth the magnitude over
    time and frequency, divide) with Gaussian smoothing in both directions
    and without resynthesis: it works on, and returns, a magnitude
    spectrogram.

    Parameters
    ----------
    S : np.ndarray, shape (1 + n_fft // 2, n_frames)
        Magnitude spectrogram, e.g. from :func:`stft_magnitude`.
    sr : int > 0
        Sample rate of the audio behind ``S``.
    hop_length : int > 0
        Hop of ``S`` in samples.
    time_scale : float > 0
        Standard deviation of the time smoothing, in seconds (Ellis's
        default 0.5 s).
    freq_scale : float > 0
        Relative width of the frequency smoothing (1: a twentieth of the mel
        range). Larger values smooth more across frequency.
    amin : float > 0
        Floor on the envelope, so silent regions give 0, not NaN.
    return_envelope : bool
        Also return ``E``.

    Returns
    -------
    S_agc : np.ndarray, shape like ``S``
    E : np.ndarray, shape like ``S``
        The envelope, only with ``return_envelope``.

    References
    ----------
    .. [1] Ellis, D. P. W. (2010). Time-frequency automatic gain control
       (``tf_agc``), MATLAB code, LabROSA, Columbia University.
    .. [2] Nam, Herrera & Lee (2015), preprocessing: AGC before the mel
       spectrogram, to equalise loudness across tracks and over time.

    Notes
    -----
    Used in the ``nam2015`` chapter; :func:`log_mel` applies it with
    ``agc=True``.
    """
    return _agc(S, sr=sr, hop_length=hop_length, time_scale=time_scale,
                freq_scale=freq_scale, amin=amin, return_envelope=return_envelope)


# ----------------------------------------------------------------------------
# beat synchrony and summaries
# ----------------------------------------------------------------------------
def beat_sync(F, beat_frames, *, aggregate=np.mean, pad=True, axis=-1):
    """Aggregate frame features between beats (beat-synchronous features).

    The frame axis is cut at the beat frames, and each segment
    ``[b_i, b_{i+1})`` is reduced with ``aggregate``. With ``pad`` the
    boundaries 0 and ``n_frames`` are added, so frames before the first beat
    and after the last one form segments of their own. Beat frames are
    clipped to ``[0, n_frames]`` and duplicates dropped, so every segment is
    non-empty. :func:`librosa.util.sync` does the aggregation over these
    boundaries (with ``pad=False`` it would drop, not clip, beats past the
    end). The result has ``F``'s dtype; integer features are aggregated as
    float64.

    Parameters
    ----------
    F : np.ndarray, shape (d, n_frames) (time on ``axis``)
        Frame features, e.g. chroma.
    beat_frames : array of int, shape (n_beats,)
        Frame index of each beat, non-negative and sorted (convert beat
        times with ``librosa.time_to_frames(times, sr=sr,
        hop_length=hop_length)``).
    aggregate : callable
        Reduction called as ``aggregate(segment, axis=axis)``: np.mean,
        np.median, np.max, ...
    pad : bool
        Add the boundaries 0 and ``n_frames``.
    axis : int
        The time axis of ``F``.

    Returns
    -------
    B : np.ndarray, shape (d, n_segments)
        ``n_segments = n_beats + 1`` with ``pad`` when every beat lies
        strictly inside ``(0, n_frames)``; in general the number of distinct
        boundaries minus one.

    References
    ----------
    .. [1] Ellis, D. P. W. & Poliner, G. E. (2007). Identifying 'cover
       songs' with chroma features and dynamic programming beat tracking.
       ICASSP (beat-synchronous chroma).
    .. [2] Dieleman, Brakel & Schrauwen (2011), Sec. 3: chroma and timbre
       aligned to beats.

    Notes
    -----
    Used in the ``dieleman2011`` chapter and by :mod:`mirnb.analysis`.

    Examples
    --------
    >>> F = np.arange(10.0)[None, :]
    >>> beat_sync(F, [2, 5])
    array([[0.5, 3. , 7. ]])
    """
    if not isinstance(F, np.ndarray) or F.ndim < 1:
        raise ParameterError("F must be a numpy array with a time axis")
    if (isinstance(axis, bool) or not isinstance(axis, numbers.Integral)
            or not -F.ndim <= axis < F.ndim):
        raise ParameterError(f"axis={axis!r} is out of range for F with {F.ndim} "
                             "dimensions")
    axis = int(axis) % F.ndim
    if not callable(aggregate):
        raise ParameterError(f"aggregate={aggregate!r}: expected a callable such as np.mean")
    n = F.shape[axis]
    if n == 0:
        raise ParameterError("F has no frames")
    b = np.asarray(beat_frames)
    if b.ndim != 1:
        raise ParameterError(f"beat_frames must be 1-D, got shape {b.shape}")
    if b.size:
        if not (np.issubdtype(b.dtype, np.integer)
                or (np.issubdtype(b.dtype, np.floating) and np.all(np.mod(b, 1) == 0))):
            raise ParameterError("beat_frames must be integer frame indices; convert "
                                 "times with librosa.time_to_frames")
        if (b < 0).any():
            raise ParameterError("beat_frames must be non-negative")
        if (np.diff(b) < 0).any():
            raise ParameterError("beat_frames must be sorted in increasing order")
    b = np.clip(b.astype(np.int64), 0, n)
    if pad:
        b = np.concatenate([[0], b, [n]])
    b = np.unique(b)
    if b.size < 2:
        raise ParameterError("beat_frames give no segment; pass at least two distinct "
                             "boundaries or use pad=True")
    if not np.issubdtype(F.dtype, np.inexact):
        F = F.astype(np.float64)  # sync returns F's dtype; integer means need floats
    with _librosa("beat_sync") as librosa:
        return librosa.util.sync(F, b, aggregate=aggregate, pad=False, axis=axis)


def _time_last_2d(F, axis):
    if not isinstance(F, np.ndarray) or F.ndim < 1:
        raise ParameterError("F must be a numpy array with a time axis")
    if not -F.ndim <= axis < F.ndim:
        raise ParameterError(f"axis={axis} is out of range for F with {F.ndim} dimensions")
    G = np.moveaxis(F, axis, -1)
    if G.shape[-1] == 0:
        raise ParameterError("F has no frames")
    return G.reshape(-1, G.shape[-1])


def _stats(stats):
    if isinstance(stats, str):
        stats = (stats,)
    stats = tuple(stats)
    if not stats:
        raise ParameterError("stats is empty; choose from " + ", ".join(STATS))
    for s in stats:
        _check.choice("stats", s, set(STATS))
    return stats


def summarize(F, *, stats=("mean", "std"), axis=-1):
    """One vector per clip: statistics of each feature over time.

    Parameters
    ----------
    F : np.ndarray, shape (d, n_frames) (time on ``axis``)
        Frame features.
    stats : sequence of {'mean', 'std', 'var', 'min', 'max', 'median'}
        Statistics, concatenated in this order.
    axis : int
        The time axis of ``F`` (-1 for librosa's layout, 0 for
        ``(n_frames, d)`` rows such as network activations).

    Returns
    -------
    v : np.ndarray, shape (len(stats) * d,)
        ``[stat_0(f_1..f_d), stat_1(f_1..f_d), ...]``.

    References
    ----------
    .. [1] Tzanetakis, G. & Cook, P. (2002). Musical genre classification
       of audio signals. IEEE TSAP 10(5) (means and variances of frame
       features as the clip's "texture").
    .. [2] Hamel & Eck (2010), Sec. 5; Zhang et al. (2015) and Nam et al.
       (2015) for the clip-level baselines.

    Notes
    -----
    Used for the clip-level baselines (MFCC mean/std + SVM) in the
    ``hamel2010``, ``zhang2015`` and ``dieleman2011`` chapters.
    """
    G = _time_last_2d(F, axis)
    return np.concatenate([STATS[s](G, axis=-1) for s in _stats(stats)])


def frames_to_windows(F, *, size, hop, stats=("mean", "var"), axis=-1):
    """Statistics over sliding windows of frames: Hamel & Eck's aggregated features.

    Windows start at frames ``0, hop, 2 hop, ...`` and hold ``size`` frames;
    only whole windows are kept. A clip shorter than one window gives a
    single window over all its frames, so every clip yields at least one
    row.

    Parameters
    ----------
    F : np.ndarray, shape (d, n_frames) (time on ``axis``)
        Frame features or activations.
    size : int > 0
        Window length in frames. Hamel & Eck's 5 s windows are
        ``round(5 * sr / hop_length)`` frames.
    hop : int > 0
        Window hop in frames (2.5 s in the paper).
    stats : sequence of {'mean', 'std', 'var', 'min', 'max', 'median'}
        Statistics per window, concatenated in this order.
    axis : int
        The time axis of ``F`` (0 for ``(n_frames, d)`` activations).

    Returns
    -------
    W : np.ndarray, shape (n_windows, len(stats) * d)
        One row per window: ``[stat_0(f_1..f_d), stat_1(f_1..f_d), ...]``.
        ``n_windows = 1 + (n_frames - size) // hop`` (or 1 if shorter).

    References
    ----------
    .. [1] Hamel, P. & Eck, D. (2010). ISMIR, Sec. 5: mean and variance of
       the features over 5 s windows with 2.5 s hop, then an SVM.
    .. [2] Bergstra, J., Casagrande, N., Erhan, D., Eck, D. & Kégl, B.
       (2006). Aggregate features and AdaBoost for music classification.
       Machine Learning 65.

    Notes
    -----
    Used in the ``hamel2010`` chapter (aggregated DBN activations and
    MFCCs).
    """
    G = _time_last_2d(F, axis)
    size = _check.positive_int("size", size)
    hop = _check.positive_int("hop", hop)
    names = _stats(stats)
    n = G.shape[-1]
    if n < size:
        V = G[:, :, None]
    else:
        with _librosa("frames_to_windows") as librosa:
            V = librosa.util.frame(G, frame_length=size, hop_length=hop, axis=-1)
    # V: (d, size, n_windows)
    return np.concatenate([STATS[s](V, axis=-2).T for s in names], axis=1)


# ----------------------------------------------------------------------------
# Hamel & Eck's frames, and a timbral + temporal clip description
# ----------------------------------------------------------------------------
def _usable_clip(y, sr, n_samples, what):
    """Raise DataError for a clip shorter than ``n_samples`` or silent."""
    from .audio import SILENCE_PEAK, is_silent

    if y.shape[0] < n_samples:
        raise DataError(
            f"{what}: the clip has {y.shape[0]} samples ({1000 * y.shape[0] / sr:.1f} ms), "
            f"fewer than one frame of n_fft={n_samples} samples "
            f"({1000 * n_samples / sr:.2f} ms at sr={sr}); use a longer clip or a "
            "smaller n_fft")
    if is_silent(y):
        raise DataError(
            f"{what}: the clip is silent (peak below {SILENCE_PEAK:g}, about -80 dBFS), "
            "so its frames carry nothing to learn; remove it from the dataset")


def dft_mfcc_frames(y, *, sr, n_fft=1024, hop_length=1024, n_mfcc=20, n_mels=40,
                    window="hann", compression="log", log_gain=100.0):
    """Hamel & Eck's DBN input (compressed |DFT| frames) and aligned MFCC frames.

    Each frame holds ``n_fft`` samples, starting at ``t * hop_length`` and
    lying wholly inside the clip (no centring, no padding). Its windowed DFT
    magnitude gives ``1 + n_fft // 2`` values (513 for the paper's 1024
    samples, 46.44 ms at 22050 Hz); the MFCCs of the very same frames
    (``n_mels`` mel bands, orthonormal DCT of the dB mel spectrum, 80 dB
    range) are the baseline features. Row ``t`` of both arrays describes the
    same 46 ms of audio, so the two feature sets go through the same
    frame-level and window-level experiments.

    Normalisation (the book's choice; the paper says the input is the
    absolute value of the DFT, and this page does not assume more):

    - ``compression='log'``: ``ln(1 + log_gain * |X|)``, which keeps the
      order of magnitudes but squeezes their dynamic range, so that quiet
      partials are not lost beside loud ones;
    - ``compression='none'``: raw magnitudes.

    Either way, the chapter then standardises every frequency bin with the
    mean and standard deviation of the *training* frames, the input that a
    Gaussian-visible RBM with unit variance expects (Hinton 2010, Sec. 13.2).

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio, floating point.
    sr : int > 0
        Sample rate (22050 in the paper).
    n_fft : int > 0
        Frame length and DFT size (1024 in the paper).
    hop_length : int > 0
        Samples between frame starts. The paper's text gives the frame
        length but not the hop; ``hop_length=n_fft`` (the default) uses
        non-overlapping frames, a larger hop keeps every other frame (and so
        less memory and time).
    n_mfcc, n_mels : int > 0
        MFCCs per frame and the mel bands they come from.
    window : str or np.ndarray
        Analysis window of the DFT and the MFCCs (see :func:`stft_magnitude`).
    compression : {'log', 'none'}
    log_gain : float > 0
        The constant of ``'log'`` compression.

    Returns
    -------
    dict
        ``'dft'``: float32 array of shape (n_frames, 1 + n_fft // 2);
        ``'mfcc'``: float32 array of shape (n_frames, n_mfcc), with
        ``n_frames = 1 + (len(y) - n_fft) // hop_length``.

    Raises
    ------
    DataError
        The clip is shorter than one frame, or silent (so
        :func:`extract` skips and reports it).
    ParameterError
        A parameter is out of range.

    References
    ----------
    .. [1] Hamel, P. & Eck, D. (2010). Learning features from music audio
       with deep belief networks. ISMIR, Sec. 4 (DFT of 1024-sample frames at
       22050 Hz, 513 inputs) and Sec. 5 (MFCC baseline).
    .. [2] Hinton, G. (2010). A practical guide to training restricted
       Boltzmann machines. UTML TR 2010-003, Sec. 13.2 (Gaussian visible units
       on standardised data).

    Notes
    -----
    Used in the ``hamel2010`` chapter (``notebooks/01_hamel2010.py``) through
    :func:`mirnb.models.dbn_svm.extract_frames`.
    """
    y = _signal(y)
    sr = _sr(sr)
    n_fft = _check.positive_int("n_fft", n_fft)
    hop_length = _check.positive_int("hop_length", hop_length)
    _check.choice("compression", compression, {"log", "none"})
    log_gain = _check.positive("log_gain", log_gain)
    _usable_clip(y, sr, n_fft, "dft_mfcc_frames")
    X = dft_frames(y, n_fft=n_fft, hop_length=hop_length, window=window, center=False,
                   norm="none")
    if compression == "log":
        X = np.log1p(log_gain * X)
    M = mfcc(y, sr=sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
             window=window, center=False).T
    return {"dft": np.ascontiguousarray(X, dtype=np.float32),
            "mfcc": np.ascontiguousarray(M, dtype=np.float32)}


#: Names of the columns of :func:`timbral_temporal`, in order (without the MFCCs).
TIMBRAL_DESCRIPTORS = ("centroid", "bandwidth", "rolloff", "flatness", "log_energy", "zcr")


def _modulation_bands(env, frame_rate, n_bands, fmin=0.5, fmax=10.0):
    """Share of the onset envelope's modulation energy in log-spaced bands."""
    env = env - env.mean()
    spec = np.abs(np.fft.rfft(env)) ** 2
    freqs = np.fft.rfftfreq(env.size, d=1.0 / frame_rate)
    fmax = min(fmax, frame_rate / 2)
    edges = np.geomspace(fmin, fmax, n_bands + 1)
    bands = np.array([spec[(freqs >= lo) & (freqs < hi)].sum()
                      for lo, hi in zip(edges[:-1], edges[1:])])
    return np.log(1e-6 + bands / max(spec.sum(), 1e-12))


def _tempo_peak(env, frame_rate, bpm_range=(40.0, 200.0)):
    """Autocorrelation tempo: (bpm / 200, normalised peak height) of the onset envelope."""
    env = env - env.mean()
    ac = np.correlate(env, env, mode="full")[env.size - 1:]
    if ac[0] <= 0:
        return 0.0, 0.0
    ac = ac / ac[0]
    lo = max(1, int(round(60.0 * frame_rate / bpm_range[1])))
    hi = min(ac.size - 1, int(round(60.0 * frame_rate / bpm_range[0])))
    if hi <= lo:
        return 0.0, 0.0
    lag = lo + int(np.argmax(ac[lo:hi + 1]))
    return 60.0 * frame_rate / lag / 200.0, float(ac[lag])


def timbral_temporal(y, *, sr, n_fft=1024, hop_length=512, n_mfcc=20, n_mels=40,
                     n_modulation_bands=8):
    """A clip's timbral and temporal description: the auto-tagging baseline.

    Hamel & Eck compare their DBN features, on Majorminer tags, with a set
    of timbral and temporal features. This is the book's own version of
    such a set (not the exact features of the paper):

    - timbre: mean and variance over frames of ``n_mfcc`` MFCCs and of six
      spectral descriptors (:data:`TIMBRAL_DESCRIPTORS`: centroid,
      bandwidth and 85 % roll-off as fractions of the Nyquist frequency,
      spectral flatness, log energy, zero-crossing rate);
    - time: mean and standard deviation of the onset-strength envelope
      (:func:`onset_strength`), the share of its modulation energy in
      ``n_modulation_bands`` log-spaced bands from 0.5 to 10 Hz (log), and
      the tempo (bpm / 200) and height of the highest autocorrelation peak
      of the envelope between 40 and 200 bpm.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio.
    sr : int > 0
    n_fft, hop_length : int > 0
        Frames of the spectral features and of the onset envelope.
    n_mfcc, n_mels : int > 0
    n_modulation_bands : int > 0

    Returns
    -------
    v : np.ndarray, shape (2 * n_mfcc + 12 + 2 + n_modulation_bands + 2,)
        float32; 64 values with the defaults.

    Raises
    ------
    DataError
        A silent clip, or one shorter than one frame.

    References
    ----------
    .. [1] Tzanetakis, G. & Cook, P. (2002). Musical genre classification
       of audio signals. IEEE TSAP 10(5) (timbral texture and rhythmic
       content features).
    .. [2] Mandel, M. I. & Ellis, D. P. W. (2008). Multiple-instance learning
       for music information retrieval. ISMIR (timbral and temporal features
       for Majorminer tags).
    .. [3] Hamel & Eck (2010), Sec. 5.2 (the baseline of Table 4).

    Notes
    -----
    Used in the ``hamel2010`` chapter (auto-tagging baseline).
    """
    y = _signal(y)
    sr = _sr(sr)
    n_fft = _check.positive_int("n_fft", n_fft)
    hop_length = _check.positive_int("hop_length", hop_length)
    n_bands = _check.positive_int("n_modulation_bands", n_modulation_bands)
    _usable_clip(y, sr, n_fft, "timbral_temporal")
    M = mfcc(y, sr=sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels)
    S = stft_magnitude(y, n_fft=n_fft, hop_length=hop_length).astype(np.float64)
    P = S ** 2
    nyquist = sr / 2.0
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)[:, None]
    tot = S.sum(axis=0) + 1e-12
    centroid = (freqs * S).sum(axis=0) / tot
    bandwidth = np.sqrt((((freqs - centroid) ** 2) * S).sum(axis=0) / tot)
    cum = np.cumsum(P, axis=0)
    rolloff = freqs[np.argmax(cum >= 0.85 * cum[-1:], axis=0), 0]
    flatness = np.exp(np.mean(np.log(P + 1e-12), axis=0)) / (np.mean(P, axis=0) + 1e-12)
    log_energy = np.log(P.sum(axis=0) + 1e-10)
    with _librosa("timbral_temporal") as librosa:
        fr = librosa.util.frame(np.pad(y, n_fft // 2), frame_length=n_fft,
                                hop_length=hop_length)
    zcr = np.mean(np.abs(np.diff(np.signbit(fr), axis=0)), axis=0)
    n = min(M.shape[1], S.shape[1], fr.shape[1])
    D = np.stack([centroid[:n] / nyquist, bandwidth[:n] / nyquist, rolloff[:n] / nyquist,
                  flatness[:n], log_energy[:n], zcr[:n]])
    timbre = summarize(np.vstack([M[:, :n], D]), stats=("mean", "var"))
    env = onset_strength(y, sr=sr, n_fft=n_fft, hop_length=hop_length)
    frame_rate = sr / hop_length
    tempo = _tempo_peak(env, frame_rate)
    temporal = np.concatenate([[env.mean(), env.std()],
                               _modulation_bands(env, frame_rate, n_bands), tempo])
    return np.concatenate([timbre, temporal]).astype(np.float32)


# ----------------------------------------------------------------------------
# extraction over a dataset
# ----------------------------------------------------------------------------
#: Feature functions :func:`extract` knows by name (all take the signal first).
FEATURES = {
    "stft_magnitude": stft_magnitude,
    "dft_frames": dft_frames,
    "melspectrogram": melspectrogram,
    "log_mel": log_mel,
    "log_stft": log_stft,
    "mfcc": mfcc,
    "mfcc_with_deltas": mfcc_with_deltas,
    "spectral_flatness": spectral_flatness,
    "spectral_crest": spectral_crest,
    "onset_strength": onset_strength,
    "chroma": chroma,
    "dft_mfcc_frames": dft_mfcc_frames,
    "timbral_temporal": timbral_temporal,
}


def _resolve_feature(func, version):
    """Return (callable, name for the key, version string, base params)."""
    import librosa

    from . import __version__

    if isinstance(func, str):
        if func not in FEATURES:
            raise ParameterError(f"func={func!r}: not a feature name; expected one of "
                                 f"{sorted(FEATURES)} or a callable")
        fn = FEATURES[func]
        tag = (f"features-{FEATURES_VERSION}/mirnb-{__version__}/"
               f"librosa-{librosa.__version__}")
        return fn, f"mirnb.features.{func}", tag if version is None else f"{tag}/{version}"
    if not callable(func):
        raise ParameterError(f"func={func!r}: expected a feature name or a callable")
    if version is None:
        from .cache import source_version

        version = source_version(func)
    return func, None, str(version)


def _signature_info(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True, None
    params = sig.parameters
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    names = {n for n, p in params.items()
             if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    return ("sr" in names or var_kw), (None if var_kw else names)


def _check_value(value, name):
    """Features must be numeric arrays (or dicts of them) with finite values."""
    if isinstance(value, dict):
        return {k: _check_value(v, name) for k, v in value.items()}
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or np.issubdtype(arr.dtype, np.bool_)):
        raise DataError(f"{name} returned {type(value).__name__} of dtype {arr.dtype}; "
                        "expected a numeric array")
    if np.issubdtype(arr.dtype, np.inexact) and not np.isfinite(arr).all():
        raise DataError(f"{name} returned NaN or infinite values for this clip")
    return arr


class _ExtractJob:
    """The picklable per-track work of :func:`extract` (runs in the workers).

    Called with ``(track, key)``: ``key`` is the cache key the calling
    process already looked up and missed, or None when it could not hash the
    file (the worker then hashes it, which reports a missing file properly).
    Returns ``(value, status)`` with status ``'written'``, ``'unwritten'``
    (the cache write failed) or ``'uncached'``.
    """

    def __init__(self, *, fn, name, key_name, version, pass_sr, sr, duration, load_kwargs,
                 params, cache_root):
        self.fn = fn
        self.name = name
        self.key_name = key_name
        self.version = version
        self.pass_sr = pass_sr
        self.sr = sr
        self.duration = duration
        self.load_kwargs = load_kwargs
        self.params = params
        self.cache_root = cache_root
        self._cache = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_cache"] = None
        return state

    def key_params(self):
        return {"sr": self.sr, "duration": self.duration, "load": self.load_kwargs,
                "params": self.params}

    def cache(self):
        if self.cache_root is None:
            return None
        if self._cache is None:
            from .cache import Cache

            self._cache = Cache(self.cache_root)
        return self._cache

    def key(self, track):
        """The cache key of ``track`` (hashes its file), or raise DataError."""
        from .cache import file_checksum
        from .errors import MissingDataError

        if track.audio_path is None:
            raise DataError(f"track {track.track_id!r} has no audio file")
        try:
            checksum = file_checksum(track.audio_path)
        except FileNotFoundError:
            raise MissingDataError(f"audio file not found: {track.audio_path}") from None
        except OSError as err:
            raise DataError(f"cannot read {track.audio_path}: {err}") from None
        return self.cache().key(source=checksum, func=self.key_name, version=self.version,
                                params=self.key_params())

    def __call__(self, item):
        track, key = item
        cache = self.cache()
        if cache is not None and key is None:
            key = self.key(track)
        y, _ = track.audio(sr=self.sr, duration=self.duration, **self.load_kwargs)
        kwargs = dict(self.params)
        if self.pass_sr:
            kwargs["sr"] = self.sr
        value = _check_value(self.fn(y, **kwargs), self.name)
        if cache is None:
            return value, "uncached"
        try:
            cache.put(key, value)
        except OSError as err:
            log.warning("could not write the cache entry of %s: %s", track.track_id, err)
            return value, "unwritten"
        return value, "written"


def _as_tracks(tracks):
    from .datasets.core import Dataset, Track

    if isinstance(tracks, Dataset):
        tracks = [tracks.track(t) for t in tracks.track_ids]
    if isinstance(tracks, (str, bytes)) or not hasattr(tracks, "__iter__"):
        raise ParameterError("tracks must be a list of mirnb.datasets.Track or "
                             "(track_id, path) pairs, or a Dataset")
    items, seen = [], set()
    for t in tracks:
        if isinstance(t, Track):
            tr = t
        elif isinstance(t, (tuple, list)) and len(t) == 2:
            tr = Track(t[0], t[1])
        else:
            raise ParameterError(f"tracks holds {t!r}; expected a Track or a "
                                 "(track_id, path) pair")
        if tr.track_id in seen:
            raise ParameterError(f"track id {tr.track_id!r} appears twice in tracks")
        seen.add(tr.track_id)
        items.append((tr.track_id, tr))
    return items


def _as_cache(cache):
    from .cache import Cache

    if cache is None or cache is False:
        return None
    if cache is True:
        return Cache()
    if isinstance(cache, Cache):
        return cache
    if isinstance(cache, (str, bytes)) or hasattr(cache, "__fspath__"):
        return Cache(cache)
    raise ParameterError(f"cache={cache!r}: expected True, False/None, a Cache or a "
                         "folder")


def extract(tracks, func, *, sr, duration=None, n_jobs=None, cache=True, desc=None,
            verbose=True, load_kwargs=None, version=None, **params):
    """Compute a feature for every track, in parallel, cached by content.

    For each track: load the audio with :func:`mirnb.audio.load` (through
    :meth:`Track.audio`) at ``sr``, call ``func(y, sr=sr, **params)`` and
    keep the result. Tracks run in worker processes over the cores
    (:func:`mirnb.datasets.core.map_tracks`, joblib/loky, whose workers live
    on between calls so each imports librosa once), with a progress bar.
    Before it starts workers, this process compiles librosa's numba kernels
    once (:func:`mirnb.warmup.librosa_kernels`): workers compiling them at
    the same time can corrupt numba's cache.
    A track whose file is missing, unreadable or silent, or whose feature
    comes out NaN, is skipped and reported in ``skipped`` and in a logged
    warning, never dropped silently.

    With a cache, each result is stored under a key made of the audio file's
    sha256, the function's qualified name, a version string and every
    parameter (``sr``, ``duration``, ``load_kwargs``, ``params``). A second
    call with the same inputs reads the results back instead of computing
    them; changing any file or parameter computes afresh. A corrupt entry is
    detected, deleted and recomputed.

    Parameters
    ----------
    tracks : sequence of mirnb.datasets.Track, or of (track_id, path) pairs, or a Dataset
        The clips. Track ids must be unique.
    func : str or callable
        A name from :data:`FEATURES` (``'log_mel'``, ``'mfcc'``,
        ``'dft_frames'``, ...) or a function called as
        ``func(y, sr=sr, **params)`` (``sr`` is passed only if the function
        accepts it) returning an array or a dict of arrays. With
        ``n_jobs > 1`` it must be picklable: a module-level function.
    sr : int > 0
        Sample rate to load the audio at (files at other rates are
        resampled).
    duration : float > 0 or None
        Seconds to load; shorter files are zero-padded to it (see
        :func:`mirnb.audio.load`). None loads whole files.
    n_jobs : int or None
        Worker processes; None uses every core, 1 runs in this process.
    cache : bool, Cache, str, Path or None
        True: a :class:`mirnb.cache.Cache` at its default root (``MIRNB_CACHE``
        or ``<data_home>/mirnb_cache``); a Cache or a folder: that cache;
        False or None: no caching. The cache's ``stats`` count the hits and
        misses of this call.
    desc : str or None
        Progress bar label (default: the function's name).
    verbose : bool
        Show the progress bar.
    load_kwargs : dict or None
        Extra arguments of :func:`mirnb.audio.load` (``offset``,
        ``policy``, ``allow_silent``, ``mono``...).
    version : str or None
        Part of the cache key. For a named feature it is appended to
        mirnb's own feature version; for a callable the default is a hash
        of its source code, so editing the function invalidates its entries.
    **params
        Keyword arguments of ``func`` (e.g. ``n_mels=96``).

    Returns
    -------
    features : dict
        ``{track_id: np.ndarray}`` (or dicts of arrays) for the tracks that
        succeeded, in input order.
    skipped : list of mirnb.datasets.Skipped
        ``(track_id, reason)`` for every track left out.

    Raises
    ------
    ParameterError
        Bad arguments, or ``func`` rejected its parameters on a track (this
        stops the run rather than skipping every track).

    References
    ----------
    .. [1] McFee, B. et al. (2015). librosa: Audio and music signal analysis
       in Python. SciPy (the feature conventions).
    .. [2] Bittner, R. et al. (2019). mirdata: Software for reproducible
       usage of datasets. ISMIR (the Track interface).

    Notes
    -----
    Used in every chapter to turn a dataset into features.

    Examples
    --------
    >>> feats, skipped = extract(dataset, "log_mel", sr=12000, duration=29.1,
    ...                          n_mels=96)                     # doctest: +SKIP
    """
    from .datasets.core import map_tracks

    sr = _sr(sr)
    if duration is not None:
        duration = _check.positive("duration", duration)
    if n_jobs is not None:
        n_jobs = _check.positive_int("n_jobs", n_jobs)
    load_kwargs = dict(load_kwargs or {})
    bad = {"sr", "duration", "path"} & set(load_kwargs)
    if bad:
        raise ParameterError(f"load_kwargs may not set {sorted(bad)}; pass sr= and "
                             "duration= to extract")
    items = _as_tracks(tracks)
    fn, key_name, version = _resolve_feature(func, version)
    name = key_name or getattr(fn, "__qualname__", type(fn).__name__)
    pass_sr, accepted = _signature_info(fn)
    if accepted is not None:
        unknown = set(params) - accepted
        if unknown:
            raise ParameterError(f"{name} takes no parameter(s) {sorted(unknown)}; it "
                                 f"accepts {sorted(accepted - {'y'})}")
    if "sr" in params:
        raise ParameterError("pass sr to extract itself (sr=...), not as a feature "
                             "parameter")
    cache_obj = _as_cache(cache)
    if cache_obj is not None and key_name is None:
        from .cache import func_name

        key_name = func_name(fn)
    job = _ExtractJob(fn=fn, name=name, key_name=key_name, version=version,
                      pass_sr=pass_sr, sr=sr, duration=duration, load_kwargs=load_kwargs,
                      params=dict(params), cache_root=None if cache_obj is None
                      else str(cache_obj.root))
    label = desc or name.rsplit(".", 1)[-1]
    hits, todo = _lookup(job, cache_obj, items, label, verbose)
    n_workers = os.cpu_count() if n_jobs is None else n_jobs
    in_process = n_workers == 1 or len(todo) <= 1
    with _one_blas_thread(in_process):
        results, skipped = map_tracks(job, todo, n_jobs=n_jobs, desc=label,
                                      verbose=verbose, uses_librosa=True)
    out = {}
    for tid, _ in items:
        if tid in hits:
            out[tid] = hits[tid]
        elif tid in results:
            value, status = results[tid]
            out[tid] = value
            if status == "written":
                cache_obj.stats.writes += 1
    return out, skipped


def _lookup(job, cache_obj, items, label, verbose):
    """Read what the cache already holds, in this process; return (hits, todo).

    Looking up here, not in the workers, means a fully cached run starts no
    worker processes and ships no arrays between processes.
    """
    if cache_obj is None:
        return {}, [(tid, (tr, None)) for tid, tr in items]
    from tqdm.auto import tqdm

    # fail here, not in a worker, when a parameter cannot be part of a key
    cache_obj.key(source="0" * 64, func=job.key_name, version=job.version,
                  params=job.key_params())
    hits, todo = {}, []
    for tid, tr in tqdm(items, desc=f"{label} (cache)", disable=not verbose, leave=False):
        try:
            key = job.key(tr)
        except DataError:
            todo.append((tid, (tr, None)))  # the worker reports why
            continue
        value = cache_obj.get(key)
        if value is None:
            todo.append((tid, (tr, key)))
        else:
            hits[tid] = value
    return hits, todo


@contextlib.contextmanager
def _one_blas_thread(active):
    """Limit BLAS/OpenMP to one thread while features run in this process.

    joblib's workers already run with ``cpu_count // n_jobs`` threads each.
    In-process, the small matrix products of a feature (a 96 x 257 filter bank
    times a spectrogram) are several times slower with a multi-threaded BLAS
    on a busy 2-core machine than with one thread (measured: log_mel 19 ms
    vs 4 ms per 10 s clip), so ``n_jobs=1`` uses one thread too.
    """
    if not active:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1):
        yield

