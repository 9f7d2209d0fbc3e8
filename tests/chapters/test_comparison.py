"""The closing chapter's protocol, tables, claims and saved models, on tiny inputs.

The whole chapter runs end to end in ``tests/test_notebooks.py`` (smoke).
"""

import numpy as np
import pandas as pd
import pytest

from mirnb.chapters import comparison
from mirnb.chapters import comparison_methods as cm


@pytest.fixture(scope="module")
def smoke_run(smoke_home):
    cfg = comparison.config("smoke", methods=("mfcc", "fcn4"))
    ts = comparison.tasks(cfg, data_home=smoke_home, verbose=False)
    ms = comparison.methods(cfg)
    return cfg, ts, ms, comparison.evaluate(ts, ms, verbose=False)


def test_profiles_and_methods():
    assert comparison.config("smoke").n_folds < comparison.config("default").n_folds
    assert comparison.config("default").methods == cm.METHODS
    assert comparison.config("paper").synth_profile is None
    with pytest.raises(ValueError, match="method"):
        cm.method("svm")


def test_tasks_have_disjoint_parts_and_songs_stay_together(smoke_run):
    _, ts, _, _ = smoke_run
    genre, tags = ts["genre"], ts["tags"]
    tested = np.concatenate([r.test for r in genre.runs])
    assert sorted(tested) == list(range(len(genre.ids)))  # every clip tested once over folds
    for task in (genre, tags):
        for r in task.runs:
            assert not set(r.train) & set(r.valid) and not set(r.train) & set(r.test)
            assert not set(r.valid) & set(r.test)
    songs = {p: set(tags.groups[getattr(tags.runs[0], p)]) for p in ("train", "valid", "test")}
    assert not songs["train"] & songs["test"] and not songs["valid"] & songs["test"]
    assert tags.y.shape == (len(tags.ids), len(tags.labels)) and genre.y.ndim == 1


def test_evaluate_measures_every_method_task_and_run(smoke_run):
    cfg, ts, ms, out = smoke_run
    runs = {t: len(ts[t].runs) for t in ts}
    assert len(out.costs) == len(ms) * sum(runs.values())
    acc = out.scores[out.scores["metric"] == "Accuracy"]["value"]
    assert acc.between(0, 1).all()
    assert set(out.scores[out.scores["task"] == "tags"]["metric"]) == {"AUC-T", "AUC-C",
                                                                       "PR-AUC", "P@3"}
    assert (out.costs["params"] > 0).all() and (out.costs["train_s"] > 0).all()
    q = comparison.quality_table(out, "genre")
    assert list(q.index) == [m.name for m in ms]
    recs = comparison.records(out, ts, cfg, profile="smoke")
    assert {r.data_kind for r in recs} == {"synthetic"}
    r = next(r for r in recs if r.metric == "Accuracy" and r.method == ms[0].name)
    assert r.n_seeds == runs["genre"] and r.extra["params"] > 0


def test_paired_differences_are_antisymmetric(smoke_run):
    _, ts, ms, out = smoke_run
    d = comparison.paired_differences(out, "genre")
    a, b = ms[0].name, ms[1].name
    ab = d[(d["a"] == a) & (d["b"] == b)].iloc[0]
    ba = d[(d["a"] == b) & (d["b"] == a)].iloc[0]
    assert ab["mean"] == pytest.approx(-ba["mean"]) and ab["n"] == len(ts["genre"].runs)
    text = comparison.verdict(out)
    assert "genre" in text and "synthetic" in text


def _records(**kw):
    base = dict(experiment="Table 2: RBF SVM on frames, vote", metric="track accuracy",
                paper_ref="Hamel & Eck 2010, Table 2", data_kind="synthetic", profile="default")
    return pd.DataFrame([{**base, **kw_} for kw_ in kw["rows"]])


def test_claims_are_read_from_chapter_records_and_judged_by_their_spread():
    rows = [dict(method="DBN all layers", value=0.70, spread=0.01, paper_value=0.77,
                 extra='{"per_seed": [0.69, 0.70, 0.71]}'),
            dict(method="MFCC", value=0.60, spread=0.01, paper_value=0.63,
                 extra='{"per_seed": [0.59, 0.60, 0.61]}')]
    table = comparison.claims({"hamel2010": _records(rows=rows)})
    row = table.loc[("hamel2010", "DBN features beat MFCCs (SVM on frames)")]
    assert row["status"] == "reproduced" and row["paper"].startswith("+0.140")
    rows[0]["extra"] = '{"per_seed": [0.50, 0.70, 0.90]}'
    rows[0]["value"] = 0.70
    table = comparison.claims({"hamel2010": _records(rows=rows)})
    assert table.loc[("hamel2010", "DBN features beat MFCCs (SVM on frames)"),
                     "status"] == "within noise"
    missing = table.loc[("choi2016", "FCN-4 beats FCN-3 on mel input (Table 3)"), "status"]
    assert missing.startswith("not run yet")
    text = comparison.claims_markdown(table)
    assert text.count("\n") == len(table) + 1 and "| hamel2010 | DBN features beat" in text


def test_saved_fcn4_models_tag_unseen_clips(smoke_run, tmp_path):
    cfg, ts, _, out = smoke_run
    saved = comparison.save_models(out, ts, cfg, profile="smoke", data_home=tmp_path)
    assert saved == {"genre": "comparison/fcn4-genre", "tags": "comparison/fcn4-tags"}
    table = comparison.tag_examples(ts, saved["tags"], n=2, data_home=tmp_path)
    assert len(table) == 2 and table.index[0] == ts["tags"].ids[ts["tags"].runs[0].test[0]]
    assert table["predicted (top 5)"].str.count(",").eq(4).all()
