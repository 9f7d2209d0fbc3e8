"""The zhang2015 chapter module: config and profiles, the paper's numbers, the
per-fold pipeline on toy frames (no audio; codebooks fitted on training songs
only), Table 3's protocol on the smoke corpus's ISMIR2004 view, the paper-size
KCNN taking a step, and the computed verdict."""

import numpy as np
import pandas as pd
import pytest

from mirnb.chapters import zhang2015
from mirnb.errors import MissingDataError, ParameterError
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
    assert (cfg.n_folds, cfg.n_runs, cfg.ismir_runs) == (10, 10, 10)
    assert cfg.columns == ("MEL", "SFM", "SCF", "ALL")


def test_profiles_derive_from_the_paper_values():
    smoke, default = zhang2015.config("smoke"), zhang2015.config("default")
    assert smoke.synth_profile == "smoke" and smoke.n_folds == 2 and smoke.epochs <= 2
    assert smoke.ismir_runs == 1 and default.ismir_runs >= 2  # Table 3 has a spread by default
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
        assert {("MEL", "DBN + SVM"), ("MEL", "Sparse coding + SVM"),
                ("MEL", "Autoencoder + SVM")} <= set(acc.index)
    # the first fold keeps what the figures draw
    test0 = folds[0]["test"]
    assert cv.show["kcnn_test"].shape == (len(test0), cfg.hidden)
    assert cv.show["conv"].shape[1] == cfg.filters
    assert cv.show["song"] == test0[0] and cv.show["labels_test"] == list(labels[test0])
    assert set(cv.show["competitor_test"]) == {"DBN", "sparse coding", "autoencoder"}


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
    assert (diffs["n"] == cfg.n_folds).all() and set(diffs["over"]) == {"folds"}
    assert set(diffs["table"]) == {"Table 2"}
    shown = zhang2015.differences_table(diffs)  # what the page shows: three cells a row
    assert list(shown.columns) == ["paper gap", "ours", "a won"] and len(shown) == len(diffs)
    row = diffs.iloc[0]
    assert shown.iloc[0]["ours"] == f"{row['ours mean']:+.3f} ± {row['ours SD']:.3f}"
    assert shown.iloc[0]["a won"] == f"{row['a > b']} of {cfg.n_folds} folds"


# ----------------------------------------------------------------------------
# Table 3: ISMIR2004Genre's official split
# ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def smoke_t3(smoke_home, keras_eagerly):
    """Table 3 on the smoke corpus's ISMIR2004 view, two runs on the official split, with
    the songs every codebook was fitted on (networks eagerly, as in ``toy_cv``)."""
    cfg = zhang2015.config("smoke", ismir_runs=2)
    ds, info = zhang2015.load(cfg, table="Table 3", data_home=smoke_home, verbose=False)
    frames, labels = zhang2015.extract(ds, cfg, verbose=False)
    seen, fit = [], fwords.AudioWords.fit

    def spy(self, songs, y=None):
        seen.append([id(s) for s in songs])
        return fit(self, songs, y)

    with pytest.MonkeyPatch.context() as mp, keras_eagerly():
        mp.setattr(fwords.AudioWords, "fit", spy)
        cv = zhang2015.cross_validate(frames, labels, cfg, split=ds.splits("official"),
                                      seed=0, verbose=False)
    return cfg, ds, info, frames, labels, cv, seen


def test_table_3_runs_on_the_smoke_ismir_view_and_fits_on_training_songs_only(smoke_t3):
    cfg, ds, info, frames, labels, cv, seen = smoke_t3
    from mirnb.datasets.ismir2004 import ISMIR2004

    assert isinstance(ds, ISMIR2004) and ds.is_synthetic and info["data_kind"] == "synthetic"
    assert "ISMIR2004Genre" in info["dataset"]
    counts = labels.value_counts()
    assert counts.max() >= 4 * counts.min()  # unbalanced, as the real collection
    part = ds.labels["part"].loc[labels.index]
    train = {id(frames[t]["mel"]) for t in labels.index[part == "train"]}
    test = {id(frames[t]["mel"]) for t in labels.index[part == "development"]}
    assert train and test
    # one MEL codebook per run, fitted on every training song and no development song
    assert len(seen) == cfg.ismir_runs
    assert all(set(ids) == train and not set(ids) & test for ids in seen)
    assert cv.table == "Table 3" and cv.unit == "runs"
    assert list(cv.folds.index) == [(r, 0) for r in range(cfg.ismir_runs)]
    assert cv.balanced.shape == cv.folds.shape
    assert ((cv.balanced >= 0) & (cv.balanced <= 1)).all().all()
    assert "official split" in cv.split and "runs only" in cv.split
    assert {("MEL", "KCNN (k = 5) + SVM"), ("MEL", "DBN + SVM"),
            ("MEL", "Sparse coding + SVM")} <= set(cv.folds.columns)
    # the figures' arrays are the development songs'
    assert cv.show["labels_test"] == list(labels[part == "development"])


def test_table_3_shows_the_papers_cells_beside_ours_and_records_both_metrics(smoke_t3):
    cfg, _, info, _, _, cv, _ = smoke_t3
    table = zhang2015.accuracy_table(cv)
    assert table.loc["KCNN (k = 5) + SVM", "MEL paper"] == "0.783"  # Table 3: 78.29
    assert table.loc["DBN + SVM", "MEL paper"] == "0.695"
    assert table.loc["KCNN (k = 1) (ours)", "MEL paper"] == ""
    ours = table.loc["KCNN (k = 5) + SVM", "MEL ours"]
    runs = cv.folds["MEL", "KCNN (k = 5) + SVM"]
    assert ours == f"{runs.mean():.3f} ± {runs.std(ddof=1):.3f}"
    assert "MEL ours, class-normalised" in table.columns
    assert "MEL ours, class-normalised" not in zhang2015.accuracy_table(cv, table="Table 2")
    recs = zhang2015.records(cv, info, profile="smoke", seed=3)
    acc = {(r.experiment, r.method): r for r in recs if r.metric == "Accuracy"}
    bal = {(r.experiment, r.method): r for r in recs if r.metric == "Balanced accuracy"}
    assert set(acc) == set(bal) and len(acc) == cv.folds.shape[1]
    best = acc["Table 3: MEL", "KCNN (k = 5) + SVM"]
    assert best.paper_value == pytest.approx(0.7829)
    assert best.paper_ref == "Zhang et al. 2015, Table 3" and best.data_kind == "synthetic"
    assert best.seeds == (3, 4) and best.extra["per_run"] == pytest.approx(list(runs))
    assert best.spread == pytest.approx(runs.std(ddof=1))
    b = bal["Table 3: MEL", "KCNN (k = 5) + SVM"]
    assert b.paper_value is None and b.paper_ref == ""
    assert b.value == pytest.approx(cv.balanced["MEL", "KCNN (k = 5) + SVM"].mean())


def test_table_3_claims_and_verdict_are_over_runs(smoke_t3):
    cfg, *_, cv, _ = smoke_t3
    diffs = zhang2015.paired_differences(cv)
    assert set(diffs["table"]) == {"Table 3"} and set(diffs["over"]) == {"runs"}
    assert (diffs["n"] == cfg.ismir_runs).all()
    kmax = diffs.set_index("claim").loc[zhang2015.CLAIMS[0][0]]
    assert kmax["paper gap"] == pytest.approx(0.7829 - 0.6928)
    both = zhang2015.verdict([diffs.assign(table="Table 2", over="folds"), diffs])
    t3 = [line for line in both.splitlines() if "Table 3" in line]
    assert len(t3) == len(diffs) and all("ISMIR2004Genre" in line for line in t3)
    assert all(f"of {cfg.ismir_runs} runs ahead" in line for line in t3)
    # two runs give no usable spread: nothing is judged
    assert all("too few runs to judge" in line for line in t3)
    assert "shows the" not in both and "too few folds to judge" in both
    assert len(both.splitlines()) == 2 * len(diffs)


def test_real_table_3_data_is_read_in_the_collections_layout(tmp_path):
    cfg = zhang2015.config("paper")
    with pytest.raises(MissingDataError, match=r"ISMIR2004 not found[\s\S]*audio/training/"):
        zhang2015.load(cfg, "real", table="Table 3", data_home=tmp_path, verbose=False)
    with pytest.raises(ParameterError, match="table"):
        zhang2015.load(cfg, table="Table 4", data_home=tmp_path, verbose=False)


def test_a_split_drops_songs_without_frames():
    frames, labels = _toy()
    ids = list(labels.index)
    split = {"train": ids[::2] + ["missing.000"], "test": ids[1::2], "valid": []}
    cfg = zhang2015.config("smoke", ismir_runs=1)
    seen = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zhang2015, "run_fold", lambda fr, lb, fold, c, **kw: seen.append(fold)
                   or zhang2015.FoldOutput({}, {}, {}, {}))
        cv = zhang2015.cross_validate(frames, labels, cfg, split=split, verbose=False)
    assert seen == [{"train": ids[::2], "test": ids[1::2]}]
    assert cv.table == "Table 3" and f"{len(ids[::2])} training" in cv.split


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
