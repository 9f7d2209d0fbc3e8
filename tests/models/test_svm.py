"""The shared SVM heads: a vote over rows, model selection, balanced per-tag SVMs."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from mirnb.errors import DataError, ParameterError
from mirnb.models import svm


def _rows(n_groups=30, per_group=12, d=5, informative=True, seed=0):
    rng = np.random.default_rng(seed)
    y_group = np.array(["a", "b", "c"])[np.arange(n_groups) % 3]
    centers = {"a": 0.0, "b": 1.5, "c": 3.0}
    X = np.concatenate([(centers[g] if informative else 0.0)
                        + rng.normal(size=(per_group, d)) for g in y_group])
    y = np.repeat(y_group, per_group)
    groups = np.repeat([f"t{i:02d}" for i in range(n_groups)], per_group)
    return X, y, groups


def test_vote_svm_subsamples_and_votes_per_group():
    X, y, g = _rows()
    train, test = slice(0, 180), slice(252, 360)
    model = svm.VoteSVM(1.0, n_train=100, random_state=0).fit(X[train], y[train])
    assert model.n_train_ == 100 and list(model.classes_) == ["a", "b", "c"]
    ids, pred = model.predict_groups(X[test], g[test])
    assert list(ids) == list(dict.fromkeys(g[test])) and len(pred) == 9
    assert model.group_accuracy(X[test], y[test], g[test]) > 0.8
    Xn, yn, gn = _rows(informative=False)
    noise = svm.VoteSVM(1.0, n_train=None, random_state=0).fit(Xn[train], yn[train])
    assert noise.n_train_ == 180 and noise.group_accuracy(Xn[test], yn[test], gn[test]) < 0.8


def test_select_svm_picks_the_best_validation_C_and_the_smaller_on_ties():
    X, y, g = _rows()
    best, scores = svm.select_svm((X[:180], y[:180]), (X[180:252], y[180:252], g[180:252]),
                                  C_grid=(10.0, 0.1), n_train=100, random_state=0)
    assert list(scores) == [0.1, 10.0]
    assert scores[best.C] == max(scores.values())
    tie = [c for c, s in scores.items() if s == scores[best.C]]
    assert best.C == min(tie)
    with pytest.raises(ParameterError, match="C_grid"):
        svm.select_svm((X, y), (X, y, g), C_grid=())


def test_refit_svm_chooses_C_on_the_held_out_rows_and_fits_every_row():
    X, y, g = _rows(per_group=1, n_groups=60)
    mask = np.zeros(len(X), bool)
    mask[::4] = True
    model = svm.refit_svm(X, y, mask, C_grid=(10.0, 0.1), n_train=None, random_state=0)
    best, _ = svm.select_svm((X[~mask], y[~mask]), (X[mask], y[mask], np.flatnonzero(mask)),
                             C_grid=(10.0, 0.1), n_train=None, random_state=0)
    assert model.C == best.C and model.n_train_ == len(X)
    # one C, or no held-out row: that C, fitted on every row
    assert svm.refit_svm(X, y, mask, C_grid=(3.0,), n_train=None).C == 3.0
    assert svm.refit_svm(X, y, np.zeros(len(X), bool), C_grid=(10.0, 0.1)).C == 10.0
    with pytest.raises(ParameterError, match="valid_mask"):
        svm.refit_svm(X, y, mask[:-1])
    with pytest.raises(ParameterError, match="C_grid"):
        svm.refit_svm(X, y, mask, C_grid=())


def test_vote_svm_errors_are_clear():
    X, y, _ = _rows()
    with pytest.raises(NotFittedError):
        svm.VoteSVM().predict(X)
    with pytest.raises(DataError, match="single class"):
        svm.VoteSVM().fit(X, np.full(len(X), "a"))
    with pytest.raises(ParameterError, match="one class per row"):
        svm.VoteSVM().fit(X, y[:-1])
    with pytest.raises(ParameterError, match="C"):
        svm.VoteSVM(C=-1.0).fit(X, y)


def test_tag_svms_train_on_balanced_clips_and_score_per_tag():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    Y = pd.DataFrame({"easy": X[:, 0] > 0.8, "rare": np.arange(120) < 2,
                      "noise": rng.random(120) < 0.5})
    model = svm.TagSVMs(1.0, min_clips=3, random_state=0).fit(X[:80], Y.iloc[:80])
    assert model.tags_ == ["easy", "rare", "noise"] and model.left_out_ == ["rare"]
    acc = model.score_tags(X[80:], Y.iloc[80:])
    assert np.isnan(acc["rare"]) and acc["easy"] > 0.8
    assert 0.2 < acc["noise"] < 0.8
    # plain arrays work the same, with positional tag names
    arr = svm.TagSVMs(1.0, min_clips=3, random_state=0).fit(X[:80], Y.iloc[:80].to_numpy())
    np.testing.assert_allclose(arr.score_tags(X[80:], Y.iloc[80:].to_numpy()).to_numpy(),
                               acc.to_numpy())
    with pytest.raises(NotFittedError):
        svm.TagSVMs().score_tags(X, Y)
    with pytest.raises(ParameterError, match="binary"):
        svm.TagSVMs().fit(X, Y.astype(int) * 2)
    with pytest.raises(ParameterError, match="tags"):
        model.score_tags(X[80:], Y.iloc[80:, :2])


def test_select_tag_svms_keeps_the_best_mean_validation_accuracy():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(150, 3))
    Y = pd.DataFrame({"t0": X[:, 0] > 0.5, "t1": X[:, 1] < -0.5})
    best, scores = svm.select_tag_svms((X[:90], Y.iloc[:90]), (X[90:], Y.iloc[90:]),
                                       C_grid=(0.01, 1.0), random_state=0)
    assert set(scores) == {0.01, 1.0} and scores[best.C] == np.nanmax(list(scores.values()))


def test_vote_and_tag_summaries_over_runs():
    def vote(acc):
        return pd.DataFrame({"C": 1.0, "test accuracy": acc},
                            index=pd.Index(["dbn", "mfcc"], name="features"))

    runs = [{"frames": vote([0.6, 0.5]), "windows": vote([0.8, 0.7])},
            {"frames": vote([0.7, 0.5]), "windows": vote([0.9, 0.6])}]
    s = svm.vote_summary(runs)
    assert s.loc["dbn", ("mean", "frames")] == pytest.approx(0.65)
    assert s.loc["mfcc", ("std", "windows")] == pytest.approx(np.std([0.7, 0.6], ddof=1))
    assert s.loc["mfcc", ("std", "frames")] == 0
    tags = [{"f": {"mean": 0.7, "stderr": 0.02, "tags": 10, "C": 1.0}},
            {"f": {"mean": 0.8, "stderr": 0.04, "tags": 9, "C": 10.0}},
            {"f": {"mean": np.nan, "stderr": np.nan, "tags": 0, "C": 1.0}}]
    t = svm.tag_summary(tags).loc["f"]
    assert t["mean accuracy"] == pytest.approx(0.75)
    assert t["standard error (over tags)"] == pytest.approx(0.03)
    assert t["spread (over seeds)"] == pytest.approx(np.std([0.7, 0.8], ddof=1))
    assert t["tags scored"] == 6 and t["C"] == "1.0, 10.0, 1.0"
