"""The zhang2015 chapter module: config and profiles, the paper's numbers, the
per-fold pipeline on toy frames (no audio; codebooks fitted on training songs
only), the paper-size KCNN taking a step, and the computed verdict."""

import numpy as np
import pandas as pd
import pytest

from mirnb.chapters import zhang2015
from mirnb.errors import ParameterError
from mirnb.features import words as fwords


# ----------------------------------------------------------------------------
# config and paper numbers
# ----------------------------------------------------------------------------
def test_paper_profile_holds_table_1_and_the_protocol():
    cfg = zhang2015.config("paper")
    assert cfg == zhang2015.Config()
    assert (cfg.window, cfg.k, cfg.filters, cfg.hidden) == (5, 5, 500, 300)
    assert (cfg.learning_rate, cfg.l2, cfg.optimizer) == (0.02, 1e-4, "sgd")
    assert (cfg.sr, cfg.n_fft, cfg.hop_length) == (22050, 1024, 512)
    assert (cfg.n_folds, cfg.n_runs) == (10, 10)
    assert cfg.columns == ("MEL", "SFM", "SCF", "ALL")


def test_profiles_derive_from_the_paper_values():
    smoke, default = zhang2015.config("smoke"), zhang2015.config("default")
    assert smoke.synth_profile == "smoke" and smoke.n_folds == 2 and smoke.epochs <= 2
    assert {"MEL", "ALL"} <= set(default.columns) and default.n_folds >= 5
    assert (default.n_frames, default.n_components, default.n_words, default.filters) == \
        (4, 24, 128, 64)
    assert default.optimizer == "adam" and default.k == 5 and default.window == 5
    assert zhang2015.config("default", n_folds=3).n_folds == 3
    with pytest.raises(ParameterError, match="profile"):
        zhang2015.config("huge")
    with pytest.raises(ParameterError, match="no field"):
        zhang2015.config("smoke", n_fold=3)


#: Tables 2 and 3 as read in the paper (percent), rows x (MEL, SFM, SCF, ALL).
TABLE2 = {"Sparse coding + SVM": (74.30, 59.00, 55.60, 75.10),
          "Autoencoder + SVM": (59.90, 48.80, 55.70, 64.30),
          "DBN + SVM": (63.20, 45.50, 42.30, 60.90),
          "KCNN (k = 5) ULT": (61.80, 47.50, 39.80, 66.30),
          "KCNN (k = 5)": (75.30, 50.90, 42.30, 77.60),
          "KCNN (k = 1) + SVM": (72.90, 56.50, 39.80, 74.60),
          "KCNN (k = 5) + SVM": (80.70, 59.60, 48.50, 83.90)}
TABLE3 = {"Sparse coding + SVM": (72.44, 62.05, 60.80, 72.52),
          "Autoencoder + SVM": (70.03, 69.88, 63.55, 64.61),
          "DBN + SVM": (69.50, 68.45, 58.30, 70.08),
          "KCNN (k = 5) ULT": (70.03, 53.92, 53.57, 71.08),
          "KCNN (k = 5)": (72.74, 63.40, 61.60, 73.49),
          "KCNN (k = 1) + SVM": (69.28, 63.70, 69.28, 71.39),
          "KCNN (k = 5) + SVM": (78.29, 68.52, 69.67, 79.68)}


def test_every_cell_of_tables_2_and_3_is_quoted_as_a_fraction():
    expected = {(table, f"{row}, {col}"): v / 100
                for table, cells in (("Table 2", TABLE2), ("Table 3", TABLE3))
                for row, values in cells.items() for col, v in zip(("MEL", "SFM", "SCF", "ALL"),
                                                                   values)}
    got = {(n.table, n.row): n.value for n in zhang2015.PAPER}
    assert len(zhang2015.PAPER) == 56 and set(got) == set(expected)
    assert all(got[key] == pytest.approx(v, abs=1e-9) for key, v in expected.items())
    assert all(n.ref.startswith("Zhang et al. 2015, Table ") and n.metric == "accuracy"
               for n in zhang2015.PAPER)
    assert all("printed as" in n.note for n in zhang2015.PAPER)
    assert zhang2015.paper_cells("Table 2").loc["KCNN (k = 5) + SVM", "ALL"] == 83.90


def test_the_paper_gaps_quoted_in_the_text_follow_from_the_cells():
    t2 = zhang2015.paper_cells("Table 2")
    ult = (t2.loc["KCNN (k = 5)"] - t2.loc["KCNN (k = 5) ULT"]).mean()
    kmax = (t2.loc["KCNN (k = 5) + SVM"] - t2.loc["KCNN (k = 1) + SVM"]).mean()
    assert round(ult, 2) == pytest.approx(7.68, abs=0.01)  # Sec. 4.5: "7.68% in average"
    assert round(kmax, 2) == pytest.approx(7.23, abs=0.01)  # Sec. 4.5: "about 7.23%"


# ----------------------------------------------------------------------------
# the pipeline on toy frames
# ----------------------------------------------------------------------------
def _toy(n_per=6, n_frames=24, seed=0):
    rng = np.random.default_rng(seed)
    genres = ["a", "b", "c"]
    labels, frames = {}, {}
    for g_i, g in enumerate(genres):
        for i in range(n_per):
            t = f"{g}.{i:03d}"
            labels[t] = g
            frames[t] = {"mel": (g_i + rng.normal(size=(n_frames, 6))).astype(np.float32),
                         "sfm": rng.uniform(0.1, 1, size=(n_frames, 4)).astype(np.float32),
                         "scf": (g_i + rng.normal(size=(n_frames, 4))).astype(np.float32)}
    return frames, pd.Series(labels)


def _tiny_cfg(**kw):
    return zhang2015.config("smoke", columns=("MEL", "ALL"), n_frames=2, n_components=3,
                            n_words=4, kmeans="lloyd", filters=4, hidden=6, epochs=1,
                            batch_size=4, competitor_segments=200, dbn_hidden=(4, 4),
                            sc_atoms=5, **kw)


@pytest.fixture(scope="module")
def toy_cv(keras_eagerly):
    """One cross-validation of the toy frames, every row and competitor, with the songs
    every codebook was fitted on.

    Its networks run eagerly: on a few toy songs, tracing their graphs would
    take most of the time. The graphs are tested in ``tests/models/test_kcnn.py``
    and in the chapter's smoke run (``tests/test_notebooks.py``).
    """
    frames, labels = _toy()
    cfg = _tiny_cfg()
    seen = []
    fit = fwords.AudioWords.fit

    def spy(self, songs, y=None):
        seen.append([id(s) for s in songs])
        return fit(self, songs, y)

    with pytest.MonkeyPatch.context() as mp, keras_eagerly():
        mp.setattr(fwords.AudioWords, "fit", spy)
        cv = zhang2015.cross_validate(frames, labels, cfg, seed=0, verbose=False)
    return frames, labels, cfg, cv, seen


def test_every_fold_fills_every_row_and_fits_codebooks_on_training_songs_only(toy_cv):
    frames, labels, cfg, cv, seen = toy_cv
    folds = zhang2015.folds(labels, cfg, seed=0)
    assert len(folds) == cfg.n_folds == 2
    # per fold, MEL: one codebook; ALL: one per feature type
    assert len(seen) == 4 * len(folds)
    for f, fold in enumerate(folds):
        test_arrays = {id(frames[t][k]) for t in fold["test"] for k in ("mel", "sfm", "scf")}
        train_arrays = {id(frames[t][k]) for t in fold["train"] for k in ("mel", "sfm", "scf")}
        fits = seen[4 * f:4 * f + 4]
        assert all(set(ids) <= train_arrays and not set(ids) & test_arrays for ids in fits)
        assert all(len(ids) == len(fold["train"]) for ids in fits)
        acc = cv.folds.loc[(0, f)]
        for col in cfg.columns:
            for row in ("KCNN (k = 5)", "KCNN (k = 5) ULT", "KCNN (k = 1) + SVM",
                        "KCNN (k = 5) + SVM"):
                assert 0.0 <= acc[col, row] <= 1.0
        assert {("MEL", "DBN + SVM"), ("MEL", "Sparse coding + SVM")} <= set(acc.index)
    # the first fold keeps what the figures draw
    test0 = folds[0]["test"]
    assert cv.show["kcnn_test"].shape == (len(test0), cfg.hidden)
    assert cv.show["conv"].shape[1] == cfg.filters
    assert cv.show["song"] == test0[0] and cv.show["labels_test"] == list(labels[test0])
    assert set(cv.show["competitor_test"]) == {"DBN", "sparse coding"}


def test_a_fold_with_a_song_on_both_sides_is_refused():
    frames, labels = _toy()
    ids = list(labels.index)
    with pytest.raises(ValueError, match="both"):
        zhang2015.run_fold(frames, labels, {"train": ids[:10], "test": ids[9:]}, _tiny_cfg())


def test_cross_validation_tables_records_and_paired_differences(toy_cv):
    _, _, cfg, cv, _ = toy_cv
    assert cv.folds.shape[0] == cfg.n_folds
    table = zhang2015.accuracy_table(cv)
    assert table.loc["KCNN (k = 5) + SVM", "MEL paper"] == "0.807"
    assert "KCNN (k = 1) (ours)" in table.index
    info = {"data_kind": "synthetic", "dataset": "toy", "dataset_version": ""}
    recs = zhang2015.records(cv, info, profile="smoke")
    best = [r for r in recs if r.experiment == "Table 2: ALL"
            and r.method == "KCNN (k = 5) + SVM"][0]
    assert best.paper_value == pytest.approx(0.839) and best.paper_ref.endswith("Table 2")
    assert len(best.extra["per_fold"]) == cfg.n_folds
    diffs = zhang2015.paired_differences(cv)
    assert set(diffs["column"]) == {"MEL", "ALL"}
    assert (diffs["n folds"] == cfg.n_folds).all()


# ----------------------------------------------------------------------------
# the paper-size model
# ----------------------------------------------------------------------------
def test_paper_profile_kcnn_has_table_1_sizes_and_takes_one_sgd_step():
    from mirnb import training
    from mirnb.models import kcnn

    cfg = zhang2015.config("paper")
    rng = np.random.default_rng(0)
    centroids = rng.normal(size=(cfg.n_words, cfg.n_components)).astype(np.float32)
    model = kcnn.build_kcnn(embedding=centroids, window=cfg.window, k=cfg.k,
                            filters=cfg.filters, hidden=cfg.hidden, n_classes=10, l2=cfg.l2)
    assert model.get_layer("conv").kernel.shape == (5, 64, 500)
    assert model.get_layer("hidden").kernel.shape == (5 * 500, 300)
    training.compile_model(model, loss="sparse_categorical_crossentropy",
                           optimizer=cfg.optimizer, learning_rate=cfg.learning_rate)
    X = rng.integers(cfg.n_words, size=(cfg.batch_size, 161)).astype(np.int32)
    y = np.array([3] * cfg.batch_size)
    before = model.get_layer("table").get_weights()[0].copy()
    model.train_on_batch(X, y)
    assert int(model.optimizer.iterations) == 1
    assert not np.allclose(before, model.get_layer("table").get_weights()[0])
    table = zhang2015.paper_layer_table()
    assert table.set_index("layer").loc["kmax", "output shape"] == "(None, 5, 500)"


# ----------------------------------------------------------------------------
# the verdict
# ----------------------------------------------------------------------------
def test_the_verdict_is_computed_from_the_paired_differences():
    cols = pd.MultiIndex.from_tuples([("MEL", r) for r in (
        "KCNN (k = 5) + SVM", "KCNN (k = 1) + SVM", "KCNN (k = 5)", "KCNN (k = 5) ULT")])
    folds = pd.DataFrame([[0.80, 0.70, 0.60, 0.62], [0.82, 0.71, 0.70, 0.61],
                          [0.78, 0.69, 0.50, 0.63]], columns=cols)
    cfg = zhang2015.config("smoke", columns=("MEL",))
    cv = zhang2015.CVResult(folds, pd.DataFrame(), {}, cfg)
    diffs = zhang2015.paired_differences(cv)
    text = zhang2015.verdict(diffs)
    kmax = [line for line in text.splitlines() if line.startswith("- **k-max")][0]
    assert "paper +0.078" in kmax and "ours +0.100" in kmax and "3 of 3" in kmax
    assert "shows the effect" in kmax
    table = [line for line in text.splitlines() if "frozen" in line][0]
    assert "no effect beyond the spread" in table  # +0.013 +/- 0.099
    assert "+ SVM beats the softmax" not in text or "shows the effect" in text
    with pytest.raises(ParameterError):
        zhang2015.verdict(diffs, data_kind="fake")
