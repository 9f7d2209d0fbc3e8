"""Audio words: K-means codes of PCA-whitened multi-frame segments (Zhang et al., 2015).

Zhang et al. (2015) turn a song into a sequence of discrete *audio words*
before their network sees it (Sec. 3, Fig. 1; Sec. 4.2):

1. frame the audio (1,024 samples, hop 512 at 22,050 Hz) and compute a
   short-term feature per frame: a mel spectrogram (MEL), band-wise
   spectral flatness (SFM) or spectral crest factor (SCF)
   (:func:`frame_features`);
2. concatenate several consecutive frames into one *segment* vector
   (:func:`segments`);
3. PCA-whiten the segment vectors and cluster them with K-means; the
   cluster index of a segment is its audio word, and the centroids
   initialise the network's lookup table (:class:`AudioWords`);
4. for the ALL column, one codebook per feature type, whose word sequences
   are stacked side by side (:func:`stack_words`, :class:`AudioWordsAll`);
5. pad the word sequences of songs of different lengths into one batch
   for the network (:func:`pad_words`).

Orientation: here the rows are time. :func:`frame_features` returns
``(n_frames, n_dims)`` (the transpose of librosa's layout), and a song's
words are a 1-D integer array with one entry per segment.

Choices the paper leaves open are marked *the book's choice* in the
docstrings; ``../shared/specs/zhang2015.md`` (sections 1.3-1.6 and 5) gives
the reasons.
"""

import numbers
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state

from .. import _check
from ..errors import DataError, ParameterError
from ._common import _sr
from .descriptors import band_edges, spectral_crest, spectral_flatness
from .spectral import melspectrogram, stft_magnitude

__all__ = ["frame_features", "segments", "AudioWords", "AudioWordsAll", "stack_words",
           "pad_words", "PaddedWords", "WORD_KINDS", "MEL_FMIN", "MEL_FMAX"]

#: The feature types of Zhang et al.'s Tables 2-3 (the ALL column uses all three).
WORD_KINDS = ("mel", "sfm", "scf")

#: Lowest edge of MIRtoolbox's (Slaney's Auditory Toolbox) 40-band mel filter
#: bank, in Hz: 400 / 3.
MEL_FMIN = 400.0 / 3.0

#: Highest edge of that filter bank, in Hz: 13 linear bands 66.67 Hz apart from
#: 133.33 Hz, then 27 bands spaced by the ratio 1.0711703, end at 6,853.8 Hz.
MEL_FMAX = 6853.8


# ----------------------------------------------------------------------------
# 1. frame features
# ----------------------------------------------------------------------------
def frame_features(y, *, sr=22050, kind="mel", n_fft=1024, hop_length=512,
                   window="hamming", center=False, n_mels=40, fmin=MEL_FMIN,
                   fmax=MEL_FMAX, log="log1p", c=1000.0, n_bands=None, amin=1e-10):
    """Zhang et al.'s short-term features of one song, one row per frame.

    One STFT of the song (``n_fft``-sample frames, Hamming window, no centre
    padding) feeds the three feature types of the paper (Sec. 4.2):

    - ``'mel'``: a 40-band mel spectrogram in the layout of MIRtoolbox's
      ``mirspectrum(x, 'Mel')``, the tool the paper names: Slaney's Auditory
      Toolbox filters (13 linear bands 66.67 Hz apart from 133.33 Hz, then
      27 log-spaced bands, up to 6,853.8 Hz; unit-area triangles) on the
      *magnitude* spectrum (:func:`melspectrogram`), then log-compressed;
    - ``'sfm'``: band-wise spectral flatness, geometric over arithmetic mean
      of the power spectrum, in the MPEG-7 quarter-octave bands from 250 Hz
      that Marsyas uses (:func:`spectral_flatness`); values in (0, 1];
    - ``'scf'``: band-wise spectral crest factor in the same bands,
      ``log(max(P) / mean(P))`` of the power ``P`` (:func:`spectral_crest`);
      values >= 0;
    - ``'all'``: the three at once, as a dict (the STFT is computed once).

    At 22,050 Hz with 1,024-sample frames the sizes are MEL 40, SFM 21 and
    SCF 21 per frame, and a 30 s clip gives
    ``1 + (661,500 - 1,024) // 512 = 1,290`` frames.

    The function takes the signal first and ``sr`` as a keyword, so
    :func:`mirnb.features.extract` computes it over a dataset in parallel,
    cached: ``extract(tracks, frame_features, sr=22050, kind='all')``.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio, floating point, at least ``n_fft`` samples.
    sr : int > 0
        Sample rate in Hz (22,050 in the paper, Sec. 4.1).
    kind : {'mel', 'sfm', 'scf', 'all'}
        The feature type (the columns MEL, SFM, SCF of Tables 2-3), or all
        three (column ALL).
    n_fft : int > 0
        Frame length in samples (1,024 in the paper, Sec. 4.2).
    hop_length : int > 0
        Hop in samples (50 % of the frame: 512, Sec. 4.2).
    window : str, tuple or np.ndarray
        Analysis window. The paper names none; Hamming is the default of
        both tools it names (MIRtoolbox, Marsyas). Here the periodic
        Hamming window (MIRtoolbox's is the symmetric one; the difference is
        one sample of the window's tail).
    center : bool
        Pad the signal so frames are centred (librosa's habit). False (the
        default) frames as MIRtoolbox and Marsyas do: the first frame starts
        at sample 0.
    n_mels, fmin, fmax
        Mel filter bank (``'mel'`` only); the defaults are MIRtoolbox's
        40-band layout (:data:`MEL_FMIN`, :data:`MEL_FMAX`).
    log : {'log1p', 'db', None}
        Compression of the mel magnitudes (``'mel'`` only). The paper names
        none and MIRtoolbox's default is linear. *The book's choice*:
        ``'log1p'``, ``ln(1 + c * M)``, because PCA whitening and K-means on
        raw magnitudes are dominated by a few loud bands; it is 0 for
        silence, so a silent frame is no outlier. ``'db'`` gives
        ``20 log10(max(amin, M))``; None leaves the magnitudes linear (the
        tool's own output).
    c : float > 0
        Constant of ``'log1p'``. *The book's choice* 1,000: with this filter
        bank on the magnitude spectrum, the mel values of the synthetic
        GTZAN clips (20 clips, 10 s) lie between about 1e-3 (1st
        percentile) and 3 (maximum), median 0.06. ``c = 1`` would leave
        that range almost linear (``log1p(x) ~ x`` below 1); ``c = 1000``
        puts the knee of the logarithm at 1e-3, so the whole range is
        compressed.
    n_bands : int > 0 or None
        Number of SFM/SCF bands (``'sfm'``, ``'scf'``). None: every
        quarter-octave band that fits below the Nyquist frequency with its
        5 % overlap (:func:`band_edges`), 21 at 22,050 Hz, the bands
        Marsyas computes as valid (Marsyas also emits 3 invalid bands with
        the constant 1, which would break PCA whitening, so they are left
        out).
    amin : float > 0
        Power floor of SFM/SCF and magnitude floor of ``log='db'``.

    Returns
    -------
    F : np.ndarray, shape (n_frames, n_dims), or dict of them
        One row per frame: ``n_dims`` is ``n_mels`` (MEL), ``n_bands``
        (SFM, SCF). With ``kind='all'`` a dict ``{'mel': ..., 'sfm': ...,
        'scf': ...}`` of such arrays, all with the same ``n_frames``.

    Raises
    ------
    ParameterError
        Bad parameters, or a signal shorter than ``n_fft`` (without
        ``center``).

    See Also
    --------
    segments, AudioWords

    References
    ----------
    .. [1] Zhang, P., Zheng, X., Zhang, W., Li, S., Qian, S., He, W., Zhang,
       S. & Wang, Z. (2015). A deep neural network for modeling music. ICMR,
       Sec. 4.2 (MEL with MIRtoolbox, SFM and SCF with Marsyas; 1,024-sample
       frames, hop 50 %).
    .. [2] Lartillot, O. & Toiviainen, P. (2007). A Matlab toolbox for
       musical feature extraction from audio. DAFx (``mirspectrum``, 'Mel').
    .. [3] Tzanetakis, G. (2008). Marsyas. ``SFM.cpp``, ``SCF.cpp`` (MPEG-7
       quarter-octave bands).

    Notes
    -----
    Used in ``notebooks/03_zhang2015.py``.
    """
    sr = _sr(sr)
    _check.choice("kind", kind, set(WORD_KINDS) | {"all"})
    _check.choice("log", log, {"log1p", "db", None})
    amin = _check.positive("amin", amin)
    if n_bands is None and kind in ("sfm", "scf", "all"):
        n_bands = band_edges(sr=sr).shape[0]
    S = stft_magnitude(y, n_fft=n_fft, hop_length=hop_length, window=window, center=center)
    out = {}
    if kind in ("mel", "all"):
        M = melspectrogram(S=S, sr=sr, n_mels=n_mels, fmin=fmin, fmax=fmax, power=1.0,
                           htk=False, norm="slaney")
        if log == "log1p":
            M = np.log1p(_check.positive("c", c) * M)
        elif log == "db":
            M = 20.0 * np.log10(np.maximum(amin, M))
        out["mel"] = M
    if kind in ("sfm", "all"):
        out["sfm"] = spectral_flatness(S=S, sr=sr, n_bands=n_bands, amin=amin, power=2.0)
    if kind in ("scf", "all"):
        out["scf"] = np.log(spectral_crest(S=S, sr=sr, n_bands=n_bands, amin=amin,
                                           power=2.0))
    out = {k: np.ascontiguousarray(v.T) for k, v in out.items()}
    return out if kind == "all" else out[kind]


# ----------------------------------------------------------------------------
# 2. segments
# ----------------------------------------------------------------------------
def _frames_2d(F, name="F"):
    if not isinstance(F, np.ndarray):
        F = np.asarray(F)
    if F.ndim != 2:
        raise ParameterError(f"{name} must be a 2-D array (n_frames, n_dims), got shape "
                             f"{F.shape}")
    if not (np.issubdtype(F.dtype, np.floating) or np.issubdtype(F.dtype, np.integer)):
        raise ParameterError(f"{name} must be real-valued, got dtype {F.dtype}")
    if F.shape[1] < 1:
        raise ParameterError(f"{name} has shape {F.shape}: no feature dimensions")
    if not np.isfinite(F).all():
        raise ParameterError(f"{name} holds NaN or infinite values")
    return F


def segments(F, *, n_frames=5):
    """Cut a song's frames into non-overlapping multi-frame segment vectors.

    Segment ``i`` is the concatenation of frames ``i * n_frames`` to
    ``(i + 1) * n_frames - 1``, frame by frame (frame-major: the first
    ``n_dims`` values are the first frame's). Frames left over at the end
    (fewer than ``n_frames``) are dropped.

    Parameters
    ----------
    F : np.ndarray, shape (n_frames_song, n_dims)
        Frame features of one song, one row per frame
        (:func:`frame_features`).
    n_frames : int > 0
        Frames per segment. The paper gives no number, only that several
        frames beat one (Sec. 3, footnote 3). *The book's choice*: 5 by
        default (0.12 s; the spec's paper profile uses 8 and the CPU
        profiles 4).

    Returns
    -------
    X : np.ndarray, shape (n_frames_song // n_frames, n_frames * n_dims)
        One segment vector per row, in time order; a view of ``F`` where
        possible.

    Raises
    ------
    ParameterError
        ``F`` is not a finite 2-D array, or it has fewer than ``n_frames``
        frames (no segment at all).

    References
    ----------
    .. [1] Zhang et al. (2015), ICMR, Sec. 3 (Fig. 1: concatenated
       consecutive frames form segment vectors), Sec. 3.1 (a song is
       partitioned into fixed-size segments, one audio word each), Sec. 4.2.

    Notes
    -----
    Used in ``notebooks/03_zhang2015.py``.
    """
    F = _frames_2d(F)
    n_frames = _check.positive_int("n_frames", n_frames)
    n_seg = F.shape[0] // n_frames
    if n_seg < 1:
        raise ParameterError(f"F has {F.shape[0]} frame(s), fewer than n_frames={n_frames} "
                             "of one segment: lower n_frames or use a longer song")
    return F[:n_seg * n_frames].reshape(n_seg, n_frames * F.shape[1])


# ----------------------------------------------------------------------------
# 3. the codebook
# ----------------------------------------------------------------------------
def _song_list(songs, what="songs"):
    """(names, arrays) from a sequence of arrays or a mapping name -> array."""
    if isinstance(songs, np.ndarray) and songs.ndim == 2:
        raise ParameterError(f"{what} must be a list of per-song frame arrays "
                             f"(n_frames_i, n_dims); got one 2-D array of shape "
                             f"{songs.shape}: wrap one song as [F]")
    if isinstance(songs, Mapping):
        names, arrays = [repr(k) for k in songs], list(songs.values())
    else:
        try:
            arrays = list(songs)
        except TypeError:
            raise ParameterError(f"{what} must be a list of per-song frame arrays, got "
                                 f"{type(songs).__name__}") from None
        names = [str(i) for i in range(len(arrays))]
    if not arrays:
        raise ParameterError(f"{what} is empty: expected at least one song")
    return names, arrays


def _song_segments(names, arrays, n_frames, n_dims=None):
    """Segment every song; DataError naming the song when one cannot be used."""
    out = []
    for name, F in zip(names, arrays):
        try:
            F = _frames_2d(F, name=f"song {name}")
        except ParameterError as err:
            raise DataError(str(err)) from None
        if n_dims is not None and F.shape[1] != n_dims:
            raise DataError(f"song {name} has {F.shape[1]} feature dimensions per frame, "
                            f"the codebook {n_dims}")
        if F.shape[0] < n_frames:
            raise DataError(f"song {name} has {F.shape[0]} frame(s), fewer than "
                            f"n_frames={n_frames} of one segment: it gives no audio word "
                            "(drop it, or lower n_frames)")
        out.append(segments(F, n_frames=n_frames))
        if n_dims is None:
            n_dims = F.shape[1]
    return out


def _float_dtype(arrays):
    return np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64


class AudioWords(TransformerMixin, BaseEstimator):
    """A codebook of audio words: PCA whitening and K-means of multi-frame segments.

    ``fit`` cuts the frame features of the training songs into
    non-overlapping segments of ``n_frames`` frames (:func:`segments`),
    fits :class:`sklearn.decomposition.PCA` with ``whiten=True`` on all of
    them and :class:`sklearn.cluster.KMeans` (or ``MiniBatchKMeans``) on the
    whitened segments. ``transform`` maps each song to the sequence of the
    indices of its segments' nearest centroids: its audio words. The
    centroids (:attr:`centroids_`) are the initial values of the network's
    lookup table (Sec. 3.1, Eq. 1: column ``j`` of ``M`` is centroid ``j``).

    Fit it on the training songs only (of each fold): test songs are
    encoded with the training codebook (Fig. 1), and ``transform`` never
    changes the fitted state.

    Parameters
    ----------
    n_words : int > 0
        Codebook size ``|D|``, "a hyperparameter" the paper never sets
        (Sec. 3.1). *The book's choice*: 512 for the paper profile.
    n_components : int > 0
        PCA dimensions kept, the width ``d`` of the word vectors. Not given
        in the paper (Sec. 4.2). *The book's choice*: 64.
    n_frames : int > 0
        Frames per segment (see :func:`segments`).
    whiten_eps : float >= 0
        Regulariser of the whitening: component ``j`` is divided by
        ``sqrt(var_j + whiten_eps)`` instead of ``sqrt(var_j)``. 0 (the
        default) is plain PCA whitening (``PCA(whiten=True)``: unit variance
        per component on the training segments); a positive value damps
        low-variance (noisy) components, as in ZCA whitening with an
        epsilon. Not in the paper.
    kmeans : {'lloyd', 'minibatch'}
        ``'lloyd'``: :class:`sklearn.cluster.KMeans` (k-means++ seeding,
        Lloyd iterations), the paper's "K-means". ``'minibatch'``:
        :class:`sklearn.cluster.MiniBatchKMeans` with ``batch_size``, much
        faster for 10^5 segments and more (the full paper profile) at a
        slightly higher inertia. *The book's choice*: ``'lloyd'``.
    n_init : int > 0
        K-means restarts (the best inertia is kept). *The book's choice*: 3.
    max_iter : int > 0
        Iterations per K-means run.
    batch_size : int > 0
        Mini-batch size for ``kmeans='minibatch'``.
    random_state : None, int or np.random.RandomState
        Seeds PCA (randomised solver, for large inputs) and K-means.

    Attributes
    ----------
    pca_ : sklearn.decomposition.PCA
        Fitted on the training segments.
    kmeans_ : sklearn.cluster.KMeans or MiniBatchKMeans
        Fitted on the whitened training segments.
    centroids_ : np.ndarray, shape (n_words, n_components)
        The codebook, in the whitened space; row ``j`` is word ``j``'s
        vector (the paper's column ``j`` of ``M``).
    scale_ : np.ndarray, shape (n_components,)
        Extra factor applied after sklearn's whitening,
        ``sqrt(var / (var + whiten_eps))`` (all ones for ``whiten_eps=0``).
    n_features_in_ : int
        Feature dimensions per frame seen in ``fit``.
    n_segments_fit_ : int
        Number of training segments.

    Raises
    ------
    ParameterError
        (from ``fit``) more words than training segments, or more components
        than segments or segment dimensions, or a bad parameter.
    DataError
        (from ``fit``/``transform``) a song that is too short for one
        segment, not a finite 2-D array, or has the wrong width; the
        message names the song (its index, or its key for a dict).
    sklearn.exceptions.NotFittedError
        ``transform``, ``whiten`` or :meth:`embedding_init` before ``fit``.

    References
    ----------
    .. [1] Zhang et al. (2015), ICMR, Sec. 3 (Fig. 1: codebook from the
       training songs, test songs encoded with it), Sec. 3.1 (lookup table
       initialised from the cluster centres), Sec. 4.2 (PCA whitening of
       segment vectors, then K-means).
    .. [2] Hamel, P., Lemieux, S., Bengio, Y. & Eck, D. (2011). Temporal
       pooling and multiscale learning for automatic annotation and ranking
       of music audio. ISMIR (PCA-whitened spectrogram frames).

    Notes
    -----
    Used in ``notebooks/03_zhang2015.py``.

    Examples
    --------
    >>> words = AudioWords(128, n_components=24, n_frames=4, random_state=0)
    >>> train_words = words.fit_transform(train_mel)        # doctest: +SKIP
    >>> test_words = words.transform(test_mel)              # doctest: +SKIP
    >>> M0 = words.embedding_init()     # (129, 24): row 0 for padding  # doctest: +SKIP
    """

    def __init__(self, n_words=512, *, n_components=64, n_frames=5, whiten_eps=0.0,
                 kmeans="lloyd", n_init=3, max_iter=300, batch_size=4096,
                 random_state=None):
        self.n_words = n_words
        self.n_components = n_components
        self.n_frames = n_frames
        self.whiten_eps = whiten_eps
        self.kmeans = kmeans
        self.n_init = n_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.random_state = random_state

    # -- helpers ----------------------------------------------------------------------
    def _check_params(self):
        _check.positive_int("n_words", self.n_words)
        _check.positive_int("n_components", self.n_components)
        _check.positive_int("n_frames", self.n_frames)
        _check.nonneg("whiten_eps", self.whiten_eps)
        _check.choice("kmeans", self.kmeans, {"lloyd", "minibatch"})
        _check.positive_int("n_init", self.n_init)
        _check.positive_int("max_iter", self.max_iter)
        _check.positive_int("batch_size", self.batch_size)

    def _check_fitted(self):
        if not hasattr(self, "centroids_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call "
                                 "fit(songs) with the training songs first")

    def _whiten_segments(self, X):
        Z = self.pca_.transform(X)
        if self.whiten_eps > 0:
            Z = Z * self.scale_.astype(Z.dtype)
        return Z

    def _segments_of(self, songs, what):
        names, arrays = _song_list(songs, what)
        segs = _song_segments(names, arrays, self.n_frames, self.n_features_in_)
        dtype = _float_dtype(segs)
        return [s.astype(dtype, copy=False) for s in segs]

    # -- API --------------------------------------------------------------------------
    def fit(self, songs, y=None):
        """Learn the whitening and the codebook from the training songs.

        Parameters
        ----------
        songs : sequence of np.ndarray, shape (n_frames_i, n_dims), or dict
            Frame features of the training songs, one array per song (all
            with the same ``n_dims``); a dict (``{track_id: F}``, as
            :func:`mirnb.features.extract` returns) names the songs in
            error messages.
        y : ignored
            Present for the scikit-learn API; the codebook is unsupervised.

        Returns
        -------
        self : AudioWords
        """
        from sklearn.cluster import KMeans, MiniBatchKMeans
        from sklearn.decomposition import PCA

        self._check_params()
        names, arrays = _song_list(songs)
        segs = _song_segments(names, arrays, self.n_frames)
        dtype = _float_dtype(segs)
        X = np.concatenate(segs, axis=0).astype(dtype, copy=False)
        n_seg, dim = X.shape
        if self.n_components > min(n_seg, dim):
            raise ParameterError(
                f"n_components={self.n_components} PCA components asked for, but the "
                f"training songs give {n_seg} segments of {dim} dimensions "
                f"({self.n_frames} frames x {dim // self.n_frames}); at most "
                f"{min(n_seg, dim)} components are possible")
        if self.n_words > n_seg:
            raise ParameterError(
                f"n_words={self.n_words} audio words asked for, but the training songs "
                f"give only {n_seg} segments ({len(segs)} songs, n_frames="
                f"{self.n_frames}); use at most {n_seg} words, or more or longer songs")
        rng = check_random_state(self.random_state)
        seed_pca, seed_km = (int(s) for s in rng.randint(np.iinfo(np.int32).max, size=2))
        pca = PCA(n_components=self.n_components, whiten=True, random_state=seed_pca)
        pca.fit(X)
        var = np.asarray(pca.explained_variance_, dtype=np.float64)
        flat = var <= var.max() * np.finfo(dtype).eps
        if flat.any():
            bad = int(np.flatnonzero(flat)[0])
            raise DataError(f"PCA component {bad} of the training segments has zero "
                            f"variance: the segments span fewer than n_components="
                            f"{self.n_components} dimensions (constant features?); "
                            "lower n_components")
        self.pca_ = pca
        self.scale_ = np.sqrt(var / (var + float(self.whiten_eps)))
        Z = self._whiten_segments(X)
        if self.kmeans == "lloyd":
            km = KMeans(n_clusters=self.n_words, init="k-means++", n_init=self.n_init,
                        max_iter=self.max_iter, random_state=seed_km)
        else:
            km = MiniBatchKMeans(n_clusters=self.n_words, init="k-means++",
                                 n_init=self.n_init, max_iter=self.max_iter,
                                 batch_size=self.batch_size, random_state=seed_km)
        km.fit(Z)
        self.kmeans_ = km
        self.centroids_ = np.asarray(km.cluster_centers_)
        self.n_features_in_ = dim // self.n_frames
        self.n_segments_fit_ = n_seg
        return self

    def whiten(self, songs):
        """PCA-whitened segment vectors of each song (the input K-means clusters).

        These are also "the same short-term features" the paper's
        competitors (sparse coding, autoencoder, DBN) learn from (Sec. 4.3).

        Parameters
        ----------
        songs : sequence of np.ndarray, shape (n_frames_i, n_dims), or dict

        Returns
        -------
        Z : list of np.ndarray, shape (n_segments_i, n_components)
            One array per song, in input order.
        """
        self._check_fitted()
        return [self._whiten_segments(X) for X in self._segments_of(songs, "songs")]

    def transform(self, songs):
        """Encode songs as sequences of audio words (nearest-centroid indices).

        Parameters
        ----------
        songs : sequence of np.ndarray, shape (n_frames_i, n_dims), or dict
            Frame features, with the ``n_dims`` of the training songs.

        Returns
        -------
        words : list of np.ndarray of int64, shape (n_segments_i,)
            One sequence per song, in input order (a dict's value order),
            with ``n_segments_i = n_frames_i // n_frames``; values in
            ``[0, n_words)``. Shift them with :func:`pad_words` before a
            padded batch goes into an ``Embedding`` layer.
        """
        self._check_fitted()
        return [self.kmeans_.predict(Z).astype(np.int64) for Z in self.whiten(songs)]

    def embedding_init(self, *, shift=1):
        """Initial lookup-table weights for a Keras ``Embedding`` layer.

        Parameters
        ----------
        shift : int >= 0
            Rows of zeros put before the centroids: 1 (the default) matches
            :func:`pad_words`'s default, where index 0 is padding and word
            ``j`` is index ``j + 1`` (``Embedding(n_words + 1, n_components,
            mask_zero=True)``); 0 gives the centroids alone.

        Returns
        -------
        M : np.ndarray, shape (n_words + shift, n_components), float32
            Row ``j + shift`` is centroid ``j`` (the paper's ``M`` is its
            transpose, Eq. 1).
        """
        self._check_fitted()
        shift = _check.int_range("shift", shift, 0)
        pad = np.zeros((shift, self.centroids_.shape[1]), dtype=np.float32)
        return np.concatenate([pad, self.centroids_.astype(np.float32)], axis=0)


# ----------------------------------------------------------------------------
# 4. ALL: several feature types
# ----------------------------------------------------------------------------
def stack_words(words_per_type):
    """Stack the word sequences of several feature types side by side (column ALL).

    With one codebook per feature type (Sec. 3.1: "we associate a lookup
    table with each feature"), a song has one word sequence per type; they
    have the same length because the types share the framing. Column ``t``
    of the result feeds lookup table ``t``.

    Parameters
    ----------
    words_per_type : sequence over types
        Either one song's sequences, ``[words_mel, words_sfm, ...]`` with
        each a 1-D ``np.ndarray`` of ints, or each type's list of songs,
        ``[[mel_song0, mel_song1, ...], [sfm_song0, ...], ...]`` (what
        :meth:`AudioWords.transform` returns, per type).

    Returns
    -------
    W : np.ndarray of int64, shape (n_segments, n_types), or list of them
        One array for one song; a list over songs otherwise.

    Raises
    ------
    ParameterError
        No types, different song counts, or sequences of different lengths
        (the message names the song and the lengths).

    References
    ----------
    .. [1] Zhang et al. (2015), ICMR, Sec. 3.1 (one lookup table per
       feature type, outputs concatenated), Sec. 4.5 (column ALL).
    """
    per_type = list(words_per_type)
    if not per_type:
        raise ParameterError("words_per_type is empty: expected one entry per feature type")
    single = all(isinstance(w, np.ndarray) and w.ndim == 1 for w in per_type)
    songs_per_type = [[w] for w in per_type] if single else [list(w) for w in per_type]
    n_songs = {len(s) for s in songs_per_type}
    if len(n_songs) != 1:
        raise ParameterError(f"the feature types hold different numbers of songs: "
                             f"{[len(s) for s in songs_per_type]}")
    out = []
    for i, seqs in enumerate(zip(*songs_per_type)):
        seqs = [np.asarray(s) for s in seqs]
        for t, s in enumerate(seqs):
            if s.ndim != 1 or not np.issubdtype(s.dtype, np.integer):
                raise ParameterError(f"song {i}, type {t}: expected a 1-D integer word "
                                     f"sequence, got shape {s.shape} dtype {s.dtype}")
        lengths = [s.shape[0] for s in seqs]
        if len(set(lengths)) != 1:
            raise ParameterError(f"song {i}: the word sequences of the feature types have "
                                 f"different lengths {lengths}; they must share the "
                                 "framing (same n_fft, hop_length, n_frames)")
        out.append(np.stack(seqs, axis=1).astype(np.int64))
    return out[0] if single else out


class AudioWordsAll(TransformerMixin, BaseEstimator):
    """Audio words over several feature types (the paper's column ALL).

    Two readings of the paper: Sec. 3.1 gives every feature type its own
    lookup table, whose vectors are concatenated (``joint=False``, the
    default: one :class:`AudioWords` codebook per type, word sequences
    stacked with :func:`stack_words`); Sec. 4.5 says the ALL codebook was
    built "from all three features", which also reads as one codebook over
    frame features concatenated across types (``joint=True``: one
    :class:`AudioWords` on ``np.hstack`` of the types' frames; a single
    column of words). *The book's choice*: per type, the only reading with
    a mechanism described.

    With ``joint=True`` the types are concatenated as they are; PCA keeps
    the directions of largest variance, so a type with larger values (the
    log-mel bands) weighs more than SFM in (0, 1]. Standardise the types
    first if that is not wanted.

    Parameters
    ----------
    n_words : int > 0
        Codebook size, per type (``joint=False``) or in all.
    kinds : sequence of str
        The feature types, the keys of each song's dict, in column order.
    joint : bool
        One codebook over the concatenated types instead of one per type.
    n_components, n_frames, whiten_eps, kmeans, n_init, max_iter, batch_size, random_state
        As in :class:`AudioWords` (the same for every type).

    Attributes
    ----------
    codebooks_ : dict
        ``{kind: AudioWords}`` (``joint=False``) or ``{'+'.join(kinds):
        AudioWords}`` (``joint=True``), in column order.
    centroids_ : list of np.ndarray, shape (n_words, n_components)
        One per codebook: the initial values of each lookup table.

    References
    ----------
    .. [1] Zhang et al. (2015), ICMR, Sec. 3.1, Sec. 4.5 (column ALL).

    Notes
    -----
    Used in ``notebooks/03_zhang2015.py``.
    """

    def __init__(self, n_words=512, *, kinds=WORD_KINDS, joint=False, n_components=64,
                 n_frames=5, whiten_eps=0.0, kmeans="lloyd", n_init=3, max_iter=300,
                 batch_size=4096, random_state=None):
        self.n_words = n_words
        self.kinds = kinds
        self.joint = joint
        self.n_components = n_components
        self.n_frames = n_frames
        self.whiten_eps = whiten_eps
        self.kmeans = kmeans
        self.n_init = n_init
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.random_state = random_state

    def _base(self):
        return AudioWords(self.n_words, n_components=self.n_components,
                          n_frames=self.n_frames, whiten_eps=self.whiten_eps,
                          kmeans=self.kmeans, n_init=self.n_init, max_iter=self.max_iter,
                          batch_size=self.batch_size)

    def _views(self, songs):
        """{codebook name: songs of that view}, songs as a list or a dict like the input."""
        kinds = list(self.kinds)
        if not kinds or len(set(kinds)) != len(kinds):
            raise ParameterError(f"kinds={self.kinds!r}: expected distinct feature names")
        _check.boolean("joint", self.joint)
        is_map = isinstance(songs, Mapping)
        items = list(songs.items()) if is_map else list(enumerate(_song_list(songs)[1]))
        if not items:
            raise ParameterError("songs is empty: expected at least one song")
        for key, song in items:
            name = repr(key) if is_map else str(key)
            if not isinstance(song, Mapping):
                raise DataError(f"song {name} is a {type(song).__name__}; expected a dict "
                                f"{{kind: frames}} with the kinds {kinds} (as "
                                "frame_features(y, kind='all') returns)")
            missing = [k for k in kinds if k not in song]
            if missing:
                raise DataError(f"song {name} lacks the feature type(s) {missing}")
            n = {k: np.shape(song[k])[0] for k in kinds}
            if len(set(n.values())) != 1:
                raise DataError(f"song {name}: the feature types have different frame "
                                f"counts {n}; they must share the framing")

        def pack(values):
            return dict(zip([k for k, _ in items], values)) if is_map else list(values)

        if self.joint:
            return {"+".join(kinds): pack(np.hstack([np.asarray(s[k]) for k in kinds])
                                          for _, s in items)}
        return {k: pack(np.asarray(s[k]) for _, s in items) for k in kinds}

    def fit(self, songs, y=None):
        """Fit one codebook per feature type (or one joint codebook).

        Parameters
        ----------
        songs : sequence of dict, or dict of dict
            Each song as ``{kind: F}`` with ``F`` of shape
            ``(n_frames_i, n_dims_kind)``; :func:`frame_features` with
            ``kind='all'`` returns exactly that.
        y : ignored

        Returns
        -------
        self : AudioWordsAll
        """
        views = self._views(songs)
        rng = check_random_state(self.random_state)
        self.codebooks_ = {}
        for name, view in views.items():
            cb = clone(self._base()).set_params(
                random_state=int(rng.randint(np.iinfo(np.int32).max)))
            self.codebooks_[name] = cb.fit(view)
        self.centroids_ = [cb.centroids_ for cb in self.codebooks_.values()]
        return self

    def transform(self, songs):
        """Encode songs: one column of words per codebook.

        Returns
        -------
        words : list of np.ndarray of int64, shape (n_segments_i, n_codebooks)
            ``n_codebooks`` is ``len(kinds)``, or 1 with ``joint=True``;
            column ``t`` feeds lookup table ``t``.
        """
        if not hasattr(self, "codebooks_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call "
                                 "fit(songs) with the training songs first")
        views = self._views(songs)
        return stack_words([self.codebooks_[name].transform(view)
                            for name, view in views.items()])

    def embedding_init(self, *, shift=1):
        """Initial weights of each lookup table, see :meth:`AudioWords.embedding_init`.

        Returns
        -------
        list of np.ndarray, shape (n_words + shift, n_components)
        """
        if not hasattr(self, "codebooks_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet")
        return [cb.embedding_init(shift=shift) for cb in self.codebooks_.values()]


# ----------------------------------------------------------------------------
# 5. padding for batches
# ----------------------------------------------------------------------------
class PaddedWords(NamedTuple):
    """A padded batch of word sequences (:func:`pad_words`)."""

    #: np.ndarray of int32, shape (n_songs, length) or (n_songs, length, n_types)
    words: np.ndarray
    #: np.ndarray of int64, shape (n_songs,): real (unpadded) steps per song
    lengths: np.ndarray
    #: np.ndarray of bool, shape (n_songs, length): True on real steps
    mask: np.ndarray


def pad_words(sequences, *, length=None, shift=1, value=0):
    """Pad word sequences of different lengths into one batch, with a mask.

    Every word index is stored as ``word + shift`` and the steps after a
    song's end hold ``value``. The defaults (``shift=1``, ``value=0``)
    reserve index 0 for padding: the batch goes straight into
    ``keras.layers.Embedding(n_words + 1, d, mask_zero=True)`` whose row 0
    is never a word (:meth:`AudioWords.embedding_init` builds the weights
    with that zero row), and Keras' mask then marks the padded steps, so an
    order-preserving ``KMaxPooling1D`` that honours the mask never selects
    them. ``shift=0, value=-1`` keeps the raw indices (pass ``mask``
    explicitly then).

    Parameters
    ----------
    sequences : sequence of np.ndarray of int, shape (n_segments_i,) or (n_segments_i, n_types)
        One word sequence per song (:meth:`AudioWords.transform`), or the
        stacked ALL sequences (:func:`stack_words`); all songs with the same
        number of columns. Empty sequences are allowed (all padding).
    length : int >= 0 or None
        Steps of the batch; None: the longest song. Longer songs are cut to
        their first ``length`` words (and ``lengths`` says so).
    shift : int >= 0
        Added to every word index.
    value : int
        Value of padded steps; it must lie outside the shifted word range,
        ``value < shift`` or above the largest shifted word.

    Returns
    -------
    PaddedWords
        ``(words, lengths, mask)``: ``words`` int32 of shape
        ``(n_songs, length)`` (or ``(n_songs, length, n_types)``),
        ``lengths`` int64 ``(n_songs,)``, ``mask`` bool
        ``(n_songs, length)``, True where a step holds a word.

    Raises
    ------
    ParameterError
        No songs, negative word indices, non-integer sequences, different
        column counts, or a ``value`` that collides with a word index.

    References
    ----------
    .. [1] Zhang et al. (2015), ICMR, Sec. 3.3 (k-max pooling makes the
       output independent of the song length; ISMIR2004's full songs differ
       in length, Sec. 4.1). Padding and masking are the book's.

    Notes
    -----
    Used in ``notebooks/03_zhang2015.py``.
    """
    seqs = [np.asarray(s) for s in sequences]
    if not seqs:
        raise ParameterError("sequences is empty: expected at least one song")
    shift = _check.int_range("shift", shift, 0)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(f"value={value!r}: expected an integer")
    tail = {s.shape[1:] for s in seqs}
    if len(tail) != 1 or any(s.ndim not in (1, 2) for s in seqs):
        raise ParameterError(f"sequences must all be 1-D (n_segments,) or all 2-D "
                             f"(n_segments, n_types) with the same n_types; got trailing "
                             f"shapes {sorted(tail)}")
    for i, s in enumerate(seqs):
        if s.size and not np.issubdtype(s.dtype, np.integer):
            raise ParameterError(f"song {i}: word indices must be integers, got dtype "
                                 f"{s.dtype}")
        if s.size and s.min() < 0:
            raise ParameterError(f"song {i} holds the negative word index {int(s.min())}")
    top = max((int(s.max()) for s in seqs if s.size), default=-1)
    if shift <= value <= top + shift:
        raise ParameterError(f"value={value} collides with the shifted word indices "
                             f"[{shift}, {top + shift}]; use value < shift (e.g. shift=1, "
                             "value=0) or a value above them")
    lengths = np.array([s.shape[0] for s in seqs], dtype=np.int64)
    length = int(lengths.max()) if length is None else _check.int_range("length", length, 0)
    lengths = np.minimum(lengths, length)
    out = np.full((len(seqs), length) + tail.pop(), value, dtype=np.int32)
    for i, (s, n) in enumerate(zip(seqs, lengths)):
        out[i, :n] = s[:n] + shift
    mask = np.arange(length)[None, :] < lengths[:, None]
    return PaddedWords(out, lengths, mask)
