"""Metrics: accuracy, frame votes, confusion; ROC-AUC per tag and per clip, PR-AUC, P@k.

Metrics follow mir_eval (Convention 6): each function checks its inputs
first and raises :class:`~mirnb.ParameterError` saying what is wrong; the
report functions return :class:`collections.OrderedDict` objects whose keys
are display-ready names (``'AUC-T'``, ``'P@3'``, ``'Balanced accuracy'``).
Where a measure is undefined for some tags or clips (a tag with no positive
clip has no ROC curve), those are left out of the mean, counted in the
result and announced with a warning, never dropped silently.

ROC-AUC is computed from ranks for all columns at once and average
precision from cumulative sums, with the same values as
:func:`sklearn.metrics.roc_auc_score` and
:func:`sklearn.metrics.average_precision_score` (tested, ties included),
but without their per-call checks: the taggers measure themselves after
every epoch. This module decides what is averaged over what. Results records and tables are in
:mod:`mirnb.results`.
"""

import numbers
import warnings
from collections import OrderedDict

import numpy as np
import pandas as pd
import scipy.stats
from sklearn import metrics as _skm

from . import _check
from .errors import ParameterError

__all__ = [
    "accuracy", "balanced_accuracy", "frame_vote", "clip_accuracy_by_vote", "confusion",
    "classification_report", "chance_level",
    "per_tag_auc", "auc_tag", "auc_clip", "pr_auc", "precision_at_k", "tagging_report",
]


# ----------------------------------------------------------------------------
# input checks
# ----------------------------------------------------------------------------

def _labels(name, y):
    """Return ``y`` as a non-empty 1-D array, or raise ParameterError."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ParameterError(f"{name} has shape {arr.shape}: expected a 1-D array of labels")
    if arr.size == 0:
        raise ParameterError(f"{name} is empty: expected at least one label")
    return arr


def _paired_labels(y_true, y_pred):
    y_true = _labels("y_true", y_true)
    y_pred = _labels("y_pred", y_pred)
    if y_true.shape != y_pred.shape:
        raise ParameterError(
            f"y_true has {y_true.size} labels and y_pred {y_pred.size}: expected as many")
    return y_true, y_pred


def _tag_names(Y_true, tags, n_tags):
    if tags is None:
        if isinstance(Y_true, pd.DataFrame):
            return [str(c) for c in Y_true.columns]
        return list(range(n_tags))
    tags = list(tags)
    if len(tags) != n_tags:
        raise ParameterError(f"tags has {len(tags)} names: expected one per column, {n_tags}")
    return tags


def _tag_matrices(Y_true, Y_score):
    """Check a tagging problem: binary truth and finite scores of one shape."""
    yt = np.asarray(Y_true)
    ys = np.asarray(Y_score)
    for name, arr in (("Y_true", yt), ("Y_score", ys)):
        if arr.ndim != 2:
            raise ParameterError(
                f"{name} has shape {arr.shape}: expected 2-D (n_clips, n_tags)")
        if arr.shape[0] == 0 or arr.shape[1] == 0:
            raise ParameterError(f"{name} has shape {arr.shape}: it is empty")
    if yt.shape != ys.shape:
        raise ParameterError(
            f"Y_true has shape {yt.shape} and Y_score {ys.shape}: expected the same shape")
    if yt.dtype.kind not in "biuf" or not np.all(np.isin(yt, (0, 1))):
        raise ParameterError("Y_true: expected binary tag indicators (0/1 or bool)")
    try:
        ys = ys.astype(np.float64)
    except (TypeError, ValueError):
        raise ParameterError("Y_score: expected numeric scores") from None
    if not np.all(np.isfinite(ys)):
        raise ParameterError(
            f"Y_score holds {int(np.sum(~np.isfinite(ys)))} NaN or infinite values")
    return yt.astype(np.int8), ys


def _both_classes(Y, axis):
    """Mask of columns (axis=0) or rows (axis=1) with positives and negatives."""
    pos = Y.sum(axis=axis)
    return (pos > 0) & (pos < Y.shape[axis])


def _warn_left_out(what, n_left, n_total, measure, names=None):
    if n_left == 0:
        return
    listed = ""
    if names:
        shown = ", ".join(str(t) for t in names[:8])
        listed = f" ({shown}{', ...' if len(names) > 8 else ''})"
    warnings.warn(
        f"{measure}: {n_left} of {n_total} {what}{listed} left out of the mean for "
        "having only one class in Y_true; the count is in the result",
        UserWarning, stacklevel=3)


# ----------------------------------------------------------------------------
# single-label classification
# ----------------------------------------------------------------------------

def accuracy(y_true, y_pred):
    """Fraction of predictions equal to the true label.

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n,)
        True and predicted labels (any comparable values).

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> accuracy(['rock', 'jazz', 'pop'], ['rock', 'pop', 'pop'])
    0.6666666666666666
    """
    y_true, y_pred = _paired_labels(y_true, y_pred)
    return float(_skm.accuracy_score(y_true, y_pred))


def balanced_accuracy(y_true, y_pred):
    """Mean per-class recall over the classes present in ``y_true``.

    On unbalanced classes a classifier that always answers the largest
    class scores its share in :func:`accuracy`, but only ``1 / n_classes``
    here. Zhang et al. (2015) report plain accuracy on ISMIR2004Genre's
    unbalanced classes; the book adds this measure beside it. A predicted
    class absent from ``y_true`` counts as an error (scikit-learn's warning
    about it is silenced).

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n,)
        True and predicted labels.

    Returns
    -------
    float in [0, 1]

    References
    ----------
    .. [1] K. H. Brodersen, C. S. Ong, K. E. Stephan and J. M. Buhmann,
       "The balanced accuracy and its posterior distribution", ICPR 2010.

    Examples
    --------
    >>> balanced_accuracy([0, 0, 0, 1], [0, 0, 0, 0])
    0.5
    """
    y_true, y_pred = _paired_labels(y_true, y_pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return float(_skm.balanced_accuracy_score(y_true, y_pred))


def frame_vote(frame_scores_or_labels, groups, *, method="mean", classes=None):
    """Turn frame (or segment) predictions into one prediction per clip.

    Parameters
    ----------
    frame_scores_or_labels : array_like, shape (n_frames, n_classes) or (n_frames,)
        Per-frame class probabilities or scores (2-D), or per-frame
        predicted labels (1-D).
    groups : array_like, shape (n_frames,)
        The clip (track) each frame belongs to.
    method : {'mean', 'vote'}
        ``'mean'``: the clip's class is the argmax of its frames' mean score,
        as Hamel & Eck (2010, Sec. 4) average frame predictions over a song
        and Dieleman et al. (2011, Sec. 4) average per-timestep outputs over
        a track. Needs 2-D scores.
        ``'vote'``: the clip's class is the majority of its frames' predicted
        labels (argmax per frame for scores). A tie goes to the tied class
        with the highest mean score when scores are given, else to the
        smallest tied label in sorted order.
    classes : array_like, shape (n_classes,), optional
        Names of the score columns; with 2-D input the predictions are
        ``classes[argmax]``, else column indices. Ignored for 1-D labels.

    Returns
    -------
    group_ids : np.ndarray, shape (n_clips,)
        The distinct values of ``groups``, sorted.
    predictions : np.ndarray, shape (n_clips,)
        One predicted class per clip, aligned with ``group_ids``.

    References
    ----------
    .. [1] P. Hamel and D. Eck, "Learning features from music audio with deep
       belief networks", ISMIR 2010, Sec. 4.
    .. [2] S. Dieleman, P. Brakel and B. Schrauwen, "Audio-based music
       classification with a pretrained convolutional network", ISMIR 2011.

    Examples
    --------
    >>> ids, pred = frame_vote(['a', 'b', 'b', 'a'], [0, 0, 0, 1], method='vote')
    >>> ids.tolist(), pred.tolist()
    ([0, 1], ['b', 'a'])
    """
    _check.choice("method", method, ("mean", "vote"))
    arr = np.asarray(frame_scores_or_labels)
    groups = _labels("groups", groups)
    if arr.ndim not in (1, 2):
        raise ParameterError(
            f"frame_scores_or_labels has shape {arr.shape}: expected (n_frames, n_classes) "
            "scores or (n_frames,) labels")
    if arr.shape[0] != groups.size:
        raise ParameterError(
            f"frame_scores_or_labels has {arr.shape[0]} frames and groups {groups.size}: "
            "expected one group per frame")
    if arr.shape[0] == 0:
        raise ParameterError("frame_scores_or_labels is empty")
    group_ids, ginv = np.unique(groups, return_inverse=True)
    n_groups = group_ids.size

    if arr.ndim == 1:
        if method == "mean":
            raise ParameterError(
                "method='mean' needs per-frame scores of shape (n_frames, n_classes); "
                "for 1-D predicted labels use method='vote'")
        labels, linv = np.unique(arr, return_inverse=True)
        counts = np.zeros((n_groups, labels.size), dtype=np.int64)
        np.add.at(counts, (ginv, linv), 1)
        return group_ids, labels[np.argmax(counts, axis=1)]

    n_classes = arr.shape[1]
    if n_classes == 0:
        raise ParameterError("frame_scores_or_labels has 0 classes (columns)")
    try:
        scores = arr.astype(np.float64)
    except (TypeError, ValueError):
        raise ParameterError("frame_scores_or_labels: 2-D input must be numeric scores") from None
    if not np.all(np.isfinite(scores)):
        raise ParameterError("frame_scores_or_labels holds NaN or infinite scores")
    if classes is not None:
        classes = np.asarray(classes)
        if classes.shape != (n_classes,):
            raise ParameterError(
                f"classes has shape {classes.shape}: expected ({n_classes},), one per column")
    sums = np.zeros((n_groups, n_classes))
    np.add.at(sums, ginv, scores)
    n_frames = np.bincount(ginv, minlength=n_groups)[:, None]
    means = sums / n_frames
    if method == "mean":
        idx = np.argmax(means, axis=1)
    else:
        counts = np.zeros((n_groups, n_classes), dtype=np.int64)
        np.add.at(counts, (ginv, np.argmax(scores, axis=1)), 1)
        tied = counts == counts.max(axis=1, keepdims=True)
        idx = np.argmax(np.where(tied, means, -np.inf), axis=1)
    return group_ids, (classes[idx] if classes is not None else idx)


def clip_accuracy_by_vote(frame_scores_or_labels, groups, y_true, *, method="mean",
                          classes=None):
    """Clip-level accuracy after :func:`frame_vote`.

    Parameters
    ----------
    frame_scores_or_labels, groups, method, classes
        As in :func:`frame_vote`.
    y_true : array_like, shape (n_frames,)
        True label of each frame; every frame of a clip must carry the
        clip's label. With 2-D scores and no ``classes``, labels are column
        indices.

    Returns
    -------
    float in [0, 1]
        Fraction of clips whose voted class is their true class.

    References
    ----------
    .. [1] P. Hamel and D. Eck, "Learning features from music audio with deep
       belief networks", ISMIR 2010, Table 2 ("song" accuracy).
    """
    groups_arr = _labels("groups", groups)
    y_true = _labels("y_true", y_true)
    if y_true.size != groups_arr.size:
        raise ParameterError(
            f"y_true has {y_true.size} labels and groups {groups_arr.size}: expected one "
            "label per frame")
    group_ids, pred = frame_vote(frame_scores_or_labels, groups_arr, method=method,
                                 classes=classes)
    _, first, ginv = np.unique(groups_arr, return_index=True, return_inverse=True)
    clip_true = y_true[first]
    mixed = np.nonzero(clip_true[ginv] != y_true)[0]
    if mixed.size:
        bad = group_ids[ginv[mixed[0]]]
        raise ParameterError(
            f"y_true: clip {bad!r} has frames with different true labels; expected one "
            "label per clip")
    return float(np.mean(clip_true == pred))


def confusion(y_true, y_pred, *, labels=None, normalize=None, names=None):
    """Confusion matrix as a labelled DataFrame (rows true, columns predicted).

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n,)
    labels : sequence, optional
        Labels to index the matrix with, in this order. Default: the sorted
        union of both label arrays.
    normalize : {None, 'true', 'pred', 'all'}
        ``'true'`` divides each row by its count (rows sum to 1, the diagonal
        is per-class recall); ``'pred'`` divides columns; ``'all'`` the total.
    names : sequence of str, optional
        Display names for ``labels`` (for example genre names for integer
        classes). Needs ``labels`` or as many names as classes found.

    Returns
    -------
    pandas.DataFrame, shape (n_labels, n_labels)
        Index named ``'True'``, columns named ``'Predicted'``.
    """
    y_true, y_pred = _paired_labels(y_true, y_pred)
    _check.choice("normalize", normalize, (None, "true", "pred", "all"))
    if labels is None:
        labels = np.unique(np.concatenate([y_true, y_pred]))
    else:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.size == 0:
            raise ParameterError("labels: expected a non-empty 1-D sequence of labels")
        if np.unique(labels).size != labels.size:
            raise ParameterError("labels: contains repeated labels")
        if not np.any(np.isin(y_true, labels)):
            raise ParameterError("labels: none of them occurs in y_true")
    if names is not None:
        names = list(names)
        if len(names) != labels.size:
            raise ParameterError(
                f"names has {len(names)} entries: expected {labels.size}, one per label")
    cm = _skm.confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    index = pd.Index(names if names is not None else list(labels), name="True")
    columns = pd.Index(names if names is not None else list(labels), name="Predicted")
    return pd.DataFrame(cm, index=index, columns=columns)


def chance_level(y, *, n_classes=None, majority=None):
    """Accuracy of two chance predictors, for honest labels on results.

    Parameters
    ----------
    y : array_like, shape (n,)
        The labels a classifier is evaluated on (usually the test labels).
    n_classes : int > 0, optional
        Number of classes of the task; default the number found in ``y``.
    majority : label, optional
        The class a constant predictor would answer. Default: the most common
        label of ``y`` itself, which is an optimistic chance level; pass the
        training set's majority class for the strict one.

    Returns
    -------
    OrderedDict
        ``'Majority class'`` (the label), ``'Majority-class accuracy'``
        (accuracy of always answering it on ``y``), ``'Uniform-guess
        accuracy'`` (``1 / n_classes``, the expectation of a uniformly random
        guess) and ``'Classes'``.
    """
    y = _labels("y", y)
    values, counts = np.unique(y, return_counts=True)
    if n_classes is None:
        n_classes = values.size
    else:
        n_classes = _check.positive_int("n_classes", n_classes)
        if n_classes < values.size:
            raise ParameterError(
                f"n_classes={n_classes}: y already holds {values.size} distinct labels")
    if majority is None:
        majority = values[np.argmax(counts)]
    majority_acc = float(np.mean(y == majority))
    label = majority.item() if isinstance(majority, np.generic) else majority
    return OrderedDict([
        ("Majority class", label),
        ("Majority-class accuracy", majority_acc),
        ("Uniform-guess accuracy", 1.0 / n_classes),
        ("Classes", int(n_classes)),
    ])


def classification_report(y_true, y_pred, *, labels=None):
    """Single-label classification scores with display-ready names.

    Parameters
    ----------
    y_true, y_pred : array_like, shape (n,)
    labels : sequence, optional
        Classes to average over for the macro scores; default all labels
        found in either array.

    Returns
    -------
    OrderedDict
        ``'Accuracy'``, ``'Balanced accuracy'`` (mean per-class recall over
        the classes present in ``y_true``), ``'Macro precision'``,
        ``'Macro recall'``, ``'Macro F1'`` (a class never predicted has
        precision 0), ``'Majority-class accuracy'`` and ``'Uniform-guess
        accuracy'`` (see :func:`chance_level`), and ``'Samples'``.

    References
    ----------
    .. [1] K. H. Brodersen, C. S. Ong, K. E. Stephan and J. M. Buhmann,
       "The balanced accuracy and its posterior distribution", ICPR 2010.
    """
    y_true, y_pred = _paired_labels(y_true, y_pred)
    if labels is not None:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.size == 0:
            raise ParameterError("labels: expected a non-empty 1-D sequence of labels")
    n_classes = np.unique(np.concatenate([y_true, y_pred])).size if labels is None \
        else labels.size
    p, r, f, _ = _skm.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average="macro", zero_division=0)
    chance = chance_level(y_true, n_classes=max(n_classes, np.unique(y_true).size))
    return OrderedDict([
        ("Accuracy", accuracy(y_true, y_pred)),
        ("Balanced accuracy", balanced_accuracy(y_true, y_pred)),
        ("Macro precision", float(p)),
        ("Macro recall", float(r)),
        ("Macro F1", float(f)),
        ("Majority-class accuracy", chance["Majority-class accuracy"]),
        ("Uniform-guess accuracy", chance["Uniform-guess accuracy"]),
        ("Samples", int(y_true.size)),
    ])


# ----------------------------------------------------------------------------
# multi-label tagging
# ----------------------------------------------------------------------------

def per_tag_auc(Y_true, Y_score, *, tags=None):
    """ROC-AUC of every tag, NaN where a tag has only one class.

    Parameters
    ----------
    Y_true : array_like or DataFrame, shape (n_clips, n_tags)
        Binary tag indicators. A DataFrame's columns name the tags.
    Y_score : array_like, shape (n_clips, n_tags)
        Scores or probabilities; higher means more likely.
    tags : sequence, optional
        Tag names, one per column.

    Returns
    -------
    pandas.Series, length n_tags
        Named ``'AUC'``, indexed by tag; NaN for a tag whose column in
        ``Y_true`` is all 0 or all 1 (its ROC curve is undefined).

    References
    ----------
    .. [1] J. Nam, J. Herrera and K. Lee, "A deep bag-of-features model for
       music auto-tagging", arXiv:1508.04999, 2015, Sec. IV-B (AUC-T).
    """
    Yt, Ys = _tag_matrices(Y_true, Y_score)
    names = _tag_names(Y_true, tags, Yt.shape[1])
    ok = _both_classes(Yt, axis=0)
    auc = np.full(Yt.shape[1], np.nan)
    if ok.any():
        auc[ok] = _roc_auc_columns(Yt[:, ok], Ys[:, ok])
    return pd.Series(auc, index=pd.Index(names, name="Tag"), name="AUC")


def _roc_auc_columns(Yt, Ys):
    """ROC-AUC of every column at once, each holding both classes.

    The Mann-Whitney form: ``(sum of the positives' ranks - P (P + 1) / 2) /
    (P N)`` with average ranks for ties, which is the area under the ROC
    curve with ties given half credit, exactly what
    :func:`sklearn.metrics.roc_auc_score` returns (tested), in one ranking of
    the whole matrix instead of one call per column: it runs after every
    training epoch.
    """
    ranks = scipy.stats.rankdata(Ys, axis=0)
    pos = Yt.sum(axis=0).astype(np.float64)
    neg = Yt.shape[0] - pos
    return ((ranks * Yt).sum(axis=0) - pos * (pos + 1) / 2) / (pos * neg)


def _average_precision(y, s):
    """Average precision of one column, ``sum_n (R_n - R_{n-1}) P_n``.

    The thresholds are the distinct scores (tied clips enter together), as
    in :func:`sklearn.metrics.average_precision_score`, which gives the same
    value (tested); this form skips scikit-learn's input checks, a hundred
    times the cost of the sum itself when it runs after every epoch.
    """
    order = np.argsort(-s, kind="mergesort")
    s, tp = s[order], np.cumsum(y[order])
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = tp[last]
    return float(np.sum(np.diff(np.r_[0.0, tp / tp[-1]]) * tp / (last + 1)))


def _auc_tag(Yt, Ys, names):
    ok = _both_classes(Yt, axis=0)
    if not ok.any():
        raise ParameterError(
            "Y_true: no tag has both positive and negative clips, so AUC-T is undefined")
    aucs = _roc_auc_columns(Yt[:, ok], Ys[:, ok])
    left = [names[j] for j in np.nonzero(~ok)[0]]
    return float(np.mean(aucs)), int(ok.sum()), left


def _auc_clip(Yt, Ys):
    ok = _both_classes(Yt, axis=1)
    if not ok.any():
        raise ParameterError(
            "Y_true: no clip has both present and absent tags, so AUC-C is undefined")
    aucs = _roc_auc_columns(Yt[ok].T, Ys[ok].T)
    return float(np.mean(aucs)), int(ok.sum()), int((~ok).sum())


def _pr_auc(Yt, Ys, names):
    ok = Yt.sum(axis=0) > 0
    if not ok.any():
        raise ParameterError("Y_true: no tag has a positive clip, so PR-AUC is undefined")
    aps = [_average_precision(Yt[:, j], Ys[:, j]) for j in np.nonzero(ok)[0]]
    left = [names[j] for j in np.nonzero(~ok)[0]]
    return float(np.mean(aps)), int(ok.sum()), left


def _check_k(k, n_tags):
    k = _check.positive_int("k", k)
    if k > n_tags:
        raise ParameterError(f"k={k}: expected at most the number of tags, {n_tags}")
    return k


def _precision_at_k(Yt, Ys, k):
    top = np.argsort(-Ys, axis=1, kind="stable")[:, :k]
    hits = np.take_along_axis(Yt, top, axis=1)
    return float(np.mean(hits.sum(axis=1) / k))


def auc_tag(Y_true, Y_score, *, tags=None):
    """AUC-T: ROC-AUC per tag, averaged over tags (macro).

    Tags whose column in ``Y_true`` holds a single class have no ROC curve;
    they are left out of the mean, counted, and announced with a
    ``UserWarning``.

    Parameters
    ----------
    Y_true : array_like or DataFrame, shape (n_clips, n_tags)
        Binary tag indicators.
    Y_score : array_like, shape (n_clips, n_tags)
        Scores; higher means more likely.
    tags : sequence, optional
        Tag names, used in the warning.

    Returns
    -------
    OrderedDict
        ``'AUC-T'`` (mean over the tags used), ``'Tags used'`` and
        ``'Tags left out'`` (the count with a single class).

    References
    ----------
    .. [1] J. Nam, J. Herrera and K. Lee, "A deep bag-of-features model for
       music auto-tagging", arXiv:1508.04999, 2015, Sec. IV-B.
    .. [2] K. Choi, G. Fazekas and M. Sandler, "Automatic tagging using deep
       convolutional neural networks", ISMIR 2016, Sec. 3 (AUC-ROC).
    """
    Yt, Ys = _tag_matrices(Y_true, Y_score)
    names = _tag_names(Y_true, tags, Yt.shape[1])
    value, used, left = _auc_tag(Yt, Ys, names)
    _warn_left_out("tags", len(left), Yt.shape[1], "AUC-T", left)
    return OrderedDict([("AUC-T", value), ("Tags used", used), ("Tags left out", len(left))])


def auc_clip(Y_true, Y_score):
    """AUC-C: ROC-AUC per clip (ranking the tags of each clip), averaged over clips.

    Clips whose row in ``Y_true`` is all 0 (no tag) or all 1 are left out of
    the mean, counted, and announced with a ``UserWarning``.

    Parameters
    ----------
    Y_true : array_like, shape (n_clips, n_tags)
        Binary tag indicators.
    Y_score : array_like, shape (n_clips, n_tags)

    Returns
    -------
    OrderedDict
        ``'AUC-C'``, ``'Clips used'``, ``'Clips left out'``.

    References
    ----------
    .. [1] J. Nam, J. Herrera and K. Lee, "A deep bag-of-features model for
       music auto-tagging", arXiv:1508.04999, 2015, Sec. IV-B (AUC-C).
    """
    Yt, Ys = _tag_matrices(Y_true, Y_score)
    value, used, left = _auc_clip(Yt, Ys)
    _warn_left_out("clips", left, Yt.shape[0], "AUC-C")
    return OrderedDict([("AUC-C", value), ("Clips used", used), ("Clips left out", left)])


def pr_auc(Y_true, Y_score, *, tags=None):
    """Macro average precision (area under the precision-recall curve) over tags.

    Average precision is scikit-learn's step-wise sum
    :math:`\\sum_n (R_n - R_{n-1}) P_n`. Tags with no positive clip have no
    precision-recall curve; they are left out, counted, and announced with a
    ``UserWarning``.

    Parameters
    ----------
    Y_true : array_like or DataFrame, shape (n_clips, n_tags)
    Y_score : array_like, shape (n_clips, n_tags)
    tags : sequence, optional
        Tag names, used in the warning.

    Returns
    -------
    OrderedDict
        ``'PR-AUC'``, ``'Tags used'``, ``'Tags left out'``.

    References
    ----------
    .. [1] J. Davis and M. Goadrich, "The relationship between
       precision-recall and ROC curves", ICML 2006.
    """
    Yt, Ys = _tag_matrices(Y_true, Y_score)
    names = _tag_names(Y_true, tags, Yt.shape[1])
    value, used, left = _pr_auc(Yt, Ys, names)
    _warn_left_out("tags", len(left), Yt.shape[1], "PR-AUC", left)
    return OrderedDict([("PR-AUC", value), ("Tags used", used), ("Tags left out", len(left))])


def precision_at_k(Y_true, Y_score, k):
    """P@k: fraction of each clip's k top-scored tags that are true, averaged over clips.

    Every clip counts, including clips without true tags (their P@k is 0).
    Ties in score are broken by column order (the earlier tag ranks first).

    Parameters
    ----------
    Y_true : array_like, shape (n_clips, n_tags)
        Binary tag indicators.
    Y_score : array_like, shape (n_clips, n_tags)
    k : int, 1 <= k <= n_tags

    Returns
    -------
    float in [0, 1]

    References
    ----------
    .. [1] J. Nam, J. Herrera and K. Lee, "A deep bag-of-features model for
       music auto-tagging", arXiv:1508.04999, 2015, Sec. IV-B and Table I
       (P@3, P@6, P@9, P@12, P@15).

    Examples
    --------
    >>> precision_at_k([[1, 0, 1], [0, 1, 0]], [[.9, .8, .1], [.2, .7, .5]], 2)
    0.5
    """
    Yt, Ys = _tag_matrices(Y_true, Y_score)
    return _precision_at_k(Yt, Ys, _check_k(k, Yt.shape[1]))


def tagging_report(Y_true, Y_score, *, k=(3, 6, 9, 12, 15), tags=None):
    """All tagging measures of Nam et al. (2015) and Choi et al. (2016) at once.

    Parameters
    ----------
    Y_true : array_like or DataFrame, shape (n_clips, n_tags)
    Y_score : array_like, shape (n_clips, n_tags)
    k : int or sequence of int
        Cut-offs for P@k, each at most ``n_tags`` (pass fewer or smaller ones
        for a vocabulary of fewer than 15 tags).
    tags : sequence, optional
        Tag names, used in the warning.

    Returns
    -------
    OrderedDict
        ``'AUC-T'``, ``'AUC-C'``, ``'PR-AUC'``, ``'P@k'`` for each k, then
        the counts behind the means: ``'Tags left out (AUC-T)'``, ``'Clips
        left out (AUC-C)'``, ``'Tags left out (PR-AUC)'``. One
        ``UserWarning`` lists whatever was left out.

    References
    ----------
    .. [1] J. Nam, J. Herrera and K. Lee, "A deep bag-of-features model for
       music auto-tagging", arXiv:1508.04999, 2015, Table I.
    .. [2] K. Choi, G. Fazekas and M. Sandler, "Automatic tagging using deep
       convolutional neural networks", ISMIR 2016, Table 2.
    """
    Yt, Ys = _tag_matrices(Y_true, Y_score)
    names = _tag_names(Y_true, tags, Yt.shape[1])
    ks = [k] if isinstance(k, numbers.Integral) else list(k)
    if not ks:
        raise ParameterError("k: expected at least one cut-off")
    ks = [_check_k(kk, Yt.shape[1]) for kk in ks]
    auc_t, _, left_t = _auc_tag(Yt, Ys, names)
    auc_c, _, left_c = _auc_clip(Yt, Ys)
    ap, _, left_ap = _pr_auc(Yt, Ys, names)
    out = OrderedDict([("AUC-T", auc_t), ("AUC-C", auc_c), ("PR-AUC", ap)])
    for kk in ks:
        out[f"P@{kk}"] = _precision_at_k(Yt, Ys, kk)
    out["Tags left out (AUC-T)"] = len(left_t)
    out["Clips left out (AUC-C)"] = left_c
    out["Tags left out (PR-AUC)"] = len(left_ap)
    if left_t or left_c or left_ap:
        warnings.warn(
            f"tagging_report: left out for having one class: {len(left_t)} of "
            f"{Yt.shape[1]} tags from AUC-T, {left_c} of {Yt.shape[0]} clips from AUC-C, "
            f"{len(left_ap)} tags without positives from PR-AUC; the counts are in the report",
            UserWarning, stacklevel=2)
    return out
