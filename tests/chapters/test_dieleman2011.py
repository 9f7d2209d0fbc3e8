"""The dieleman2011 chapter module: config and profiles, Table 1 quoted cell by cell,
the whole pipeline on the smoke MSD view (shards, tasks, pretraining, fine-tuning,
baselines, tables, verdict), and the rate chosen on validation at each epoch count."""

import numpy as np
import pandas as pd
import pytest

from mirnb.chapters import dieleman2011
from mirnb.errors import ParameterError
from mirnb.results import results_table

#: Table 1 as read in the paper: (epochs, method) -> (genre, artist, key) in percent.
TABLE1 = {(30, "naive Bayes"): (10.02, 6.80, 73.74),
          (30, "windowed logistic regression"): (25.90, 32.13, 86.53),
          (30, "conv. MLP without pretraining"): (29.52, 34.34, 83.84),
          (30, "conv. MLP with pretraining"): (29.12, 35.74, 83.84),
          (20, "conv. MLP without pretraining"): (24.90, 33.94, 83.84),
          (20, "conv. MLP with pretraining"): (27.31, 35.54, 84.51)}


def test_paper_profile_holds_the_papers_values():
    cfg = dieleman2011.config("paper")
    assert cfg == dieleman2011.Config()
    assert (cfg.maps, cfg.widths) == (100, (8, 4, 8, 4))
    assert cfg.rbm_lr == (0.005, 0.0001, 0.005)
    assert cfg.sparsity_target == (0.05, 0.05, 0.1) and cfg.sparsity_cost == 0.1
    assert cfg.pretrain_passes == 1 and cfg.learning_rates == (0.05, 0.005, 0.0005)
    assert (cfg.epochs, cfg.report_epochs, cfg.window) == (30, (20, 30), 32)
    assert cfg.lr_learning_rates == (5e-3, 5e-4, 5e-5, 5e-6, 5e-7)
    assert dict(cfg.per_class) == {"artist": 100, "genre": 250, "key": 250}
    assert cfg.n_artists == 50 and cfg.fractions == (0.8, 0.1, 0.1)


def test_profiles_derive_from_the_paper_values():
    smoke, default = dieleman2011.config("smoke"), dieleman2011.config("default")
    assert smoke.synth_profile == "smoke" and smoke.epochs <= 2 and smoke.seeds == 1
    assert default.seeds == 3 and default.widths == (8, 4, 4, 2)
    assert default.rbm_lr == (0.01, 0.01, 0.5) and default.maps == 100
    paper = dieleman2011.config("paper")
    assert (paper.timbre_norm, default.timbre_norm) == ("track", "dataset")
    assert (paper.chroma_norm, default.chroma_norm) == ("max", "dataset")
    assert dieleman2011.config("default", seeds=1).seeds == 1
    with pytest.raises(ParameterError, match="profile"):
        dieleman2011.config("huge")
    with pytest.raises(ParameterError, match="no field"):
        dieleman2011.config("smoke", seed=3)


def test_every_cell_of_table_1_is_quoted_as_a_fraction_with_its_rate():
    got = {n.row: n for n in dieleman2011.PAPER}
    assert len(got) == 18 and all(n.table == "Table 1" for n in got.values())
    for (epochs, method), cells in TABLE1.items():
        for task, v in zip(("genre", "artist", "key"), cells):
            n = got[f"{method}, {task}, {epochs} epochs"]
            assert n.value == pytest.approx(v / 100)
    assert "5e-06" in got["windowed logistic regression, genre, 30 epochs"].note
    assert "0.005" in got["conv. MLP with pretraining, key, 20 epochs"].note
    cells = dieleman2011.paper_cells()
    assert cells.loc[(20, "conv. MLP with pretraining"), "key"] == "84.51 (0.005)"
    assert cells.loc[(30, "naive Bayes"), "artist"] == "6.80"


def test_timbre_is_zscored_per_track_and_survives_a_constant_dimension():
    from mirnb.models.convdbn import zscore_tracks

    x = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    (z,) = zscore_tracks([x])
    assert abs(z[:, 0].mean()) < 1e-6 and z[:, 0].std() == pytest.approx(1, abs=1e-6)
    assert np.all(z[:, 1] == 0)


@pytest.fixture(scope="module")
def smoke_run(smoke_home):
    cfg = dieleman2011.config("smoke")
    ds, info = dieleman2011.load(cfg, data_home=smoke_home, verbose=False)
    shards, report = dieleman2011.beat_features(ds, cfg, info, out=smoke_home / "d11_shards",
                                                verbose=False)
    labels, left_out = dieleman2011.usable(ds, shards, cfg)
    res = dieleman2011.run(shards, labels, cfg, verbose=False)
    return cfg, ds, info, shards, report, labels, left_out, res


def test_usable_tracks_are_counted_not_dropped_silently(smoke_run):
    cfg, ds, _, shards, report, labels, left_out, _ = smoke_run
    assert report.n_tracks == len(ds.track_ids)
    assert len(labels) + len(left_out) == len(ds.track_ids)
    assert (labels["n_beats"] >= 6).all()  # smoke widths (2, 2, 2, 2): 6 beats
    assert left_out["reason"].str.contains("receptive field|no beat features").all()


def test_tasks_hold_out_valid_and_test_tracks_from_pretraining(smoke_run):
    cfg, *_, labels, _, res = smoke_run
    tasks = res.tasks[0]
    assert set(tasks) == {"genre", "artist", "key"}
    held = set().union(*(set(t.split["valid"]) | set(t.split["test"]) for t in tasks.values()))
    assert res.n_pretrain[0] == len(set(labels.index) - held)
    table = dieleman2011.task_table(tasks)
    assert (table["tracks per class"] == 3).all() and (table["test"] == table["classes"]).all()


def test_every_network_and_baseline_is_scored_every_epoch(smoke_run):
    cfg, *_, res = smoke_run
    c = res.curves
    assert set(c["init"]) == {"random", "glorot", "pretrained"}
    assert len(c) == 3 * 3 * len(cfg.learning_rates) * cfg.epochs
    assert dieleman2011.GLOROT in set(dieleman2011.selected(res)["method"])
    assert c[["val_accuracy", "test_accuracy"]].apply(lambda s: s.between(0, 1).all()).all()
    b = res.baselines
    assert set(b["method"]) == {"naive Bayes", "windowed logistic regression"}
    assert len(b) == 3 * (1 + len(cfg.lr_learning_rates))


def test_table1_and_records_carry_ours_beside_the_paper(smoke_run):
    _, ds, info, *_, res = smoke_run
    table = dieleman2011.table1(res)
    assert list(table.columns) == ["genre (ours)", "genre (paper)", "artist (ours)",
                                   "artist (paper)", "key (ours)", "key (paper)"]
    assert (2, "conv. MLP with pretraining") in table.index
    recs = dieleman2011.records(res, info, profile="smoke")
    assert len(recs) == 3 * 8  # 3 tasks x (2 baselines + 3 nets at 2 epoch counts)
    assert all(r.data_kind == "synthetic" and r.paper_value is None for r in recs)
    assert not results_table(recs).empty
    truth = dieleman2011.key_truth_table(res, ds)
    assert truth["tracks"].gt(0).all()
    assert truth.filter(like="accuracy").apply(lambda s: s.between(0, 1).all()).all()


def test_verdict_names_each_claim(smoke_run):
    *_, res = smoke_run
    text = dieleman2011.verdict(res)
    for claim in ("beats the baselines on genre", "beats the baselines on artist",
                  "Key detection is easy", "Pretraining improves accuracy on the artist",
                  "Pretraining speeds convergence"):
        assert claim in text
    assert "synthetic data" in text


def test_alignment_table_shows_the_strict_methods_edge_cases(smoke_run):
    _, ds, *_ = smoke_run
    from mirnb.analysis import compare_methods

    record, name = dieleman2011.example_track(ds)
    table = compare_methods(record)
    assert list(table.index) == ["overlap", "segment_fraction", "segment_fraction_strict"]
    assert table.loc["overlap", "chroma: mean |diff| from overlap"] == 0
    assert table.loc["segment_fraction", "NaN beats"] == 0
    strict = table.loc["segment_fraction_strict"]
    assert strict["all-zero beats"] + strict["NaN beats"] > 0, name


def test_paper_profile_pretrains_by_streaming_the_shards(smoke_run):
    cfg, _, _, shards, report, labels, _, _ = smoke_run
    assert dieleman2011.config("paper").stream and not cfg.stream
    stream = dieleman2011.config("smoke", stream=True)
    shards.shard_loads = 0
    dbn = dieleman2011.pretrain(shards, list(labels.index), stream, verbose=False)
    assert shards.shard_loads == 2 * report.n_shards  # two stages, one pass each
    assert all(len(h["recon_error"]) >= 1 for h in dbn.history_.values())
    for change in ({"timbre_norm": "dataset"}, {"chroma_norm": "dataset"}):
        bad = dieleman2011.config("smoke", stream=True, **change)
        with pytest.raises(ParameterError, match="timbre_norm='track' and chroma_norm='max'"):
            dieleman2011.pretrain(shards, list(labels.index), bad, verbose=False)


def test_dataset_scaling_standardises_chroma_into_gaussian_units(smoke_run):
    cfg, *_, shards, _, labels, _, _ = smoke_run
    ids = list(labels.index)
    stats = shards.stats(ids)
    gauss = dieleman2011.config("smoke", chroma_norm="dataset", timbre_norm="dataset")
    c, t = dieleman2011.read(shards, ids, gauss, stats)
    allc, allt = np.concatenate(c), np.concatenate(t)
    assert np.allclose(allc.mean(axis=0), 0, atol=1e-4) and allc.min() < 0
    assert np.allclose(allt.std(axis=0), 1, atol=1e-3)
    raw, _ = shards.load(ids)
    assert np.allclose(np.concatenate(raw).max(axis=1), 1)  # the paper's: each beat's max is 1
    c, t = dieleman2011.read(shards, ids, cfg)  # the paper's: chroma as stored, z-scored timbre
    assert np.allclose(np.concatenate(c), np.concatenate(raw))
    assert np.allclose(t[0].mean(axis=0), 0, atol=1e-4)
    with pytest.raises(ParameterError, match="needs stats"):
        dieleman2011.read(shards, ids, gauss)
    with pytest.raises(ParameterError, match="unknown feature"):
        shards.load(ids, scale={"loudness": (0, 1)})
    dbn = dieleman2011.pretrain(shards, ids, gauss, stats=stats, verbose=False)
    assert dbn.rbm_chroma_.visible == "gaussian" and dbn.rbm_timbre_.visible == "gaussian"
    table = dieleman2011.pretraining_table(dbn)
    assert list(table["visible"]) == ["gaussian", "gaussian", "bernoulli"]
    assert table.loc["3", "weight SD"] == pytest.approx(dbn.rbm_top_.components_.std())
    binary = dieleman2011.pretrain(shards, ids, cfg, verbose=False)
    assert binary.rbm_chroma_.visible == "bernoulli"


def _fake_run(val, test):
    """A Run whose curves have two rates; ``val``/``test``: {(init, lr): (acc@1, acc@2)}."""
    rows = []
    for (init, lr), (v, t) in zip(val, zip(val.values(), test.values())):
        for e in (1, 2):
            rows.append({"epoch": e, "seed": 0, "task": "genre", "init": init,
                         "learning_rate": lr, "val_accuracy": v[e - 1],
                         "test_accuracy": t[e - 1], "loss": 0.0})
    base = pd.DataFrame([{"seed": 0, "task": "genre", "method": "naive Bayes",
                          "learning_rate": np.nan, "val_accuracy": 0.1, "test_accuracy": 0.2,
                          "test_pred": np.zeros(1)}])
    cfg = dieleman2011.config("smoke", report_epochs=(1, 2), epochs=2)
    return dieleman2011.Run(pd.DataFrame(rows), base, {}, {}, {}, {}, {}, cfg)


def test_the_rate_is_chosen_on_validation_at_each_epoch_count():
    val = {("pretrained", 0.05): (0.9, 0.1), ("pretrained", 0.005): (0.2, 0.8),
           ("random", 0.05): (0.3, 0.3), ("random", 0.005): (0.4, 0.4)}
    test = {("pretrained", 0.05): (0.11, 0.12), ("pretrained", 0.005): (0.21, 0.22),
            ("random", 0.05): (0.31, 0.32), ("random", 0.005): (0.41, 0.42)}
    sel = dieleman2011.selected(_fake_run(val, test)).set_index(["epochs", "method"])
    pre = "conv. MLP with pretraining"
    assert sel.loc[(1, pre), "learning_rate"] == 0.05
    assert sel.loc[(1, pre), "test_accuracy"] == 0.11
    assert sel.loc[(2, pre), "learning_rate"] == 0.005
    assert sel.loc[(2, pre), "test_accuracy"] == 0.22
    assert sel.loc[(2, "naive Bayes"), "test_accuracy"] == 0.2


def test_verdict_reads_pretrained_minus_random_the_right_way_round():
    rows = []
    for seed in range(3):
        for init, acc in (("pretrained", 0.5 + 0.01 * seed), ("random", 0.1)):
            for e in (1, 2):
                rows.append({"epoch": e, "seed": seed, "task": "artist", "init": init,
                             "learning_rate": 0.05, "val_accuracy": acc, "test_accuracy": acc,
                             "loss": 0.0})
    base = pd.DataFrame([{"seed": s, "task": "artist", "method": m, "learning_rate": np.nan,
                          "val_accuracy": 0.2, "test_accuracy": 0.2}
                         for s in range(3) for m in ("naive Bayes",
                                                     "windowed logistic regression")])
    cfg = dieleman2011.config("smoke", report_epochs=(1, 2), epochs=2, seeds=3)
    res = dieleman2011.Run(pd.DataFrame(rows), base, {}, {}, {}, {}, {}, cfg)
    text = dieleman2011.verdict(res)
    assert "pretrained − random at epoch 2: 0.410 ± 0.010 (shows it)" in text
    assert "conv − LR 0.310 ± 0.010 (shows it)" in text
    assert "conv (random init) − LR -0.100" in text
    assert "artist 0.410 ± 0.010; ahead by more than the spread over seeds on 1 of 1 tasks" \
        in text


def test_convergence_is_ahead_only_beyond_the_spread_over_seeds():
    rows = []
    for seed, gap in enumerate((0.3, -0.2, 0.05)):  # mean 0.05, SD 0.25: within the noise
        for init, acc in (("pretrained", 0.4 + gap), ("random", 0.4)):
            for e in (1, 2):
                rows.append({"epoch": e, "seed": seed, "task": "artist", "init": init,
                             "learning_rate": 0.05, "val_accuracy": acc, "test_accuracy": acc,
                             "loss": 0.0})
    cfg = dieleman2011.config("smoke", report_epochs=(1, 2), epochs=2, seeds=3)
    base = pd.DataFrame(columns=["seed", "task", "method", "learning_rate", "val_accuracy",
                                 "test_accuracy"])
    res = dieleman2011.Run(pd.DataFrame(rows), base, {}, {}, {}, {}, {}, cfg)
    assert "on 0 of 1 tasks." in dieleman2011.verdict(res)


def test_verdict_says_when_the_papers_control_never_left_chance():
    from types import SimpleNamespace

    rows = []
    for seed in range(2):
        for init, acc in (("pretrained", 0.6), ("random", 0.25), ("glorot", 0.4 + 0.1 * seed)):
            for e in (1, 2):
                rows.append({"epoch": e, "seed": seed, "task": "key", "init": init,
                             "learning_rate": 0.5, "val_accuracy": acc, "test_accuracy": acc,
                             "loss": 0.0})
    base = pd.DataFrame(columns=["seed", "task", "method", "learning_rate", "val_accuracy",
                                 "test_accuracy"])
    cfg = dieleman2011.config("smoke", report_epochs=(1, 2), epochs=2, seeds=2)
    tasks = {s: {"key": SimpleNamespace(classes=list("abcd"))} for s in range(2)}
    res = dieleman2011.Run(pd.DataFrame(rows), base, {}, tasks, {}, {}, {}, cfg)
    text = dieleman2011.verdict(res)
    assert "did not learn at all" in text
    assert "pretrained − Glorot-initialised at epoch 2: key 0.150 ± 0.071" in text
    rows[2]["val_accuracy"] = 0.3  # the control once above chance (0.25)
    res = dieleman2011.Run(pd.DataFrame(rows), base, {}, tasks, {}, {}, {}, cfg)
    assert "did not learn at all" not in dieleman2011.verdict(res)
