"""Seeding, the input pipeline, early stopping on validation AUC, checkpoints and resume."""

import json

import numpy as np
import pytest

import keras

from mirnb import training
from mirnb.errors import ParameterError
from mirnb.models import fcn


#: Also run under KERAS_BACKEND=jax by `make test` (the models are backend-agnostic).
pytestmark = pytest.mark.jax


@pytest.fixture(scope="module")
def toy():
    """Spectrogram-like inputs where the first two tags are visible in the input."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((48, 12, 24, 1)).astype("float32")
    y = (rng.random((48, 4)) < 0.4).astype("float32")
    x[:, :3] += 2.0 * y[:, :1, None, None]
    x[:, -3:] += 2.0 * y[:, 1:2, None, None]
    return x, y


def _run(toy, epochs, checkpoint_dir=None, patience=10, seed=1, resume=True):
    x, y = toy
    training.set_seed(seed)
    model = training.compile_model(fcn.build_fcn(4, input_shape=(12, 24, 1), n_tags=4,
                                                  width=1 / 32), learning_rate=0.01)
    train = training.Batches(x[:36], y[:36], batch_size=8, seed=seed)
    valid = training.Batches(x[36:], y[36:], batch_size=8, shuffle=False)
    return training.fit_tagger(model, train, valid, epochs=epochs, patience=patience,
                               checkpoint_dir=checkpoint_dir, resume=resume, verbose=0)


def _same(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


@pytest.mark.tensorflow_only
def test_two_seeded_runs_give_identical_weights_and_history(toy):
    a, b = _run(toy, 2), _run(toy, 2)
    assert _same(a.model, b.model)
    assert a.history == b.history
    c = _run(toy, 2, seed=2)
    assert not _same(a.model, c.model)


def test_validation_auc_is_logged_every_epoch_and_learning_helps(toy):
    r = _run(toy, 6)
    assert len(r.history["val_auc"]) == len(r.history["loss"]) == r.epochs == 6
    assert all(0 <= v <= 1 for v in r.history["val_auc"] + r.history["val_pr_auc"])
    assert r.history["loss"][-1] < r.history["loss"][0]
    assert r.best_auc == max(r.history["val_auc"])
    assert r.history["val_auc"][r.best_epoch - 1] == r.best_auc
    # the returned model holds the best epoch's weights
    valid_scores = training.predict(r.model, toy[0][36:])
    from mirnb import metrics
    assert metrics.auc_tag(toy[1][36:], valid_scores)["AUC-T"] == pytest.approx(r.best_auc,
                                                                               abs=1e-6)


@pytest.mark.tensorflow_only
def test_interrupted_run_resumes_where_it_stopped(toy, tmp_path):
    ckpt = tmp_path / "ckpt"
    first = _run(toy, 2, checkpoint_dir=ckpt)            # "interrupted" after epoch 2
    state = json.loads((ckpt / "state.json").read_text())
    assert state["epoch"] == 2 and (ckpt / "last.keras").is_file()
    resumed = _run(toy, 4, checkpoint_dir=ckpt)          # a new process would do the same
    assert resumed.resumed_from == 2 and resumed.epochs == 4
    assert len(resumed.history["val_auc"]) == 4
    assert resumed.history["val_auc"][:2] == first.history["val_auc"]
    assert int(resumed.model.optimizer.iterations.numpy()) == 4 * 5  # 36 clips / 8 per batch
    straight = _run(toy, 4)
    assert resumed.history == straight.history
    assert _same(resumed.model, straight.model)
    # a finished run is not trained again
    again = _run(toy, 4, checkpoint_dir=ckpt)
    assert again.resumed_from == 4 and again.history == resumed.history


def test_checkpoint_of_another_model_is_refused(toy, tmp_path):
    _run(toy, 1, checkpoint_dir=tmp_path)
    x, y = toy
    other = training.compile_model(fcn.build_fcn(3, input_shape=(12, 24, 1), n_tags=4,
                                                  width=1 / 32))
    with pytest.raises(ParameterError, match="another model"):
        training.fit_tagger(other, training.Batches(x, y, batch_size=8),
                            (x[:8], y[:8]), epochs=2, checkpoint_dir=tmp_path, verbose=0)


def test_early_stopping_stops_after_patience(toy):
    x, y = toy
    training.set_seed(0)
    model = training.compile_model(fcn.build_fcn(3, input_shape=(12, 24, 1), n_tags=4,
                                                  width=1 / 32), learning_rate=1e-7)
    r = training.fit_tagger(model, training.Batches(x[:36], y[:36], batch_size=12),
                            (x[36:], y[36:]), epochs=30, patience=2, verbose=0)
    assert r.stopped_early and r.epochs < 30
    assert r.epochs - r.best_epoch == 2


def test_batches_cover_every_clip_once_per_epoch_in_a_seeded_order(toy):
    x, y = toy
    b = training.Batches(x, y, batch_size=10, seed=3, indices=np.arange(5, 45))
    assert len(b) == 4
    seen = np.concatenate([b._rows(i) for i in range(len(b))])
    assert sorted(seen) == list(range(5, 45))
    order0 = seen.copy()
    b.on_epoch_end()
    assert not np.array_equal(np.concatenate([b._rows(i) for i in range(len(b))]), order0)
    b.set_epoch(0)
    assert np.array_equal(np.concatenate([b._rows(i) for i in range(len(b))]), order0)
    xb, yb = b[3]
    assert xb.shape == (10, 12, 24, 1) and yb.dtype == np.float32
    fixed = training.Batches(x, y, batch_size=7, shuffle=False, indices=[9, 2, 30])
    np.testing.assert_array_equal(fixed.targets, y[[9, 2, 30]])
    with pytest.raises(ParameterError, match="rows"):
        training.Batches(x, y[:3])


def test_pipeline_and_step_throughput_report_clips_per_second(toy):
    x, y = toy
    pipe = training.pipeline_throughput(training.Batches(x, y, batch_size=8))
    assert pipe["clips"] == 48 and pipe["clips_per_s"] > 0
    model = training.compile_model(fcn.build_fcn(3, input_shape=(12, 24, 1), n_tags=4,
                                                  width=1 / 32))
    step = training.step_throughput(model, x[:8], y[:8], n_steps=2)
    assert step["batch_size"] == 8 and step["clips_per_s"] > 0
    keras.backend.clear_session()


def test_mixed_precision_needs_a_gpu():
    if training.gpu_available():
        pytest.skip("this machine has a GPU")
    with pytest.warns(UserWarning, match="no GPU"):
        assert training.set_mixed_precision(True) == "float32"
    assert keras.mixed_precision.dtype_policy().name == "float32"
    assert training.set_mixed_precision(False) == "float32"
    with pytest.raises(ParameterError):
        training.set_seed(-1)
