"""Spectrograms: |STFT|, DFT frames, mel, log-mel, MFCC and deltas, log-STFT, AGC.

Every function takes the signal (or a spectrogram) first and keyword-only
parameters with librosa's names (``sr``, ``n_fft``, ``hop_length``,
``n_mels``, ``fmin``, ``fmax``, ``window``, ``center``). Inputs are checked at
entry: a bad value raises :class:`mirnb.ParameterError` naming the value and
the allowed range. Orientation follows librosa: ``(n_features, n_frames)``,
time on the last axis, except :func:`dft_frames`, whose rows are samples for a
classifier, ``(n_frames, n_bins)``.

The short-time Fourier transform, the mel filter bank, the decibel
conversion, MFCC's DCT and the delta filters are librosa's
(:func:`librosa.stft`, :func:`librosa.feature.melspectrogram`,
:func:`librosa.power_to_db`, ...). This module checks the arguments, sets each
paper's defaults and adds what librosa lacks: the time-frequency automatic
gain control (:func:`agc`: the book's Gaussian variant, and Ellis's
``tf_agc`` as Nam et al.'s code runs it, with its band filter bank
:func:`agc_filterbank`) and the per-frame normalisations of
:func:`dft_frames`.
"""

import functools

import numpy as np
import scipy.ndimage

from .. import _check
from ..errors import ParameterError
from ._common import _librosa, _signal, _spectrogram, _sr, _window, _y_or_S

__all__ = ["stft_magnitude", "dft_frames", "melspectrogram", "log_mel", "bins_per_khz",
           "log_stft", "mfcc", "mfcc_deltas", "mfcc_with_deltas", "agc", "agc_filterbank"]

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
    """
    y = _signal(y)
    n_fft = _check.positive_int("n_fft", n_fft)
    hop_length = _check.positive_int("hop_length", hop_length)
    center = _check.boolean("center", center)
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
    """
    _y_or_S(y, S)
    sr = _sr(sr)
    n_mels = _check.positive_int("n_mels", n_mels)
    power = _check.positive("power", power)
    fmin, fmax = _check.freq_range(fmin, fmax, sr)
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
        Schrauwen (2014).
    agc : bool
        Apply :func:`agc` (its ``'gaussian'`` method) to the magnitude
        spectrogram before the mel filter bank, in the spirit of Nam et al.;
        :func:`mirnb.features.deepbof_frames` is their code's exact front
        end (Ellis's AGC, log10 compression of the magnitude mel).
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
    """
    _check.choice("log", log, {"db", "log1p"})
    amin = _check.positive("amin", amin)
    ref = _check.positive("ref", ref)
    c = _check.positive("c", c)
    if top_db is not None:
        top_db = _check.nonneg("top_db", top_db)
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


def bins_per_khz(*, sr=12000, n_mels=96, n_fft=256):
    """How many mel bands and STFT bins fall in each 1 kHz band, up to ``sr / 2``.

    A mel band counts in the band of its centre frequency (librosa's mel
    scale, as :func:`melspectrogram` uses), an STFT bin in the band of its
    frequency. The defaults are Choi et al.'s front end (12 kHz, 96 mel
    bands, a 256-point FFT: 129 bins); with them this is the paper's
    Figure 2.

    Parameters
    ----------
    sr : int > 0
    n_mels : int > 0
    n_fft : int > 0

    Returns
    -------
    pandas.DataFrame, shape (n_bands, 2)
        Index ``'0-1 kHz'``, ...; columns ``'mel bands'`` and ``'STFT bins'``.

    References
    ----------
    .. [1] Choi, Fazekas & Sandler (2016), Sec. 3.1 and Figure 2.
    """
    import pandas as pd

    sr = _check.positive("sr", sr)
    n_mels = _check.positive_int("n_mels", n_mels)
    n_fft = _check.positive_int("n_fft", n_fft)
    edges = np.append(np.arange(0, sr / 2, 1000.0), sr / 2)  # the last band ends at sr / 2
    with _librosa("bins_per_khz") as librosa:
        mel = librosa.mel_frequencies(n_mels=n_mels + 2, fmin=0.0, fmax=sr / 2)[1:-1]
        stft = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    counts = {name: np.histogram(np.minimum(f, sr / 2 - 1e-6), bins=edges)[0]
              for name, f in (("mel bands", mel), ("STFT bins", stft))}
    index = [f"{a / 1000:g}-{b / 1000:g} kHz" for a, b in zip(edges, edges[1:])]
    return pd.DataFrame(counts, index=index)


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
    """
    import librosa

    if not isinstance(M, np.ndarray) or M.ndim != 2:
        raise ParameterError(f"M must be a 2-D array (d, n_frames), got shape "
                             f"{getattr(M, 'shape', None)}")
    width = _check.int_range("width", width, 3)
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
    """
    amin = _check.positive("amin", amin)
    ref = _check.positive("ref", ref)
    power = _check.positive("power", power)
    if top_db is not None:
        top_db = _check.nonneg("top_db", top_db)
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
    """
    M = mfcc(y, sr=sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels,
             fmin=fmin, fmax=fmax, top_db=top_db)
    return mfcc_deltas(M, width=width)


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


# Nam et al.'s code: 10 bands of double width (f_scale = 2), 0.5 s decay, +0.01
_ELLIS_DEFAULTS = {"n_bands": 10, "width": 2.0, "eps": 0.01}
_GAUSSIAN_DEFAULTS = {"freq_scale": 1.0, "amin": 1e-10}


@functools.lru_cache(maxsize=16)
def _agc_bands(sr, n_fft, n_bands, width):
    import librosa

    # n_bands + 2 edges evenly spaced on Slaney's mel scale from 0 Hz to sr / 2
    edges = librosa.mel_frequencies(n_bands + 2, fmin=0.0, fmax=sr / 2.0, htk=False)
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    lo, c, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    # the triangle keeps its peak (1 at the centre c) but its feet move out by `width`
    lo_w, hi_w = c - width * (c - lo), c + width * (hi - c)
    rise = (freqs[None, :] - lo_w) / (c - lo_w)
    fall = (hi_w - freqs[None, :]) / (hi_w - c)
    W = np.maximum(0.0, np.minimum(rise, fall))
    # Slaney's area normalisation, from the unscaled band edges
    W *= (2.0 / (hi - lo))
    centers = edges[1:-1].copy()
    W.setflags(write=False)
    centers.setflags(write=False)
    return W, centers


def agc_filterbank(*, sr, n_fft, n_bands=10, width=2.0, return_centers=False):
    """The band filter bank of Ellis's ``tf_agc`` (his ``fft2melmx`` with a width).

    ``n_bands`` triangles whose centres ``f_1 < ... < f_n`` sit, with the
    two outer edges ``f_0 = 0`` and ``f_{n+1} = sr / 2``, at ``n_bands + 2``
    points evenly spaced on Slaney's mel scale (linear below 1 kHz,
    logarithmic above, :func:`librosa.mel_frequencies` with ``htk=False``).
    Triangle ``i`` is 1 at ``f_i`` and falls linearly to 0 at
    ``f_i - width * (f_i - f_{i-1})`` and ``f_i + width * (f_{i+1} - f_i)``;
    every triangle is then scaled by Slaney's area normalisation of the
    *unscaled* triangle, ``2 / (f_{i+1} - f_{i-1})``. With ``width=1`` this
    is the Slaney mel filter bank, ``librosa.filters.mel(sr=sr,
    n_fft=n_fft, n_mels=n_bands, norm='slaney')``; Nam et al.'s code uses 10
    bands of width 2 (``tf_agc``'s ``f_scale = 2``), whose centres for
    ``sr=22050`` are about 302, 605, 907, 1242, 1696, 2317, 3166, 4325,
    5908 and 8071 Hz.

    Parameters
    ----------
    sr : int > 0
        Sample rate in Hz.
    n_fft : int > 0
        FFT length; the bank has ``1 + n_fft // 2`` columns at the bin
        frequencies ``k * sr / n_fft``.
    n_bands : int > 0
        Number of bands.
    width : float > 0
        Width of each triangle relative to Slaney's (1: adjacent triangles
        meet at each other's centres; 2: they reach the centres of the
        bands two away).
    return_centers : bool
        Also return the centre frequencies ``f_1 ... f_n``.

    Returns
    -------
    W : np.ndarray, shape (n_bands, 1 + n_fft // 2)
        Non-negative weights (read-only, cached).
    centers : np.ndarray, shape (n_bands,)
        Centre frequencies in Hz, only with ``return_centers``.

    References
    ----------
    .. [1] Ellis, D. P. W. (2010). Time-frequency automatic gain control
       (``tf_agc``, ``fft2melmx``), MATLAB code, LabROSA, Columbia University.
    .. [2] Nam, Herrera & Lee (2015), Sec. III-A-1 and IV-C: AGC with
       spectral envelopes over 10 sub-bands; the authors' code sets
       ``f_scale = 2`` (10 bands, width 2).
    .. [3] Slaney, M. (1998). Auditory Toolbox, Version 2. Interval Research
       Technical Report (the mel scale and the area normalisation).
    """
    sr = _sr(sr)
    n_fft = _check.positive_int("n_fft", n_fft)
    n_bands = _check.positive_int("n_bands", n_bands)
    width = _check.positive("width", width)
    W, centers = _agc_bands(sr, n_fft, n_bands, width)
    return (W, centers) if _check.boolean("return_centers", return_centers) else W


def _agc_ellis(S, *, sr, hop_length, time_scale, n_bands, width, eps, return_envelope):
    n_fft = _spectrogram(S)
    sr = _sr(sr)
    hop_length = _check.positive_int("hop_length", hop_length)
    time_scale = _check.positive("time_scale", time_scale)
    n_bands = _check.positive_int("n_bands", n_bands)
    width = _check.positive("width", width)
    eps = _check.positive("eps", eps)
    dtype = S.dtype if np.issubdtype(S.dtype, np.floating) else np.float64
    W, _ = _agc_bands(sr, n_fft, n_bands, width)
    X = S.astype(np.float64)
    A = (W @ X).T                                  # (n_frames, n_bands): band envelopes
    # causal peak hold: instant attack, exponential decay with time constant time_scale
    alpha = np.exp(-(hop_length / sr) / time_scale)
    held = np.empty_like(A)
    state = np.zeros(n_bands)
    for t in range(A.shape[0]):
        state = np.maximum(alpha * state, A[t])
        held[t] = state
    # back to the FFT grid: the weighted mean of the held envelopes of the bands
    # covering each bin (a bin no band covers is divided by 1, as in tf_agc)
    weight = W.sum(axis=0)
    E = (W.T @ held.T) / np.where(weight > 0, weight, 1.0)[:, None]
    positive = E > 0
    if positive.any() and not positive.all():
        E[~positive] = E[positive].min()
    out = (X / (E + eps)).astype(dtype)
    if return_envelope:
        return out, E.astype(dtype)
    return out


def agc(S, *, sr, hop_length, method="gaussian", time_scale=0.5, freq_scale=None,
        amin=None, n_bands=None, width=None, eps=None, return_envelope=False):
    """Time-frequency automatic gain control: divide by a smoothed envelope.

    Loudness that changes slowly, over time (fades, mixing, mastering) or
    over frequency (overall brightness), is removed by dividing the
    magnitude spectrogram by an estimate of its local level. Two variants:

    ``method='gaussian'`` (the default, the book's variant)::

        E = G_t * (K_f @ S)        out = S / max(E, amin)

    ``K_f`` averages each frequency bin with its neighbours using a Gaussian
    on the mel scale whose standard deviation is ``freq_scale / 20`` of the
    mel range (``freq_scale = 1`` matches the spacing of the 20 mel bands
    Ellis's ``tf_agc`` uses by default). ``G_t`` is a Gaussian over time with
    standard deviation ``time_scale`` seconds (``time_scale * sr /
    hop_length`` frames), extended at the edges by repetition. The output is
    dimensionless, about 1 where the signal is at its local average level.

    ``method='ellis'``: the modified ``tf_agc`` of Nam et al.'s code, on the
    magnitude spectrogram ``X = S`` (no resynthesis)::

        A = F @ X                                  (n_bands, n_frames)
        H[:, t] = max(alpha * H[:, t-1], A[:, t])  H[:, -1] = 0
        E = diag(1 / colsum(F)) @ F.T @ H          (n_bins, n_frames)
        out = X / (E + eps)

    ``F`` is :func:`agc_filterbank` (``n_bands`` Slaney-mel triangles of
    relative ``width``, Slaney area normalisation), ``alpha =
    exp(-(hop_length / sr) / time_scale)`` (0.9546 for hop 512 at 22050 Hz
    and 0.5 s): each band's envelope follows a rise at once and decays by
    ``alpha`` per frame (a causal peak hold). Entries of ``E`` that are not
    positive are set to the smallest positive entry (all stay 0 for an
    all-zero ``S``). ``eps`` is absolute, so the result depends on the
    spectrogram's scale: for Nam et al.'s numbers use audio in [-1, 1] and
    an unnormalised FFT (:func:`stft_magnitude`), where ``E`` is about 0.09
    times the local peak magnitude.

    Parameters
    ----------
    S : np.ndarray, shape (1 + n_fft // 2, n_frames)
        Magnitude spectrogram, e.g. from :func:`stft_magnitude`.
    sr : int > 0
        Sample rate of the audio behind ``S``.
    hop_length : int > 0
        Hop of ``S`` in samples.
    method : {'gaussian', 'ellis'}
        The variant, see above.
    time_scale : float > 0
        Seconds: the standard deviation of the Gaussian time smoothing
        (``'gaussian'``), or the decay time constant of the peak hold
        (``'ellis'``). Ellis's default 0.5 s for both.
    freq_scale : float > 0 or None
        ``'gaussian'`` only (None: 1.0). Relative width of the frequency
        smoothing (1: a twentieth of the mel range).
    amin : float > 0 or None
        ``'gaussian'`` only (None: 1e-10). Floor on the envelope, so silent
        regions give 0, not NaN.
    n_bands : int > 0 or None
        ``'ellis'`` only (None: 10). Number of bands of :func:`agc_filterbank`.
    width : float > 0 or None
        ``'ellis'`` only (None: 2.0). Relative triangle width of
        :func:`agc_filterbank`.
    eps : float > 0 or None
        ``'ellis'`` only (None: 0.01). Added to the envelope before the
        division (absolute, in the units of ``S``).
    return_envelope : bool
        Also return ``E``.

    Returns
    -------
    S_agc : np.ndarray, shape like ``S``
        In ``S``'s floating-point dtype (float64 for integer input).
    E : np.ndarray, shape like ``S``
        The envelope (before ``amin`` or ``eps``), only with
        ``return_envelope``.

    Raises
    ------
    ParameterError
        A bad value, an unknown method, or a parameter of one method given
        with the other (for example ``freq_scale`` with ``method='ellis'``).

    References
    ----------
    .. [1] Ellis, D. P. W. (2010). Time-frequency automatic gain control
       (``tf_agc``), MATLAB code, LabROSA, Columbia University.
    .. [2] Nam, Herrera & Lee (2015), Sec. III-A-1 and IV-C: AGC before the
       mel spectrogram, with spectral envelopes over 10 sub-bands; the
       authors' code (``process_tf_agc.m``: attack/decay envelope, 0.5 s,
       ``f_scale = 2``, ``eps = 0.01``) is ``method='ellis'``.

    Notes
    -----
    :func:`log_mel` applies the ``'gaussian'`` variant with ``agc=True``;
    :func:`mirnb.features.deepbof_frames` applies ``'ellis'``.
    """
    _check.choice("method", method, {"gaussian", "ellis"})
    given = {"freq_scale": freq_scale, "amin": amin, "n_bands": n_bands, "width": width,
             "eps": eps}
    own = _GAUSSIAN_DEFAULTS if method == "gaussian" else _ELLIS_DEFAULTS
    other = "ellis" if method == "gaussian" else "gaussian"
    wrong = sorted(k for k, v in given.items() if v is not None and k not in own)
    if wrong:
        raise ParameterError(f"{', '.join(wrong)} apply to method={other!r} only, not to "
                             f"method={method!r} (which takes {', '.join(sorted(own))}); "
                             f"drop them or pass method={other!r}")
    kw = {k: (own[k] if given[k] is None else given[k]) for k in own}
    if method == "ellis":
        return _agc_ellis(S, sr=sr, hop_length=hop_length, time_scale=time_scale,
                          return_envelope=return_envelope, **kw)
    return _agc(S, sr=sr, hop_length=hop_length, time_scale=time_scale,
                return_envelope=return_envelope, **kw)


@functools.lru_cache(maxsize=16)
def _slaney_mel_basis(sr, n_fft, n_mels):
    """librosa's Slaney mel filter bank (0 to sr / 2, area-normalised), cached, read-only."""
    import librosa

    M = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, htk=False, norm="slaney",
                            dtype=np.float64)
    M.setflags(write=False)
    return M
