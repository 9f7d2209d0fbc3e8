"""The nam2015 chapter module: config and profiles, Table I as printed, the
paper-size DNN taking a pretraining and a fine-tuning step, the experiments
and their records on toy bags, and the computed verdict. The smoke run of the
notebook is in ``tests/test_notebooks.py``."""

import numpy as np
import pandas as pd
import pytest

from mirnb.chapters import nam2015
from mirnb.errors import ParameterError
from mirnb.models import dbof


# ----------------------------------------------------------------------------
# config and paper numbers
# ----------------------------------------------------------------------------
def test_paper_profile_holds_the_paper_and_code_values():
    cfg = nam2015.config("paper")
    assert cfg == nam2015.Config()
    assert (cfg.sr, cfg.n_fft, cfg.hop_length, cfg.n_mels, cfg.gain) == \
        (22050, 1024, 512, 128, 10.0)
    assert (cfg.n_frames, cfg.sampling, cfg.n_samples, cfg.variance, cfg.eps) == \
        (8, "onset", 200000, 0.9, 0.01)
    assert (cfg.n_hidden_local, cfg.sparsity, cfg.local_lr, cfg.local_epochs) == \
        (1024, 0.02, 0.03, 300)
    assert (cfg.units, cfg.layers, cfg.pretrain_epochs) == (512, (1, 2, 3), 200)
    assert (cfg.dropout, cfg.input_dropout, cfg.epochs, cfg.batch_size) == (0.5, 0.0, 100, 128)
    assert (cfg.rho, cfg.epsilon, cfg.n_tags) == (0.99, 1e-8, 160)
    assert cfg.pooling == (0.25, 0.5, 1.0, 2.0, 4.0) and len(cfg.wc_grid) == 27
    assert cfg.sparsities == (0.007, 0.01, 0.02, 0.03)


def test_profiles_and_setup_overrides():
    smoke, default = nam2015.config("smoke"), nam2015.config("default")
    assert smoke.synth_profile == "smoke" and smoke.epochs <= 3
    assert (default.n_samples, default.n_hidden_local, default.units) == (20000, 256, 256)
    assert default.n_tags == 50 and set(dbof.WC_INC) <= set(default.wc_grid)
    cfg, plan = nam2015.setup("smoke", experiment="frames", sparsity=0.03, verbose=False)
    assert cfg.experiments == ("frames",) and cfg.frames_sparsity == (0.03,)
    assert cfg.sparsities == cfg.layers_sparsities == cfg.wc_sparsities == (0.03,)
    assert plan == {"real": False, "profile": "smoke"}
    assert nam2015.setup("paper", verbose=False)[1]["real"]
    assert nam2015.setup("default", experiment="table", verbose=False)[0].experiments == ()
    with pytest.raises(ParameterError, match="experiment"):
        nam2015.setup("smoke", experiment="fig9", verbose=False)
    with pytest.raises(ParameterError, match="sampling"):
        nam2015.setup("smoke", sampling="beat", verbose=False)


def test_table_1_is_quoted_cell_by_cell():
    assert len(nam2015.PAPER) == 28
    got = {n.row: n.value for n in nam2015.PAPER}
    assert got["Deep-BoF, AUC-T"] == 0.888 and got["Deep-BoF, P@15"] == 0.190
    assert got["Multi PMSCs [35], AUC-T"] == 0.870 and got["PMSC+PFC [34], P@3"] == 0.449
    assert all(n.ref == "Nam et al. 2015, Table I" for n in nam2015.PAPER)
    t = nam2015.table1_paper()
    assert t.shape == (4, 7) and (t.loc["Deep-BoF"] > t.drop("Deep-BoF")).all().all()
    # the P@k ceilings of the test labels (spec Sec. 2) are above every cell
    assert (t["P@3"] <= 0.796).all() and (t["P@15"] <= 0.235).all()


# ----------------------------------------------------------------------------
# the paper-size DNN
# ----------------------------------------------------------------------------
def test_paper_size_dnn_takes_a_pretraining_and_a_fine_tuning_step():
    rng = np.random.default_rng(0)
    bags = rng.random((40, 1024)).astype("float32")
    Y = (rng.random((40, 160)) < 0.1).astype("float32")
    Y[:2] = 1
    dbn = dbof.pretrain(bags, layers=3, units=512, weight_costs=dbof.WC_INC[0], n_iter=1,
                        batch_size=40, random_state=0)
    assert [r.n_components for r in dbn.rbms_] == [512, 512, 512]
    model = nam2015.dbof.build_tagger(1024, 160, layers=3, units=512, dbn=dbn)
    assert model.output_shape == (None, 160)
    assert sum(lay.name.startswith("dropout") for lay in model.layers) == 3
    before = model.get_layer("hidden_1").get_weights()[0].copy()
    fit = dbof.finetune(model, bags[:30], Y[:30], validation_data=(bags[30:], Y[30:]),
                        epochs=1, batch_size=30)
    after = fit.model.get_layer("hidden_1").get_weights()[0]
    assert fit.epochs == 1 and not np.allclose(before, after)


# ----------------------------------------------------------------------------
# experiments, records and the verdict on toy tables
# ----------------------------------------------------------------------------
def _frames_table():
    rows = [{"P": p, "sampling": s, "sparsity": 0.02, "pooling s": sec,
             "test AUC-T": 0.7 + 0.01 * p + (0.02 if s == "onset" else 0) + 0.001 * sec,
             "valid AUC-T": 0.7} for p in (2, 6, 10) for s in ("random", "onset")
            for sec in (0.5, 1.0)]
    return pd.DataFrame(rows)


def _wc_table():
    rows = []
    for wc in sorted(set(dbof.WC_INC) | {(0.01,) * 3, (0.1,) * 3}):
        v = 0.8 - 0.05 * wc[0] + 0.001 * wc[1] + 0.01 * wc[2]
        rows.append({"sparsity": 0.02, "weight costs": wc, "WC Inc": wc in dbof.WC_INC,
                     "test AUC-T": v, "valid AUC-T": v})
    df = pd.DataFrame(rows)
    for i in range(3):
        df[f"layer {i + 1}"] = [w[i] for w in df["weight costs"]]
    return df


def test_verdict_reads_the_tables_the_right_way_round():
    best = {"AUC-T": 0.8, "AUC-C": 0.9, "config": {"candidates": 3}}
    layers = pd.DataFrame([{"layers": L, "init": i, "test AUC-T": 0.7 + (0.05 if i ==
                                                                        "pretrained" else 0)}
                           for L in (1, 2) for i in ("random", "pretrained")])
    text = nam2015.verdict(best, {"frames": _frames_table(), "layers": layers,
                                  "weight_cost": _wc_table()})
    assert "synthetic" in text and "0.888" in text
    assert "random: best median at P = 10" in text and "onset ahead" in text
    assert "2 layer(s) +0.050" in text and "P@k" not in text
    assert "with 5.2 evaluated tags" in nam2015.verdict(best, {}, tags_per_clip=5.2)
    flipped = _frames_table().assign(sampling=lambda d: d["sampling"].map(
        {"onset": "random", "random": "onset"}))
    assert "random ahead or equal" in nam2015.verdict(best, {"frames": flipped})


class _Lab:
    """The parts of a Lab that the records need."""

    def __init__(self):
        self.cfg = nam2015.config("smoke")
        self.eval_tags = np.array([True, True, False])


def test_records_label_ours_and_the_papers():
    best = {"AUC-T": 0.81, "AUC-C": 0.9, "P@3": 0.5,
            "config": {"P": 4, "weight costs": (0.01, 0.01)}}
    info = {"dataset": "synthetic MTAT view (smoke corpus)", "data_kind": "synthetic",
            "dataset_version": "x", "split": "random by song"}
    recs = nam2015.records(best, _Lab(), info, profile="smoke",
                           experiments={"frames": _frames_table()})
    table = [r for r in recs if r.experiment == "Table I"]
    assert [r.metric for r in table] == ["AUC-T", "AUC-C", "P@3"]
    assert table[0].paper_value == 0.888 and table[0].value == 0.81
    assert table[0].extra["tags left out"] == 1 and table[0].data_kind == "synthetic"
    figs = [r for r in recs if r.experiment == "Fig. 4 analogue"]
    assert len(figs) == len(_frames_table()) and all(r.paper_value is None for r in figs)
    assert "P 2" in figs[0].method and "no numbers printed" in figs[0].paper_ref
    assert len(nam2015.results(recs)) == 3


def test_pretraining_on_a_shared_prefix_gives_the_full_stack():
    rng = np.random.default_rng(1)
    bags = rng.random((30, 12)).astype("float32")
    kw = dict(layers=3, units=6, weight_costs=(0.001, 0.01, 0.1), n_iter=2, batch_size=10,
              random_state=3)
    full = dbof.pretrain(bags, **kw)
    below = dbof.first_layers(dbof.pretrain(bags, **{**kw, "layers": 1,
                                                     "weight_costs": (0.001,)}), 1)
    grown = dbof.pretrain(bags, below=below, **kw)
    assert [r.n_components for r in grown.rbms_] == [6, 6, 6]
    for a, b in zip(full.rbms_, grown.rbms_):
        np.testing.assert_allclose(a.components_, b.components_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(full.transform(bags), grown.transform(bags), rtol=1e-4,
                               atol=1e-5)
    with pytest.raises(ParameterError, match="below has 3 layers"):
        dbof.pretrain(bags, below=full, **kw)
