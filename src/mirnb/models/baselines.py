"""Simple baselines: clip statistics of MFCC or chroma, then a linear model."""

import numpy as np
import pandas as pd

from .. import _check, features
from ..errors import ParameterError

__all__ = ["mfcc_stats", "chroma_stats", "clip_features", "linear_classifier",
           "linear_tagger", "fit_predict"]


def mfcc_stats(y, *, sr, n_mfcc=20, n_fft=2048, hop_length=512):
    """Mean and standard deviation over time of each MFCC.

    Returns
    -------
    np.ndarray, shape (2 * n_mfcc,)
    """
    M = features.mfcc(y, sr=sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length)
    return features.summarize(M, stats=("mean", "std"))


def chroma_stats(y, *, sr, n_fft=2048, hop_length=512):
    """Mean and standard deviation over time of the 12 chroma bins.

    Returns
    -------
    np.ndarray, shape (24,)
    """
    C = features.chroma(y, sr=sr, n_fft=n_fft, hop_length=hop_length)
    return features.summarize(C, stats=("mean", "std"))


_KINDS = {"mfcc": mfcc_stats, "chroma": chroma_stats}


def clip_features(tracks, kind="mfcc", *, sr=22050, n_jobs=None, verbose=True, **params):
    """One row of clip statistics per track, extracted in parallel and cached.

    Parameters
    ----------
    tracks : list of mirnb.datasets.Track
    kind : {'mfcc', 'chroma'}
    sr : int
        Audio is loaded (and resampled) at this rate.
    **params
        Passed to :func:`mfcc_stats` or :func:`chroma_stats`.

    Returns
    -------
    X : pandas.DataFrame
        Indexed by track id, in the order of ``tracks``, without the skipped ones.
    skipped : list of mirnb.datasets.Skipped
    """
    _check.choice("kind", kind, set(_KINDS))
    values, skipped = features.extract(tracks, _KINDS[kind], sr=sr, n_jobs=n_jobs,
                                       desc=f"{kind} stats", verbose=verbose, **params)
    ids = [t.track_id for t in tracks if t.track_id in values]
    X = pd.DataFrame(np.stack([values[i] for i in ids]), index=ids)
    return X, skipped


def linear_classifier(*, C=1.0, random_state=0):
    """Standardisation then multinomial logistic regression (scikit-learn)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    _check.positive("C", C)
    return make_pipeline(StandardScaler(),
                         LogisticRegression(C=C, max_iter=2000, random_state=random_state))


def linear_tagger(*, C=1.0, random_state=0):
    """Standardisation then one logistic regression per tag."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    _check.positive("C", C)
    return make_pipeline(StandardScaler(), OneVsRestClassifier(
        LogisticRegression(C=C, max_iter=2000, random_state=random_state)))


def fit_predict(model, X, y, split, *, proba=False):
    """Fit on ``split['train']`` and predict ``split['test']``.

    Parameters
    ----------
    model : scikit-learn estimator
    X : pandas.DataFrame
        Features indexed by track id.
    y : pandas.Series or DataFrame
        Labels indexed by track id (a DataFrame for multi-label tags).
    split : dict
        With 'train' and 'test' lists of track ids. Ids absent from ``X``
        (skipped tracks) are left out.
    proba : bool
        Return ``predict_proba`` scores instead of labels.

    Returns
    -------
    y_true, y_pred : np.ndarray
    """
    train = [i for i in split["train"] if i in X.index]
    test = [i for i in split["test"] if i in X.index]
    if not train or not test:
        raise ParameterError("the split leaves no training or no test track with features")
    _check.positive_int("number of training tracks", len(train))
    model.fit(X.loc[train].to_numpy(), np.asarray(y.loc[train]))
    Xt = X.loc[test].to_numpy()
    pred = model.predict_proba(Xt) if proba else model.predict(Xt)
    return np.asarray(y.loc[test]), pred


def holdout_accuracy(X, y, *, test_size=0.5, seed=0, C=1.0):
    """Accuracy of :func:`linear_classifier` on a stratified holdout split.

    Parameters
    ----------
    X : pandas.DataFrame
        Features indexed by track id.
    y : pandas.Series
        Class labels indexed by track id (a superset of ``X.index`` is fine).
    test_size : float in (0, 1)
    seed : int
    C : float

    Returns
    -------
    dict
        ``accuracy``, ``chance`` (majority-class rate on the test part),
        ``n_train``, ``n_test``, ``n_classes``, and ``left_out``: the tracks
        of classes with fewer than 2 examples, which a stratified split
        cannot place in both parts (they are counted, not hidden).
    """
    from sklearn.model_selection import train_test_split

    y = y.loc[X.index]
    counts = y.value_counts()
    rare = y.isin(counts.index[counts < 2])
    X, y = X[~rare.to_numpy()], y[~rare]
    if y.nunique() < 2:
        raise ParameterError("fewer than two classes have 2 or more examples")
    train, test = train_test_split(list(X.index), test_size=test_size, stratify=y,
                                   random_state=seed)
    model = linear_classifier(C=C, random_state=seed)
    y_true, y_pred = fit_predict(model, X, y, {"train": train, "test": test})
    majority = pd.Series(y_true).value_counts(normalize=True).iloc[0]
    return {"accuracy": float(np.mean(y_true == y_pred)), "chance": float(majority),
            "n_train": len(train), "n_test": len(test), "n_classes": int(y.nunique()),
            "left_out": int(rare.sum())}
