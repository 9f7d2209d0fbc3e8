"""t-SNE maps of features and layer activations, through openTSNE.

Every chapter draws t-SNE maps: of raw inputs, of learned layer activations
and of hand-made features such as MFCCs (Hamel & Eck 2010, Figure 3; Zhang
et al. 2015). :class:`TSNE` wraps :class:`openTSNE.TSNE` in the
scikit-learn estimator API used throughout :mod:`mirnb` (Convention 5): the
parameters are set in the constructor, learned state ends in ``_``, and
``random_state`` makes a map repeatable.

Unlike scikit-learn's t-SNE, the fitted map can place *new* points
(:meth:`TSNE.transform`), so test clips can be shown on the map learned
from training clips without moving it (Poličar et al. 2019).
"""

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

from . import _check
from .errors import ParameterError

__all__ = ["TSNE", "tsne", "frame_maps"]

#: Fewest samples a map can be fitted to (perplexity 1 needs 3 neighbours).
MIN_SAMPLES = 4


def _as_matrix(X, name="X"):
    """Return ``X`` as a finite 2-D float array, or raise ParameterError."""
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name}: expected a numeric array ({exc})") from None
    if arr.ndim != 2:
        raise ParameterError(
            f"{name} has shape {arr.shape}: expected 2-D (n_samples, n_features); "
            "reshape frames or clips into rows first")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ParameterError(f"{name} has shape {arr.shape}: it is empty")
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ParameterError(f"{name} holds {bad} NaN or infinite values: expected finite values")
    return np.ascontiguousarray(arr)


class TSNE(BaseEstimator):
    """t-distributed stochastic neighbour embedding, with placement of new points.

    A thin, validated wrapper over :class:`openTSNE.TSNE` (FFT- or
    Barnes-Hut-accelerated gradients, PCA initialisation by default).

    Parameters
    ----------
    perplexity : float > 0
        Effective number of neighbours each point keeps close (van der Maaten
        & Hinton 2008, Sec. 2). When the data has too few samples for it
        (``n_samples <= 3 * perplexity``), the fit lowers it to
        ``(n_samples - 1) / 3`` and warns; the value used is in
        ``perplexity_``. This keeps smoke-profile notebooks, with a few dozen
        clips, running while saying plainly what changed.
    n_components : int > 0
        Dimension of the map; 2 for the book's figures.
    metric : str
        Distance in the input space, as openTSNE accepts it
        (``'euclidean'``, ``'cosine'``, ...).
    n_iter : int > 0
        Iterations of the main optimisation phase (after 250 iterations of
        early exaggeration, openTSNE's default).
    random_state : int, np.random.RandomState or None
        Seed of the initialisation and of the approximate neighbour search.
        The same seed and data give the same map.
    n_jobs : int
        Threads openTSNE may use.
    initialization : {'pca', 'spectral', 'random'} or np.ndarray
        Initial positions. PCA initialisation preserves global structure
        better than a random start (Kobak & Berens 2019).
    verbose : bool
        Let openTSNE print its progress.

    Attributes
    ----------
    embedding_ : openTSNE.TSNEEmbedding, shape (n_samples, n_components)
        The fitted map. It keeps the neighbour graph, so that
        :meth:`transform` can place new points in it. It is centred on the
        origin at fit time, so the coordinates of the fitted points and of
        placed points share one frame.
    perplexity_ : float
        Perplexity actually used (see ``perplexity``).
    n_features_in_ : int
        Number of input features seen in :meth:`fit`.
    n_samples_fit_ : int
        Number of points in the fitted map.

    References
    ----------
    .. [1] L. van der Maaten and G. Hinton, "Visualizing data using t-SNE",
       JMLR 9, 2008.
    .. [2] P. G. Poličar, M. Stražar and B. Zupan, "openTSNE: a modular
       Python library for t-SNE dimensionality reduction and embedding",
       bioRxiv 731877, 2019 (adding new points to an existing map).
    .. [3] D. Kobak and P. Berens, "The art of using t-SNE for single-cell
       transcriptomics", Nature Communications 10, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(60, 5))
    >>> tsne = TSNE(perplexity=10, n_iter=100, random_state=0)
    >>> Z = tsne.fit_transform(X)
    >>> Z.shape
    (60, 2)
    >>> tsne.transform(X[:3]).shape
    (3, 2)
    """

    def __init__(self, perplexity=30, n_components=2, metric="euclidean", n_iter=500,
                 random_state=None, n_jobs=2, initialization="pca", verbose=False):
        self.perplexity = perplexity
        self.n_components = n_components
        self.metric = metric
        self.n_iter = n_iter
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.initialization = initialization
        self.verbose = verbose

    def _check_params(self, n_samples):
        perplexity = _check.positive("perplexity", self.perplexity)
        _check.positive_int("n_components", self.n_components)
        _check.positive_int("n_iter", self.n_iter)
        if isinstance(self.n_jobs, bool) or not isinstance(self.n_jobs, numbers.Integral) \
                or self.n_jobs == 0:
            raise ParameterError(
                f"n_jobs={self.n_jobs!r}: expected a non-zero integer (-1 for all cores)")
        if not isinstance(self.metric, str) and not callable(self.metric):
            raise ParameterError(f"metric={self.metric!r}: expected a metric name or a callable")
        init = self.initialization
        if isinstance(init, np.ndarray) or not isinstance(init, str):
            init = np.asarray(init, dtype=np.float64)
            if init.shape != (n_samples, self.n_components):
                raise ParameterError(
                    f"initialization has shape {init.shape}: expected "
                    f"({n_samples}, {self.n_components}) = (n_samples, n_components)")
        else:
            _check.choice("initialization", init, {"pca", "spectral", "random"})
        if n_samples < MIN_SAMPLES:
            raise ParameterError(
                f"X has {n_samples} samples: a t-SNE map needs at least {MIN_SAMPLES}")
        limit = (n_samples - 1) / 3.0
        if perplexity > limit:
            warnings.warn(
                f"perplexity={perplexity:g} is too large for {n_samples} samples "
                f"(needs n_samples > 3 * perplexity); using perplexity={limit:.3g} instead. "
                "Pass a smaller perplexity to silence this warning.",
                UserWarning, stacklevel=3)
            perplexity = limit
        return perplexity, init

    def fit(self, X, y=None):
        """Fit the map to ``X``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
            Finite feature vectors, one per row.
        y : ignored
            Present for scikit-learn pipelines.

        Returns
        -------
        self : TSNE
        """
        from openTSNE import TSNE as _OpenTSNE

        X = _as_matrix(X)
        perplexity, init = self._check_params(X.shape[0])
        model = _OpenTSNE(
            n_components=int(self.n_components), perplexity=perplexity,
            n_iter=int(self.n_iter), metric=self.metric, initialization=init,
            n_jobs=int(self.n_jobs), random_state=self.random_state,
            verbose=bool(self.verbose))
        embedding = model.fit(X)
        # Centre the map now: openTSNE's transform centres it in place, and
        # centring here keeps fitted and placed coordinates in one frame.
        embedding -= (np.max(embedding, axis=0) + np.min(embedding, axis=0)) / 2
        self.embedding_ = embedding
        self.perplexity_ = float(perplexity)
        self.n_features_in_ = X.shape[1]
        self.n_samples_fit_ = X.shape[0]
        return self

    def fit_transform(self, X, y=None):
        """Fit the map to ``X`` and return the coordinates of its points.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        np.ndarray, shape (n_samples, n_components)
            A plain copy of the fitted map.
        """
        return np.array(self.fit(X).embedding_, dtype=np.float64)

    def transform(self, X, *, perplexity=5, n_iter=250, learning_rate=0.1):
        """Place new points into the fitted map, without moving the map.

        Each new point starts at the median position of its nearest fitted
        neighbours and is then optimised against the fixed map only
        (openTSNE's ``TSNEEmbedding.transform``, [2]_ in :class:`TSNE`).

        Parameters
        ----------
        X : array_like, shape (n_new, n_features)
            Points with the same features as the fitted data.
        perplexity : float > 0
            Perplexity of the new points' affinities to the fitted points. A
            small value (openTSNE's default, 5) places each point by its
            closest neighbours. Lowered to ``n_samples_fit_ / 3`` if larger.
        n_iter : int >= 0
            Optimisation steps for the new points.
        learning_rate : float > 0
            Step size; small, because the map itself does not move.

        Returns
        -------
        np.ndarray, shape (n_new, n_components)
        """
        if not hasattr(self, "embedding_"):
            raise NotFittedError("this TSNE is not fitted yet: call fit(X) before transform")
        X = _as_matrix(X)
        if X.shape[1] != self.n_features_in_:
            raise ParameterError(
                f"X has {X.shape[1]} features: the map was fitted on {self.n_features_in_}")
        perplexity = _check.positive("perplexity", perplexity)
        learning_rate = _check.positive("learning_rate", learning_rate)
        n_iter = _check.int_range("n_iter", n_iter, 0)
        perplexity = min(perplexity, self.n_samples_fit_ / 3.0)
        placed = self.embedding_.transform(
            X, perplexity=perplexity, n_iter=int(n_iter), learning_rate=learning_rate)
        return np.array(placed, dtype=np.float64)


def tsne(X, *, perplexity=30, n_components=2, metric="euclidean", n_iter=500,
         random_state=None, n_jobs=2, initialization="pca", verbose=False):
    """Return the t-SNE map of ``X`` (a shortcut for ``TSNE(...).fit_transform``).

    Parameters
    ----------
    X : array_like, shape (n_samples, n_features)
    perplexity, n_components, metric, n_iter, random_state, n_jobs, initialization, verbose
        As in :class:`TSNE`.

    Returns
    -------
    np.ndarray, shape (n_samples, n_components)

    References
    ----------
    .. [1] L. van der Maaten and G. Hinton, "Visualizing data using t-SNE",
       JMLR 9, 2008.

    See Also
    --------
    TSNE : keeps the fitted map, to place test points with ``transform``.
    """
    return TSNE(perplexity=perplexity, n_components=n_components, metric=metric,
                n_iter=n_iter, random_state=random_state, n_jobs=n_jobs,
                initialization=initialization, verbose=verbose).fit_transform(X)


def frame_maps(sets, *, n_points=3000, perplexity=30.0, n_iter=500, random_state=0,
               verbose=True):
    """t-SNE maps of the same frames under several representations.

    Every map embeds the same rows: about ``n_points`` of them, evenly
    spaced within each track. Each representation is standardised per
    feature before :class:`TSNE`.

    Parameters
    ----------
    sets : dict
        ``{name: mirnb.features.FrameSet}`` with the same rows (e.g. the DFT
        input, a network's activations and the MFCCs of the test frames).
    n_points : int > 0
    perplexity, n_iter, random_state
        See :class:`TSNE`.
    verbose : bool
        A progress bar over the maps.

    Returns
    -------
    OrderedDict
        ``{name: (Z of shape (n, 2), labels of shape (n,))}``.

    References
    ----------
    .. [1] Hamel, P. & Eck, D. (2010). Learning features from music audio
       with deep belief networks. ISMIR, Figure 2 (t-SNE of the input, the
       DBN's activations and MFCCs).
    """
    from collections import OrderedDict

    from sklearn.preprocessing import StandardScaler
    from tqdm.auto import tqdm

    n_points = _check.positive_int("n_points", n_points)
    out = OrderedDict()
    for name, fs in tqdm(list(sets.items()), desc="t-SNE maps", disable=not verbose):
        sub = fs.every(max(1, n_points // max(1, len(fs.tracks))))
        X = StandardScaler().fit_transform(sub.X)
        Z = TSNE(perplexity=perplexity, n_iter=n_iter, random_state=random_state,
                 n_jobs=2).fit_transform(X)
        out[name] = (Z, sub.label)
    return out
