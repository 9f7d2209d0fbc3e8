"""mirnb.models.dbof: the local features and their bags, the tagger builder,
its loss, stack prefixes and the experiment workbench, on toy data."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from mirnb.errors import ParameterError
from mirnb.models import dbof


def _clip(rng, n_bands=6, T=60):
    Z = rng.random((n_bands, T)).astype("float32")
    nov = np.maximum(rng.normal(size=T), 0).astype("float32")
    return {"mel": Z, "novelty": nov}


def test_local_features_encode_every_block_and_pool_bags():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 6 * 3)).astype("float32")
    lf = dbof.LocalFeatures(3, n_components=5, n_iter=2, batch_size=50, random_state=0)
    with pytest.raises(NotFittedError):
        lf.encode(rng.random((6, 20)))
    lf.fit(X)
    assert lf.n_features_in_ == 18 and lf.rbm_.sparsity == "linear"
    H = lf.encode(rng.random((6, 20)).astype("float32"))
    assert H.shape == (17, 5) and np.all((H > 0) & (H < 1))
    bags = lf.bags([rng.random((6, 20)).astype("float32")] * 2, [4, 100])
    assert set(bags) == {4, 100} and bags[4].shape == (2, 5)
    assert np.all(bags[100] >= bags[4] - 1e-6)  # one window's max is at least the mean of maxima
    with pytest.raises(ParameterError, match="blocks"):
        lf.fit(X[:, :17])


def test_input_filters_undo_the_whitening_of_each_rbm_filter():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 6 * 3)).astype("float32")
    lf = dbof.LocalFeatures(3, n_components=5, n_iter=2, batch_size=50, random_state=0)
    with pytest.raises(NotFittedError):
        lf.input_filters()
    lf.fit(X)
    F = lf.input_filters()
    assert F.shape == (5, 3, 6)  # (filters, frames, bands), as blocks() lays them out
    # the whitening of a filter in the input space (mean aside) is the RBM's filter
    wh = lf.whitener_
    W = (F.reshape(5, -1) @ wh.components_.T) / np.sqrt(wh.explained_variance_ + wh.eps)
    assert np.allclose(W, lf.rbm_.components_, atol=1e-4)


def test_tag_crossentropy_sums_over_tags():
    y = np.array([[1.0, 0.0, 1.0]], dtype="float32")
    p = np.array([[0.9, 0.2, 0.5]], dtype="float32")
    expected = -(np.log(0.9) + np.log(0.8) + np.log(0.5))
    assert float(np.asarray(dbof.tag_crossentropy(y, p))[0]) == pytest.approx(expected, rel=1e-5)


def test_build_tagger_random_and_pretrained():
    lr = dbof.build_tagger(8, 3, layers=0)
    assert [w.shape for w in lr.get_weights()] == [(8, 3), (3,)]
    net = dbof.build_tagger(8, 3, layers=2, units=4, dropout=0.5)
    assert net.get_layer("hidden_2").activation.__name__ == "relu"
    assert net.output_shape == (None, 3)
    bags = np.random.default_rng(0).random((20, 8)).astype("float32")
    dbn = dbof.pretrain(bags, layers=2, units=4, n_iter=1, batch_size=10, random_state=0)
    pre = dbof.build_tagger(8, 3, layers=2, units=4, dbn=dbn)
    np.testing.assert_allclose(pre.get_layer("hidden_1").get_weights()[0],
                               dbn.rbms_[0].components_.T)
    with pytest.raises(ParameterError, match="expected 1 x 4"):
        dbof.build_tagger(8, 3, layers=1, units=4, dbn=dbn)
    genre = dbof.build_tagger(8, 3, layers=2, units=4, dbn=dbn, head="softmax")
    np.testing.assert_allclose(genre.predict(bags, verbose=0).sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ParameterError, match="head"):
        dbof.build_tagger(8, 3, layers=0, head="relu")
    one = dbof.first_layers(dbn, 1)
    assert len(one.rbms_) == 1 and len(dbn.rbms_) == 2 and one.rbms_[0] is dbn.rbms_[0]
    with pytest.raises(ParameterError, match="n_layers"):
        dbof.first_layers(dbn, 3)


def test_workbench_computes_each_thing_once():
    rng = np.random.default_rng(1)
    ids = [f"c{i}" for i in range(12)]
    frames = {c: _clip(rng) for c in ids}
    Y = pd.DataFrame((rng.random((12, 3)) < 0.5).astype(int), index=ids, columns=list("abc"))
    Y.iloc[:, 0] = [1, 0] * 6
    wb = dbof.Workbench(
        frames, {"train": ids[:6], "valid": ids[6:9], "test": ids[9:]}, Y,
        seconds=(0.25, 1.0), sr=22050, hop_length=512, n_samples=20, segment=10,
        min_test_positives=1, local=dict(n_components=4, n_iter=1, batch_size=10),
        pretrain=dict(units=4, n_iter=1, batch_size=6), tagger=dict(units=4),
        finetune=dict(epochs=1, batch_size=6), weight_costs=(0.01, 0.01), verbose=False)
    assert wb.windows == [11, 43] and wb.ids == ids
    s1 = wb.stage1(3, "onset", 0.05)
    assert wb.stage1(3, "onset", 0.05) is s1 and s1.bags[11].shape == (12, 4)
    assert set(s1.origin["clip"]) <= set(ids[:6])  # training blocks from training clips only
    r2 = wb.net(s1, 1.0, layers=2, pretrained=True)
    assert wb.net(s1, 1.0, layers=2, pretrained=True) is r2
    wb.net(s1, 1.0, layers=1, pretrained=True)  # the first layer of the same stack:
    assert len(wb.nets) == 2 and len(wb._pretrained) == 2  # no pretraining of its own
    assert 0 <= r2["AUC-T"] <= 1 and r2["scores"].shape == (3, 3)
    lr = wb.logistic(s1, 0.25)
    assert set(lr) >= {"valid AUC-T", "AUC-T", "AUC-C", "P@3"}
    assert wb.timings["stage 1"] > 0 and wb.timings["fine-tuning"] > 0
    assert wb.tags_per_clip() == pytest.approx(Y.loc[ids[9:]].to_numpy().sum(axis=1).mean())
    best, n = wb.best_net(2)
    assert best is r2 and n == 1 and best["key"][2:4] == (2, True)
    assert wb.best_net(2, pretrained=False) == (None, 0)


def _wc_table():
    rows = []
    for wc in sorted(set(dbof.WC_INC) | {(0.01,) * 3, (0.1,) * 3}):
        v = 0.8 - 0.05 * wc[0] + 0.001 * wc[1] + 0.01 * wc[2]
        rows.append({"sparsity": 0.02, "weight costs": wc, "test AUC-T": v, "valid AUC-T": v})
    return pd.DataFrame(rows)


def test_weight_cost_strategies_pick_on_validation():
    st = dbof.weight_cost_strategies(_wc_table()).set_index("strategy")
    assert st.loc["Best (all)", "nets"] == 8 and st.loc["WC Inc", "nets"] == 6
    assert st.loc["Best (all)", "weight costs"] == (0.001, 0.1, 0.1)
    assert st.loc["WC Inc", "test AUC-T"] == st.loc["Best (all)", "test AUC-T"]
    assert st.loc["fixed 0.1", "weight costs"] == (0.1, 0.1, 0.1)
    assert list(st.index) == ["Best (all)", "WC Inc", "fixed 0.001", "fixed 0.01", "fixed 0.1"]
    assert dbof.weight_cost_strategies(pd.DataFrame()).empty
