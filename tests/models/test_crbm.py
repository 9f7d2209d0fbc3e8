"""Dieleman et al. (2011): conv RBM against the dense RBM and a NumPy loop, the
two-branch conv DBN, the conv MLP on padded tracks, and the windowed baselines."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

keras = pytest.importorskip("keras")

from mirnb.errors import ParameterError  # noqa: E402
from mirnb.metrics import frame_vote  # noqa: E402
from mirnb.models import beat_baselines as bb  # noqa: E402
from mirnb.models import cd, convdbn, crbm  # noqa: E402

#: Also run under KERAS_BACKEND=jax by `make test` (the models are backend-agnostic).
pytestmark = pytest.mark.jax

PAPER_WIDTHS = (8, 4, 8, 4)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _conv_model(W, b, c, visible, **kwargs):
    w, C, K = W.shape
    model = crbm.ConvContrastiveDivergence(C, K, w, visible=visible, seed=0, **kwargs)
    for var, val in ((model.W, W), (model.b, b), (model.c, c)):
        var.assign(val.astype(np.float32))
    return model


def _params(rng, w, C, K):
    return (rng.normal(scale=0.3, size=(w, C, K)), rng.normal(scale=0.1, size=C),
            rng.normal(scale=0.1, size=K))


# ----------------------------------------------------------------------------
# shape arithmetic
# ----------------------------------------------------------------------------
def test_receptive_field_and_output_lengths_of_the_paper_widths():
    assert convdbn.receptive_field(PAPER_WIDTHS) == 51
    assert convdbn.min_length(PAPER_WIDTHS) == 51
    assert convdbn.min_length(PAPER_WIDTHS, pooling="ceil") == 36
    got = {(n, p): convdbn.output_length(n, PAPER_WIDTHS, pooling=p)
           for n in (35, 36, 50, 51) for p in ("floor", "ceil")}
    assert got == {(35, "floor"): 0, (35, "ceil"): 0, (36, "floor"): 0, (36, "ceil"): 1,
                   (50, "floor"): 0, (50, "ceil"): 1, (51, "floor"): 1, (51, "ceil"): 1}
    # 4 beats (one pool-2 step of 4 x 4 beats = 16) more per output step
    assert convdbn.output_length(51 + 16, PAPER_WIDTHS) == 2
    assert convdbn.output_length(480, PAPER_WIDTHS) == 27
    with pytest.raises(ParameterError, match="widths"):
        convdbn.receptive_field((8, 4, 8))


# ----------------------------------------------------------------------------
# the conv RBM
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_conv_rbm_as_wide_as_its_input_is_the_dense_rbm(visible):
    rng = np.random.default_rng(0)
    B, w, C, K, lr = 6, 4, 3, 5, 0.5
    W, b, c = _params(rng, w, C, K)
    V = rng.random((B, w, C)) if visible == "bernoulli" else rng.normal(size=(B, w, C))
    V = V.astype(np.float32)
    conv = _conv_model(W, b, c, visible, sample_hidden=False)
    dense = cd.ContrastiveDivergence(w * C, K, visible=visible, sample_hidden=False, seed=0)
    dense.W.assign(W.reshape(w * C, K).astype(np.float32))
    dense.b.assign(np.tile(b, w).astype(np.float32))
    dense.c.assign(c.astype(np.float32))
    X = V.reshape(B, w * C)
    # same hidden probabilities
    p_conv = np.asarray(conv.hidden_probs(V))
    np.testing.assert_allclose(p_conv[:, 0], np.asarray(dense.hidden_probs(X)), atol=1e-6)
    # same reconstruction and negative statistics from the same hidden sample
    h0 = (rng.random((B, K)) < p_conv[:, 0]).astype(np.float32)
    v1, p1 = conv.negative_phase(V, h0=h0[:, None])
    v1_dense = np.asarray(dense.visible_mean(h0))
    np.testing.assert_allclose(np.asarray(v1).reshape(B, -1), v1_dense, atol=1e-5)
    np.testing.assert_allclose(np.asarray(p1)[:, 0], np.asarray(dense.hidden_probs(v1_dense)),
                               atol=1e-5)
    # same CD-1 gradients (Hinton 2010's mean over the batch) for that sample
    ph0, ph1 = _sig(X @ W.reshape(w * C, K) + c), np.asarray(dense.hidden_probs(v1_dense))
    stats = conv.cd_statistics(V, h0=h0[:, None])
    np.testing.assert_allclose(stats["W"].reshape(w * C, K),
                               (X.T @ ph0 - v1_dense.T @ ph1) / B, atol=1e-5)
    np.testing.assert_allclose(stats["c"], (ph0 - ph1).mean(0), atol=1e-6)
    db_dense = (X - v1_dense).mean(0).reshape(w, C)
    np.testing.assert_allclose(stats["b"], db_dense.mean(0), atol=1e-6)  # tied over time
    # and the same SGD update under Keras fit (mean field: no sampling)
    for model, x in ((conv, V), (dense, X)):
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr))
        model.fit(x, x if model is dense else np.ones((B, w), np.float32), batch_size=B,
                  epochs=1, shuffle=False, verbose=0)
    dW_conv = np.asarray(conv.W) - W
    dW_dense = (np.asarray(dense.W) - W.reshape(w * C, K)).reshape(w, C, K)
    assert np.abs(dW_conv).max() > 1e-3
    np.testing.assert_allclose(dW_conv, dW_dense, atol=1e-5)
    np.testing.assert_allclose(np.asarray(conv.c), np.asarray(dense.c), atol=1e-6)
    db_dense_step = (np.asarray(dense.b) - np.tile(b, w)).reshape(w, C).mean(0)
    np.testing.assert_allclose(np.asarray(conv.b) - b, db_dense_step, atol=1e-6)


def _numpy_conv_cd(V, mask, W, b, c, h0, visible, lam, rho):
    """Spec Sec. 2.2 steps 1-5 written with loops over positions, padding masked."""
    B, T, C = V.shape
    w, _, K = W.shape
    th = T - w + 1
    hm = mask[:, w - 1:, None]

    def up(v):
        return _sig(np.stack([np.einsum("btc,tck->bk", v[:, t:t + w], W)
                              for t in range(th)], axis=1) + c)

    p0 = up(V)
    u = np.broadcast_to(b, V.shape).copy()
    for t in range(th):
        for tau in range(w):
            u[:, t + tau] += (h0[:, t] * hm[:, t]) @ W[tau].T
    v1 = _sig(u) if visible == "bernoulli" else u
    p1 = up(v1) * hm
    pt0 = (p0 + lam * (rho - p0)) * hm
    n_h, n_v = hm.sum(), mask.sum()
    dW = np.stack([np.einsum("btc,btk->ck", V[:, tau:tau + th], pt0)
                   - np.einsum("btc,btk->ck", v1[:, tau:tau + th], p1)
                   for tau in range(w)]) / n_h
    db = (mask[..., None] * (V - v1)).sum((0, 1)) / n_v
    return {"W": dW, "b": db, "c": (pt0 - p1).sum((0, 1)) / n_h}


@pytest.mark.parametrize("visible", ["bernoulli", "gaussian"])
def test_masked_cd_with_sparsity_matches_a_loop_reference_and_the_keras_step(visible):
    rng = np.random.default_rng(1)
    B, T, w, C, K, lr, lam, rho = 4, 9, 3, 2, 3, 0.5, 0.3, 0.05
    W, b, c = _params(rng, w, C, K)
    V = (rng.random((B, T, C)) if visible == "bernoulli" else rng.normal(size=(B, T, C)))
    lengths = [9, 7, 3, 5]
    mask = (np.arange(T)[None] < np.array(lengths)[:, None]).astype(np.float32)
    V = np.where(mask[..., None] > 0, V, 7.0).astype(np.float32)  # padding must not count
    model = _conv_model(W, b, c, visible, sample_hidden=False, sparsity_target=rho,
                        sparsity_cost=lam)
    # hidden probabilities: a dense RBM on every flattened window
    wins = np.stack([V[:, t:t + w].reshape(B, -1) for t in range(T - w + 1)], axis=1)
    np.testing.assert_allclose(np.asarray(model.hidden_probs(V)),
                               _sig(wins @ W.reshape(w * C, K) + c), atol=1e-5)
    h0 = (rng.random((B, T - w + 1, K)) < 0.5).astype(np.float32)
    want = _numpy_conv_cd(V.astype(float), mask, W, b, c, h0, visible, lam, rho)
    got = model.cd_statistics(V, mask, h0=h0)
    for k in "Wbc":
        np.testing.assert_allclose(got[k], want[k], atol=1e-5, err_msg=k)
    # the free-energy loss under Keras fit takes the same step (mean-field h0 = p0)
    p0 = _sig(wins @ W.reshape(w * C, K) + c)
    want = _numpy_conv_cd(V.astype(float), mask, W, b, c, p0, visible, lam, rho)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr))
    model.fit(V, mask, batch_size=B, epochs=1, shuffle=False, verbose=0)
    for k, var, start in (("W", model.W, W), ("b", model.b, b), ("c", model.c, c)):
        np.testing.assert_allclose(np.asarray(var) - start, lr * want[k], atol=1e-5,
                                   err_msg=k)


def test_chunks_hold_every_window_exactly_once():
    rng = np.random.default_rng(0)
    lengths = (5, 16, 17, 40, 41)
    # beat t of track i holds the value 1000 i + t + 1 (0 is padding)
    tracks = [(1000 * i + np.arange(n, dtype=np.float32) + 1)[:, None]
              for i, n in enumerate(lengths)]
    width, length = 5, 16
    x, mask = crbm._chunks(tracks, length, width, rng, multiple=8)
    assert x.shape[1:] == (length, 1) and len(x) % 8 == 0
    windows = []
    for xi, mi in zip(x[..., 0], mask):
        n = int(mi.sum())
        assert np.all(mi[:n] == 1) and not np.any(mi[n:]) and not np.any(xi[n:])
        assert np.all(np.diff(xi[:n]) == 1)  # consecutive beats of one track
        windows += [int(v) for v in xi[:max(n - width + 1, 0)]]
    want = [1000 * i + t + 1 for i, n in enumerate(lengths) for t in range(n - width + 1)]
    assert sorted(windows) == want


def _sparse_data(n=24, T=40, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.random((T, 12)) < 0.3).astype(np.float32) for _ in range(n)]


@pytest.mark.slow_on_jax
def test_sparsity_moves_the_mean_hidden_activation_toward_its_target():
    X = _sparse_data(16)
    common = dict(learning_rate=0.5, n_iter=2, batch_size=16, chunk=24, sparsity_target=0.05,
                  random_state=0)
    free = crbm.ConvRBM(6, 4, sparsity_cost=0.0, **common).fit(X)
    sparse = crbm.ConvRBM(6, 4, sparsity_cost=0.5, **common).fit(X)
    act_free = np.mean(np.concatenate(free.transform(X)))
    act_sparse = np.mean(np.concatenate(sparse.transform(X)))
    assert abs(act_sparse - 0.05) < 0.5 * abs(act_free - 0.05)
    assert sparse.history_["mean_hidden"][-1] < sparse.history_["mean_hidden"][0]
    assert len(sparse.history_["recon_error"]) == 2
    np.testing.assert_allclose(sparse.history_["mean_hidden"][-1], act_sparse, atol=0.05)


@pytest.mark.slow_on_jax
def test_fit_repeats_itself_under_a_seed_and_transforms_variable_lengths():
    rng = np.random.default_rng(2)
    X = [rng.normal(size=(n, 5)).astype(np.float32) for n in (12, 20, 33)]
    kw = dict(visible="gaussian", learning_rate=0.01, n_iter=2, batch_size=4, chunk=10)
    a = crbm.ConvRBM(3, 4, random_state=7, **kw).fit(X)
    b = crbm.ConvRBM(3, 4, random_state=7, **kw).fit(X)
    c = crbm.ConvRBM(3, 4, random_state=8, **kw).fit(X)
    np.testing.assert_array_equal(a.components_, b.components_)
    assert a.history_ == b.history_
    assert not np.allclose(a.components_, c.components_)
    assert a.components_.shape == (3, 4, 5) and a.intercept_visible_.shape == (5,)
    H = a.transform(X)
    assert [h.shape for h in H] == [(9, 3), (17, 3), (30, 3)]
    # a track alone and in a padded batch give the same activations
    np.testing.assert_allclose(a.transform([X[0]])[0], H[0], atol=1e-6)
    rec = a.reconstruct(X)
    assert [r.shape for r in rec] == [x.shape for x in X]
    err = np.mean(np.concatenate([(r - x).ravel() ** 2 for r, x in zip(rec, X)]))
    assert a.reconstruction_error(X) == pytest.approx(err, rel=1e-6)


@pytest.mark.slow_on_jax
def test_conv_rbm_errors_name_the_problem():
    X = _sparse_data(3, 20)
    with pytest.raises(ParameterError, match="visible='poisson'"):
        crbm.ConvRBM(2, 4, visible="poisson").fit(X)
    with pytest.raises(ParameterError, match=r"X\[1\] has 3 beats.*width=4"):
        crbm.ConvRBM(2, 4).fit([X[0], X[1][:3]])
    with pytest.raises(ParameterError, match=r"X\[1\] has 11 channels: expected 12"):
        crbm.ConvRBM(2, 4).fit([X[0], X[1][:, :11]])
    with pytest.raises(ParameterError, match="values in .*visible='gaussian'"):
        crbm.ConvRBM(2, 4).fit([x * 3 for x in X])
    with pytest.raises(ParameterError, match="chunk=3 is shorter than width=4"):
        crbm.ConvRBM(2, 4, chunk=3).fit(X)
    with pytest.raises(NotFittedError):
        crbm.ConvRBM(2, 4).transform(X)
    model = crbm.ConvRBM(2, 4, n_iter=1, random_state=0).fit(X)
    with pytest.raises(ParameterError, match="11 channels: expected 12 .*fitted"):
        model.transform([X[0][:, :11]])
    with pytest.raises(ParameterError, match="has 2 beats"):
        model.transform([X[0][:2]])


# ----------------------------------------------------------------------------
# the conv DBN and the conv MLP at the paper's size
# ----------------------------------------------------------------------------
def _tracks(lengths, seed=0, n_chroma=12):
    rng = np.random.default_rng(seed)
    chroma = [rng.random((n, n_chroma)).astype(np.float32) for n in lengths]
    timbre = []
    for n in lengths:
        t = rng.normal(size=(n, 12))
        timbre.append(((t - t.mean(0)) / t.std(0)).astype(np.float32))
    return chroma, timbre


@pytest.fixture(scope="module")
def paper_dbn():
    chroma, timbre = _tracks([60, 60])
    dbn = convdbn.ConvDBN(**{k: convdbn.PAPER[k] for k in ("maps", "widths", "learning_rates",
                                                     "sparsity_targets", "sparsity_cost",
                                                     "n_iter")},
                       random_state=0).fit(chroma, timbre)
    return dbn, chroma, timbre


@pytest.mark.slow_on_jax
def test_paper_size_network_pretrains_and_takes_a_finetuning_step(paper_dbn):
    dbn, chroma, timbre = paper_dbn
    assert dbn.rbm_chroma_.components_.shape == (100, 8, 12)
    assert dbn.rbm_timbre_.learning_rate == 0.0001 and dbn.rbm_timbre_.visible == "gaussian"
    assert dbn.rbm_top_.components_.shape == (100, 8, 200)
    assert dbn.rbm_top_.sparsity_target == 0.1 and dbn.n_skipped_ == 0
    assert set(dbn.history_) == {"1a", "1b", "3"}
    model = convdbn.build_conv_mlp(5, dbn=dbn)
    np.testing.assert_array_equal(model.get_layer("conv3").get_weights()[0],
                                  np.transpose(dbn.rbm_top_.components_, (1, 2, 0)))
    assert not np.any(model.get_layer("output").get_weights()[0])
    # the MLP's pool4 equals the DBN's layer 4
    sub = keras.Model(model.inputs, model.get_layer("pool4").output)
    out = sub.predict_on_batch({"chroma": chroma[0][None], "timbre": timbre[0][None]})
    np.testing.assert_allclose(out[0], dbn.transform(chroma[:1], timbre[:1])[0], atol=1e-5)
    before = model.get_layer("conv1a").get_weights()[0]
    hist = convdbn.fit_conv_mlp(model, (chroma, timbre, np.array([0, 3])), epochs=1,
                             learning_rate=0.05, batch_size=2, random_state=0)
    assert len(hist["loss"]) == 1 and np.isfinite(hist["loss"][0])
    assert np.any(model.get_layer("output").get_weights()[0])
    # the zero head passes no gradient down in the first step; the second one does
    np.testing.assert_array_equal(model.get_layer("conv1a").get_weights()[0], before)
    convdbn.fit_conv_mlp(model, (chroma, timbre, np.array([0, 3])), epochs=1, batch_size=2)
    assert not np.array_equal(model.get_layer("conv1a").get_weights()[0], before)
    assert convdbn.track_posteriors(model, chroma, timbre).shape == (2, 5)


@pytest.mark.slow_on_jax
def test_random_control_matches_each_pretrained_tensors_moments(paper_dbn):
    dbn = paper_dbn[0]
    model = convdbn.build_conv_mlp(5, dbn=dbn, init="random", random_state=3)
    for layer, attr in (("conv1a", "rbm_chroma_"), ("conv1b", "rbm_timbre_"),
                        ("conv3", "rbm_top_")):
        got = model.get_layer(layer).get_weights()
        ref = getattr(dbn, attr)
        for g, r in zip(got, (ref.components_, ref.intercept_hidden_)):
            se = r.std() / np.sqrt(r.size)
            assert abs(g.mean() - r.mean()) < 5 * se + 1e-7, layer
            assert g.std() == pytest.approx(r.std(), rel=0.2 if r.size == 100 else 0.05)
            assert not np.allclose(g.ravel(), np.sort(r.ravel()))
        assert not np.allclose(got[0], np.transpose(ref.components_, (1, 2, 0)))
    assert not np.any(model.get_layer("output").get_weights()[0])
    again = convdbn.moment_matched(dbn, random_state=3)
    np.testing.assert_array_equal(again["conv3"][0], model.get_layer("conv3").get_weights()[0])
    with pytest.raises(ParameterError, match="maps=50 but the dbn has 100"):
        convdbn.build_conv_mlp(5, dbn=dbn, maps=50)
    with pytest.raises(ParameterError, match="needs a fitted ConvDBN"):
        convdbn.build_conv_mlp(5)


# ----------------------------------------------------------------------------
# variable lengths: padding never counts
# ----------------------------------------------------------------------------
SMALL = (2, 2, 2, 2)  # receptive field 7 beats


@pytest.fixture
def small_mlp():
    model = convdbn.build_conv_mlp(3, maps=4, widths=SMALL, init="random", random_state=0)
    head = model.get_layer("output")
    rng = np.random.default_rng(0)
    head.set_weights([rng.normal(size=(4, 3)).astype(np.float32) * 3,
                      rng.normal(size=3).astype(np.float32)])
    return model


def test_track_posterior_is_the_mean_of_its_valid_steps_and_ignores_padding(small_mlp):
    lengths = [7, 30, 11, 19]
    chroma, timbre = _tracks(lengths, seed=4)
    steps = convdbn.step_posteriors(small_mlp, chroma, timbre, batch_size=3)
    assert [len(s) for s in steps] == [convdbn.output_length(n, SMALL) for n in lengths]
    # each track alone, unpadded, gives the same per-step posteriors
    for c, t, s in zip(chroma, timbre, steps):
        alone = small_mlp.predict_on_batch({"chroma": c[None], "timbre": t[None]})[0]
        np.testing.assert_allclose(s, alone, atol=1e-6)
    # padding with garbage changes nothing on the valid steps
    x = {k: crbm.pad_tracks(v, length=40, value=1e3) for k, v in (("chroma", chroma),
                                                                   ("timbre", timbre))}
    out = small_mlp.predict_on_batch(x)
    for i, s in enumerate(steps):
        np.testing.assert_allclose(out[i, :len(s)], s, atol=1e-6)
        assert len(s) < out.shape[1]
    post = convdbn.track_posteriors(small_mlp, chroma, timbre)
    np.testing.assert_allclose(post, [s.mean(0) for s in steps], atol=1e-7)
    assert np.ptp(post[:, 0]) > 1e-3  # the posteriors differ between tracks
    _, pred = frame_vote(np.concatenate(steps), np.repeat(np.arange(4), [len(s) for s in steps]))
    np.testing.assert_array_equal(pred, post.argmax(1))


def test_step_weights_zero_the_padding():
    w = convdbn.step_weights([7, 11, 30], SMALL, n_steps=8)
    n = [convdbn.output_length(k, SMALL) for k in (7, 11, 30)]
    assert w.shape == (3, 8) and n == [1, 2, 6]
    for row, k in zip(w, n):
        np.testing.assert_allclose(row[:k], 1 / k)
        assert not np.any(row[k:])
    assert convdbn.step_weights([11], SMALL, per_track=False).tolist() == [[1.0, 1.0]]
    with pytest.raises(ParameterError, match="shorter than the 7 beats"):
        convdbn.step_weights([7, 6], SMALL)


@pytest.mark.slow_on_jax
def test_finetuning_learns_an_easy_task_and_scores_every_epoch():
    rng = np.random.default_rng(0)
    lengths = rng.integers(8, 30, size=24)
    chroma = [rng.random((n, 12)).astype(np.float32) for n in lengths]
    timbre = [rng.normal(size=(n, 12)).astype(np.float32) for n in lengths]
    y = np.arange(24) % 3
    for t, k in zip(timbre, y):
        t[:, k] += 3.0  # the class raises one timbre coefficient
    model = convdbn.build_conv_mlp(3, maps=16, widths=SMALL, init="random", random_state=0)
    data = (chroma, timbre, y)
    # full-batch steps: random sigmoid features are weakly informative, SGD is slow
    hist = convdbn.fit_conv_mlp(model, data, data, test=data, epochs=20, learning_rate=1.0,
                             batch_size=24, random_state=0)
    assert set(hist) == {"loss", "val_accuracy", "val_nll", "test_accuracy", "test_nll"}
    assert len(hist["val_accuracy"]) == 20 and hist["val_accuracy"] == hist["test_accuracy"]
    assert np.all(np.diff(hist["loss"]) < 0.01) and hist["loss"][-1] < 0.85 * hist["loss"][0]
    assert hist["val_nll"][-1] < hist["val_nll"][0] - 0.1
    assert hist["val_accuracy"][0] < 0.5 and hist["val_accuracy"][-1] == 1.0
    with pytest.raises(ParameterError, match="labels in"):
        convdbn.fit_conv_mlp(model, (chroma, timbre, y + 1), epochs=1)


def test_finetuning_minibatches_of_tracks_of_very_different_lengths():
    # batches whose longest tracks round up to different lengths must still
    # share one shape (Keras's TF adapter fixes it from the first batch)
    rng = np.random.default_rng(1)
    lengths = np.array([8, 9, 10, 11, 60, 61, 62, 63])
    chroma = [rng.random((n, 12)).astype(np.float32) for n in lengths]
    timbre = [rng.normal(size=(n, 12)).astype(np.float32) for n in lengths]
    model = convdbn.build_conv_mlp(2, maps=4, widths=SMALL, init="random", random_state=0)
    hist = convdbn.fit_conv_mlp(model, (chroma, timbre, np.arange(8) % 2), epochs=2,
                                batch_size=2, random_state=0)
    assert len(hist["loss"]) == 2 and np.all(np.isfinite(hist["loss"]))


# ----------------------------------------------------------------------------
# the windowed baselines
# ----------------------------------------------------------------------------
def test_beat_windows_flatten_beat_major_and_name_their_track():
    X = [np.arange(10 * 2).reshape(10, 2), 100 + np.arange(6 * 2).reshape(6, 2)]
    W, track = bb.beat_windows(X, 4, hop=2)
    assert W.shape == (4 + 2, 8) and track.tolist() == [0, 0, 0, 0, 1, 1]
    np.testing.assert_array_equal(W[1], X[0][2:6].ravel())
    np.testing.assert_array_equal(W[5], X[1][2:6].ravel())
    with pytest.raises(ParameterError, match="1 of 2 tracks .*index 1, 6 beats.*width=8"):
        bb.beat_windows(X, 8)
    assert bb.stack_features([np.zeros((3, 12))], [np.ones((3, 12))])[0].shape == (3, 24)


@pytest.mark.parametrize("estimator", [bb.naive_bayes(),
                                       bb.softmax_regression(learning_rate=0.05, epochs=20,
                                                             random_state=0)])
def test_window_classifiers_average_window_posteriors_per_track(estimator):
    rng = np.random.default_rng(0)
    y = np.arange(30) % 3
    X = [rng.normal(size=(rng.integers(10, 20), 4)) + np.eye(4)[k] for k in y]
    clf = bb.WindowClassifier(estimator, width=4).fit(X[:21], y[:21])
    assert clf.score(X[21:], y[21:]) >= 0.85
    P = clf.predict_proba(X[21:])
    Wv, track = bb.beat_windows(X[21:], 4)
    win = clf.estimator_.predict_proba(clf.scaler_.transform(Wv))
    np.testing.assert_allclose(P[2], win[track == 2].mean(0))
    np.testing.assert_allclose(clf.scaler_.mean_, bb.beat_windows(X[:21], 4)[0].mean(0),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ParameterError, match="fitted on 4"):
        clf.predict_proba([x[:, :3] for x in X[21:]])


# ----------------------------------------------------------------------------
# streaming: partial_fit, zscored_chunks, ConvDBN.fit_stream
# ----------------------------------------------------------------------------
@pytest.mark.slow_on_jax
def test_partial_fit_on_fits_batches_takes_fits_steps(monkeypatch):
    X = np.stack(_sparse_data(8, 20))
    used = {}

    class Recorded(crbm.Batches):  # the rows of every batch fit trains on
        def __getitem__(self, i):
            used[i] = self._rows(i)
            return super().__getitem__(i)

    monkeypatch.setattr(crbm, "Batches", Recorded)
    kw = dict(learning_rate=0.5, batch_size=4, chunk=None, sparsity_cost=0.3,
              init_visible_bias=False, random_state=3)
    ref = crbm.ConvRBM(5, 4, **kw).fit(list(X))
    assert sorted(np.concatenate([used[0], used[1]])) == list(range(8))
    a = crbm.ConvRBM(5, 4, **kw)
    for i in (0, 1):  # sampled hidden units: the same seeds draw the same samples
        a.partial_fit(X[used[i]])
    np.testing.assert_allclose(a.components_, ref.components_, atol=1e-6)
    for k in ("intercept_hidden_", "intercept_visible_"):
        np.testing.assert_allclose(getattr(a, k), getattr(ref, k), atol=1e-6)
    assert a.history_["n_chunks"] == [4, 4]
    assert all(len(v) == 2 and np.all(np.isfinite(v)) for v in a.history_.values())
    assert 0 < a.history_["mean_hidden"][1] < 1 and a.history_["recon_error"][1] > 0


def test_partial_fit_initialises_from_its_first_batch_and_pads_short_ones():
    X = np.stack(_sparse_data(8, 20))
    # the first batch's mean sets the visible biases; a short batch is padded, not recompiled
    c = crbm.ConvRBM(5, 4, learning_rate=0.005, random_state=3).partial_fit(X[:4])
    m = np.clip(X[:4].mean(axis=(0, 1)), 1e-3, 1 - 1e-3)  # one step moves b by < 0.005
    np.testing.assert_allclose(c.intercept_visible_, np.log(m / (1 - m)), atol=0.006)
    before = c.components_
    c.partial_fit(X[4:7])
    assert c.history_["n_chunks"] == [4, 3] and c._n_rows == 32
    assert not np.array_equal(c.components_, before)
    with pytest.raises(ParameterError, match="11 channels: expected 12"):
        c.partial_fit(X[:2, :, :11])
    with pytest.raises(ParameterError, match="chunks of 3 steps.*width=4"):
        c.partial_fit(X[:2, :3])
    with pytest.raises(ParameterError, match="values in .*visible='gaussian'"):
        crbm.ConvRBM(5, 4).partial_fit(X * 3)
    with pytest.raises(ParameterError, match=r"\(B, L, C\)"):
        crbm.ConvRBM(5, 4).partial_fit(X[0])


def test_zscored_chunks_zscore_each_whole_track_before_cutting():
    chroma, timbre = _tracks([5, 23, 40], seed=1)
    for i, c in enumerate(chroma):  # column 0 names the track and the beat
        c[:, 0] = (100 * i + np.arange(len(c))) / 1000
    raw = [3 * t + 7 for t in timbre]
    z = convdbn.zscore_tracks(raw)
    stream = [(["a", "b"], chroma[:2], raw[:2]), (chroma[2:], raw[2:])]
    out = list(convdbn.zscored_chunks(stream, 10, 3, hop=4, seed=0))
    sizes = [len(c) for c, _ in out]
    assert all(n == 3 for n in sizes[:-1]) and 1 <= sizes[-1] <= 3
    starts = {1: [], 2: []}
    for cs, ts in out:
        assert cs.shape[1:] == ts.shape[1:] == (10, 12) and ts.dtype == np.float32
        for c, t in zip(cs, ts):
            i, s = divmod(int(round(c[0, 0] * 1000)), 100)
            starts[i].append(s)
            np.testing.assert_array_equal(c, chroma[i][s:s + 10])
            np.testing.assert_allclose(t, z[i][s:s + 10], atol=1e-5)  # whole-track z-score
    for i, s in starts.items():  # a grid of hop 4 from a random phase, to the track's end
        s = sorted(s)
        assert s[0] < 4 and np.all(np.diff(s) == 4) and s[-1] + 4 > len(chroma[i]) - 10
    again = list(convdbn.zscored_chunks(stream, 10, 3, hop=4, seed=0))
    assert all(np.array_equal(x[0], y[0]) for x, y in zip(out, again))


SMALL_DBN = dict(maps=4, widths=(3, 2, 3, 2), learning_rates=(0.05, 0.01, 0.05),
                 batch_size=8, random_state=0)


def _chunk_stream(n_batches=3, B=8, L=12, seed=0):
    """A callable yielding chunk batches, alternately with and without ids; counts calls."""
    def stream():
        stream.calls += 1
        rng = np.random.default_rng(seed)
        for i in range(n_batches):
            c = rng.random((B, L, 12)).astype(np.float32)
            t = rng.normal(size=(B, L, 12)).astype(np.float32)
            yield ([f"t{j}" for j in range(B)], c, t) if i % 2 else (c, t)
    stream.calls = 0
    return stream


@pytest.mark.slow_on_jax
def test_fit_stream_trains_three_rbms_one_batch_at_a_time():
    stream = _chunk_stream()
    dbn = convdbn.ConvDBN(**SMALL_DBN).fit_stream(stream, n_iter=2)
    assert stream.calls == 4  # two passes for 1a and 1b, two for 3
    assert {k: len(h["recon_error"]) for k, h in dbn.history_.items()} == {
        "1a": 6, "1b": 6, "3": 6}
    assert all(np.all(np.isfinite(v)) for h in dbn.history_.values() for v in h.values())
    assert dbn.rbm_top_.components_.shape == (4, 3, 8) and dbn.n_skipped_ == 0
    for i, (attr, C, w) in enumerate((("rbm_chroma_", 12, 3), ("rbm_timbre_", 12, 3),
                                      ("rbm_top_", 8, 3))):  # each moved from its init
        init = np.asarray(crbm.ConvContrastiveDivergence(C, 4, w, seed=i).W)
        assert not np.allclose(getattr(dbn, attr).components_, np.transpose(init, (2, 0, 1)),
                               atol=1e-4), attr
    # RBM 3's input per batch is the tracks' layer 2, and the DBN fine-tunes
    c, t = next(_chunk_stream()())
    np.testing.assert_allclose(dbn._pooled_batch(c, t),
                               np.stack(dbn.transform(list(c), list(t), layer="2")), atol=1e-6)
    model = convdbn.build_conv_mlp(3, dbn=dbn)
    sub = keras.Model(model.inputs, model.get_layer("pool4").output)
    np.testing.assert_allclose(sub.predict_on_batch({"chroma": c[:1], "timbre": t[:1]})[0],
                               dbn.transform(c[:1], t[:1])[0], atol=1e-5)
    with pytest.raises(ParameterError, match="RBM 3 needs w1 \\+ p1 \\* w3 - 1 = 8 beats"):
        convdbn.ConvDBN(**SMALL_DBN).fit_stream(_chunk_stream(L=7))
    with pytest.raises(ParameterError, match="expected a callable"):
        convdbn.ConvDBN(**SMALL_DBN).fit_stream(list(_chunk_stream()()))
    with pytest.raises(ParameterError, match="no batch"):
        convdbn.ConvDBN(**SMALL_DBN).fit_stream(lambda: iter(()))


def test_a_conv_tagger_learns_tags_from_the_steps_of_each_track():
    import keras

    rng = np.random.default_rng(0)
    lengths = rng.integers(8, 30, size=24)
    chroma = [rng.random((n, 12)).astype(np.float32) for n in lengths]
    timbre = [rng.normal(size=(n, 12)).astype(np.float32) for n in lengths]
    tags = (rng.random((24, 2)) < 0.5).astype(np.float32)
    for t, row in zip(timbre, tags):
        t[:, :2] += 3.0 * row  # each tag raises one timbre coefficient
    base = convdbn.build_conv_mlp(2, maps=16, widths=SMALL, init="random", random_state=0)
    out = keras.layers.Dense(2, activation="sigmoid")(base.get_layer("pool4").output)
    model = keras.Model(base.inputs, out)
    convdbn.fit_conv_tagger(model, chroma, timbre, tags, epochs=30, learning_rate=1.0,
                            batch_size=24, random_state=0)
    scores = convdbn.track_posteriors(model, chroma, timbre)
    assert scores.shape == (24, 2)
    from sklearn.metrics import roc_auc_score
    assert roc_auc_score(tags[:, 0], scores[:, 0]) > 0.9
    with pytest.raises(ParameterError, match="one 0/1 row per track"):
        convdbn.fit_conv_tagger(model, chroma, timbre, tags[:, :1], epochs=1)


@pytest.mark.slow_on_jax
def test_rbm_table_shows_each_rbms_record_and_weight_moments():
    rng = np.random.default_rng(3)
    X = [rng.normal(size=(n, 5)).astype(np.float32) for n in (12, 20)]
    a = crbm.ConvRBM(3, 4, visible="gaussian", learning_rate=0.01, n_iter=2, batch_size=4,
                     chunk=10, sparsity_target=0.1, random_state=0).fit(X)
    table = crbm.rbm_table({"1b": a})
    row = table.loc["1b"]
    assert list(table.index) == ["1b"] and row["visible"] == "gaussian"
    assert (row["filters"], row["width"], row["sparsity target"]) == (3, 4, 0.1)
    assert row["reconstruction error, first"] == a.history_["recon_error"][0]
    assert row["reconstruction error, last"] == a.history_["recon_error"][-1]
    assert row["weight SD"] == pytest.approx(a.components_.std())
    with pytest.raises(NotFittedError):
        crbm.rbm_table({"x": crbm.ConvRBM(3, 4)})
