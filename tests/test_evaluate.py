"""Tests of mirnb.evaluate: metrics against hand-computed values and scikit-learn."""

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import mirnb
from mirnb import evaluate as ev
from mirnb.errors import DataError, MissingDataError, ParameterError

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
    assert ev.accuracy(["rock", "jazz", "pop", "pop"], ["rock", "pop", "pop", "jazz"]) == 0.5
    with pytest.raises(ParameterError, match="as many"):
        ev.accuracy([1, 2, 3], [1, 2])
    with pytest.raises(ParameterError, match="empty"):
        ev.accuracy([], [])
    with pytest.raises(ParameterError, match="1-D"):
        ev.accuracy([[1, 2]], [[1, 2]])


def test_frame_vote_mean_and_vote_on_hand_scores():
    groups = ["a", "a", "a", "b", "b"]
    scores = np.array([[.6, .4], [.6, .4], [0., 1.], [.2, .8], [.9, .1]])
    # mean: a -> [.4, .6] -> 1 ; b -> [.55, .45] -> 0
    ids, pred = ev.frame_vote(scores, groups, method="mean")
    assert ids.tolist() == ["a", "b"]
    assert pred.tolist() == [1, 0]
    # vote: a -> two frames say 0 -> 0 ; b -> tie 1:1, broken by the higher mean -> 0
    _, pred = ev.frame_vote(scores, groups, method="vote")
    assert pred.tolist() == [0, 0]
    _, named = ev.frame_vote(scores, groups, method="mean", classes=["jazz", "rock"])
    assert named.tolist() == ["rock", "jazz"]


def test_frame_vote_labels_majority_and_tie():
    ids, pred = ev.frame_vote(["y", "x", "y", "q", "p"], [1, 1, 1, 2, 2], method="vote")
    assert ids.tolist() == [1, 2]
    assert pred.tolist() == ["y", "p"]  # tie p/q goes to the smaller label
    with pytest.raises(ParameterError, match="method='vote'"):
        ev.frame_vote(["x", "y"], [0, 0], method="mean")
    with pytest.raises(ParameterError, match="one group per frame"):
        ev.frame_vote(["x", "y"], [0], method="vote")
    with pytest.raises(ParameterError, match="method"):
        ev.frame_vote(["x"], [0], method="median")


def test_clip_accuracy_by_vote():
    groups = [0, 0, 0, 1, 1, 2]
    scores = np.array([[.9, .1], [.8, .2], [.1, .9], [.3, .7], [.4, .6], [.6, .4]])
    y_true = [0, 0, 0, 1, 1, 1]
    # clip 0 -> 0 (right), clip 1 -> 1 (right), clip 2 -> 0 (wrong)
    assert ev.clip_accuracy_by_vote(scores, groups, y_true) == pytest.approx(2 / 3)
    assert ev.clip_accuracy_by_vote(scores, groups, y_true, method="vote") == pytest.approx(2 / 3)
    with pytest.raises(ParameterError, match="different true labels"):
        ev.clip_accuracy_by_vote(scores, groups, [0, 1, 0, 1, 1, 1])


def test_confusion_dataframe():
    cm = ev.confusion(["a", "a", "b"], ["a", "b", "b"])
    assert isinstance(cm, pd.DataFrame)
    assert cm.index.tolist() == ["a", "b"] and cm.columns.tolist() == ["a", "b"]
    assert cm.to_numpy().tolist() == [[1, 1], [0, 1]]
    cmn = ev.confusion([0, 0, 1], [0, 1, 1], labels=[0, 1], names=["blues", "rock"],
                       normalize="true")
    assert cmn.loc["blues"].tolist() == [0.5, 0.5]
    assert cmn.index.name == "True" and cmn.columns.name == "Predicted"
    with pytest.raises(ParameterError, match="normalize"):
        ev.confusion([0], [0], normalize="rows")
    with pytest.raises(ParameterError, match="names"):
        ev.confusion([0, 1], [0, 1], names=["only one"])


def test_classification_report_matches_sklearn():
    y_true = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 0, 1, 0, 1, 2, 2, 2])
    rep = ev.classification_report(y_true, y_pred)
    assert list(rep)[:2] == ["Accuracy", "Balanced accuracy"]
    assert rep["Accuracy"] == pytest.approx(6 / 8)
    assert rep["Balanced accuracy"] == pytest.approx(skm.balanced_accuracy_score(y_true, y_pred))
    assert rep["Macro F1"] == pytest.approx(skm.f1_score(y_true, y_pred, average="macro"))
    assert rep["Majority-class accuracy"] == pytest.approx(0.5)
    assert rep["Uniform-guess accuracy"] == pytest.approx(1 / 3)
    assert rep["Samples"] == 8


def test_chance_level():
    c = ev.chance_level(["rock"] * 3 + ["jazz"])
    assert c["Majority class"] == "rock"
    assert c["Majority-class accuracy"] == 0.75
    assert c["Uniform-guess accuracy"] == 0.5
    c = ev.chance_level(["rock"] * 3 + ["jazz"], n_classes=10, majority="jazz")
    assert c["Majority-class accuracy"] == 0.25 and c["Uniform-guess accuracy"] == 0.1
    with pytest.raises(ParameterError, match="n_classes"):
        ev.chance_level([1, 2, 3], n_classes=2)


# ---------------------------------------------------------------- tagging

def test_precision_at_k_hand_example():
    assert ev.precision_at_k(Y3, S3, 1) == pytest.approx(2 / 3)
    assert ev.precision_at_k(Y3, S3, 2) == pytest.approx(0.5)
    assert ev.precision_at_k(Y3, S3, 3) == pytest.approx(4 / 9)
    assert ev.precision_at_k(Y3, S3, 4) == pytest.approx(np.mean(Y3.sum(1) / 4))
    # ties: the earlier column ranks first
    assert ev.precision_at_k([[0, 1]], [[.5, .5]], 1) == 0.0
    assert ev.precision_at_k([[1, 0]], [[.5, .5]], 1) == 1.0


@pytest.mark.parametrize("k", [0, 5, -1, 1.5, True])
def test_precision_at_k_bad_k(k):
    with pytest.raises(ParameterError, match="k="):
        ev.precision_at_k(Y3, S3, k)


def test_auc_clip_matches_rowwise_sklearn():
    Y, S = _random_tagging()
    ok = (Y.sum(1) > 0) & (Y.sum(1) < Y.shape[1])
    expected = np.mean([skm.roc_auc_score(Y[i], S[i]) for i in np.nonzero(ok)[0]])
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = ev.auc_clip(Y, S)
    assert res["AUC-C"] == pytest.approx(expected)
    assert res["Clips used"] == ok.sum() and res["Clips left out"] == (~ok).sum() >= 2
    assert any("AUC-C" in str(w.message) for w in rec)


def test_auc_tag_and_pr_auc_match_sklearn_macro():
    Y, S = _random_tagging()
    res = ev.auc_tag(Y, S)
    assert res["AUC-T"] == pytest.approx(skm.roc_auc_score(Y, S, average="macro"))
    assert res["Tags used"] == Y.shape[1] and res["Tags left out"] == 0
    ap = ev.pr_auc(Y, S)
    assert ap["PR-AUC"] == pytest.approx(skm.average_precision_score(Y, S, average="macro"))
    per = ev.per_tag_auc(pd.DataFrame(Y, columns=list("abcdef")), S)
    assert per.index.tolist() == list("abcdef")
    assert per.mean() == pytest.approx(res["AUC-T"])


def test_single_class_tags_are_left_out_and_counted():
    Y, S = _random_tagging()
    Y = Y.copy()
    Y[:, 2] = 0   # never present: no ROC curve, no PR curve
    Y[:, 4] = 1   # always present: no ROC curve
    with pytest.warns(UserWarning, match="2 of 6 tags"):
        res = ev.auc_tag(Y, S, tags=list("abcdef"))
    keep = [0, 1, 3, 5]
    assert res["AUC-T"] == pytest.approx(np.mean([skm.roc_auc_score(Y[:, j], S[:, j])
                                                   for j in keep]))
    assert res["Tags used"] == 4 and res["Tags left out"] == 2
    per = ev.per_tag_auc(Y, S)
    assert per.isna().tolist() == [False, False, True, False, True, False]
    with pytest.warns(UserWarning, match="1 of 6 tags"):
        ap = ev.pr_auc(Y, S)
    assert ap["Tags left out"] == 1
    with pytest.warns(UserWarning, match="left out"):
        rep = ev.tagging_report(Y, S, k=(1, 3))
    assert rep["Tags left out (AUC-T)"] == 2 and rep["Tags left out (PR-AUC)"] == 1
    with pytest.raises(ParameterError, match="AUC-T is undefined"):
        ev.auc_tag(np.ones((3, 2), int), np.zeros((3, 2)))


def test_tagging_report_keys_and_values():
    Y, S = _random_tagging(n_tags=16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rep = ev.tagging_report(Y, S)
        assert list(rep)[:8] == ["AUC-T", "AUC-C", "PR-AUC", "P@3", "P@6", "P@9", "P@12", "P@15"]
        assert rep["AUC-T"] == pytest.approx(ev.auc_tag(Y, S)["AUC-T"])
        assert rep["AUC-C"] == pytest.approx(ev.auc_clip(Y, S)["AUC-C"])
        assert rep["P@6"] == pytest.approx(ev.precision_at_k(Y, S, 6))
    with pytest.raises(ParameterError, match="at most the number of tags"):
        ev.tagging_report(Y[:, :10], S[:, :10])  # default k goes up to 15


@pytest.mark.parametrize("Y, S, match", [
    (np.ones((3, 4)), np.ones((3, 5)), "same shape"),
    (np.ones(4), np.ones(4), "2-D"),
    (np.full((3, 4), 2), np.ones((3, 4)), "binary"),
    (Y3, np.where(Y3 > 0, np.nan, 0.0), "NaN"),
    (np.ones((0, 4)), np.ones((0, 4)), "empty"),
])
def test_tagging_input_errors(Y, S, match):
    with pytest.raises(ParameterError, match=match):
        ev.auc_tag(Y, S)
    with pytest.raises(ParameterError, match=match):
        ev.precision_at_k(Y, S, 1)


# ---------------------------------------------------------------- results records

@dataclasses.dataclass(frozen=True)
class _Cfg:
    n_hidden: tuple = (50, 50, 50)
    lr: float = 0.1


def _result(**kw):
    base = dict(chapter="hamel2010", experiment="Table 2: frame-level SVM",
                method="DBN layer 2 + RBF SVM", metric="Accuracy", value=0.8,
                dataset="synthetic GTZAN view", data_kind="synthetic",
                dataset_version="abc123", split="random 50/20/30", profile="smoke",
                seeds=(0,), config=_Cfg(), paper_value=0.737,
                paper_ref="Hamel & Eck 2010, Table 2")
    base.update(kw)
    return ev.Result(**base)


def test_result_round_trip(tmp_path):
    path = tmp_path / "sub" / "results.jsonl"
    a = _result()
    b = ev.result_from_seeds([0.5, 0.7], seeds=[1, 2], chapter="nam2015", experiment="Table 3",
                             method="DBoF", metric="AUC-T", dataset="MagnaTagATune",
                             data_kind="real", profile="paper", paper_value=None,
                             extra={"seconds": 12.5})
    a.save(path)
    b.save(path)
    loaded = ev.load_results(path)
    assert loaded == [a, b]
    assert loaded[0].config == {"n_hidden": [50, 50, 50], "lr": 0.1}
    assert loaded[1].seeds == (1, 2) and loaded[1].n_seeds == 2
    assert loaded[1].extra == {"seconds": 12.5, "per_seed": [0.5, 0.7]}
    assert len(path.read_text().splitlines()) == 2
    json.loads(path.read_text().splitlines()[0])  # plain JSON per line


def test_result_validation_and_loading_errors(tmp_path):
    with pytest.raises(ParameterError, match="data_kind"):
        _result(data_kind="simulated")
    with pytest.raises(ParameterError, match="value"):
        _result(value="high")
    with pytest.raises(ParameterError, match="seeds"):
        _result(seeds=(0.5,))
    with pytest.raises(MissingDataError):
        ev.load_results(tmp_path / "none.jsonl")
    bad = tmp_path / "bad.jsonl"
    _result().save(bad)
    with open(bad, "a") as fh:
        fh.write('{"chapter": "x", "colour": 1}\n')
    with pytest.raises(DataError, match="line 2"):
        ev.load_results(bad)


def test_code_version_default():
    r = _result()
    assert r.code_version.startswith(mirnb.__version__)
    assert r.code_version == ev.code_version()


def test_result_from_seeds_mean_and_spread():
    r = ev.result_from_seeds([0.8, 0.82, 0.78], seeds=(0, 1, 2), chapter="c", experiment="e",
                             method="m", metric="Accuracy", dataset="d", data_kind="synthetic")
    assert r.value == pytest.approx(0.8)
    assert r.spread == pytest.approx(0.02)
    assert r.n_seeds == 3
    one = ev.result_from_seeds([0.8], chapter="c", experiment="e", method="m", metric="A",
                               dataset="d", data_kind="real")
    assert one.spread is None and one.n_seeds == 1
    with pytest.raises(ParameterError, match="one seed per value"):
        ev.result_from_seeds([0.1, 0.2], seeds=[0], chapter="c", experiment="e", method="m",
                             metric="A", dataset="d", data_kind="real")


def test_results_table_formats_and_marks_synthetic():
    several = ev.result_from_seeds(
        [0.8, 0.82, 0.78], seeds=(0, 1, 2), chapter="hamel2010", experiment="Table 2",
        method="DBN", metric="Accuracy", dataset="synthetic GTZAN view", data_kind="synthetic",
        paper_value=0.84, paper_ref="Hamel & Eck 2010, Table 2", profile="default")
    no_paper = _result(method="MFCC + SVM", paper_value=None, paper_ref="")
    real = _result(method="DBN", data_kind="real", dataset="GTZAN", profile="paper")
    df = ev.results_table([several, no_paper, real])
    for col in ["Experiment", "Method", "Metric", "Ours", "Paper", "Paper source", "Data",
                "Split", "Profile", "Seeds", "Note"]:
        assert col in df.columns
    assert df.loc[0, "Ours"] == "0.800 ± 0.020"
    assert df.loc[0, "Paper"] == "0.840"
    assert df.loc[0, "Seeds"] == "0, 1, 2"
    assert "synthetic" in df.loc[0, "Data"]
    assert "not comparable" in df.loc[0, "Note"]
    assert df.loc[1, "Ours"] == "0.800"
    assert df.loc[1, "Paper"] == ev.MISSING and df.loc[1, "Paper source"] == ev.MISSING
    assert "not comparable" not in df.loc[2, "Note"] and "real" in df.loc[2, "Note"]
    assert "synthetic" in df.attrs["note"]


def test_paper_vs_ours_pivot():
    rows = [_result(metric="Accuracy", value=0.7), _result(metric="Accuracy", value=0.8),
            _result(method="MFCC", metric="Accuracy", value=0.6, paper_value=None)]
    wide = ev.paper_vs_ours(rows)
    assert wide.loc[("Table 2: frame-level SVM", "DBN layer 2 + RBF SVM",
                     "synthetic GTZAN view (synthetic)"), ("Accuracy", "Ours")] == 0.8
    assert np.isnan(wide.loc[("Table 2: frame-level SVM", "MFCC",
                              "synthetic GTZAN view (synthetic)"), ("Accuracy", "Paper")])
    assert wide.shape == (2, 2)
