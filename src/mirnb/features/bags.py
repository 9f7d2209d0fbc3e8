"""Multi-frame blocks of Nam et al.'s deep bag-of-features (2015), front end to pooling.

Nam, Herrera & Lee (2015) learn local features from short *blocks* of a
mel spectrogram and summarise a clip as a bag of features (Sec. III-A,
III-B, IV-C, IV-D-1). This module holds the parts around the sparse RBM,
as the authors' MATLAB code runs them:

1. :func:`deepbof_frames`: the front end, per clip: STFT magnitude at the
   raw scale, Ellis's time-frequency AGC (:func:`mirnb.features.agc` with
   ``method='ellis'``), a 128-band Slaney mel spectrogram and
   ``log10(1 + 10 x)``; beside it the onset detection function
   (:func:`mirnb.features.novelty`);
2. :func:`blocks`: every block of ``n_frames`` consecutive frames, flattened
   frame by frame (the encoding input, stride 1);
3. :func:`sample_blocks`: the training blocks, one per 43-frame segment
   (about a second), at random or at the onset maximum, with the code's
   repeat rule;
4. :class:`PCAWhitener`: PCA whitening that keeps 90 % of the variance,
   with an epsilon on the eigenvalues;
5. :func:`window_frames` and :func:`pool_bag`: max-pooling over windows of
   0.25-4 s and averaging over the clip, the bag of features.

Orientation: spectrogram-like arrays are ``(n_bands, n_frames)``; blocks are
rows, ``(n_blocks, n_bands * n_frames)``, as scikit-learn and Keras expect.
``../shared/specs/nam2015.md`` (sections 1.1-1.9 and 5) gives the code's
numbers and the reasons for the choices marked *the book's choice*.
"""

import functools
import warnings
from collections.abc import Mapping

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .. import _check
from ..errors import DataError, ParameterError
from ._common import _signal, _sr
from .descriptors import novelty
from .spectral import _slaney_mel_basis, stft_magnitude
from .spectral import agc as _agc

__all__ = ["deepbof_frames", "blocks", "sample_blocks", "PCAWhitener", "window_frames",
           "pool_bag", "SAMPLING_METHODS"]

#: The block sampling methods of :func:`sample_blocks` (the code's ``random``
#: and ``onset_sync_max``).
SAMPLING_METHODS = ("onset", "random")


# ----------------------------------------------------------------------------
# 1. front end
# ----------------------------------------------------------------------------
def deepbof_frames(y, *, sr=22050, n_fft=1024, hop_length=512, n_mels=128, gain=10.0,
                   agc=True, novelty_mels=40, novelty_gain=100.0):
    """Nam et al.'s front end: AGC-ed log-mel frames and the onset detection function.

    The steps of the authors' code (``getSpecgram.m``,
    ``process_tagatune_audio.m``), at the raw scale, which matters because
    the AGC's ``eps`` and the compression gains are absolute:

    1. ``X = |STFT(y)|``: unnormalised FFT of Hann-windowed frames of
       ``n_fft`` samples, hop ``hop_length``, the signal padded with
       ``n_fft // 2`` zeros on each side (:func:`stft_magnitude`,
       ``center=True``, ``pad_mode='constant'``) and, at the end, with zeros
       up to a whole number of hops, as the code's ``stft.m`` does. A clip
       of ``L`` samples therefore gives ``ceil(L / hop_length) + 1`` frames,
       the code's count: 432 for 10 s at 22050 Hz (librosa alone gives
       ``1 + L // hop_length = 431``; the extra last frame is centred past
       the end and holds the clip's last samples in its first half);
    2. ``X = X + 1e-4 * max(X)``: the code adds this small offset (a floor
       that keeps silent bins above zero);
    3. ``Y = agc(X, method='ellis')`` (Ellis's ``tf_agc`` as in the code,
       10 bands, 0.5 s, ``eps = 0.01``), or ``Y = X`` with ``agc=False``;
    4. ``mel = log10(1 + gain * (W @ Y))`` with ``W`` the Slaney mel filter
       bank on magnitude (power 1, 0 Hz to ``sr / 2``);
    5. ``novelty = novelty(Y, n_mels=novelty_mels, gain=novelty_gain)``.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono audio, floating point, as loaded (in [-1, 1]; it is not
        rescaled). Nam et al. resample to 22050 Hz.
    sr : int > 0
        Sample rate of ``y`` in Hz.
    n_fft : int > 0
        FFT and window length (1024: 46 ms at 22050 Hz).
    hop_length : int > 0
        Hop in samples (512: 50 % overlap).
    n_mels : int > 0
        Mel bands of the output (128 in the paper).
    gain : float > 0
        ``C`` of the amplitude compression ``log10(1 + C x)`` (10 in the
        paper, Sec. IV-C).
    agc : bool
        Apply the AGC (the paper's default).
    novelty_mels : int > 0
        Mel bands of the onset detection function (40).
    novelty_gain : float > 0
        Its compression constant (100 in the code).

    Returns
    -------
    frames : dict
        ``'mel'``: np.ndarray of float32, shape (n_mels, n_frames), the
        compressed mel spectrogram ``Z``; ``'novelty'``: np.ndarray of
        float32, shape (n_frames,), the onset detection function (0 at
        frame 0).

    Raises
    ------
    DataError
        The clip is silent (its spectrogram is all zero). The code reuses
        the previous clip's spectrogram here; :func:`mirnb.features.extract`
        skips and reports the clip instead.
    ParameterError
        Bad audio or parameters.

    References
    ----------
    .. [1] Nam, Herrera & Lee (2015), Sec. III-A-1 to III-A-4 (AGC, mel
       spectrogram, amplitude compression, onset detection function) and
       Sec. IV-C (22.05 kHz, 46 ms Hann window, 50 % overlap, 10 AGC
       sub-bands, 128 mel bands, ``C = 10``).
    .. [2] Ellis, D. P. W. (2010). Time-frequency automatic gain control
       (``tf_agc``), MATLAB code, LabROSA, Columbia University.

    Notes
    -----
    The window is librosa's periodic Hann; the code calls MATLAB's
    ``hann(1024)``, the symmetric one. The two differ by less than 0.2 %
    of the window's peak at any sample. The code's MATLAB ``resample``
    is not reproduced (:func:`mirnb.audio.load` resamples with soxr).

    Examples
    --------
    >>> feats, skipped = features.extract(ds, "deepbof_frames", sr=22050,
    ...                                   duration=10.0)     # doctest: +SKIP
    >>> Z, nf = feats[track_id]["mel"], feats[track_id]["novelty"]  # doctest: +SKIP
    """
    y = _signal(y)
    sr = _sr(sr)
    n_fft = _check.positive_int("n_fft", n_fft)
    hop_length = _check.positive_int("hop_length", hop_length)
    n_mels = _check.positive_int("n_mels", n_mels)
    gain = _check.positive("gain", gain)
    agc = _check.boolean("agc", agc)
    novelty_mels = _check.positive_int("novelty_mels", novelty_mels)
    novelty_gain = _check.positive("novelty_gain", novelty_gain)
    extra = -y.shape[0] % hop_length
    if extra:
        y = np.concatenate([y, np.zeros(extra, dtype=y.dtype)])
    X = stft_magnitude(y, n_fft=n_fft, hop_length=hop_length, window="hann", center=True,
                       pad_mode="constant").astype(np.float64)
    peak = float(X.max())
    if not peak > 0:
        raise DataError("the clip is silent: its spectrogram is all zero, so it has no "
                        "features (drop the clip)")
    X += 1e-4 * peak
    if agc:
        X = _agc(X, sr=sr, hop_length=hop_length, method="ellis")
    Z = np.log10(1.0 + gain * (_slaney_mel_basis(sr, n_fft, n_mels) @ X))
    nf = novelty(X, sr=sr, n_fft=n_fft, n_mels=novelty_mels, gain=novelty_gain)
    return {"mel": Z.astype(np.float32), "novelty": nf.astype(np.float32)}


# ----------------------------------------------------------------------------
# 2. blocks
# ----------------------------------------------------------------------------
def _spec_2d(Z, name="Z", error=ParameterError):
    if not isinstance(Z, np.ndarray) or Z.ndim != 2:
        raise error(f"{name} must be a 2-D array (n_bands, n_frames), got "
                    f"{type(Z).__name__} with shape {getattr(Z, 'shape', None)}")
    if not (np.issubdtype(Z.dtype, np.floating) or np.issubdtype(Z.dtype, np.integer)):
        raise error(f"{name} must be real-valued, got dtype {Z.dtype}")
    if Z.shape[0] < 1:
        raise error(f"{name} has shape {Z.shape}: no bands")
    if not np.isfinite(Z).all():
        raise error(f"{name} holds NaN or infinite values")
    return Z


def _gather(Z, starts, n_frames):
    """Rows ``Z[:, s:s + n_frames]`` flattened frame-major, for each start ``s``."""
    idx = np.asarray(starts, dtype=np.intp)[:, None] + np.arange(n_frames)
    return Z.T[idx].reshape(len(idx), n_frames * Z.shape[0]).astype(np.float32, copy=False)


def blocks(Z, *, n_frames=8):
    """Every block of ``n_frames`` consecutive frames, flattened frame by frame.

    Block ``i`` is ``Z[:, i:i + n_frames]`` read frame by frame: the
    ``n_bands`` values of frame ``i``, then those of frame ``i + 1``, ...
    (MATLAB's ``temp(:)``; NumPy's ``Z[:, i:i + P].T.ravel()``). Blocks
    start at every frame (stride 1), and, like the code's
    ``convertToChunk.m``, the last possible block is dropped: a clip of
    ``T`` frames gives ``T - n_frames`` blocks (424 for 432 frames and
    ``n_frames=8``). These are what the sparse RBM encodes at test time.

    Parameters
    ----------
    Z : np.ndarray, shape (n_bands, n_frames_clip)
        A clip's compressed mel spectrogram (``deepbof_frames(y)['mel']``).
    n_frames : int > 0
        Frames per block, ``P`` (8 in the paper; 2-10 in Fig. 4).

    Returns
    -------
    X : np.ndarray of float32, shape (n_frames_clip - n_frames, n_bands * n_frames)
        One block per row, in time order.

    Raises
    ------
    ParameterError
        ``Z`` is not a finite 2-D array, or the clip is shorter than one
        block (``n_frames_clip <= n_frames``).

    References
    ----------
    .. [1] Nam, Herrera & Lee (2015), Sec. III-A-4 (multiple frames as
       input), Sec. IV-D-1 (spectral blocks of 2-10 frames; activations
       extracted in a convolutional manner), Sec. V-A (8 frames).
    """
    Z = _spec_2d(Z)
    n_frames = _check.positive_int("n_frames", n_frames)
    T = Z.shape[1]
    if T <= n_frames:
        raise ParameterError(f"the clip has {T} frame(s), not more than the block length "
                             f"n_frames={n_frames}: a clip shorter than one block (plus the "
                             f"frame the code drops) gives no block; use at least "
                             f"{n_frames + 1} frames or a smaller n_frames")
    return _gather(Z, np.arange(T - n_frames), n_frames)


def _clip_arrays(cid, value, need_novelty):
    """(Z, novelty) of one clip of sample_blocks; DataError naming the clip if unusable."""
    if isinstance(value, Mapping):
        if "mel" not in value or (need_novelty and "novelty" not in value):
            raise DataError(f"clip {cid!r}: expected a (Z, novelty) pair or a dict with "
                            f"keys 'mel' and 'novelty' (deepbof_frames), got keys "
                            f"{sorted(value, key=repr)}")
        Z, nf = value["mel"], value.get("novelty")
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        Z, nf = value
    else:
        raise DataError(f"clip {cid!r}: expected a (Z, novelty) pair or a dict with keys "
                        f"'mel' and 'novelty', got {type(value).__name__}")
    Z = _spec_2d(np.asarray(Z), name=f"clip {cid!r}: Z", error=DataError)
    if nf is None:
        if need_novelty:
            raise DataError(f"clip {cid!r} has no novelty function, which method='onset' "
                            "needs")
        return Z, None
    nf = np.asarray(nf)
    if nf.shape != (Z.shape[1],):
        raise DataError(f"clip {cid!r}: novelty has shape {nf.shape}, expected "
                        f"({Z.shape[1]},), one value per frame of Z")
    if not (np.issubdtype(nf.dtype, np.floating) or np.issubdtype(nf.dtype, np.integer)) \
            or not np.isfinite(nf).all():
        raise DataError(f"clip {cid!r}: novelty must hold finite real numbers")
    return Z, nf


def sample_blocks(clips, *, n_frames=8, n_samples=200000, method="onset", segment=43,
                  random_state=None):
    """The training blocks of Nam et al.: one per segment, at random or at the onset peak.

    As the code's ``get_samples.m`` does, per clip of ``T`` frames, which
    holds ``n_blocks = T - n_frames`` blocks (:func:`blocks`): the block
    starts are cut into ``floor(n_blocks / segment)`` consecutive segments
    of ``segment`` frames (43: about 1 s), and one block is taken from each
    segment:

    - ``method='onset'`` (the code's ``onset_sync_max``): the block
      *starts* at the frame of the segment where the onset detection
      function is largest (the first such frame on ties), so it begins on
      the onset and covers the ``n_frames - 1`` frames after it;
    - ``method='random'``: the block starts at a uniformly random frame of
      the segment.

    Every start frame of a segment leaves a whole block, since the
    segments cover only the first ``floor(n_blocks / segment) * segment``
    starts. When the clips hold fewer segments in total than
    ``n_samples``, the pass is repeated ``floor(n_samples / n_segments)``
    times: for ``'onset'`` each repeat takes the next-largest value of the
    segment (the code zeroes the previous maximum), so the blocks of a
    segment are distinct; for ``'random'`` each repeat draws new positions
    (a block may come twice). When more blocks than ``n_samples`` result, a
    random subset of ``n_samples`` is kept.

    Parameters
    ----------
    clips : Mapping
        ``{clip_id: (Z, novelty)}`` with ``Z`` of shape (n_bands, T) (the
        same ``n_bands`` for all clips) and ``novelty`` of shape (T,); or
        ``{clip_id: {'mel': Z, 'novelty': novelty}}``, the output of
        :func:`mirnb.features.extract` with ``'deepbof_frames'``.
        ``novelty`` may be None with ``method='random'``. Use the training
        clips only (the paper samples the training split).
    n_frames : int > 0
        Frames per block (8).
    n_samples : int > 0
        Number of blocks wanted (200,000 in the paper).
    method : {'onset', 'random'}
    segment : int > 0
        Frames per segment (43, one block per second at 22050 Hz, hop 512).
    random_state : None, int or np.random.RandomState
        Seeds the random positions and the subset.

    Returns
    -------
    X : np.ndarray of float32, shape (n, n_bands * n_frames)
        The blocks, flattened frame by frame as in :func:`blocks`, in clip
        order, then segment, then pass; ``n = min(n_samples, n_passes *
        n_segments)``. Shuffle before minibatch training.
    origin : pandas.DataFrame
        One row per block: ``clip`` (the clip id), ``start`` (its first
        frame), ``segment`` (index of the segment within the clip) and
        ``pass`` (0 for the first pass; for ``'onset'``, the rank of the
        block's novelty within its segment). ``origin.attrs`` holds
        ``method``, ``n_frames``, ``segment``, ``n_segments`` (total over
        the clips used), ``n_passes``, ``n_candidates`` (blocks before the
        subset) and ``skipped``: ``{clip_id: reason}`` for the clips too
        short for one segment.

    Warns
    -----
    UserWarning
        Clips too short for one segment (fewer than ``segment + n_frames``
        frames) are skipped; the warning gives their number and first ids,
        and ``origin.attrs['skipped']`` lists them all. Also when
        ``'onset'`` would need more passes than a segment has frames (then
        every frame of every segment is taken once).

    Raises
    ------
    DataError
        A clip whose value is not a usable (Z, novelty) pair, a clip with
        another ``n_bands``, a clip whose novelty is zero at every
        candidate start (``method='onset'``: no onsets to sample at), or no
        clip long enough for one segment. The message names the clip.
    ParameterError
        Bad parameters, or ``clips`` not a non-empty mapping.

    References
    ----------
    .. [1] Nam, Herrera & Lee (2015), Sec. III-A-4 (onset-based sampling,
       Fig. 2) and Sec. IV-D-1 (200,000 blocks, one every second, at a
       random position or with the onset detection function).

    Notes
    -----
    Two details of the code are not reproduced. (a) It counts
    ``n_frames_total / segment`` segments (frames, not whole segments of
    blocks) to set the number of passes, which can give one pass fewer;
    here the passes come from the segments actually cut. (b) Once the
    positive novelty values of a segment are used up, the code's zeroing
    makes later passes repeat the segment's first zero frame; here they
    take the next frames in order, so the blocks stay distinct.
    """
    import pandas as pd

    n_frames = _check.positive_int("n_frames", n_frames)
    n_samples = _check.positive_int("n_samples", n_samples)
    segment = _check.positive_int("segment", segment)
    _check.choice("method", method, set(SAMPLING_METHODS))
    if not isinstance(clips, Mapping):
        raise ParameterError(f"clips must be a mapping {{clip_id: (Z, novelty)}}, got "
                             f"{type(clips).__name__}")
    if not clips:
        raise ParameterError("clips is empty: expected at least one clip")
    rng = check_random_state(random_state)
    onset = method == "onset"

    used, skipped, n_bands = [], {}, None
    for cid, value in clips.items():
        Z, nf = _clip_arrays(cid, value, onset)
        if n_bands is None:
            n_bands = Z.shape[0]
        elif Z.shape[0] != n_bands:
            raise DataError(f"clip {cid!r} has {Z.shape[0]} bands, the first clip "
                            f"{n_bands}: all clips need the same n_bands")
        T = Z.shape[1]
        n_seg = max(T - n_frames, 0) // segment
        if n_seg == 0:
            skipped[cid] = (f"{T} frames, fewer than segment + n_frames = "
                            f"{segment + n_frames} for one segment")
            continue
        if onset and not (nf[:n_seg * segment] > 0).any():
            raise DataError(f"clip {cid!r}: its novelty is zero at all {n_seg * segment} "
                            "candidate start frames: no onsets to sample blocks at (a "
                            "silent or constant clip?); drop it or use method='random'")
        used.append((cid, Z, nf, n_seg))
    if skipped:
        ids = list(skipped)
        more = f", ... ({len(ids) - 5} more)" if len(ids) > 5 else ""
        warnings.warn(f"sample_blocks: skipped {len(ids)} of {len(clips)} clip(s) shorter "
                      f"than one segment ({segment + n_frames} frames): "
                      f"{', '.join(map(repr, ids[:5]))}{more}; see origin.attrs['skipped']",
                      UserWarning, stacklevel=2)
    if not used:
        raise DataError(f"no clip is long enough for one segment: each needs at least "
                        f"segment + n_frames = {segment + n_frames} frames")

    n_segments = sum(u[3] for u in used)
    n_passes = n_samples // n_segments if n_segments < n_samples else 1
    if onset and n_passes > segment:
        warnings.warn(f"sample_blocks: n_samples={n_samples} would need {n_passes} passes "
                      f"over {n_segments} segments, more than the segment={segment} "
                      f"distinct starts of a segment; taking each start once "
                      f"({segment * n_segments} blocks)", UserWarning, stacklevel=2)
        n_passes = segment

    parts = []
    for cid, Z, nf, n_seg in used:
        base = (np.arange(n_seg) * segment)[:, None]
        if onset:
            v = np.asarray(nf[:n_seg * segment], dtype=np.float64).reshape(n_seg, segment)
            # descending, first frame first on ties: the repeated argmax of the code
            offset = np.argsort(-v, axis=1, kind="stable")[:, :n_passes]
        else:
            offset = rng.randint(segment, size=(n_seg, n_passes))
        starts = base + offset                                   # (n_seg, n_passes)
        parts.append((cid, Z, starts.ravel(),
                      np.repeat(np.arange(n_seg), n_passes),
                      np.tile(np.arange(n_passes), n_seg)))
    n_candidates = sum(len(p[2]) for p in parts)
    keep = None
    if n_candidates > n_samples:
        keep = np.zeros(n_candidates, dtype=bool)
        keep[rng.choice(n_candidates, n_samples, replace=False)] = True

    X_parts, rows, pos = [], [], 0
    for cid, Z, starts, seg, rank in parts:
        sel = slice(None) if keep is None else keep[pos:pos + len(starts)]
        pos += len(starts)
        starts, seg, rank = starts[sel], seg[sel], rank[sel]
        if len(starts):
            X_parts.append(_gather(Z, starts, n_frames))
            rows.append(pd.DataFrame({"clip": [cid] * len(starts), "start": starts,
                                      "segment": seg, "pass": rank}))
    X = np.concatenate(X_parts, axis=0)
    origin = pd.concat(rows, ignore_index=True)
    origin.attrs.update({"method": method, "n_frames": n_frames, "segment": segment,
                         "n_segments": n_segments, "n_passes": n_passes,
                         "n_candidates": n_candidates, "skipped": skipped})
    return X, origin


# ----------------------------------------------------------------------------
# 3. PCA whitening
# ----------------------------------------------------------------------------
def _rows_2d(X, name="X", *, min_rows=1):
    """``X`` as a finite 2-D float32/float64 array (scikit-learn's check, mirnb's error)."""
    from sklearn.utils.validation import check_array

    try:
        return check_array(X, dtype=[np.float64, np.float32], ensure_min_samples=min_rows,
                           input_name=name)
    except (ValueError, TypeError) as err:
        raise ParameterError(f"{name} (expected a finite 2-D array of shape (n_samples, "
                             f"n_features)): {err}") from None


@functools.lru_cache(maxsize=1)
def _eigh_solver():
    """sklearn's ``covariance_eigh`` PCA solver (sklearn >= 1.5), else ``full``."""
    from sklearn.decomposition import PCA

    try:
        PCA(svd_solver="covariance_eigh")._validate_params()
    except (ValueError, TypeError, AttributeError):
        return "full"
    return "covariance_eigh"


class PCAWhitener(TransformerMixin, BaseEstimator):
    """PCA whitening as in Nam et al.'s code: keep 90 % of the variance, eps on the eigenvalues.

    ``fit`` finds the mean ``mu``, the eigenvalues ``lambda`` and
    eigenvectors ``E`` of the covariance ``(X - mu).T @ (X - mu) / n`` of the
    training rows, and keeps the ``k`` leading components: the smallest
    ``k`` whose cumulative share of the variance is *greater* than
    ``variance`` (or exactly ``n_components``). ``transform`` whitens (no
    rotation back, so not ZCA)::

        x~ = diag((lambda_k + eps) ** -1/2) @ E_k.T @ (x - mu)

    With ``eps = 0`` the retained components of the training rows have unit
    variance; ``eps > 0`` (the code's 0.01, absolute) shrinks the
    low-variance, noisy ones: component ``j`` keeps the variance
    ``lambda_j / (lambda_j + eps)``.

    :class:`sklearn.decomposition.PCA` does the decomposition (the
    ``covariance_eigh`` solver, which eigendecomposes the ``d x d``
    covariance: fast when ``n >> d``, as for 200,000 blocks of 1024
    values). sklearn divides by ``n - 1``; the eigenvalues kept here
    (:attr:`explained_variance_`) are rescaled to the code's ``n``, which
    only matters for tiny ``n`` since ``eps`` is added to them.

    Parameters
    ----------
    variance : float in (0, 1]
        Share of the variance to keep (0.9 in the paper). 1 keeps every
        component. Not used when ``n_components`` is given.
    n_components : int > 0 or None
        Keep exactly this many components instead (at most
        ``min(n_samples, n_features)``).
    eps : float >= 0
        Added to the eigenvalues before the inverse square root (0.01 in
        the code; the paper gives none).
    random_state : None, int or np.random.RandomState
        Passed to :class:`~sklearn.decomposition.PCA`; its eigen and full
        solvers, which this class uses, are deterministic, so it changes
        nothing (kept for a uniform interface in pipelines).

    Attributes
    ----------
    n_components_ : int
        ``k``, the number of components kept (report it: the paper does
        not).
    mean_ : np.ndarray, shape (n_features,)
    components_ : np.ndarray, shape (n_components_, n_features)
        ``E_k.T``: the principal axes, by decreasing variance.
    explained_variance_ : np.ndarray, shape (n_components_,)
        ``lambda_k``, the eigenvalues of the covariance with denominator
        ``n``.
    explained_variance_ratio_ : np.ndarray, shape (n_components_,)
        Each kept component's share of the total variance.
    scale_ : np.ndarray, shape (n_components_,)
        ``(lambda_k + eps) ** -0.5``.
    n_features_in_ : int
    n_samples_fit_ : int

    Raises
    ------
    ParameterError
        Bad parameters or rows (not a finite 2-D array, fewer than 2 rows,
        ``n_components`` too large, the wrong width in ``transform``).
    DataError
        (``fit`` with ``eps = 0``) a kept component has zero variance.
    sklearn.exceptions.NotFittedError
        ``transform`` or ``inverse_transform`` before ``fit``.

    References
    ----------
    .. [1] Nam, Herrera & Lee (2015), Sec. III-B-1 (PCA whitening learned
       from the sampled blocks) and Sec. IV-D-1 (retaining 90 % of the
       variance); the authors' ``pca_whiten.m`` (``eps = 0.01``, non-ZCA).
    .. [2] Hyvärinen, A., Hurri, J. & Hoyer, P. O. (2009). Natural Image
       Statistics. Springer, Ch. 5 (PCA whitening).

    Examples
    --------
    >>> white = PCAWhitener(0.9, eps=0.01).fit(X_train)     # doctest: +SKIP
    >>> white.n_components_, white.transform(X_test).shape   # doctest: +SKIP
    """

    def __init__(self, variance=0.9, *, n_components=None, eps=0.01, random_state=None):
        self.variance = variance
        self.n_components = n_components
        self.eps = eps
        self.random_state = random_state

    def fit(self, X, y=None):
        """Learn the mean, the kept components and their scales from the rows of ``X``.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
            Training rows (blocks).
        y : ignored

        Returns
        -------
        self : PCAWhitener
        """
        from sklearn.decomposition import PCA

        if self.n_components is None:
            variance = _check.number("variance", self.variance)
            if not 0 < variance <= 1:
                raise ParameterError(f"variance={self.variance!r}: expected a share in "
                                     "(0, 1]")
        else:
            _check.positive_int("n_components", self.n_components)
        eps = _check.nonneg("eps", self.eps)
        X = _rows_2d(X, min_rows=2)
        n, d = X.shape
        n_max = min(n, d)
        if self.n_components is not None and self.n_components > n_max:
            raise ParameterError(f"n_components={self.n_components}: X ({n} rows of {d} "
                                 f"values) gives at most {n_max} components")
        pca = PCA(svd_solver=_eigh_solver(), random_state=self.random_state).fit(X)
        ratio = np.asarray(pca.explained_variance_ratio_, dtype=np.float64)
        if self.n_components is None:
            k = int(np.searchsorted(np.cumsum(ratio), variance, side="right")) + 1
            k = min(k, len(ratio))
        else:
            k = int(self.n_components)
        lam = np.asarray(pca.explained_variance_[:k], dtype=np.float64) * (n - 1) / n
        if eps == 0 and not (lam > lam[0] * np.finfo(X.dtype).eps).all():
            bad = int(np.flatnonzero(~(lam > lam[0] * np.finfo(X.dtype).eps))[0])
            raise DataError(f"component {bad} of the {k} kept has zero variance (the rows "
                            "span fewer dimensions); use eps > 0 or fewer components")
        self.n_components_ = k
        self.mean_ = np.asarray(pca.mean_, dtype=np.float64)
        self.components_ = np.asarray(pca.components_[:k], dtype=np.float64)
        self.explained_variance_ = lam
        self.explained_variance_ratio_ = ratio[:k]
        self.scale_ = 1.0 / np.sqrt(lam + eps)
        self.n_features_in_ = d
        self.n_samples_fit_ = n
        return self

    def _check_rows(self, X, what, name):
        check_is_fitted(self, "components_")
        width = getattr(self, what)
        X = _rows_2d(X, name)
        if X.shape[1] != width:
            raise ParameterError(f"{name} has {X.shape[1]} features, but PCAWhitener is "
                                 f"expecting {width} features as input")
        return X

    def transform(self, X):
        """Whiten rows: ``((X - mean_) @ components_.T) * scale_``.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)

        Returns
        -------
        Z : np.ndarray, shape (n_samples, n_components_)
            float32 for float32 input, else float64.
        """
        X = self._check_rows(X, "n_features_in_", "X")
        W = (self.components_.T * self.scale_).astype(X.dtype)
        return (X - self.mean_.astype(X.dtype)) @ W

    def inverse_transform(self, Z):
        """Map whitened rows back to the input space (the code's "dewhitening").

        ``Z / scale_ @ components_ + mean_``: exact for ``Z = transform(X)``
        when every component is kept, else the projection of ``X`` on the
        kept ones. Useful to show learned filters as spectrogram blocks.

        Parameters
        ----------
        Z : array-like, shape (n_samples, n_components_)

        Returns
        -------
        X : np.ndarray, shape (n_samples, n_features)
        """
        Z = self._check_rows(Z, "n_components_", "Z")
        Wi = (self.components_ / self.scale_[:, None]).astype(Z.dtype)
        return Z @ Wi + self.mean_.astype(Z.dtype)


# ----------------------------------------------------------------------------
# 4. pooling
# ----------------------------------------------------------------------------
def window_frames(seconds, *, sr=22050, hop_length=512):
    """Frames in a pooling window of ``seconds``: ``round(seconds * sr / hop_length)``.

    For 22050 Hz and hop 512 (43.07 frames per second), the paper's 0.25,
    0.5, 1, 2 and 4 s give 11, 22, 43, 86 and 172 frames. Halves round up.

    Parameters
    ----------
    seconds : float > 0
    sr : int > 0
    hop_length : int > 0

    Returns
    -------
    n : int >= 1

    Raises
    ------
    ParameterError
        Bad values, or a window shorter than half a frame.

    References
    ----------
    .. [1] Nam, Herrera & Lee (2015), Sec. IV-D-1: max-pooling over 0.25,
       0.5, 1, 2 and 4 s.
    """
    seconds = _check.positive("seconds", seconds)
    sr = _sr(sr)
    hop_length = _check.positive_int("hop_length", hop_length)
    n = int(np.floor(seconds * sr / hop_length + 0.5))
    if n < 1:
        raise ParameterError(f"seconds={seconds!r} is under half a frame ({hop_length / sr:g}"
                             f" s at sr={sr}, hop_length={hop_length}): no pooling window")
    return n


def pool_bag(H, *, window):
    """Bag of features: the mean over windows of the max within each window.

    The rows of ``H`` (block activations in time order, one per block of
    :func:`blocks`) are cut into non-overlapping windows of ``window`` rows,
    the last one partial (``ceil(n_blocks / window)`` windows, as the code);
    each window is max-pooled over time, and the pooled vectors are
    averaged. ``window=1`` is the plain mean; ``window >= n_blocks`` the
    plain max. Loop over :func:`window_frames` of the paper's sizes for
    several poolings of the same activations.

    Parameters
    ----------
    H : np.ndarray, shape (n_blocks, n_hidden)
        Activations of one clip, in time order.
    window : int > 0
        Rows per pooling window (e.g. ``window_frames(1.0)`` = 43).

    Returns
    -------
    b : np.ndarray, shape (n_hidden,)
        In ``H``'s floating-point dtype (float64 for integer input).

    Raises
    ------
    ParameterError
        ``H`` is not a finite 2-D array with at least one row, or a bad
        ``window``.

    References
    ----------
    .. [1] Nam, Herrera & Lee (2015), Sec. III-B-3 (max-pooling and
       averaging) and Sec. IV-D-1 (0.25-4 s); the authors'
       ``local_feature_encoding.m`` (``ceil`` windows, then the mean).
    """
    H = _rows_2d(H, "H")
    window = _check.positive_int("window", window)
    pooled = np.maximum.reduceat(H, np.arange(0, H.shape[0], window), axis=0)
    return pooled.mean(axis=0, dtype=np.float64).astype(H.dtype)
