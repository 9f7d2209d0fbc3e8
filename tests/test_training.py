"""Seeding, the input pipeline, early stopping on validation AUC, checkpoints and resume."""

import dataclasses
import functools
import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

import keras

from mirnb import checkpoints, training
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


def _run(toy, epochs, checkpoint_dir=None, patience=10, seed=1, resume=True, depth=4,
         learning_rate=0.01, extra=None, batch_size=8):
    x, y = toy
    training.set_seed(seed)
    model = training.compile_model(fcn.build_fcn(depth, input_shape=(12, 24, 1), n_tags=4,
                                                  width=1 / 32), learning_rate=learning_rate)
    train = training.Batches(x[:36], y[:36], batch_size=batch_size, seed=seed)
    valid = training.Batches(x[36:], y[36:], batch_size=batch_size, shuffle=False)
    return training.fit_tagger(model, train, valid, epochs=epochs, patience=patience,
                               checkpoint_dir=checkpoint_dir, resume=resume, verbose=0,
                               fingerprint_extra=extra)


def _same(a, b):
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


@pytest.fixture
def eager_run(keras_eagerly):
    """Train eagerly, in batches of 12 (3 per epoch): for the tests of checkpoint
    bookkeeping, where tracing the step functions would take most of the time.

    The seeded, checkpointed and resumed training of the compiled graphs is
    tested by the tests that do not use this fixture.
    """
    with keras_eagerly():
        yield functools.partial(_run, batch_size=12)


@pytest.mark.slow_on_jax
def test_two_seeded_runs_give_identical_weights_and_history(toy):
    a, b = _run(toy, 2), _run(toy, 2)
    assert _same(a.model, b.model)
    assert a.history == b.history
    c = _run(toy, 2, seed=2)
    assert not _same(a.model, c.model)


@pytest.mark.slow_on_jax
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


@pytest.mark.slow_on_jax
def test_interrupted_run_resumes_where_it_stopped(toy, tmp_path):
    ckpt = tmp_path / "ckpt"
    first = _run(toy, 2, checkpoint_dir=ckpt)            # "interrupted" after epoch 2
    state = json.loads((ckpt / "state.json").read_text())
    assert state["epoch"] == 2 and (ckpt / state["checkpoint"] / "last.keras").is_file()
    assert first.checkpoint_dir == ckpt
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


@pytest.mark.slow_on_jax
def test_checkpoint_of_another_model_is_not_resumed_but_kept(toy, tmp_path, caplog,
                                                              eager_run):
    first = eager_run(toy, 1, checkpoint_dir=tmp_path)
    state = (tmp_path / "state.json").read_text()
    with caplog.at_level("WARNING", logger="mirnb.training"):
        other = eager_run(toy, 1, checkpoint_dir=tmp_path, depth=3)
    assert other.resumed_from == 0 and other.fingerprint != first.fingerprint
    assert re.fullmatch(rf"{tmp_path.name}-[0-9a-f]{{10}}", other.checkpoint_dir.name)
    assert other.checkpoint_dir.parent == tmp_path.parent
    assert "another run" in caplog.text and "architecture" in caplog.text
    assert (tmp_path / "state.json").read_text() == state     # the first run is untouched
    again = eager_run(toy, 2, checkpoint_dir=tmp_path, depth=3)  # resumes from its own folder
    assert again.resumed_from == 1 and again.checkpoint_dir == other.checkpoint_dir


def _fingerprint(toy, *, depth=4, learning_rate=0.01, optimizer="adam", batch_size=8,
                 seed=1, rows=36, flip=False, patience=10, epochs=4, extra=None):
    x, y = toy
    y = 1 - y if flip else y
    model = training.compile_model(fcn.build_fcn(depth, input_shape=(12, 24, 1), n_tags=4,
                                                  width=1 / 32), learning_rate=learning_rate,
                                   optimizer=optimizer)
    train = training.Batches(x, y, batch_size=batch_size, seed=seed, indices=np.arange(rows))
    valid = training.ValidationAUC(x[36:], y[36:])
    return checkpoints.fingerprint(model, train=train, valid=valid, epochs=epochs,
                                 patience=patience, min_delta=0.0, batch_size=8,
                                 steps_per_epoch=None, extra=extra)


@pytest.mark.slow_on_jax
def test_fingerprint_covers_everything_that_changes_the_result(toy):
    ref = _fingerprint(toy)
    assert _fingerprint(toy) == ref                        # stable
    changes = {"architecture": dict(depth=3), "optimizer": dict(learning_rate=0.02),
               "optimizer ": dict(optimizer="sgd"), "training batches": dict(batch_size=6),
               "training batches ": dict(seed=2), "training batches  ": dict(rows=30),
               "validation": dict(flip=True), "early stopping": dict(patience=3),
               "extra.dataset": dict(extra={"dataset": "real"})}
    for part, change in changes.items():
        fp = _fingerprint(toy, **change)
        assert fp["full"] != ref["full"] and fp["base"] != ref["base"], change
        assert fp["parts"][part.strip()] != ref["parts"].get(part.strip()), change
    assert (_fingerprint(toy, extra={"dataset": "synthetic", "version": 1})["full"]
            != _fingerprint(toy, extra={"dataset": "synthetic", "version": 2})["full"])
    longer = _fingerprint(toy, epochs=8)                   # the budget: in full, not in base
    assert longer["full"] != ref["full"] and longer["base"] == ref["base"]
    assert ref["parts"]["backend"] and ref["parts"]["dtype policy"]


@pytest.mark.slow_on_jax
def test_checkpoint_of_other_data_or_settings_is_never_resumed(toy, tmp_path, eager_run):
    done = eager_run(toy, 2, checkpoint_dir=tmp_path / "run", extra={"dataset": "synthetic"})
    real = eager_run(toy, 2, checkpoint_dir=tmp_path / "run", extra={"dataset": "real"})
    assert real.resumed_from == 0 and real.checkpoint_dir != done.checkpoint_dir
    lr = eager_run(toy, 2, checkpoint_dir=tmp_path / "run", extra={"dataset": "synthetic"},
                   learning_rate=0.02)
    assert lr.resumed_from == 0
    # {fingerprint} in the folder: one folder per setting
    a = eager_run(toy, 1, checkpoint_dir=tmp_path / "m-{fingerprint}", extra={"dataset": "a"})
    b = eager_run(toy, 1, checkpoint_dir=tmp_path / "m-{fingerprint}", extra={"dataset": "b"})
    assert re.fullmatch(r"m-[0-9a-f]{10}", a.checkpoint_dir.name)
    assert re.fullmatch(r"m-[0-9a-f]{10}", b.checkpoint_dir.name)
    assert a.checkpoint_dir.parent == tmp_path and b.checkpoint_dir != a.checkpoint_dir
    longer = eager_run(toy, 2, checkpoint_dir=tmp_path / "m-{fingerprint}",
                       extra={"dataset": "a"})
    assert longer.resumed_from == 1 and longer.checkpoint_dir == a.checkpoint_dir
    # a checkpoint past this run's epoch budget is not this run's result
    short = eager_run(toy, 1, checkpoint_dir=tmp_path / "run", extra={"dataset": "synthetic"})
    assert short.resumed_from == 0 and short.epochs == 1
    assert short.checkpoint_dir != done.checkpoint_dir


class _Crash(RuntimeError):
    pass


@pytest.mark.slow_on_jax
def test_kill_between_model_and_state_resumes_like_an_uninterrupted_run(toy, tmp_path,
                                                                        monkeypatch, eager_run):
    ckpt = tmp_path / "ckpt"
    write = checkpoints.write_text

    def crash_at_epoch_3(path, text):
        if json.loads(text)["epoch"] == 3:                 # the model of epoch 3 is written
            raise _Crash("killed")
        write(path, text)

    monkeypatch.setattr(checkpoints, "write_text", crash_at_epoch_3)
    with pytest.raises(_Crash):
        eager_run(toy, 4, checkpoint_dir=ckpt)
    monkeypatch.setattr(checkpoints, "write_text", write)
    assert json.loads((ckpt / "state.json").read_text())["epoch"] == 2
    resumed = eager_run(toy, 4, checkpoint_dir=ckpt)
    assert resumed.resumed_from == 2
    straight = eager_run(toy, 4)
    assert resumed.history == straight.history
    assert _same(resumed.model, straight.model)
    assert int(resumed.model.optimizer.iterations.numpy()) == 4 * 3  # 36 clips / 12 per batch
    state = json.loads((ckpt / "state.json").read_text())
    assert [p.name for p in ckpt.glob("ckpt-*")] == [state["checkpoint"]]   # no leftovers


@pytest.mark.slow_on_jax
def test_checkpoint_that_does_not_match_its_state_restarts_cleanly(toy, tmp_path, caplog,
                                                                   eager_run):
    ckpt = tmp_path / "ckpt"
    eager_run(toy, 2, checkpoint_dir=ckpt)
    state = json.loads((ckpt / "state.json").read_text())
    state["iterations"] += 3                               # as if one epoch were lost
    (ckpt / "state.json").write_text(json.dumps(state))
    with caplog.at_level("WARNING", logger="mirnb.training"):
        fresh = eager_run(toy, 3, checkpoint_dir=ckpt)
    assert "does not match its state" in caplog.text and "optimizer steps" in caplog.text
    assert fresh.resumed_from == 0 and fresh.checkpoint_dir == ckpt
    straight = eager_run(toy, 3)
    assert fresh.history == straight.history and _same(fresh.model, straight.model)
    state = json.loads((ckpt / "state.json").read_text())
    shutil.rmtree(ckpt / state["checkpoint"])              # the model files are gone
    with caplog.at_level("WARNING", logger="mirnb.training"):
        assert eager_run(toy, 3, checkpoint_dir=ckpt).resumed_from == 0
    assert "last.keras is missing" in caplog.text


@pytest.mark.slow_on_jax
def test_choi2016_checkpoint_folders_are_named_by_fingerprint(toy, tmp_path, keras_eagerly):
    from mirnb.chapters import choi2016

    x, y = toy
    ids = [f"t{i}" for i in range(len(x))]
    tags = pd.DataFrame(y, index=ids, columns=list("abcd"))
    split = {"train": ids[:36], "valid": ids[36:42], "test": ids[42:]}
    data = training.TaggingData.from_split(x, ids, tags, split)
    other = training.TaggingData.from_split(x, ids, 1 - tags, split)   # other data
    cfg = choi2016.config("smoke", checkpoints=True, max_epochs=1, patience=1, batch_size=12)

    def train(d, c):
        with keras_eagerly():  # the step functions: see eager_run
            return choi2016._train("FCN-4 (mel)", "mel", 4, d, c, tmp_path / "I", 0, False)

    first = train(data, cfg)
    assert re.fullmatch(r"mel-4-seed0-[0-9a-f]{10}", first.fit.checkpoint_dir.name)
    assert first.fit.checkpoint_dir.parent == tmp_path / "I"
    assert train(data, cfg).fit.resumed_from == 1          # the same run resumes
    moved = [train(other, cfg), train(data, dataclasses.replace(cfg, learning_rate=0.01))]
    for run in moved:
        assert run.fit.resumed_from == 0
    folders = {r.fit.checkpoint_dir for r in [first] + moved}
    assert len(folders) == 3


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


@pytest.mark.slow_on_jax
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
