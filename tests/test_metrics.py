"""Tests of mirnb.metrics against hand-computed values and scikit-learn."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from mirnb import metrics
from mirnb.errors import ParameterError

# A 3-clip x 4-tag example small enough to check by hand.
Y3 = np.array([[1, 0, 1, 0],
               [0, 1, 0, 0],
               [1, 1, 1, 0]])
S3 = np.array([[.9, .8, .1, .3],
               [.2, .7, .5, .4],
               [.1, .2, .3, .4]])


def _random_tagging(n_clips=40, n_tags=6, seed=0):
    rng = np.random.default_rng(seed)
    Y = (rng.random((n_clips, n_tags)) < 0.35).astype(int)
    Y[0] = 1  # make sure every tag has a positive ...
    Y[1] = 0  # ... and a negative clip
    S = Y * 0.5 + rng.random((n_clips, n_tags))
    return Y, S


# ---------------------------------------------------------------- classification

def test_accuracy_hand_and_errors():
    assert metrics.accuracy(["rock", "jazz", "pop", "pop"], ["rock", "pop", "pop", "jazz"]) == 0.5
    with pytest.raises(ParameterError, match="as many"):
        metrics.accuracy([1, 2, 3], [1, 2])
    with pytest.raises(ParameterError, match="empty"):
        metrics.accuracy([], [])
    with pytest.raises(ParameterError, match="1-D"):
        metrics.accuracy([[1, 2]], [[1, 2]])


def test_balanced_accuracy_differs_from_accuracy_on_unbalanced_classes():
    y = [0] * 8 + [1] * 2
    assert metrics.accuracy(y, [0] * 10) == pytest.approx(0.8)
    assert metrics.balanced_accuracy(y, [0] * 10) == pytest.approx(0.5)
    # one error per class: the same either way when the classes are balanced
    assert metrics.balanced_accuracy([0, 0, 1, 1], [0, 1, 1, 0]) == 0.5
    # a predicted class absent from the truth counts as an error, without a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bal = metrics.balanced_accuracy([0, 0, 0, 1], [0, 2, 0, 1])
    assert bal == pytest.approx((2 / 3 + 1) / 2)
    with pytest.raises(ParameterError, match="as many"):
        metrics.balanced_accuracy([1, 2, 3], [1, 2])


def test_frame_vote_mean_and_vote_on_hand_scores():
    groups = ["a", "a", "a", "b", "b"]
    scores = np.array([[.6, .4], [.6, .4], [0., 1.], [.2, .8], [.9, .1]])
    # mean: a -> [.4, .6] -> 1 ; b -> [.55, .45] -> 0
    ids, pred = metrics.frame_vote(scores, groups, method="mean")
    assert ids.tolist() == ["a", "b"]
    assert pred.tolist() == [1, 0]
    # vote: a -> two frames say 0 -> 0 ; b -> tie 1:1, broken by the higher mean -> 0
    _, pred = metrics.frame_vote(scores, groups, method="vote")
    assert pred.tolist() == [0, 0]
    _, named = metrics.frame_vote(scores, groups, method="mean", classes=["jazz", "rock"])
    assert named.tolist() == ["rock", "jazz"]


def test_frame_vote_labels_majority_and_tie():
    ids, pred = metrics.frame_vote(["y", "x", "y", "q", "p"], [1, 1, 1, 2, 2], method="vote")
    assert ids.tolist() == [1, 2]
    assert pred.tolist() == ["y", "p"]  # tie p/q goes to the smaller label
    with pytest.raises(ParameterError, match="method='vote'"):
        metrics.frame_vote(["x", "y"], [0, 0], method="mean")
    with pytest.raises(ParameterError, match="one group per frame"):
        metrics.frame_vote(["x", "y"], [0], method="vote")
    with pytest.raises(ParameterError, match="method"):
        metrics.frame_vote(["x"], [0], method="median")


def test_clip_accuracy_by_vote():
    groups = [0, 0, 0, 1, 1, 2]
    scores = np.array([[.9, .1], [.8, .2], [.1, .9], [.3, .7], [.4, .6], [.6, .4]])
    y_true = [0, 0, 0, 1, 1, 1]
    # clip 0 -> 0 (right), clip 1 -> 1 (right), clip 2 -> 0 (wrong)
    assert metrics.clip_accuracy_by_vote(scores, groups, y_true) == pytest.approx(2 / 3)
    acc = metrics.clip_accuracy_by_vote(scores, groups, y_true, method="vote")
    assert acc == pytest.approx(2 / 3)
    with pytest.raises(ParameterError, match="different true labels"):
        metrics.clip_accuracy_by_vote(scores, groups, [0, 1, 0, 1, 1, 1])


def test_confusion_dataframe():
    cm = metrics.confusion(["a", "a", "b"], ["a", "b", "b"])
    assert isinstance(cm, pd.DataFrame)
    assert cm.index.tolist() == ["a", "b"] and cm.columns.tolist() == ["a", "b"]
    assert cm.to_numpy().tolist() == [[1, 1], [0, 1]]
    cmn = metrics.confusion([0, 0, 1], [0, 1, 1], labels=[0, 1], names=["blues", "rock"],
                            normalize="true")
    assert cmn.loc["blues"].tolist() == [0.5, 0.5]
    assert cmn.index.name == "True" and cmn.columns.name == "Predicted"
    with pytest.raises(ParameterError, match="normalize"):
        metrics.confusion([0], [0], normalize="rows")
    with pytest.raises(ParameterError, match="names"):
        metrics.confusion([0, 1], [0, 1], names=["only one"])


def test_classification_report_matches_sklearn():
    y_true = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 0, 1, 0, 1, 2, 2, 2])
    rep = metrics.classification_report(y_true, y_pred)
    assert list(rep)[:2] == ["Accuracy", "Balanced accuracy"]
    assert rep["Accuracy"] == pytest.approx(6 / 8)
    assert rep["Balanced accuracy"] == pytest.approx(skm.balanced_accuracy_score(y_true, y_pred))
    assert rep["Macro F1"] == pytest.approx(skm.f1_score(y_true, y_pred, average="macro"))
    assert rep["Majority-class accuracy"] == pytest.approx(0.5)
    assert rep["Uniform-guess accuracy"] == pytest.approx(1 / 3)
    assert rep["Samples"] == 8


def test_chance_level():
    c = metrics.chance_level(["rock"] * 3 + ["jazz"])
    assert c["Majority class"] == "rock"
    assert c["Majority-class accuracy"] == 0.75
    assert c["Uniform-guess accuracy"] == 0.5
    c = metrics.chance_level(["rock"] * 3 + ["jazz"], n_classes=10, majority="jazz")
    assert c["Majority-class accuracy"] == 0.25 and c["Uniform-guess accuracy"] == 0.1
    with pytest.raises(ParameterError, match="n_classes"):
        metrics.chance_level([1, 2, 3], n_classes=2)


# ---------------------------------------------------------------- tagging

def test_precision_at_k_hand_example():
    assert metrics.precision_at_k(Y3, S3, 1) == pytest.approx(2 / 3)
    assert metrics.precision_at_k(Y3, S3, 2) == pytest.approx(0.5)
    assert metrics.precision_at_k(Y3, S3, 3) == pytest.approx(4 / 9)
    assert metrics.precision_at_k(Y3, S3, 4) == pytest.approx(np.mean(Y3.sum(1) / 4))
    # ties: the earlier column ranks first
    assert metrics.precision_at_k([[0, 1]], [[.5, .5]], 1) == 0.0
    assert metrics.precision_at_k([[1, 0]], [[.5, .5]], 1) == 1.0


@pytest.mark.parametrize("k", [0, 5, -1, 1.5, True])
def test_precision_at_k_bad_k(k):
    with pytest.raises(ParameterError, match="k="):
        metrics.precision_at_k(Y3, S3, k)


def test_auc_hand_computed_with_ties():
    # one tag, 2 positives (scores .8, .5) and 3 negatives (.5, .3, .9); the
    # positive-negative pairs won, by hand, a tie counting 1/2:
    # (.8 vs .5, .3, .9) -> 1 + 1 + 0 ; (.5 vs .5, .3, .9) -> 0.5 + 1 + 0
    Y = np.array([[1], [1], [0], [0], [0]])
    S = np.array([[.8], [.5], [.5], [.3], [.9]])
    assert metrics.auc_tag(Y, S)["AUC-T"] == pytest.approx(3.5 / 6)
    assert metrics.per_tag_auc(Y, S).iloc[0] == pytest.approx(3.5 / 6)
    # per clip: the same numbers as a row
    assert metrics.auc_clip(Y.T, S.T)["AUC-C"] == pytest.approx(3.5 / 6)


def test_ranking_measures_equal_sklearn_with_many_ties():
    rng = np.random.default_rng(3)
    Y = (rng.random((60, 7)) < 0.3).astype(int)
    Y[0], Y[1] = 1, 0
    S = rng.integers(0, 4, size=(60, 7)) / 4  # four distinct scores: ties everywhere
    assert metrics.auc_tag(Y, S)["AUC-T"] == pytest.approx(
        skm.roc_auc_score(Y, S, average="macro"))
    assert metrics.pr_auc(Y, S)["PR-AUC"] == pytest.approx(
        skm.average_precision_score(Y, S, average="macro"))


def test_precision_at_k_divides_by_k_even_with_fewer_true_tags():
    # a clip with 1 true tag ranked first: P@3 is 1/3, not 1 (Nam et al.'s
    # measure, so P@k is capped by the number of true tags per clip)
    Y = np.array([[1, 0, 0, 0], [1, 1, 0, 0]])
    S = np.array([[.9, .1, .2, .3], [.9, .8, .7, .1]])
    assert metrics.precision_at_k(Y, S, 3) == pytest.approx((1 / 3 + 2 / 3) / 2)


def test_auc_clip_matches_rowwise_sklearn():
    Y, S = _random_tagging()
    ok = (Y.sum(1) > 0) & (Y.sum(1) < Y.shape[1])
    expected = np.mean([skm.roc_auc_score(Y[i], S[i]) for i in np.nonzero(ok)[0]])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = metrics.auc_clip(Y, S)
    assert res["AUC-C"] == pytest.approx(expected)
    assert res["Clips used"] == ok.sum() and res["Clips left out"] == (~ok).sum() >= 2
    assert any("AUC-C" in str(w.message) for w in rec)


def test_auc_tag_and_pr_auc_match_sklearn_macro():
    Y, S = _random_tagging()
    res = metrics.auc_tag(Y, S)
    assert res["AUC-T"] == pytest.approx(skm.roc_auc_score(Y, S, average="macro"))
    assert res["Tags used"] == Y.shape[1] and res["Tags left out"] == 0
    ap = metrics.pr_auc(Y, S)
    assert ap["PR-AUC"] == pytest.approx(skm.average_precision_score(Y, S, average="macro"))
    per = metrics.per_tag_auc(pd.DataFrame(Y, columns=list("abcdef")), S)
    assert per.index.tolist() == list("abcdef")
    assert per.mean() == pytest.approx(res["AUC-T"])


def test_single_class_tags_are_left_out_and_counted():
    Y, S = _random_tagging()
    Y = Y.copy()
    Y[:, 2] = 0   # never present: no ROC curve, no PR curve
    Y[:, 4] = 1   # always present: no ROC curve
    with pytest.warns(UserWarning, match="2 of 6 tags"):
        res = metrics.auc_tag(Y, S, tags=list("abcdef"))
    keep = [0, 1, 3, 5]
    assert res["AUC-T"] == pytest.approx(np.mean([skm.roc_auc_score(Y[:, j], S[:, j])
                                                   for j in keep]))
    assert res["Tags used"] == 4 and res["Tags left out"] == 2
    per = metrics.per_tag_auc(Y, S)
    assert per.isna().tolist() == [False, False, True, False, True, False]
    with pytest.warns(UserWarning, match="1 of 6 tags"):
        ap = metrics.pr_auc(Y, S)
    assert ap["Tags left out"] == 1
    with pytest.warns(UserWarning, match="left out"):
        rep = metrics.tagging_report(Y, S, k=(1, 3))
    assert rep["Tags left out (AUC-T)"] == 2 and rep["Tags left out (PR-AUC)"] == 1
    with pytest.raises(ParameterError, match="AUC-T is undefined"):
        metrics.auc_tag(np.ones((3, 2), int), np.zeros((3, 2)))


def test_tagging_report_keys_and_values():
    Y, S = _random_tagging(n_tags=16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rep = metrics.tagging_report(Y, S)
        assert list(rep)[:8] == ["AUC-T", "AUC-C", "PR-AUC", "P@3", "P@6", "P@9", "P@12", "P@15"]
        assert rep["AUC-T"] == pytest.approx(metrics.auc_tag(Y, S)["AUC-T"])
        assert rep["AUC-C"] == pytest.approx(metrics.auc_clip(Y, S)["AUC-C"])
        assert rep["P@6"] == pytest.approx(metrics.precision_at_k(Y, S, 6))
    with pytest.raises(ParameterError, match="at most the number of tags"):
        metrics.tagging_report(Y[:, :10], S[:, :10])  # default k goes up to 15


@pytest.mark.parametrize("Y, S, match", [
    (np.ones((3, 4)), np.ones((3, 5)), "same shape"),
    (np.ones(4), np.ones(4), "2-D"),
    (np.full((3, 4), 2), np.ones((3, 4)), "binary"),
    (Y3, np.where(Y3 > 0, np.nan, 0.0), "NaN"),
    (np.ones((0, 4)), np.ones((0, 4)), "empty"),
])
def test_tagging_input_errors(Y, S, match):
    with pytest.raises(ParameterError, match=match):
        metrics.auc_tag(Y, S)
    with pytest.raises(ParameterError, match=match):
        metrics.precision_at_k(Y, S, 1)
