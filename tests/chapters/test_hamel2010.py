"""The hamel2010 chapter module: config and profiles, the paper's numbers, the
SVM pipeline on toy frames, the records and the verdict, and the notebook on
real data that is not there."""

import numpy as np
import pandas as pd
import pytest

from mirnb import run
from mirnb.chapters import hamel2010
from mirnb.errors import ParameterError


# ----------------------------------------------------------------------------
# config and paper numbers
# ----------------------------------------------------------------------------
def test_paper_profile_dbn_has_the_paper_sizes_and_trains_one_step_each():
    from mirnb.models.dbn import DBN, finetune

    cfg = hamel2010.config("paper")
    assert (cfg.sr, cfg.n_fft, cfg.hop_length, cfg.hidden) == (22050, 1024, 512, (50, 50, 50))
    assert (cfg.pretrain_lr, cfg.pretrain_epochs, cfg.finetune_lr) == (0.001, 5, 0.1)
    assert (cfg.svm_frames, cfg.window_seconds, cfg.window_hop_seconds) == (10000, 5.0, 2.5)
    assert (cfg.n_tags, cfg.min_votes, cfg.split_fractions) == (25, 2, (0.5, 0.2, 0.3))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 1 + cfg.n_fft // 2)).astype(np.float32)
    y = rng.integers(10, size=32)
    dbn = DBN(cfg.hidden, visible="gaussian", learning_rate=cfg.pretrain_lr, n_iter=1,
              batch_size=32, momentum=cfg.momentum, k=cfg.cd_k, random_state=0).fit(X)
    assert [int(r.model_.optimizer.iterations) for r in dbn.rbms_] == [1, 1, 1]
    model = dbn.to_keras(10, head="softmax")
    shapes = [tuple(layer.get_weights()[0].shape) for layer in model.layers[1:]]
    assert shapes == [(513, 50), (50, 50), (50, 50), (50, 10)]
    assert model.output_shape == (None, 10)
    hist = finetune(model, X, y, validation_data=(X, y), learning_rate=cfg.finetune_lr,
                    epochs=1, batch_size=32, patience=cfg.finetune_patience)
    assert hist["epochs_run"] == 1 and int(model.optimizer.iterations) == 1


def test_profiles_derive_from_the_paper_values():
    paper = hamel2010.config("paper")
    default = hamel2010.config("default")
    assert paper == hamel2010.Config()
    assert default.hidden == paper.hidden and default.n_seeds >= 3
    assert default.hop_length == 2048  # the CPU profile's documented departure
    assert hamel2010.config("default", n_seeds=5).n_seeds == 5
    with pytest.raises(ParameterError, match="profile"):
        hamel2010.config("huge")
    with pytest.raises(ParameterError, match="no field"):
        hamel2010.config("smoke", hiden=(3,))


def test_every_number_of_tables_1_to_4_is_quoted_with_its_table():
    got = {(n.table, n.row): n.value for n in hamel2010.PAPER}
    assert got == {
        ("Table 1", "DBN 3 x 50 + softmax"): 0.737,
        ("Table 2", "MFCC"): 0.630, ("Table 2", "DBN layer 1"): 0.735,
        ("Table 2", "DBN layer 2"): 0.770, ("Table 2", "DBN layer 3"): 0.735,
        ("Table 2", "DBN all layers"): 0.770,
        ("Table 3", "MFCC"): 0.790, ("Table 3", "DBN layer 1"): 0.800,
        ("Table 3", "DBN layer 2"): 0.837, ("Table 3", "DBN layer 3"): 0.830,
        ("Table 3", "DBN all layers"): 0.843,
        ("Table 4", "DBN all layers"): 0.73, ("Table 4", "timbral + temporal"): 0.70}
    all_layers = [n for n in hamel2010.PAPER if n.table == "Table 3"
                  and n.row == "DBN all layers"][0]
    assert "Bergstra" in all_layers.note and "5-fold" in all_layers.note
    assert all(n.ref.startswith("Hamel & Eck 2010, ") for n in hamel2010.PAPER)


# ----------------------------------------------------------------------------
# the SVM pipeline on toy frames
# ----------------------------------------------------------------------------
def _toy_frames(n_tracks=30, n_frames=12, d=5, seed=0):
    rng = np.random.default_rng(seed)
    labels = {f"t{i:02d}": ["a", "b", "c"][i % 3] for i in range(n_tracks)}
    centers = {"a": 0.0, "b": 1.5, "c": 3.0}
    frames = {t: {"dft": (centers[g] + rng.normal(size=(n_frames, d))).astype(np.float32),
                  "mfcc": rng.normal(size=(n_frames, 3)).astype(np.float32)}
              for t, g in labels.items()}
    return frames, pd.Series(labels)


def test_prepare_and_the_svm_tables_on_informative_and_noise_features():
    frames, labels = _toy_frames()
    ids = list(labels.index)
    split = {"train": ids[:15], "valid": ids[15:21], "test": ids[21:]}
    data = hamel2010.prepare(frames, labels, split)
    assert data.counts["train"] == {"tracks": 15, "frames": 180, "left out": 0}
    np.testing.assert_allclose(data.dft["train"].X.mean(axis=0), 0, atol=1e-5)
    sets = {"informative": data.dft, "noise": data.mfcc}
    cfg = hamel2010.config("smoke", svm_frames=100, svm_C=(0.1, 10.0), eval_frames=None,
                           sr=100, hop_length=20, window_seconds=1.0, window_hop_seconds=0.6)
    frames_table = hamel2010.svm_table(sets, cfg, level="frames", verbose=False)
    assert list(frames_table.index) == ["informative", "noise"]
    assert frames_table.loc["informative", "training rows"] == 100
    assert frames_table.loc["informative", "test accuracy"] > 0.8
    assert frames_table.loc["noise", "test accuracy"] < 0.8
    windows = hamel2010.svm_table(sets, cfg, level="windows", verbose=False)
    # 5-frame windows, hop 3: 3 windows of each of the 15 training tracks
    assert windows.loc["informative", "training rows"] == 45
    with pytest.raises(ParameterError, match="level"):
        hamel2010.svm_table(sets, cfg, level="songs")
    with pytest.raises(ParameterError, match="no part 'valid'"):
        hamel2010.prepare(frames, labels, {"train": ids, "test": ids})


def test_tagging_chooses_C_on_validation_and_reports_the_standard_error():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    Y = pd.DataFrame({"easy": X[:, 0] > 0.8, "noise": rng.random(120) < 0.5})
    split = {"train": list(range(72)), "valid": list(range(72, 96)),
             "test": list(range(96, 120))}
    cfg = hamel2010.config("smoke", svm_C=(1.0,), min_tag_clips=2)
    res = hamel2010.tagging({"f": pd.DataFrame(X)}, Y, split, cfg)
    assert res["f"]["tags"] == 2 and res["f"]["stderr"] > 0 and res["f"]["C"] == 1.0
    assert res["f"]["per_tag"]["easy"] > 0.8


def _fake_run(seed, dbn_acc, mfcc_acc, tag_dbn=0.7):
    names = list(hamel2010.FEATURE_SETS)
    tables = {level: pd.DataFrame({"C": 1.0, "valid accuracy": 0.5,
                                   "test accuracy": [dbn_acc] * 4 + [mfcc_acc],
                                   "training rows": 10, "seconds": 0.1},
                                  index=pd.Index(names, name="features"))
              for level in ("frames", "windows")}
    tagging = {"DBN all layers": {"mean": tag_dbn, "stderr": 0.02, "tags": 25, "C": 1.0},
               "timbral + temporal": {"mean": 0.6, "stderr": 0.03, "tags": 25, "C": 1.0}}
    return hamel2010.SeedRun(seed, "random 50/20/30", None, None, None,
                             {"epochs_run": 3, "best_epoch": 2}, 0.5, tables, tagging)


def test_the_verdict_and_the_records_come_from_the_numbers():
    better = [_fake_run(s, 0.8 + 0.01 * s, 0.6) for s in range(3)]
    worse = [_fake_run(s, 0.5 + 0.01 * s, 0.6, tag_dbn=0.5) for s in range(3)]
    text = hamel2010.verdict(better)
    assert text.count("**beat** MFCCs") == 2 and "**beat** *timbral + temporal*" in text
    # ties on validation choose the first DBN set; the paper's number of that row
    assert "*DBN layer 1* (chosen on validation)" in text
    assert "Paper: 0.735 against 0.630 (+10.5 points)" in text  # Table 2
    assert "Paper: 0.800 against 0.790 (+1.0 points)" in text  # Table 3
    text = hamel2010.verdict(worse)
    assert text.count("**lose to** MFCCs") == 2 and "**lose to** *timbral" in text
    assert "Likely" not in text  # fixed readings live in the notebook's prose
    cfg = hamel2010.config("smoke")
    info = {"data_kind": "synthetic", "gtzan": "synthetic GTZAN view", "gtzan_version": "k",
            "majorminer": "synthetic MajorMiner view", "majorminer_version": "m"}
    recs = hamel2010.results_records(better, cfg, profile="smoke", info=info)
    paper = {(r.experiment.split(":")[0], r.method): r.paper_value for r in recs}
    assert paper[("Table 1", "DBN 3 x 50 + softmax")] == 0.737
    assert paper[("Table 2", "MFCC")] == 0.630 and paper[("Table 3", "DBN all layers")] == 0.843
    assert paper[("Table 4", "DBN all layers")] == 0.73
    assert paper[("Table 4", "timbral + temporal")] == 0.70
    t2 = [r for r in recs if r.experiment.startswith("Table 2")]
    assert [r.method for r in t2] == list(hamel2010.FEATURE_SETS)
    assert all(r.paper_ref == "Hamel & Eck 2010, Table 2" for r in t2)
    assert all(r.n_seeds == 3 and r.spread is not None for r in recs)
    assert {r.data_kind for r in recs} == {"synthetic"}


# ----------------------------------------------------------------------------
# the notebook on real data that is not there
# ----------------------------------------------------------------------------
@pytest.mark.notebook
def test_chapter_on_missing_real_data_fails_with_the_loaders_message(tmp_path):
    outcome = run.execute("hamel2010", profile="smoke",
                          parameters={"dataset": "real", "data_home": str(tmp_path)},
                          output_dir=tmp_path / "out", build_dir=tmp_path / "build",
                          progress=False, raise_error=False)
    assert not outcome.ok
    assert "MissingDataError: GTZAN not found under" in outcome.error
    assert "gtzan/genres/<genre>/<genre>.NNNNN.wav" in outcome.error


def test_clip_features_average_the_5s_window_aggregates():
    from sklearn.preprocessing import StandardScaler

    from mirnb.models.dbn import DBN, layer_outputs

    rng = np.random.default_rng(0)
    frames = {"long": {"dft": rng.normal(size=(11, 6)).astype(np.float32)},
              "short": {"dft": rng.normal(size=(3, 6)).astype(np.float32)}}
    scaler = StandardScaler().fit(np.concatenate([f["dft"] for f in frames.values()]))
    dbn = DBN((4, 3), visible="gaussian", n_iter=1, batch_size=7, random_state=0)
    model = dbn.fit(scaler.transform(frames["long"]["dft"])).to_keras(2)
    # 100 frames per second: 5-frame windows with a 3-frame hop
    cfg = hamel2010.config("smoke", sr=100, hop_length=1, window_seconds=0.05,
                           window_hop_seconds=0.03)
    F = hamel2010.clip_features(model, frames, scaler, ["short", "long", "gone"], cfg)
    assert list(F.index) == ["short", "long"] and F.shape[1] == 2 * (4 + 3)
    acts = layer_outputs(model, scaler.transform(frames["long"]["dft"]).astype(np.float32),
                         ["hidden_1", "hidden_2"])
    starts = [0, 3, 6]  # 1 + (11 - 5) // 3 windows
    expected = np.mean([np.concatenate([acts[s:s + 5].mean(0), acts[s:s + 5].var(0)])
                        for s in starts], axis=0)
    np.testing.assert_allclose(F.loc["long"].to_numpy(), expected, rtol=1e-5, atol=1e-6)
