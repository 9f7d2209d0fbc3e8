"""RBF SVM heads: a vote over frames, per-tag SVMs, model selection.

Several papers of the book put an RBF support vector machine on top of
learned features: Hamel & Eck (2010) on DBN activations of frames and of
5 s windows, Zhang et al. (2015) on KCNN's top hidden layer and on their
competitors' song features, Dieleman et al. (2011) vote over time steps.
These estimators take arrays, follow scikit-learn's API (``fit`` /
``predict``, learned state ending in ``_``, ``random_state``) and know
nothing of any chapter's config.

- :class:`VoteSVM`: an SVM on rows (frames or windows), optionally trained
  on a random subsample of them; a group's (track's) class is the majority
  vote of its rows.
- :func:`select_svm`: choose ``C`` on a validation split by group accuracy.
- :func:`refit_svm`: choose ``C`` on held-out rows, then fit on every row.
- :class:`TagSVMs`: one SVM per tag, trained and scored on balanced
  positive and negative examples (chance is 50 %).
- :func:`select_tag_svms`: choose ``C`` for :class:`TagSVMs` on a validation
  split by the mean accuracy over tags.
- :func:`vote_table` and :func:`tag_table`: one validated SVM per feature
  set, and its test score, as a table.
- :func:`vote_summary` and :func:`tag_summary`: those tables over several
  runs (seeds).

References
----------
.. [1] Hamel, P. & Eck, D. (2010). Learning features from music audio with
   deep belief networks. ISMIR, Sec. 5.1 (an RBF SVM on 10,000 random
   frames, a vote over each song's frames) and Sec. 5.2 (balanced per-tag
   SVMs on MajorMiner).
.. [2] Mandel, M. I. & Ellis, D. P. W. (2008). Multiple-instance learning
   for music information retrieval. ISMIR (balanced per-tag SVMs).
"""

import time
from collections import OrderedDict

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from .. import _check, metrics
from ..errors import DataError, ParameterError

__all__ = ["VoteSVM", "select_svm", "refit_svm", "vote_table", "TagSVMs", "select_tag_svms",
           "tag_table", "vote_summary", "tag_summary"]


def _rbf_pipeline(C, gamma, random_state):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC(C=float(C), kernel="rbf", gamma=gamma,
                                               random_state=random_state))


def _rows(X, what="X"):
    X = np.asarray(X)
    if X.ndim != 2 or len(X) == 0:
        raise ParameterError(f"{what} has shape {X.shape}: expected (n_rows, n_features), "
                             "n_rows > 0")
    return X


def _fitted(est, attr):
    if not hasattr(est, attr):
        raise NotFittedError(f"this {type(est).__name__} is not fitted yet; call fit first")


class VoteSVM(BaseEstimator, ClassifierMixin):
    """RBF SVM on rows (frames or windows); a group's class is the vote of its rows.

    The rows are standardised (mean and variance of the training rows), then
    classified by an RBF SVM.

    Parameters
    ----------
    C : float > 0
        SVM regularisation.
    gamma : 'scale', 'auto' or float > 0
        RBF width, as in :class:`sklearn.svm.SVC` (on standardised features).
    n_train : int > 0 or None
        Train on this many rows drawn at random from the training rows
        (Hamel & Eck: 10,000 frames); None uses all.
    random_state : int or None
        Draws the subsample; seeds the SVM.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        ``StandardScaler`` then ``SVC``, fitted on the subsample.
    n_train_ : int
        Rows actually used.
    classes_ : np.ndarray

    References
    ----------
    .. [1] Hamel & Eck (2010), Sec. 5.1.
    """

    def __init__(self, C=1.0, *, gamma="scale", n_train=10000, random_state=None):
        self.C = C
        self.gamma = gamma
        self.n_train = n_train
        self.random_state = random_state

    def fit(self, X, y):
        """Fit on a random subsample of the rows.

        Parameters
        ----------
        X : array_like, shape (n_rows, n_features)
        y : array_like, shape (n_rows,)
            The class of each row (its group's class, repeated).
        """
        _check.positive("C", self.C)
        X, y = _rows(X), np.asarray(y)
        if y.shape != (len(X),):
            raise ParameterError(f"y has shape {y.shape}; expected ({len(X)},), one class "
                                 "per row of X")
        idx = np.arange(len(X))
        if self.n_train is not None:
            n = _check.positive_int("n_train", self.n_train)
            if n < len(X):
                idx = np.sort(np.random.default_rng(self.random_state).choice(
                    len(X), n, replace=False))
        if np.unique(y[idx]).size < 2:
            raise DataError("the training rows hold a single class; an SVM needs two or more")
        self.pipeline_ = _rbf_pipeline(self.C, self.gamma, self.random_state)
        self.pipeline_.fit(X[idx], y[idx])
        self.n_train_ = len(idx)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict(self, X):
        """Class of each row, shape (n_rows,)."""
        _fitted(self, "pipeline_")
        return self.pipeline_.predict(_rows(X))

    def predict_groups(self, X, groups):
        """Majority vote of each group's rows (:func:`mirnb.metrics.frame_vote`).

        Parameters
        ----------
        X : array_like, shape (n_rows, n_features)
        groups : array_like, shape (n_rows,)
            The group (track) of each row.

        Returns
        -------
        group_ids, predictions : np.ndarray
            One entry per group, in order of first appearance.
        """
        return metrics.frame_vote(self.predict(X), groups, method="vote")

    def group_accuracy(self, X, y, groups):
        """Accuracy of the voted groups against their classes.

        Parameters
        ----------
        X : array_like, shape (n_rows, n_features)
        y : array_like, shape (n_rows,)
            Each row's group class.
        groups : array_like, shape (n_rows,)

        Returns
        -------
        float
        """
        ids, pred = self.predict_groups(X, groups)
        truth = pd.Series(np.asarray(y), index=np.asarray(groups)).groupby(level=0).first()
        return metrics.accuracy(truth.loc[ids].to_numpy(), pred)


def select_svm(train, valid, *, C_grid=(0.1, 1.0, 10.0, 100.0), gamma="scale",
               n_train=10000, random_state=None):
    """Choose ``C`` by group accuracy on a validation split; return the chosen SVM.

    Parameters
    ----------
    train : (X, y)
        Training rows and their classes.
    valid : (X, y, groups)
        Validation rows, classes and groups (tracks).
    C_grid : sequence of float > 0
    gamma, n_train, random_state
        See :class:`VoteSVM`.

    Returns
    -------
    best : VoteSVM
        Fitted on ``train`` with the ``C`` of the best validation accuracy
        (the smaller ``C`` on ties).
    scores : OrderedDict
        ``{C: validation group accuracy}``.
    """
    C_grid = sorted(_check.positive("C", c) for c in C_grid)
    if not C_grid:
        raise ParameterError("C_grid is empty: give at least one value of C")
    X_train, y_train = train
    X_valid, y_valid, g_valid = valid
    scores, models = OrderedDict(), {}
    for C in C_grid:
        svm = VoteSVM(C, gamma=gamma, n_train=n_train, random_state=random_state)
        svm.fit(X_train, y_train)
        scores[C] = svm.group_accuracy(X_valid, y_valid, g_valid)
        models[C] = svm
    best = max(C_grid, key=lambda c: (scores[c], -c))
    return models[best], scores


def refit_svm(X, y, valid_mask, *, C_grid=(0.1, 1.0, 10.0, 100.0), gamma="scale",
              n_train=10000, random_state=None):
    """A :class:`VoteSVM` fitted on every row, its ``C`` chosen on held-out rows.

    With several ``C`` and some rows marked in ``valid_mask``, :func:`select_svm`
    fits each ``C`` on the unmarked rows and scores it on the marked ones
    (each row its own group); the chosen ``C`` is then fitted on all rows.
    With one ``C``, or no row marked, the first ``C`` is fitted on all rows.
    Zhang et al. (2015) put such an SVM on song features, one row per song
    (Sec. 4.3: a "nonlinear SVM"; the held-out songs are the book's).

    Parameters
    ----------
    X : array_like, shape (n_rows, n_features)
    y : array_like, shape (n_rows,)
    valid_mask : array_like of bool, shape (n_rows,)
        The rows held out to choose ``C``.
    C_grid : sequence of float > 0
    gamma, n_train, random_state
        See :class:`VoteSVM`.

    Returns
    -------
    VoteSVM
        Fitted on all of ``X``.
    """
    X, y, valid_mask = np.asarray(X), np.asarray(y), np.asarray(valid_mask, dtype=bool)
    if valid_mask.shape != (len(X),):
        raise ParameterError(f"valid_mask has shape {valid_mask.shape}: expected one flag "
                             f"per row of X, ({len(X)},)")
    if not len(C_grid):
        raise ParameterError("C_grid is empty: give at least one value of C")
    C = C_grid[0]
    if len(C_grid) > 1 and valid_mask.any():
        fit, val = ~valid_mask, valid_mask
        best, _ = select_svm((X[fit], y[fit]), (X[val], y[val], np.flatnonzero(val)),
                             C_grid=C_grid, gamma=gamma, n_train=n_train,
                             random_state=random_state)
        C = best.C
    return VoteSVM(C, gamma=gamma, n_train=n_train, random_state=random_state).fit(X, y)


def vote_table(sets, *, C_grid=(0.1, 1.0, 10.0, 100.0), gamma="scale", n_train=10000,
               random_state=None, desc="SVMs", verbose=True):
    """One validated :class:`VoteSVM` per feature set, with its test group accuracy.

    Parameters
    ----------
    sets : dict
        ``{name: {'train': rows, 'valid': rows, 'test': rows}}``, each part
        with ``X`` (n_rows, n_features), ``label`` (n_rows,) and ``track``
        (n_rows,), such as a :class:`mirnb.features.FrameSet`.
    C_grid, gamma, n_train, random_state
        See :func:`select_svm`.
    desc : str
        The progress bar's label.
    verbose : bool

    Returns
    -------
    pandas.DataFrame
        Indexed by feature set (``'features'``): ``'C'`` chosen, ``'valid
        accuracy'``, ``'test accuracy'``, ``'training rows'``, ``'seconds'``.
    """
    from tqdm.auto import tqdm

    rows = OrderedDict()
    for name in tqdm(list(sets), desc=desc, disable=not verbose):
        train, valid, test = (sets[name][p] for p in ("train", "valid", "test"))
        t0 = time.perf_counter()
        best, scores = select_svm((train.X, train.label), (valid.X, valid.label, valid.track),
                                  C_grid=C_grid, gamma=gamma, n_train=n_train,
                                  random_state=random_state)
        rows[name] = {"C": best.C, "valid accuracy": scores[best.C],
                      "test accuracy": best.group_accuracy(test.X, test.label, test.track),
                      "training rows": best.n_train_,
                      "seconds": round(time.perf_counter() - t0, 1)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("features")


def _tag_matrix(Y, n_rows):
    """``(bool array (n_rows, n_tags), tag names)`` of a DataFrame or an array."""
    if isinstance(Y, pd.DataFrame):
        names = [str(c) for c in Y.columns]
        Y = Y.to_numpy()
    else:
        Y = np.asarray(Y)
        names = None
    if Y.ndim != 2 or len(Y) != n_rows:
        raise ParameterError(f"Y has shape {Y.shape}; expected ({n_rows}, n_tags)")
    values = np.unique(Y)
    if not np.isin(values, (0, 1)).all():
        raise ParameterError(f"Y holds {values[~np.isin(values, (0, 1))][:3].tolist()}; "
                             "expected binary tags (0/1 or bool)")
    names = names if names is not None else [str(i) for i in range(Y.shape[1])]
    return Y.astype(bool), names


class TagSVMs(BaseEstimator):
    """One RBF SVM per tag, each trained on balanced positive and negative examples.

    Parameters
    ----------
    C : float > 0
    gamma : 'scale', 'auto' or float > 0
    min_clips : int > 0
        A tag needs at least this many positive and negative examples in a
        set to be trained (or scored) there; others are left out, counted.
    random_state : int or None
        Which negatives are drawn.

    Attributes
    ----------
    tags_ : list of str
        The columns of ``Y`` (a DataFrame's column names, else ``'0'``, ...).
    models_ : OrderedDict
        ``{tag: fitted Pipeline}`` for the tags that could be trained.
    left_out_ : list of str
        Tags with too few positives or negatives in the training set.

    References
    ----------
    .. [1] Hamel & Eck (2010), Sec. 5.2.
    .. [2] Mandel & Ellis (2008).
    """

    def __init__(self, C=1.0, *, gamma="scale", min_clips=3, random_state=None):
        self.C = C
        self.gamma = gamma
        self.min_clips = min_clips
        self.random_state = random_state

    def _balanced(self, y, rng):
        pos, neg = np.flatnonzero(y), np.flatnonzero(~y)
        n = min(len(pos), len(neg))
        if n < self.min_clips:
            return None
        return np.sort(np.concatenate([rng.choice(pos, n, replace=False),
                                       rng.choice(neg, n, replace=False)]))

    def fit(self, X, Y):
        """Fit one SVM per tag.

        Parameters
        ----------
        X : array_like, shape (n_clips, n_features)
        Y : array_like or pandas.DataFrame, shape (n_clips, n_tags)
            Binary tags.
        """
        _check.positive("C", self.C)
        _check.positive_int("min_clips", self.min_clips)
        X = _rows(X)
        Y, self.tags_ = _tag_matrix(Y, len(X))
        rng = np.random.default_rng(self.random_state)
        self.models_, self.left_out_ = OrderedDict(), []
        for j, tag in enumerate(self.tags_):
            idx = self._balanced(Y[:, j], rng)
            if idx is None:
                self.left_out_.append(tag)
                continue
            self.models_[tag] = _rbf_pipeline(self.C, self.gamma, self.random_state).fit(
                X[idx], Y[idx, j])
        return self

    def score_tags(self, X, Y, *, random_state=None):
        """Accuracy of each tag's SVM on a balanced sample of the examples.

        Every positive example and as many randomly drawn negatives: chance
        is 50 %. Tags that were not trained, or have fewer than
        ``min_clips`` positives or negatives here, are NaN.

        Parameters
        ----------
        X : array_like, shape (n_clips, n_features)
        Y : array_like or pandas.DataFrame, shape (n_clips, n_tags)
            The same tags, in the same order, as in :meth:`fit`.
        random_state : int or None
            Draws the negatives (default: the estimator's).

        Returns
        -------
        pandas.Series
            Indexed by tag, named ``'accuracy'``.
        """
        _fitted(self, "models_")
        X = _rows(X)
        Y, names = _tag_matrix(Y, len(X))
        if len(names) != len(self.tags_):
            raise ParameterError(f"Y has {len(names)} tags; the SVMs were fitted on "
                                 f"{len(self.tags_)}")
        rng = np.random.default_rng(self.random_state if random_state is None
                                    else random_state)
        acc = pd.Series(np.nan, index=list(self.tags_), name="accuracy")
        for j, tag in enumerate(self.tags_):
            if tag not in self.models_:
                continue
            idx = self._balanced(Y[:, j], rng)
            if idx is None:
                continue
            acc[tag] = float(np.mean(self.models_[tag].predict(X[idx]) == Y[idx, j]))
        return acc


def select_tag_svms(train, valid, *, C_grid=(0.1, 1.0, 10.0, 100.0), gamma="scale",
                    min_clips=3, random_state=None):
    """Choose ``C`` for :class:`TagSVMs` by the mean validation accuracy over tags.

    Parameters
    ----------
    train, valid : (X, Y)
        Clip features and binary tags.
    C_grid : sequence of float > 0
    gamma, min_clips, random_state
        See :class:`TagSVMs`.

    Returns
    -------
    best : TagSVMs
        Fitted with the ``C`` of the best mean validation accuracy (the
        smaller ``C`` on ties; the smallest when no tag could be scored).
    scores : OrderedDict
        ``{C: mean validation accuracy over the scored tags}`` (NaN when
        none could be scored).
    """
    C_grid = sorted(_check.positive("C", c) for c in C_grid)
    if not C_grid:
        raise ParameterError("C_grid is empty: give at least one value of C")
    scores, models = OrderedDict(), {}
    for C in C_grid:
        m = TagSVMs(C, gamma=gamma, min_clips=min_clips, random_state=random_state)
        m.fit(*train)
        s = m.score_tags(*valid)
        scores[C] = float(s.mean()) if s.notna().any() else np.nan
        models[C] = m
    finite = {c: v for c, v in scores.items() if np.isfinite(v)}
    best = max(finite, key=lambda c: (finite[c], -c)) if finite else C_grid[0]
    return models[best], scores


def tag_table(feature_sets, Y, split, *, C_grid=(0.1, 1.0, 10.0, 100.0), gamma="scale",
              min_clips=3, random_state=None):
    """Balanced per-tag SVMs for each feature set, ``C`` chosen on validation, tested.

    Parameters
    ----------
    feature_sets : dict
        ``{name: DataFrame}`` of clip features indexed by clip id.
    Y : pandas.DataFrame
        Binary clips x tags matrix.
    split : mapping
        ``{'train': ids, 'valid': ids, 'test': ids}``; clips without
        features or tags are left out.
    C_grid, gamma, min_clips, random_state
        See :func:`select_tag_svms`.

    Returns
    -------
    OrderedDict
        ``{name: {'per_tag': Series of test accuracies, 'mean': float,
        'stderr': float (standard error over the scored tags), 'tags': int
        (scored), 'left_out': list, 'C': float, 'valid': dict}}``.
    """
    out = OrderedDict()
    for name, F in feature_sets.items():
        parts = {p: [c for c in split[p] if c in F.index and c in Y.index]
                 for p in ("train", "valid", "test")}
        if not all(parts.values()):
            raise DataError(f"{name}: the split leaves a part without clips that have "
                            "features")
        xy = {p: (F.loc[ids].to_numpy(), Y.loc[ids]) for p, ids in parts.items()}
        best, valid_scores = select_tag_svms(xy["train"], xy["valid"], C_grid=C_grid,
                                             gamma=gamma, min_clips=min_clips,
                                             random_state=random_state)
        acc = best.score_tags(*xy["test"])
        scored = acc.dropna()
        se = float(scored.std(ddof=1) / np.sqrt(len(scored))) if len(scored) > 1 else np.nan
        out[name] = {"per_tag": acc, "mean": float(scored.mean()) if len(scored) else np.nan,
                     "stderr": se, "tags": int(len(scored)),
                     "left_out": [t for t in acc.index if np.isnan(acc[t])], "C": best.C,
                     "valid": valid_scores}
    return out


def vote_summary(tables, *, column="test accuracy"):
    """:func:`vote_table` over several runs (seeds): mean and spread per feature set.

    Parameters
    ----------
    tables : sequence of dict
        For each run, ``{level: DataFrame}`` of :func:`vote_table` (e.g.
        Hamel & Eck's Tables 2 and 3: ``{'frames': ..., 'windows': ...}``),
        the same levels and feature sets in each.
    column : str
        The column summarised.

    Returns
    -------
    pandas.DataFrame
        Indexed by feature set, columns ``('mean' | 'std', level)``: the mean
        and the sample standard deviation (``ddof=1``, NaN for one run) of
        ``column`` over the runs.
    """
    long = pd.concat([t[level].assign(level=level) for t in tables for level in t])
    by = long.index.name or "index"
    stats = long.reset_index().groupby([by, "level"], sort=False)[column].agg(["mean", "std"])
    return stats.unstack("level")


def tag_summary(tables):
    """:func:`tag_table` over several runs (seeds): one row per feature set.

    Parameters
    ----------
    tables : sequence of dict
        :func:`tag_table` of each run, the same feature sets in each.

    Returns
    -------
    pandas.DataFrame
        Indexed by feature set (``'features'``): ``'mean accuracy'`` (the
        mean over runs of the mean test accuracy over tags; NaN when no run
        scored a tag), ``'standard error (over tags)'`` (its mean over runs),
        ``'spread (over seeds)'`` (the sample standard deviation of the mean
        accuracy over the runs that scored; NaN with fewer than two),
        ``'tags scored'`` (mean over runs, truncated to an int) and ``'C'``
        (each run's chosen ``C``, comma-separated).
    """
    rows = OrderedDict()
    for name in tables[0]:
        res = [t[name] for t in tables]
        means = np.array([x["mean"] for x in res], dtype=float)
        rows[name] = {"mean accuracy": np.nanmean(means) if np.isfinite(means).any()
                      else np.nan,
                      "standard error (over tags)": np.nanmean([x["stderr"] for x in res]),
                      "spread (over seeds)": (float(np.nanstd(means, ddof=1))
                                              if np.isfinite(means).sum() > 1 else np.nan),
                      "tags scored": int(np.mean([x["tags"] for x in res])),
                      "C": ", ".join(str(x["C"]) for x in res)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("features")
