"""The RBM family: one CD-1 update against NumPy, learning, sparsity, DBN -> MLP."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

keras = pytest.importorskip("keras")

from mirnb.errors import ParameterError  # noqa: E402
from mirnb.models import rbm  # noqa: E402

#: Also run under KERAS_BACKEND=jax by `make test` (the models are backend-agnostic).
pytestmark = pytest.mark.jax


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _numpy_cd1_gradient(X, W, b, c, *, visible, weight_cost, target, sparsity_cost):
    """Mean-field CD-1 as Hinton (2010) writes it, returned as a descent direction."""
    ph0 = _sig(X @ W + c)
    x = ph0 @ W.T + b
    v1 = {"bernoulli": _sig(x), "gaussian": x, "relu": np.maximum(x, 0)}[visible]
    ph1 = _sig(v1 @ W + c)
    n = len(X)
    dW = (X.T @ ph0 - v1.T @ ph1) / n - weight_cost * W
    db = (X - v1).mean(axis=0)
    q = ph0.mean(axis=0)
    dc = (ph0 - ph1).mean(axis=0) + 2 * sparsity_cost * (target - q) * (ph0 * (1 - ph0)).mean(0)
    return dW, db, dc


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian", "relu"])
def test_cd1_updates_match_a_numpy_reference(visible):
    rng = np.random.default_rng(1)
    X = rng.random((8, 6)).astype(np.float32)
    if visible == "gaussian":
        X = rng.normal(size=(8, 6)).astype(np.float32)
    W = rng.normal(scale=0.3, size=(6, 4)).astype(np.float32)
    b = rng.normal(scale=0.1, size=6).astype(np.float32)
    c = rng.normal(scale=0.1, size=4).astype(np.float32)
    lr, mom, wc, target, sc = 0.1, 0.9, 0.01, 0.1, 0.5
    model = rbm.ContrastiveDivergence(6, 4, visible=visible, sample_hidden=False,
                                      sample_visible=False, weight_cost=wc,
                                      sparsity_target=target, sparsity_cost=sc, seed=0)
    model.W.assign(W)
    model.b.assign(b)
    model.c.assign(c)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=mom))
    # two full-batch steps: the second one also checks the momentum
    model.fit(X, X, epochs=2, batch_size=8, shuffle=False, verbose=0)
    params = [W.astype(np.float64), b.astype(np.float64), c.astype(np.float64)]
    velocity = [np.zeros_like(p) for p in params]
    for _ in range(2):
        grads = _numpy_cd1_gradient(X.astype(np.float64), *params, visible=visible,
                                    weight_cost=wc, target=target, sparsity_cost=sc)
        velocity = [mom * v + lr * g for v, g in zip(velocity, grads)]
        params = [p + v for p, v in zip(params, velocity)]
    got = [np.asarray(v) for v in (model.W, model.b, model.c)]
    for name, g, want in zip("Wbc", got, params):
        np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-6, err_msg=name)
    # and the step really moved the weights
    assert np.abs(got[0] - W).max() > 1e-3


def _prototype_data(n=1500, d=40, k=4, noise=0.05, seed=0):
    rng = np.random.default_rng(seed)
    protos = (rng.random((k, d)) < 0.3).astype(np.float32)
    X = protos[rng.integers(k, size=n)]
    flip = rng.random(X.shape) < noise
    return np.where(flip, 1 - X, X).astype(np.float32)


def test_reconstruction_error_falls_on_structured_data():
    X = _prototype_data()
    model = rbm.RBM(16, learning_rate=0.1, n_iter=6, batch_size=50, random_state=0).fit(X)
    err = model.history_["recon_error"]
    assert len(err) == 6
    assert err[-1] < 0.5 * err[0]
    assert model.reconstruction_error(X) < err[0]
    assert model.components_.shape == (16, 40)
    assert model.transform(X).shape == (1500, 16)


def test_sparsity_moves_the_mean_hidden_activation_toward_its_target():
    X = _prototype_data(seed=1)
    target = 0.05
    common = dict(learning_rate=0.1, n_iter=5, batch_size=50, random_state=0)
    plain = rbm.RBM(30, **common).fit(X)
    sparse = rbm.RBM(30, sparsity_target=target, sparsity_cost=5.0, **common).fit(X)
    q_plain = plain.transform(X).mean()
    q_sparse = sparse.transform(X).mean()
    assert abs(q_sparse - target) < 0.5 * abs(q_plain - target)
    assert q_sparse < q_plain


@pytest.mark.slow_on_jax
def test_dbn_to_keras_gives_the_same_hidden_activations():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 12)).astype(np.float32)
    dbn = rbm.DBN((8, 5, 3), visible="gaussian", learning_rate=0.01, n_iter=1,
                  batch_size=50, random_state=0).fit(X)
    assert [r.visible for r in dbn.rbms_] == ["gaussian", "bernoulli", "bernoulli"]
    model = dbn.to_keras(4, head="softmax", random_state=0)
    names = ["hidden_1", "hidden_2", "hidden_3"]
    Xt = rng.normal(size=(20, 12)).astype(np.float32)
    got = rbm.layer_outputs(model, Xt, names)
    np.testing.assert_allclose(got, dbn.transform(Xt, layers="all"), atol=1e-5)
    np.testing.assert_allclose(rbm.layer_outputs(model, Xt, "hidden_2"),
                               dbn.transform(Xt, layers=1), atol=1e-5)
    out = model.predict(Xt, verbose=0)
    assert out.shape == (20, 4)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-5)
    tagger = dbn.to_keras(6, head="sigmoid")
    assert tagger.layers[-1].activation.__name__ == "sigmoid"


@pytest.mark.slow_on_jax
def test_finetuning_with_early_stopping_improves_the_network():
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=2.0, size=(3, 10))
    y = rng.integers(3, size=600)
    X = (centers[y] + rng.normal(size=(600, 10))).astype(np.float32)
    dbn = rbm.DBN((16, 8), visible="gaussian", learning_rate=0.01, n_iter=1,
                  batch_size=50, random_state=0).fit(X)
    model = dbn.to_keras(3, random_state=0)
    hist = rbm.finetune(model, X[:400], y[:400], validation_data=(X[400:], y[400:]),
                        learning_rate=0.5, epochs=15, batch_size=32, patience=3,
                        random_state=0)
    assert hist["epochs_run"] <= 15 and 1 <= hist["best_epoch"] <= hist["epochs_run"]
    assert hist["val_accuracy"][hist["best_epoch"] - 1] > 0.8
    assert hist["loss"][-1] < hist["loss"][0]


@pytest.mark.slow_on_jax
def test_bad_input_and_parameters_say_what_is_wrong():
    X = _prototype_data(n=50)
    with pytest.raises(ParameterError, match="visible="):
        rbm.RBM(4, visible="softmax").fit(X)
    with pytest.raises(ParameterError, match=r"\[0, 1\]"):
        rbm.RBM(4, visible="bernoulli").fit(X * 3)
    with pytest.raises(ParameterError, match="negative"):
        rbm.RBM(4, visible="relu").fit(X - 1)
    with pytest.raises(NotFittedError, match="not fitted"):
        rbm.RBM(4).transform(X)
    with pytest.raises(NotFittedError, match="not fitted"):
        rbm.DBN((4,)).transform(X)
    with pytest.raises(ParameterError, match="momentum"):
        rbm.RBM(4, momentum=1.5).fit(X)
    with pytest.raises(ParameterError, match="NaN"):
        rbm.RBM(4).fit(np.full((4, 3), np.nan))
    dbn = rbm.DBN((4,), visible="bernoulli", n_iter=1).fit(X)
    with pytest.raises(ParameterError, match="features"):
        dbn.transform(X[:, :5])
    with pytest.raises(ParameterError, match="layers="):
        dbn.transform(X, layers=3)
    with pytest.raises(ParameterError, match="head="):
        dbn.to_keras(2, head="relu")
    with pytest.raises(ParameterError, match="no layer"):
        rbm.layer_outputs(dbn.to_keras(2), X, "hidden_9")


@pytest.mark.slow_on_jax
def test_fit_seeds_only_local_generators_and_repeats_itself():
    X = _prototype_data(n=120)
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = rbm.RBM(6, learning_rate=0.1, n_iter=2, batch_size=20, random_state=3).fit(X)
    assert np.array_equal(np.random.get_state()[1], before)  # NumPy's global stream untouched
    assert np.random.random() == np.random.RandomState(123).random_sample()
    b = rbm.RBM(6, learning_rate=0.1, n_iter=2, batch_size=20, random_state=3).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    c = rbm.RBM(6, learning_rate=0.1, n_iter=2, batch_size=20, random_state=4).fit(X)
    assert not np.allclose(a.components_, c.components_)


def test_parameter_names_follow_scikit_learns_bernoulli_rbm():
    from sklearn.neural_network import BernoulliRBM

    ours = set(rbm.RBM().get_params())
    assert {"n_components", "n_iter", "learning_rate", "batch_size", "random_state",
            "verbose"} <= ours & set(BernoulliRBM().get_params())
