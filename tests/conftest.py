"""Shared fixtures. Tests never write to the user's data home or cache."""

import os
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# OpenMP threads (scikit-learn's k-means, openTSNE, ...) that wait for work
# sleep instead of spinning: with two xdist workers and the chapters' kernels
# sharing a few cores, spinning threads took the cores from the threads with
# work (a t-SNE map of 15 points took 7x the CPU). Results do not change.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def pytest_sessionstart(session):
    """Compile librosa's numba kernels once, before xdist starts its workers."""
    if not hasattr(session.config, "workerinput"):
        from mirnb.warmup import librosa_kernels

        librosa_kernels()


@pytest.fixture(autouse=True)
def _isolated_homes(tmp_path_factory, monkeypatch):
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("MIRNB_DATA", str(base / "data_home"))
    monkeypatch.setenv("MIRNB_CACHE", str(base / "cache"))


@contextmanager
def _eagerly():
    """Run Keras's training and prediction functions eagerly (TensorFlow backend).

    For tests of what happens around the training steps (checkpoints, folds,
    bookkeeping) on toy data, where tracing the step functions into graphs
    would take most of the time. Under another backend it changes nothing.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        yield
        return
    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*run_functions_eagerly.*tf.data")
        tf.config.run_functions_eagerly(True)
        try:
            yield
        finally:
            tf.config.run_functions_eagerly(False)


@pytest.fixture(scope="session")
def keras_eagerly():
    """A context manager that runs Keras's step functions eagerly (see :func:`_eagerly`)."""
    return _eagerly


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory, pytestconfig):
    """The base temporary folder that every pytest-xdist worker of this run shares."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(pytestconfig, "workerinput") else base


@pytest.fixture(scope="session")
def smoke_home(shared_tmp):
    """A data home holding the smoke-profile synthetic corpus, made once per test run.

    Under pytest-xdist every worker asks for the same folder, in the base
    temporary folder the workers share; the generator's file lock lets one
    worker render the corpus while the others wait, then read its manifest.
    """
    from mirnb import synth

    home = shared_tmp / "smoke_home"
    home.mkdir(exist_ok=True)
    os.environ["MIRNB_CACHE"] = str(home / "cache")
    synth.generate("smoke", data_home=home, n_jobs=2, verbose=False)
    return home


def pytest_collection_modifyitems(config, items):
    """Start the chapter notebooks (the longest tests) first, and build the book last.

    pytest-xdist's ``load`` scheduler hands each worker a chunk of
    consecutive tests to start with; the notebooks are spread over the
    workers' first chunks, so that every worker starts on one and the short
    tests fill in around them. The book test, which needs every executed
    chapter, goes last.
    """
    first = [i for i in items if i.get_closest_marker("notebook")]
    last = [i for i in items if i.get_closest_marker("book")]
    rest = [i for i in items if i not in first and i not in last]
    workerinput = getattr(config, "workerinput", None)
    n = int(workerinput["workercount"]) if workerinput else 1
    # workers see dist 'no' when the controller chose 'load' for -n
    if n < 2 or config.getoption("dist", "no") not in ("no", "load"):
        items[:] = first + rest + last
        return
    # the first chunk of worker k starts at k * chunk (xdist.scheduler.load)
    chunk = max(min(len(items) // n // 4, config.getoption("maxschedchunk") or len(items)), 2)
    slots = {(j % n) * chunk + j // n: item for j, item in enumerate(first)}
    if len(slots) < len(first):  # more notebooks than a chunk holds
        items[:] = first + rest + last
        return
    ordered, others = [], iter(rest)
    while slots or len(ordered) < len(first) + len(rest):
        if len(ordered) in slots:
            ordered.append(slots.pop(len(ordered)))
            continue
        item = next(others, None)
        if item is None:  # fewer tests than slots: the remaining notebooks in order
            ordered += [slots[k] for k in sorted(slots)]
            break
        ordered.append(item)
    items[:] = ordered + last
