"""The RBM: CD-1 updates against NumPy (binary and ReLU hidden units), learning,
both sparsity rules, the schedules, parameter checks, and the compiled epoch
(fit_epochs) against Keras's own fit, with its callbacks."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

keras = pytest.importorskip("keras")

from mirnb.errors import ParameterError  # noqa: E402
from mirnb.models import cd, rbm  # noqa: E402

#: Also run under KERAS_BACKEND=jax by `make test` (the models are backend-agnostic).
pytestmark = pytest.mark.jax


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _numpy_cd1_gradient(X, W, b, c, *, visible, hidden="binary", weight_cost=0.0,
                        sparsity=None, target=None, sparsity_cost=0.0, q=None, rate=0.01):
    """Mean-field CD-1 as Hinton (2010) and Nam et al.'s code write it, as a descent direction.

    Returns the (W, b, c) directions and the new running average ``q`` of the
    linear sparsity rule.
    """
    f = _sig if hidden == "binary" else (lambda x: np.maximum(x, 0))
    x0 = X @ W + c
    h0 = f(x0)
    x = h0 @ W.T + b
    v1 = {"bernoulli": _sig(x), "gaussian": x, "relu": np.maximum(x, 0)}[visible]
    h1 = f(v1 @ W + c)
    n = len(X)
    dW = (X.T @ h0 - v1.T @ h1) / n - weight_cost * W
    db = (X - v1).mean(axis=0)
    dc = (h0 - h1).mean(axis=0)
    p0 = _sig(x0)
    if sparsity == "squared":
        dc = dc + 2 * sparsity_cost * (target - p0.mean(0)) * (p0 * (1 - p0)).mean(0)
    elif sparsity == "linear":
        q = (1 - rate) * q + rate * p0.mean(0)
        dc = dc - sparsity_cost * (q - target)
    return (dW, db, dc), q


def _start(rng, n_vis=6, n_hid=4, scale=0.3):
    W = rng.normal(scale=scale, size=(n_vis, n_hid)).astype(np.float32)
    b = rng.normal(scale=0.1, size=n_vis).astype(np.float32)
    c = rng.normal(scale=0.1, size=n_hid).astype(np.float32)
    return W, b, c


def _model_at(W, b, c, **kwargs):
    model = cd.ContrastiveDivergence(*W.shape, sample_hidden=False, sample_visible=False,
                                      seed=0, **kwargs)
    model.W.assign(W)
    model.b.assign(b)
    model.c.assign(c)
    return model


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian", "relu"])
def test_cd1_updates_match_a_numpy_reference(visible):
    rng = np.random.default_rng(1)
    X = rng.random((8, 6)).astype(np.float32)
    if visible == "gaussian":
        X = rng.normal(size=(8, 6)).astype(np.float32)
    W, b, c = _start(rng)
    lr, mom, wc, target, sc = 0.1, 0.9, 0.01, 0.1, 0.5
    model = _model_at(W, b, c, visible=visible, weight_cost=wc, sparsity_target=target,
                      sparsity_cost=sc)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=mom))
    # two full-batch steps: the second one also checks the momentum
    model.fit(X, X, epochs=2, batch_size=8, shuffle=False, verbose=0)
    params = [W.astype(np.float64), b.astype(np.float64), c.astype(np.float64)]
    velocity = [np.zeros_like(p) for p in params]
    for _ in range(2):
        grads, _ = _numpy_cd1_gradient(X.astype(np.float64), *params, visible=visible,
                                       weight_cost=wc, sparsity="squared", target=target,
                                       sparsity_cost=sc)
        velocity = [mom * v + lr * g for v, g in zip(velocity, grads)]
        params = [p + v for p, v in zip(params, velocity)]
    got = [np.asarray(v) for v in (model.W, model.b, model.c)]
    for name, g, want in zip("Wbc", got, params):
        np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-6, err_msg=name)
    # and the step really moved the weights
    assert np.abs(got[0] - W).max() > 1e-3


@pytest.mark.parametrize("visible, sparsity", [("bernoulli", "linear"), ("relu", None)])
def test_relu_hidden_cd1_updates_match_a_numpy_reference(visible, sparsity):
    # Nam et al.: binary-visible/ReLU-hidden at the bottom (here with the
    # linear sparsity rule, whose running average must carry over from the
    # first step to the second), ReLU/ReLU above
    rng = np.random.default_rng(2)
    X = rng.random((10, 6)).astype(np.float32)
    W, b, c = _start(rng, scale=0.5)
    lr, wc, target, sc, rate = 0.1, 0.01, 0.05, 3.0, 0.2
    kwargs = {} if sparsity is None else dict(sparsity="linear", sparsity_target=target,
                                              sparsity_cost=sc, sparsity_rate=rate)
    model = _model_at(W, b, c, visible=visible, hidden_units="relu", weight_cost=wc, **kwargs)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=0.0))
    model.fit(X, X, epochs=2, batch_size=10, shuffle=False, verbose=0)
    params = [W.astype(np.float64), b.astype(np.float64), c.astype(np.float64)]
    q = np.zeros(4)
    for _ in range(2):
        grads, q = _numpy_cd1_gradient(X.astype(np.float64), *params, visible=visible,
                                       hidden="relu", weight_cost=wc, sparsity=sparsity,
                                       target=target, sparsity_cost=sc, q=q, rate=rate)
        params = [p + lr * g for p, g in zip(params, grads)]
    got = [np.asarray(v) for v in (model.W, model.b, model.c)]
    for name, g, want in zip("Wbc", got, params):
        np.testing.assert_allclose(g, want, rtol=1e-4, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(np.asarray(model.mean_activation), q, rtol=1e-5, atol=1e-7)
    assert np.abs(got[0] - W).max() > 1e-3
    if sparsity is not None:
        assert q.min() > 0.05  # the carried average is not one batch's mean times rate
    # the hidden statistic is max(0, x), and so is the reconstruction's input
    V = rng.random((5, 6)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(model.hidden_activation(V)),
                               np.maximum(V @ got[0] + got[2], 0), rtol=1e-5, atol=1e-6)


def test_relu_hidden_samples_have_noise_of_variance_sigmoid_x():
    model = cd.ContrastiveDivergence(1, 20000, hidden_units="relu", seed=0)
    for x0 in (2.0, -4.0):
        x = keras.ops.full((1, 20000), x0)
        h = np.asarray(model._sample_hidden(x))[0]
        assert h.min() >= 0
        if x0 > 0:  # far from 0 the rectification hardly matters
            assert abs(h.mean() - x0) < 0.03
            assert abs(h.var() - _sig(x0)) < 0.03
        else:
            assert (h > 0).mean() < 0.01  # std sqrt(sigmoid(-4)) = 0.13


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


def test_squared_sparsity_moves_the_mean_hidden_activation_toward_its_target():
    X = _prototype_data(seed=1)
    target = 0.05
    common = dict(learning_rate=0.1, n_iter=5, batch_size=50, random_state=0)
    plain = rbm.RBM(30, **common).fit(X)
    sparse = rbm.RBM(30, sparsity="squared", sparsity_target=target, sparsity_cost=5.0,
                     **common).fit(X)
    q_plain = plain.transform(X).mean()
    q_sparse = sparse.transform(X).mean()
    assert abs(q_sparse - target) < 0.5 * abs(q_plain - target)
    assert q_sparse < q_plain


def test_linear_sparsity_moves_the_mean_hidden_activation_toward_its_target():
    # random stand-ins for whitened blocks: without sparsity about half the
    # units are on (the Gaussian-binary RBM of Nam et al., Sec. III-B-2)
    X = np.random.default_rng(0).normal(size=(1000, 30)).astype(np.float32)
    target = 0.05
    common = dict(visible="gaussian", learning_rate=0.1, n_iter=2, batch_size=25,
                  random_state=0)
    plain = rbm.RBM(40, **common).fit(X)
    sparse = rbm.RBM(40, sparsity="linear", sparsity_target=target, sparsity_cost=3.0,
                     **common).fit(X)
    q_plain = plain.transform(X).mean()
    q_sparse = sparse.transform(X).mean()
    assert q_plain > 0.3
    assert abs(q_sparse - target) < 0.1 * abs(q_plain - target)
    # the running average (from 0, step 0.01 per batch) was kept between batches
    q_run = np.asarray(sparse.model_.mean_activation)
    assert 0.05 < q_run.mean() < q_plain
    assert np.all(np.asarray(plain.model_.mean_activation) == 0)  # unused without the rule


def test_schedules_decay_the_rate_to_its_floor_and_switch_the_momentum():
    rng = np.random.default_rng(3)
    X = (rng.random((12, 6)) < 0.4).astype(np.float32)
    W0 = np.asarray(cd.ContrastiveDivergence(6, 4, seed=0).W, dtype=np.float64)

    def run(momentum, final, lrs, moms):
        model = rbm.RBM(4, learning_rate=0.1, learning_rate_decay=0.6, min_learning_rate=0.03,
                        n_iter=len(lrs), batch_size=12, momentum=momentum,
                        final_momentum=final, momentum_epoch=2, sample_hidden=False,
                        init_visible_bias=False, shuffle=False, random_state=0).fit(X)
        params = [W0, np.zeros(6), np.zeros(4)]
        velocity = [np.zeros_like(p) for p in params]
        for lr, m in zip(lrs, moms):
            grads, _ = _numpy_cd1_gradient(X.astype(np.float64), *params, visible="bernoulli")
            if m == 0:  # Keras's SGD leaves the velocity alone at momentum 0
                params = [p + lr * g for p, g in zip(params, grads)]
            else:
                velocity = [m * v + lr * g for v, g in zip(velocity, grads)]
                params = [p + v for p, v in zip(params, velocity)]
        return model, params

    lrs = [0.1, 0.06, 0.036, 0.03]  # 0.1 * 0.6**e, floored at 0.03
    model, want = run(0.5, 0.9, lrs, [0.5, 0.5, 0.9, 0.9])
    np.testing.assert_allclose(model.history_["learning_rate"], lrs, rtol=1e-6)
    assert model.history_["momentum"] == [0.5, 0.5, 0.9, 0.9]
    opt = model.model_.optimizer
    assert float(np.asarray(opt.learning_rate)) == pytest.approx(max(0.1 * 0.6**4, 0.03))
    assert opt.momentum == 0.9
    got = [model.components_.T, model.intercept_visible_, model.intercept_hidden_]
    for name, g, w in zip("Wbc", got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-6, err_msg=name)
    # the reference is sensitive to the schedule: a constant momentum ends elsewhere
    _, constant = run(0.5, None, lrs, [0.5] * 4)
    assert np.abs(constant[0] - want[0]).max() > 1e-3
    # starting at momentum 0 still switches (the velocities exist from the start)
    model, want = run(0.0, 0.9, lrs[:3], [0.0, 0.0, 0.9])
    assert model.history_["momentum"] == [0.0, 0.0, 0.9]
    np.testing.assert_allclose(model.components_.T, want[0], rtol=1e-4, atol=1e-6)
    # momentum_epoch=None switches at n_iter // 5; no final_momentum: constant
    assert rbm.RBM(n_iter=10, final_momentum=0.9)._schedule().momentum_epoch == 2
    assert rbm.RBM(n_iter=4)._schedule()._momentum_at(3) == 0.5


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
    with pytest.raises(ParameterError, match="momentum"):
        rbm.RBM(4, momentum=1.5).fit(X)
    with pytest.raises(ParameterError, match="NaN"):
        rbm.RBM(4).fit(np.full((4, 3), np.nan))
    model = rbm.RBM(4, n_iter=1).fit(X)
    with pytest.raises(ParameterError, match="features"):
        model.transform(X[:, :5])


@pytest.mark.parametrize("kwargs, name", [
    (dict(hidden_units="tanh"), "hidden_units="),
    (dict(sparsity="cubic"), "sparsity="),
    (dict(sparsity_rate=0.0), "sparsity_rate="),
    (dict(sparsity_rate=1.5), "sparsity_rate="),
    (dict(sparsity_target=1.0), "sparsity_target="),
    (dict(learning_rate_decay=0.0), "learning_rate_decay="),
    (dict(learning_rate_decay=1.01), "learning_rate_decay="),
    (dict(min_learning_rate=-0.1), "min_learning_rate="),
    (dict(learning_rate=0.01, min_learning_rate=0.02), "min_learning_rate="),
    (dict(final_momentum=1.0), "final_momentum="),
    (dict(momentum_epoch=-1), "momentum_epoch="),
    (dict(momentum_epoch=2.5), "momentum_epoch="),
    (dict(n_components=0), "n_components="),
])
def test_new_settings_are_checked_before_training(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        rbm.RBM(**kwargs).fit(np.zeros((4, 3), np.float32))
    if "hidden_units" in kwargs or "sparsity" in kwargs:
        with pytest.raises(ParameterError, match=name):
            cd.ContrastiveDivergence(3, 2, **kwargs)


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


# ----------------------------------------------------------------------------
# the compiled epoch (ContrastiveDivergence.fit_epochs, which RBM.fit uses)
# ----------------------------------------------------------------------------
def _pair(n_visible, n_hidden, *, momentum=0.5, **kwargs):
    """Two identical models (same initial weights and sampler seed), compiled alike."""
    out = []
    for _ in range(2):
        model = cd.ContrastiveDivergence(n_visible, n_hidden, seed=0, **kwargs)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=momentum),
                      metrics=[keras.metrics.MeanSquaredError(name="recon_error")])
        model.optimizer.build(model.trainable_variables)
        out.append(model)
    return out


def _assert_same_state(a, b):
    for name in ("W", "b", "c", "mean_activation"):
        np.testing.assert_allclose(np.asarray(getattr(b, name)), np.asarray(getattr(a, name)),
                                   rtol=1e-4, atol=1e-6, err_msg=name)
    # the same number of random draws and of optimizer steps
    np.testing.assert_array_equal(np.asarray(b.seed_generator.state),
                                  np.asarray(a.seed_generator.state))
    assert int(np.asarray(b.optimizer.iterations)) == int(np.asarray(a.optimizer.iterations))


@pytest.mark.parametrize("n, batch, kwargs", [
    # sampled hidden states, a small batch (the reconstruction stacked with the
    # chain's first product) and a smaller last batch
    (50, 20, dict()),
    # Nam et al.'s sparse Gaussian-binary RBM, batches above the stacking size
    (170, 80, dict(visible="gaussian", sparsity="linear", sparsity_target=0.05,
                   sparsity_cost=3.0, sparsity_rate=0.2, weight_cost=0.01)),
    # ReLU units on both sides, CD-2 with sampled visible states, squared sparsity
    (45, 15, dict(visible="relu", hidden_units="relu", k=2, sample_visible=True,
                  sparsity_target=0.1, sparsity_cost=0.5)),
    # mean field throughout
    (40, 40, dict(sample_hidden=False)),
])
def test_fit_epochs_makes_the_updates_of_keras_fit(n, batch, kwargs):
    rng = np.random.default_rng(4)
    X = rng.random((n, 12)).astype(np.float32)
    if kwargs.get("visible") == "gaussian":
        X = rng.normal(size=(n, 12)).astype(np.float32)
    keras_fit, compiled = _pair(12, 7, **kwargs)
    hist = keras_fit.fit(X, X, epochs=2, batch_size=batch, shuffle=False, verbose=0)
    ours = compiled.fit_epochs(X, batch_size=batch, epochs=2, shuffle=False)
    _assert_same_state(keras_fit, compiled)
    assert np.abs(np.asarray(compiled.W) - np.asarray(_pair(12, 7)[0].W)).max() > 1e-4  # moved
    for key in ("loss", "recon_error"):
        np.testing.assert_allclose(ours.history[key], hist.history[key], rtol=1e-4, atol=1e-6,
                                   err_msg=key)


def test_rbm_fit_keeps_the_order_of_its_keras_fit_days():
    # Keras's fit on a PyDataset ends one epoch while peeking at the data, so
    # epoch e ran in the order of Batches' epoch e + 1; RBM.fit keeps that order
    from mirnb.training import Batches

    X = _prototype_data(n=64, d=12)
    keras_fit, compiled = _pair(12, 5)
    keras_fit.fit(Batches(X, X, batch_size=16, seed=5), epochs=2, shuffle=False, verbose=0)
    compiled.fit_epochs(X, batch_size=16, epochs=2, seed=5, order_offset=1)
    _assert_same_state(keras_fit, compiled)
    _, plain = _pair(12, 5)
    plain.fit_epochs(X, batch_size=16, epochs=2, seed=5)  # the order of epochs 0, 1
    assert np.abs(np.asarray(plain.W) - np.asarray(compiled.W)).max() > 1e-4


class _Record(keras.callbacks.Callback):
    def __init__(self, stop_after=None):
        super().__init__()
        self.events, self.stop_after = [], stop_after

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append(("batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch_end", batch, sorted(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, dict(logs)))
        if epoch == self.stop_after:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.events.append("train_end")


@pytest.mark.slow_on_jax  # the callbacks run in Python, alike under every backend
def test_fit_runs_the_callbacks_between_epochs_and_stops_when_asked():
    X = _prototype_data(n=50, d=10)
    record = _Record()
    model = rbm.RBM(6, learning_rate=0.1, n_iter=2, batch_size=20, random_state=0).fit(
        X, callbacks=[record])
    # two compiled calls per epoch: batches 0-1, then the last, smaller one
    keys = ["loss", "recon_error"]
    epoch = [("batch_begin", 0), ("batch_end", 1, keys), ("batch_begin", 2),
             ("batch_end", 2, keys)]
    got = [e[:2] if e[0] == "epoch_end" else e for e in record.events]
    assert got == ["train_begin", ("epoch_begin", 0), *epoch, ("epoch_end", 0),
                   ("epoch_begin", 1), *epoch, ("epoch_end", 1), "train_end"]
    logs = [e[2] for e in record.events if e[0] == "epoch_end"]
    for key in keys:
        np.testing.assert_allclose([log[key] for log in logs], model.history_[key])
    # the reconstruction error the epoch reports is the mean over its batches,
    # each measured before its update: the first epoch's is that of the start
    start = rbm.RBM(6, learning_rate=1e-12, n_iter=1, batch_size=20, random_state=0,
                    momentum=0.0).fit(X)
    assert start.history_["recon_error"][0] == pytest.approx(start.reconstruction_error(X),
                                                            rel=1e-5)
    stopped = rbm.RBM(6, learning_rate=0.1, n_iter=5, batch_size=20, random_state=0).fit(
        X, callbacks=[_Record(stop_after=1)])
    assert len(stopped.history_["recon_error"]) == 2
    assert stopped.history_["learning_rate"] == pytest.approx([0.1, 0.1])


def test_fit_epochs_checks_its_input():
    model = cd.ContrastiveDivergence(6, 3, seed=0)
    with pytest.raises(ParameterError, match="compile"):
        model.fit_epochs(np.zeros((4, 6), np.float32))
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    with pytest.raises(ParameterError, match="features"):
        model.fit_epochs(np.zeros((4, 5), np.float32))
    with pytest.raises(ParameterError, match="order_offset="):
        model.fit_epochs(np.zeros((4, 6), np.float32), order_offset=-1)
