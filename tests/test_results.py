"""Tests of mirnb.results: results records, their files and tables."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

import mirnb
from mirnb import results
from mirnb.errors import DataError, MissingDataError, ParameterError


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
    return results.Result(**base)


def test_result_round_trip(tmp_path):
    path = tmp_path / "sub" / "results.jsonl"
    a = _result()
    b = results.result_from_seeds([0.5, 0.7], seeds=[1, 2], chapter="nam2015",
                                  experiment="Table 3", method="DBoF", metric="AUC-T",
                                  dataset="MagnaTagATune", data_kind="real", profile="paper",
                                  paper_value=None, extra={"seconds": 12.5})
    a.save(path)
    b.save(path)
    loaded = results.load_results(path)
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
        results.load_results(tmp_path / "none.jsonl")
    bad = tmp_path / "bad.jsonl"
    _result().save(bad)
    with open(bad, "a") as fh:
        fh.write('{"chapter": "x", "colour": 1}\n')
    with pytest.raises(DataError, match="line 2"):
        results.load_results(bad)


def test_code_version_default():
    r = _result()
    assert r.code_version.startswith(mirnb.__version__)
    assert r.code_version == results.code_version()


def test_result_from_seeds_mean_and_spread():
    r = results.result_from_seeds([0.8, 0.82, 0.78], seeds=(0, 1, 2), chapter="c",
                                  experiment="e", method="m", metric="Accuracy", dataset="d",
                                  data_kind="synthetic")
    assert r.value == pytest.approx(0.8)
    assert r.spread == pytest.approx(0.02)
    assert r.n_seeds == 3
    one = results.result_from_seeds([0.8], chapter="c", experiment="e", method="m", metric="A",
                                    dataset="d", data_kind="real")
    assert one.spread is None and one.n_seeds == 1
    with pytest.raises(ParameterError, match="one seed per value"):
        results.result_from_seeds([0.1, 0.2], seeds=[0], chapter="c", experiment="e",
                                  method="m", metric="A", dataset="d", data_kind="real")


def test_results_table_formats_and_marks_synthetic():
    several = results.result_from_seeds(
        [0.8, 0.82, 0.78], seeds=(0, 1, 2), chapter="hamel2010", experiment="Table 2",
        method="DBN", metric="Accuracy", dataset="synthetic GTZAN view", data_kind="synthetic",
        paper_value=0.84, paper_ref="Hamel & Eck 2010, Table 2", profile="default")
    no_paper = _result(method="MFCC + SVM", paper_value=None, paper_ref="")
    real = _result(method="DBN", data_kind="real", dataset="GTZAN", profile="paper")
    df = results.results_table([several, no_paper, real])
    assert list(df.index.names) == ["Experiment", "Method"]
    assert list(df.columns) == ["Metric", "Ours", "Paper", "Gap"]
    rows = df.reset_index()
    assert rows.loc[0, "Ours"] == "0.800 ± 0.020"
    assert rows.loc[0, "Paper"] == "0.840" and rows.loc[0, "Gap"] == "-0.040"
    assert rows.loc[1, "Ours"] == "0.800"
    assert rows.loc[1, "Paper"] == results.MISSING and rows.loc[1, "Gap"] == results.MISSING
    note = df.attrs["note"]
    # the provenance moved from five columns into the caption
    assert "Seeds: 0, 1, 2" in note and "Hamel & Eck 2010, Table 2" in note
    assert "synthetic GTZAN view (synthetic)" in note and "GTZAN (real, abc123)" in note
    assert "Profile: default" in note and "not a reproduction error" in note
    # a notebook shows the caption under the table, and keeps it through pandas' operations
    html = df.head(2)._repr_html_()
    assert "<table" in html and html.rstrip().endswith("</p>") and "Seeds: 0, 1, 2" in html
    assert "synthetic" in df.attrs["note"]


def test_paper_vs_ours_pivot():
    rows = [_result(metric="Accuracy", value=0.7), _result(metric="Accuracy", value=0.8),
            _result(method="MFCC", metric="Accuracy", value=0.6, paper_value=None)]
    wide = results.paper_vs_ours(rows)
    assert wide.loc[("Table 2: frame-level SVM", "DBN layer 2 + RBF SVM",
                     "synthetic GTZAN view (synthetic)"), ("Accuracy", "Ours")] == 0.8
    assert np.isnan(wide.loc[("Table 2: frame-level SVM", "MFCC",
                              "synthetic GTZAN view (synthetic)"), ("Accuracy", "Paper")])
    assert wide.shape == (2, 2)


def test_mean_sd_is_the_sample_spread_and_nan_where_there_is_none():
    m, sd = results.mean_sd([0.70, 0.72, 0.74])
    assert m == pytest.approx(0.72) and sd == pytest.approx(0.02)   # ddof=1, as the records
    assert np.isnan(results.mean_sd([0.7])[1]) and all(np.isnan(results.mean_sd([])))
    assert results.plus_minus(m, sd) == "0.720 ± 0.020"
    assert results.plus_minus(*results.mean_sd([0.7])) == "0.700"    # one run: no spread shown
    assert results.plus_minus(0.5, None, digits=2) == "0.50"


def test_the_setting_best_on_validation_and_its_whole_curve():
    curves = pd.DataFrame({"seed": 0, "epoch": [1, 2, 1, 2, 1, 2],
                           "learning_rate": [0.1, 0.1, 0.01, 0.01, 0.001, 0.001],
                           "val_accuracy": [0.9, 0.2, 0.1, 0.5, 0.3, 0.5],
                           "test_accuracy": [0.11, 0.12, 0.21, 0.22, 0.31, 0.32]})
    at1 = results.best_on_validation(curves[curves["epoch"] == 1], ["seed"])
    assert at1["learning_rate"].tolist() == [0.1]
    at2 = results.best_on_validation(curves[curves["epoch"] == 2], ["seed"])
    assert at2["learning_rate"].tolist() == [0.01]  # tied on validation: the larger rate
    chosen = results.chosen_curves(curves, ["seed"], epoch=2)
    assert chosen["learning_rate"].tolist() == [0.01, 0.01]
    assert chosen["test_accuracy"].tolist() == [0.21, 0.22]
