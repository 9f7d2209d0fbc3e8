"""Shared fixtures. Tests never write to the user's data home or cache."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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


@pytest.fixture(scope="session")
def smoke_home(tmp_path_factory, worker_id):
    """A data home holding the smoke-profile synthetic corpus, made once per test run.

    Under pytest-xdist every worker asks for the same folder, in the base
    temporary folder the workers share; the generator's file lock lets one
    worker render the corpus while the others wait, then read its manifest.
    """
    from mirnb import synth

    base = tmp_path_factory.getbasetemp()
    home = (base if worker_id == "master" else base.parent) / "smoke_home"
    home.mkdir(exist_ok=True)
    os.environ["MIRNB_CACHE"] = str(home / "cache")
    synth.generate("smoke", data_home=home, n_jobs=2, verbose=False)
    return home
