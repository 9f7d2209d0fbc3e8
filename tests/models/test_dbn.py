"""The DBN: greedy stacks (binary and ReLU), the MLP builder, DBN -> MLP, fine-tuning."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

keras = pytest.importorskip("keras")

from mirnb.errors import ParameterError  # noqa: E402
from mirnb.models import dbn as dbns  # noqa: E402

#: Also run under KERAS_BACKEND=jax by `make test` (the models are backend-agnostic).
pytestmark = pytest.mark.jax


@pytest.mark.slow_on_jax
def test_dbn_to_keras_gives_the_same_hidden_activations():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 12)).astype(np.float32)
    dbn = dbns.DBN((8, 5, 3), visible="gaussian", learning_rate=0.01, n_iter=1,
                   batch_size=50, random_state=0).fit(X)
    assert [r.visible for r in dbn.rbms_] == ["gaussian", "bernoulli", "bernoulli"]
    model = dbn.to_keras(4, head="softmax", random_state=0)
    names = ["hidden_1", "hidden_2", "hidden_3"]
    Xt = rng.normal(size=(20, 12)).astype(np.float32)
    got = dbns.layer_outputs(model, Xt, names)
    np.testing.assert_allclose(got, dbn.transform(Xt, layers="all"), atol=1e-5)
    np.testing.assert_allclose(dbns.layer_outputs(model, Xt, "hidden_2"),
                               dbn.transform(Xt, layers=1), atol=1e-5)
    out = model.predict(Xt, verbose=0)
    assert out.shape == (20, 4)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-5)
    tagger = dbn.to_keras(6, head="sigmoid")
    assert tagger.layers[-1].activation.__name__ == "sigmoid"


@pytest.mark.slow_on_jax
def test_relu_dbn_stacks_relu_rbms_and_converts_to_a_relu_mlp_with_dropout():
    # Nam et al. (2015), Sec. III-C-1: binary visible / ReLU hidden at the
    # bottom, ReLU/ReLU above, each layer trained on max(0, W x + c) below
    rng = np.random.default_rng(1)
    X = rng.random((200, 10)).astype(np.float32)
    dbn = dbns.DBN((8, 6, 5), visible="bernoulli", hidden_units="relu",
                   learning_rate=(0.03, 0.003, 0.003), min_learning_rate=(0.01, 0.001, 0.001),
                   learning_rate_decay=0.99, weight_cost=[0.001, 0.01, 0.01], n_iter=2,
                   batch_size=50, final_momentum=0.9, momentum_epoch=5,
                   init_visible_bias=False, random_state=0).fit(X)
    assert [(r.visible, r.hidden_units) for r in dbn.rbms_] == [
        ("bernoulli", "relu"), ("relu", "relu"), ("relu", "relu")]
    assert [r.learning_rate for r in dbn.rbms_] == [0.03, 0.003, 0.003]
    assert [r.weight_cost for r in dbn.rbms_] == [0.001, 0.01, 0.01]
    assert dbn.history_[1]["learning_rate"] == pytest.approx([0.003, 0.003 * 0.99])
    assert [(r.final_momentum, r.momentum_epoch) for r in dbn.rbms_] == [(0.9, 5)] * 3
    assert dbn.history_[2]["momentum"] == [0.5, 0.5]  # (switches after these 2 epochs)
    H1 = dbn.rbms_[0].transform(X)
    np.testing.assert_allclose(H1, np.maximum(X @ dbn.rbms_[0].components_.T
                                              + dbn.rbms_[0].intercept_hidden_, 0), atol=1e-5)
    assert (H1 > 0).any() and (H1 == 0).any()
    # layer 2 is the RBM its settings give on those activations (seed random_state + 1)
    from mirnb.models.rbm import RBM

    again = RBM(**dbn.rbms_[1].get_params()).fit(H1)
    np.testing.assert_allclose(again.components_, dbn.rbms_[1].components_, atol=1e-6)
    model = dbn.to_keras(7, head="sigmoid", dropout=0.5, input_dropout=0.2, random_state=0)
    assert [layer.name for layer in model.layers] == [
        "features", "input_dropout", "hidden_1", "dropout_1", "hidden_2", "dropout_2",
        "hidden_3", "dropout_3", "output"]
    assert model.get_layer("hidden_2").activation.__name__ == "relu"
    Xt = rng.random((15, 10)).astype(np.float32)
    for i in range(3):  # dropout is inactive at inference
        np.testing.assert_allclose(dbns.layer_outputs(model, Xt, f"hidden_{i + 1}"),
                                   dbn.transform(Xt, layers=i), rtol=1e-5, atol=1e-5)
    out = model.predict(Xt, verbose=0)
    assert out.shape == (15, 7) and np.all((out > 0) & (out < 1))
    # the bias quirk of the authors' code: hidden layer i gets the visible
    # biases of RBM i + 1, the top hidden layer zeros
    quirk = dbn.to_keras(7, head="sigmoid", biases="code", random_state=0)
    for i in range(3):
        W, bias = quirk.get_layer(f"hidden_{i + 1}").get_weights()
        np.testing.assert_array_equal(W, dbn.rbms_[i].components_.T)
        want = dbn.rbms_[i + 1].intercept_visible_ if i < 2 else np.zeros(5, np.float32)
        np.testing.assert_array_equal(bias, want)
        assert not np.array_equal(bias, dbn.rbms_[i].intercept_hidden_)
    np.testing.assert_array_equal(quirk.get_layer("output").get_weights()[0],
                                  model.get_layer("output").get_weights()[0])
    with pytest.raises(ParameterError, match="biases="):
        dbn.to_keras(2, biases="visible")


def test_mlp_names_shapes_and_initialisation():
    model = dbns.mlp(10, (8, 6), 3, activation="relu", head="sigmoid", dropout=0.5,
                     input_dropout=0.2, name="net", random_state=0)
    assert model.name == "net"
    assert [layer.name for layer in model.layers] == [
        "features", "input_dropout", "hidden_1", "dropout_1", "hidden_2", "dropout_2",
        "output"]
    assert model.get_layer("dropout_1").rate == 0.5
    assert model.get_layer("input_dropout").rate == 0.2
    for name, (n_in, n_out) in (("hidden_1", (10, 8)), ("hidden_2", (8, 6)),
                                ("output", (6, 3))):
        W, b = model.get_layer(name).get_weights()
        assert W.shape == (n_in, n_out) and np.all(b == 0)
        limit = np.sqrt(6 / (n_in + n_out))
        assert np.abs(W).max() <= limit and np.abs(W).max() > 0.5 * limit
    assert model.get_layer("hidden_1").activation.__name__ == "relu"
    assert model.get_layer("output").activation.__name__ == "sigmoid"
    assert model.output_shape == (None, 3)
    again = dbns.mlp(10, (8, 6), 3, activation="relu", head="sigmoid", random_state=0)
    assert [layer.name for layer in again.layers] == [
        "features", "hidden_1", "hidden_2", "output"]  # no dropout layers at rate 0
    for name in ("hidden_1", "hidden_2", "output"):
        np.testing.assert_array_equal(again.get_layer(name).get_weights()[0],
                                      model.get_layer(name).get_weights()[0])
    other = dbns.mlp(10, (8, 6), 3, activation="relu", head="sigmoid", random_state=1)
    assert not np.allclose(other.get_layer("output").get_weights()[0],
                           model.get_layer("output").get_weights()[0])
    linear = dbns.mlp(4, (), 2)
    assert [layer.name for layer in linear.layers] == ["features", "output"]


@pytest.mark.slow_on_jax
def test_finetuning_with_early_stopping_improves_the_network():
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=2.0, size=(3, 10))
    y = rng.integers(3, size=600)
    X = (centers[y] + rng.normal(size=(600, 10))).astype(np.float32)
    dbn = dbns.DBN((16, 8), visible="gaussian", learning_rate=0.01, n_iter=1,
                   batch_size=50, random_state=0).fit(X)
    model = dbn.to_keras(3, random_state=0)
    hist = dbns.finetune(model, X[:400], y[:400], validation_data=(X[400:], y[400:]),
                         learning_rate=0.5, epochs=15, batch_size=32, patience=3,
                         random_state=0)
    assert hist["epochs_run"] <= 15 and 1 <= hist["best_epoch"] <= hist["epochs_run"]
    assert hist["val_accuracy"][hist["best_epoch"] - 1] > 0.8
    assert hist["loss"][-1] < hist["loss"][0]


@pytest.mark.slow_on_jax
def test_bad_input_and_parameters_say_what_is_wrong():
    X = (np.random.default_rng(0).random((50, 6)) < 0.3).astype(np.float32)
    with pytest.raises(NotFittedError, match="not fitted"):
        dbns.DBN((4,)).transform(X)
    dbn = dbns.DBN((4,), visible="bernoulli", n_iter=1).fit(X)
    with pytest.raises(ParameterError, match="features"):
        dbn.transform(X[:, :5])
    with pytest.raises(ParameterError, match="layers="):
        dbn.transform(X, layers=3)
    with pytest.raises(ParameterError, match="head="):
        dbn.to_keras(2, head="relu")
    with pytest.raises(ParameterError, match="no layer"):
        dbns.layer_outputs(dbn.to_keras(2), X, "hidden_9")


@pytest.mark.parametrize("kwargs, name", [
    (dict(learning_rate=(0.1, 0.2)), "learning_rate="),
    (dict(weight_cost=[0.1, 0.1, 0.1, 0.1]), "weight_cost="),
    (dict(min_learning_rate="low"), "min_learning_rate="),
    (dict(learning_rate=(0.1, -0.2, 0.1)), "learning_rate="),
    (dict(learning_rate=0.01, min_learning_rate=(0.0, 0.02, 0.0)), "min_learning_rate="),
    (dict(hidden_units="softplus"), "hidden_units="),
    (dict(hidden=()), "hidden="),
    (dict(sparsity="l1"), "sparsity="),
])
def test_dbn_settings_are_checked_before_any_layer_trains(kwargs, name):
    dbn = dbns.DBN(**{"hidden": (4, 3, 2), **kwargs})
    with pytest.raises(ParameterError, match=name):
        dbn.fit(np.zeros((5, 3), np.float32))
    assert not hasattr(dbn, "rbms_")


@pytest.mark.parametrize("kwargs, name", [
    (dict(activation="softmax"), "activation="), (dict(head="relu"), "head="),
    (dict(dropout=1.0), "dropout="), (dict(input_dropout=-0.1), "input_dropout="),
    (dict(n_outputs=0), "n_outputs="), (dict(hidden=(4, 0)), "hidden units="),
])
def test_mlp_settings_are_checked(kwargs, name):
    args = {"n_features": 5, "hidden": (4,), "n_outputs": 2, **kwargs}
    with pytest.raises(ParameterError, match=name):
        dbns.mlp(args.pop("n_features"), args.pop("hidden"), args.pop("n_outputs"), **args)


def test_hidden_activations_and_clip_features_aggregate_windows_per_clip():
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    frames = {"long": {"dft": rng.normal(size=(11, 6)).astype(np.float32)},
              "short": {"dft": rng.normal(size=(3, 6)).astype(np.float32)}}
    scaler = StandardScaler().fit(np.concatenate([f["dft"] for f in frames.values()]))
    model = dbns.DBN((4, 3), visible="gaussian", n_iter=1, batch_size=7, random_state=0).fit(
        scaler.transform(frames["long"]["dft"])).to_keras(2)
    assert dbns.hidden_layers(model) == ["hidden_1", "hidden_2"]
    X = scaler.transform(frames["long"]["dft"]).astype(np.float32)
    acts = dbns.layer_outputs(model, X, ["hidden_1", "hidden_2"])
    per_layer = dbns.hidden_activations(model, X)
    assert [a.shape for a in per_layer] == [(11, 4), (11, 3)]
    np.testing.assert_array_equal(np.hstack(per_layer), acts)
    F = dbns.clip_features(model, frames, ["short", "long", "gone"], size=5, hop=3,
                           scaler=scaler)
    assert list(F.index) == ["short", "long"] and F.shape[1] == 2 * (4 + 3)
    expected = np.mean([np.concatenate([acts[s:s + 5].mean(0), acts[s:s + 5].var(0)])
                        for s in (0, 3, 6)], axis=0)  # 1 + (11 - 5) // 3 windows
    np.testing.assert_allclose(F.loc["long"].to_numpy(), expected, rtol=1e-5, atol=1e-6)
