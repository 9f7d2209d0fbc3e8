"""Windowed baselines on beat features: Gaussian naive Bayes and logistic regression.

Dieleman et al. (2011, Sec. 6) compare their conv net with two classifiers
on windows of 32 beats of the concatenated chroma and timbre (32 x 24 = 768
values), both standardised. A track's decision, as for the conv net, is the
argmax of its windows' posteriors averaged over the track (spec Sec. 3).

- :func:`stack_features` joins chroma and timbre beat by beat;
  :func:`beat_windows` cuts tracks into flattened windows;
- :func:`naive_bayes` (scikit-learn's :class:`~sklearn.naive_bayes.GaussianNB`)
  and :func:`softmax_regression` (multinomial logistic regression trained by
  plain minibatch SGD at a constant rate: scikit-learn's
  :class:`~sklearn.neural_network.MLPClassifier` with no hidden layer, whose
  output is a softmax and whose loss is the mean cross-entropy);
- :class:`WindowClassifier` fits either on the standardised windows of
  the training tracks and returns per-track posteriors.

Choices where the paper is silent (ours): the standardisation is global,
per window dimension, with statistics from the training windows only
(:class:`~sklearn.preprocessing.StandardScaler`); windows use hop 1 by
default; a track shorter than the window is an error (drop such tracks
first, and count them); the softmax regression starts from scikit-learn's
Glorot-uniform weights, with no L2 penalty and batches of 100 windows.

References
----------
.. [1] Dieleman, S., Brakel, P. & Schrauwen, B. (2011). Audio-based music
   classification with a pretrained convolutional network. ISMIR, Sec. 6
   and Table 1 (32-beat windows; learning rates 5e-3 ... 5e-7, 30 epochs).
"""

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from .. import _check
from ..errors import ParameterError

__all__ = ["stack_features", "beat_windows", "naive_bayes", "softmax_regression",
           "WindowClassifier", "fit_baselines"]


def stack_features(chroma, timbre):
    """Chroma and timbre side by side, beat by beat.

    Parameters
    ----------
    chroma, timbre : lists of array_like (T_i, 12)

    Returns
    -------
    list of np.ndarray, shape (T_i, 24), float32
    """
    if len(chroma) != len(timbre):
        raise ParameterError(f"chroma has {len(chroma)} tracks and timbre {len(timbre)}")
    out = []
    for i, (c, t) in enumerate(zip(chroma, timbre)):
        c, t = np.asarray(c, dtype=np.float32), np.asarray(t, dtype=np.float32)
        if c.ndim != 2 or t.ndim != 2 or len(c) != len(t):
            raise ParameterError(f"track {i}: chroma {c.shape} and timbre {t.shape}: "
                                 "expected 2-D arrays with the same beats")
        out.append(np.concatenate([c, t], axis=1))
    return out


def beat_windows(X, width, *, hop=1):
    """Every window of ``width`` beats (every ``hop`` beats), flattened.

    Parameters
    ----------
    X : list of array_like, shape (T_i, D)
        Beat features per track (e.g. :func:`stack_features`).
    width : int > 0
        Beats per window (the paper: 32).
    hop : int > 0
        Beats between window starts.

    Returns
    -------
    windows : np.ndarray, shape (n_windows, width * D), float32
        Window ``[t, t + width)`` flattened beat-major: entry ``tau * D + d``
        is beat ``t + tau``, dimension ``d``.
    track : np.ndarray, shape (n_windows,), int
        The index in ``X`` of each window's track.

    Raises
    ------
    ParameterError
        If a track is shorter than ``width`` beats (drop those first).
    """
    width = _check.positive_int("width", width)
    hop = _check.positive_int("hop", hop)
    if len(X) == 0:
        raise ParameterError("X is empty: expected at least one track")
    arrays = [np.asarray(x, dtype=np.float32) for x in X]
    dims = {a.shape[1] if a.ndim == 2 else None for a in arrays}
    if len(dims) != 1 or None in dims:
        raise ParameterError(f"X: expected 2-D (T_i, D) arrays with one D, got dims {dims}")
    short = [i for i, a in enumerate(arrays) if len(a) < width]
    if short:
        raise ParameterError(f"{len(short)} of {len(arrays)} tracks (the first: index "
                             f"{short[0]}, {len(arrays[short[0]])} beats) are shorter than "
                             f"width={width} beats: drop them first (and count them)")
    wins, track = [], []
    for i, a in enumerate(arrays):
        w = np.lib.stride_tricks.sliding_window_view(a, width, axis=0)[::hop]
        wins.append(np.transpose(w, (0, 2, 1)).reshape(len(w), -1))
        track.append(np.full(len(w), i))
    return np.concatenate(wins).astype(np.float32), np.concatenate(track)


def naive_bayes():
    """Gaussian naive Bayes (one diagonal Gaussian per class), the paper's first baseline."""
    return GaussianNB()


def softmax_regression(*, learning_rate=5e-5, epochs=30, batch_size=100, random_state=None):
    """Multinomial logistic regression trained by plain SGD at a constant learning rate.

    Parameters
    ----------
    learning_rate : float > 0
        The paper's grid: 5e-3, 5e-4, 5e-5, 5e-6, 5e-7.
    epochs : int > 0
        Passes over the windows, all run (no early stopping; the paper: 30).
    batch_size : int > 0
        Windows per step (ours; the gradient is the batch mean).
    random_state : int or None

    Returns
    -------
    sklearn.neural_network.MLPClassifier
        With no hidden layer: a softmax over ``W x + b``, the mean
        cross-entropy, no momentum and no L2 penalty.
    """
    return MLPClassifier(hidden_layer_sizes=(), solver="sgd", learning_rate="constant",
                         learning_rate_init=_check.positive("learning_rate", learning_rate),
                         momentum=0.0, nesterovs_momentum=False, alpha=0.0,
                         batch_size=_check.positive_int("batch_size", batch_size),
                         max_iter=_check.positive_int("epochs", epochs), tol=0.0,
                         n_iter_no_change=10**9, early_stopping=False, shuffle=True,
                         random_state=random_state)


class WindowClassifier(BaseEstimator, ClassifierMixin):
    """A window classifier whose track posterior is the mean over the track's windows.

    Parameters
    ----------
    estimator : scikit-learn classifier with ``predict_proba`` or None
        Cloned before fitting; default :func:`naive_bayes`.
    width : int > 0
        Beats per window (the paper: 32).
    hop : int > 0
        Beats between windows (the spec: 1).
    standardize : bool
        Standardise every window dimension with the training windows' mean
        and standard deviation.

    Attributes
    ----------
    estimator_ : the fitted clone
    scaler_ : StandardScaler or None
    classes_ : np.ndarray
    n_windows_ : int
        Training windows.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.normal(size=(40, 24)) + k for k in (0, 0, 1, 1)]
    >>> clf = WindowClassifier(width=8).fit(X, [0, 0, 1, 1])
    >>> clf.predict(X).tolist()
    [0, 0, 1, 1]

    References
    ----------
    .. [1] Dieleman et al. (2011), Sec. 6 (windowed naive Bayes and logistic
       regression).
    """

    def __init__(self, estimator=None, *, width=32, hop=1, standardize=True):
        self.estimator = estimator
        self.width = width
        self.hop = hop
        self.standardize = standardize

    def fit(self, X, y):
        """Fit on every window of the tracks, each labelled with its track's label.

        Parameters
        ----------
        X : list of array_like (T_i, D)
        y : array_like, shape (n_tracks,)

        Returns
        -------
        self
        """
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ParameterError(f"y has shape {y.shape}: expected one label per track "
                                 f"({len(X)},)")
        W, track = beat_windows(X, self.width, hop=self.hop)
        self.scaler_ = StandardScaler().fit(W) if self.standardize else None
        if self.scaler_ is not None:
            W = self.scaler_.transform(W)
        self.estimator_ = clone(self.estimator if self.estimator is not None
                                else naive_bayes())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # every epoch is run on purpose
            self.estimator_.fit(W, y[track])
        self.classes_ = self.estimator_.classes_
        self.n_windows_ = len(W)
        self.n_features_in_ = W.shape[1] // int(self.width)
        return self

    def predict_proba(self, X):
        """Track posteriors: the mean of the window posteriors of each track.

        Returns
        -------
        np.ndarray, shape (n_tracks, n_classes), columns in ``classes_`` order
        """
        if not hasattr(self, "estimator_"):
            raise NotFittedError("this WindowClassifier is not fitted yet: call fit(X, y)")
        W, track = beat_windows(X, self.width, hop=self.hop)
        if W.shape[1] != self.n_features_in_ * self.width:
            raise ParameterError(f"X has {W.shape[1] // self.width} dimensions per beat: "
                                 f"the classifier was fitted on {self.n_features_in_}")
        if self.scaler_ is not None:
            W = self.scaler_.transform(W)
        P = self.estimator_.predict_proba(W)
        out = np.zeros((len(X), P.shape[1]))
        np.add.at(out, track, P)
        return out / np.bincount(track, minlength=len(X))[:, None]

    def predict(self, X):
        """The class of the highest mean window posterior, per track."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def fit_baselines(parts, *, width=32, hop=1, learning_rates=(5e-5,), epochs=30, seed=0):
    """Naive Bayes and windowed logistic regression at every rate, scored on valid and test.

    Parameters
    ----------
    parts : dict
        ``{'train'|'valid'|'test': (chroma, timbre, y)}``: lists of (T_i,
        12) arrays and integer labels. Each track's beats are
        :func:`stack_features` ed into windows of ``width`` beats.
    width, hop : int
        Window length and hop in beats (the paper: 32; the spec: hop 1).
    learning_rates : sequence of float
        Logistic regression's rates (the paper: 5e-3 ... 5e-7).
    epochs : int
        Logistic regression's epochs (the paper: 30).
    seed : int

    Returns
    -------
    pandas.DataFrame
        One row per (method, learning rate): ``method`` (``'naive Bayes'``
        or ``'windowed logistic regression'``), ``learning_rate`` (NaN for
        naive Bayes), ``val_accuracy``, ``test_accuracy`` (track level) and
        ``test_pred`` (the class predicted for each test track).

    References
    ----------
    .. [1] Dieleman et al. (2011), Sec. 6 and Table 1.
    """
    import pandas as pd

    (Xtr, ytr), (Xva, yva), (Xte, yte) = (
        (stack_features(parts[p][0], parts[p][1]), np.asarray(parts[p][2]))
        for p in ("train", "valid", "test"))
    grid = [("naive Bayes", None, naive_bayes())] + [
        ("windowed logistic regression", lr,
         softmax_regression(learning_rate=lr, epochs=epochs, random_state=seed))
        for lr in learning_rates]
    rows = []
    for method, lr, est in grid:
        clf = WindowClassifier(est, width=width, hop=hop).fit(Xtr, ytr)
        pred = clf.predict(Xte)
        rows.append({"method": method, "learning_rate": np.nan if lr is None else lr,
                     "val_accuracy": float(np.mean(clf.predict(Xva) == yva)),
                     "test_accuracy": float(np.mean(pred == yte)), "test_pred": pred})
    return pd.DataFrame(rows)
