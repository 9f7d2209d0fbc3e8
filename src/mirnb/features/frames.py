"""Frame sets and windowed aggregation: beat-synchronous frames, clip summaries,
sliding-window statistics, :class:`FrameSet` (rows of several tracks) and
:func:`standardize` (a split's frame sets), Hamel & Eck's DFT/MFCC frames, a
timbral + temporal clip description.

:func:`frames_to_windows` returns ``(n_windows, n_features)`` rows, samples for
a classifier as scikit-learn and Keras expect; the other functions follow
librosa's ``(n_features, n_frames)`` orientation. Beat-synchronous aggregation
and framing are librosa's (:func:`librosa.util.sync`,
:func:`librosa.util.frame`).
"""

import dataclasses

import numpy as np

from .. import _check
from ..errors import DataError, ParameterError
from ._common import _librosa, _signal, _sr
from .descriptors import onset_strength
from .spectral import dft_frames, mfcc, stft_magnitude

__all__ = ["STATS", "beat_sync", "summarize", "frames_to_windows", "FrameSet", "standardize",
           "dft_mfcc_frames", "TIMBRAL_DESCRIPTORS", "timbral_temporal"]

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
    For time-stamped segments (the Echo Nest's analysis) see
    :func:`mirnb.analysis.segments_to_beats`.

    Examples
    --------
    >>> F = np.arange(10.0)[None, :]
    >>> beat_sync(F, [2, 5])
    array([[0.5, 3. , 7. ]])
    """
    axis = _time_axis(F, axis)
    _check.function("aggregate", aggregate, example="np.mean")
    n = F.shape[axis]
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


def _time_axis(F, axis):
    """Check frame features ``F`` and their time ``axis``; return the axis as an index >= 0."""
    if not isinstance(F, np.ndarray) or F.ndim < 1:
        raise ParameterError("F must be a numpy array with a time axis")
    axis = _check.axis("axis", axis, F.ndim, array="F")
    if F.shape[axis] == 0:
        raise ParameterError("F has no frames")
    return axis


def _time_last_2d(F, axis):
    G = np.moveaxis(F, _time_axis(F, axis), -1)
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
# frame sets: rows of several tracks
# ----------------------------------------------------------------------------
@dataclasses.dataclass
class FrameSet:
    """Frames (or windows) of several tracks stacked as rows.

    The samples of a frame-level classifier: one row per frame, each
    remembering its track (for a vote over the track's frames,
    :func:`mirnb.metrics.frame_vote`) and the track's label.

    Attributes
    ----------
    X : np.ndarray, shape (n_rows, n_features)
    track : np.ndarray of str, shape (n_rows,)
        The track each row comes from.
    label : np.ndarray, shape (n_rows,) or None
        The track's label, repeated on each of its rows.

    Examples
    --------
    >>> fs = FrameSet(np.arange(8.0).reshape(4, 2), ["a", "a", "b", "b"], ["x", "x", "y", "y"])
    >>> fs.tracks, len(fs.every(1))
    (['a', 'b'], 2)
    """

    X: np.ndarray
    track: np.ndarray
    label: np.ndarray = None

    def __post_init__(self):
        self.X = np.asarray(self.X)
        self.track = np.asarray(self.track)
        if self.X.ndim != 2 or self.track.shape != (self.X.shape[0],):
            raise ParameterError(f"FrameSet: X has shape {self.X.shape} and track "
                                 f"{self.track.shape}; expected (n, d) and (n,)")
        if self.label is not None:
            self.label = np.asarray(self.label)
            if self.label.shape != self.track.shape:
                raise ParameterError("FrameSet: label must have one entry per row")

    def __len__(self):
        return self.X.shape[0]

    @property
    def tracks(self):
        """list of str: the tracks, in order of first appearance."""
        return list(dict.fromkeys(self.track.tolist()))

    @classmethod
    def stack(cls, frames, track_ids, *, key, labels=None):
        """Stack per-track frame arrays into one FrameSet.

        Parameters
        ----------
        frames : dict
            ``{track_id: {key: array of shape (n_frames, n_features)}}``, as
            :func:`mirnb.features.extract` returns for :func:`dft_mfcc_frames`.
        track_ids : sequence of str
            Tracks to stack, in this order. Tracks absent from ``frames``
            (skipped at extraction) are left out.
        key : str
            Which array of each track (``'dft'``, ``'mfcc'``).
        labels : mapping, optional
            Track id to label.

        Returns
        -------
        FrameSet
        """
        ids = [t for t in track_ids if t in frames]
        if not ids:
            raise DataError(f"none of the {len(track_ids)} tracks has frames (all were "
                            "skipped at extraction); see the extraction's report")
        if any(key not in frames[t] for t in ids):
            raise ParameterError(f"key={key!r}: the frames hold {sorted(frames[ids[0]])}")
        X = np.concatenate([frames[t][key] for t in ids]).astype(np.float32)
        track = np.concatenate([[t] * len(frames[t][key]) for t in ids])
        label = None
        if labels is not None:
            label = np.concatenate([[labels[t]] * len(frames[t][key]) for t in ids])
        return cls(X, track, label)

    def with_X(self, X):
        """The same rows with other features (e.g. activations)."""
        return FrameSet(X, self.track, self.label)

    def label_indices(self, classes):
        """Index in ``classes`` of each row's label.

        Parameters
        ----------
        classes : sequence
            Every label, in the order of a network's outputs.

        Returns
        -------
        np.ndarray of int64, shape (n_rows,)
            A classifier's integer targets (class ``i`` is ``classes[i]``).
        """
        index = {c: i for i, c in enumerate(classes)}
        return np.array([index[c] for c in self.label], dtype=np.int64)

    def sample(self, n, *, seed=0):
        """``n`` rows drawn at random without replacement, kept in their order.

        Hamel & Eck (2010, Sec. 5.1) train their SVMs on a random subsample
        of the frames; the book pretrains its DBN on one too.

        Parameters
        ----------
        n : int or None
            Rows to keep; None, or ``n >= len(self)``: all (``self``).
        seed : int
            Seed of :func:`numpy.random.default_rng`.

        Returns
        -------
        FrameSet
        """
        if n is None or n >= len(self):
            return self
        idx = np.sort(np.random.default_rng(seed).choice(len(self), n, replace=False))
        return FrameSet(self.X[idx], self.track[idx],
                        None if self.label is None else self.label[idx])

    def every(self, max_per_track):
        """At most ``max_per_track`` evenly spaced rows of each track (None: all)."""
        if max_per_track is None:
            return self
        max_per_track = _check.positive_int("max_per_track", max_per_track)
        keep = []
        for tid in self.tracks:
            rows = np.flatnonzero(self.track == tid)
            if rows.size > max_per_track:
                rows = rows[np.round(np.linspace(0, rows.size - 1, max_per_track)).astype(int)]
            keep.append(rows)
        idx = np.concatenate(keep)
        return FrameSet(self.X[idx], self.track[idx],
                        None if self.label is None else self.label[idx])

    def windows(self, *, size, hop, stats=("mean", "var")):
        """Statistics of each track's rows over sliding windows.

        Parameters
        ----------
        size, hop : int > 0
            Window length and hop in rows (see :func:`frames_to_windows`; a
            track shorter than one window gives one window over all its
            rows).
        stats : sequence of {'mean', 'std', 'var', 'min', 'max', 'median'}
            Statistics per window, concatenated in this order.

        Returns
        -------
        FrameSet
            One float32 row per window, ``len(stats) * n_features`` columns
            (Hamel & Eck's means, then variances, by default).
        """
        X, track, label = [], [], []
        for tid in self.tracks:
            rows = np.flatnonzero(self.track == tid)
            W = frames_to_windows(self.X[rows], size=size, hop=hop, stats=stats, axis=0)
            X.append(W)
            track += [tid] * len(W)
            if self.label is not None:
                label += [self.label[rows[0]]] * len(W)
        return FrameSet(np.concatenate(X).astype(np.float32), np.array(track),
                        np.array(label) if self.label is not None else None)


def standardize(parts, *, fit="train"):
    """Standardise the frame sets of a split per feature, with one part's statistics.

    Every feature of every part is centred and scaled with the mean and
    standard deviation over the rows of ``parts[fit]`` (Hamel & Eck 2010
    feed their DBN standardised DFT frames; the statistics come from the
    training frames only).

    Parameters
    ----------
    parts : dict
        ``{part: FrameSet}`` (e.g. ``'train'``, ``'valid'``, ``'test'``), all
        with the same features.
    fit : str
        The part whose statistics are used.

    Returns
    -------
    scaled : dict
        ``{part: FrameSet}``, the same rows with float32 standardised ``X``.
    scaler : sklearn.preprocessing.StandardScaler
        Fitted on ``parts[fit].X``, to standardise further frames the same way.
    """
    from sklearn.preprocessing import StandardScaler

    if fit not in parts:
        raise ParameterError(f"fit={fit!r}: the parts are {sorted(parts)}")
    scaler = StandardScaler().fit(parts[fit].X)
    return ({p: fs.with_X(scaler.transform(fs.X).astype(np.float32)) for p, fs in parts.items()},
            scaler)


# ----------------------------------------------------------------------------
# Hamel & Eck's frames, and a timbral + temporal clip description
# ----------------------------------------------------------------------------
def _usable_clip(y, sr, n_samples, what):
    """Raise DataError for a clip shorter than ``n_samples`` or silent."""
    from ..audio import SILENCE_PEAK, is_silent

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


