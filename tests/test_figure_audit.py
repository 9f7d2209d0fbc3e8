"""Tests of mirnb.figure_audit: text measured as the page shows it, bare spectrograms found."""

import json
import os

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mirnb import figure_audit as fa  # noqa: E402
from mirnb import plotting as mp  # noqa: E402
from mirnb.errors import ParameterError  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_legibility_measures_text_on_the_page_and_finds_bare_spectrograms():
    S = np.random.default_rng(0).normal(size=(40, 100))
    fig, ax = plt.subplots(figsize=(mp.PAGE_WIDTH, 3))
    mp.specshow(S, sr=22050, hop_length=512, ax=ax)
    ok = fa.legibility(fig)
    assert ok["min_px"] >= fa.MIN_PX and ok["spectrograms"] == 1
    assert ok["missing_colorbars"] == 0
    # the same figure drawn twice as wide is shrunk to the page: its text too
    fig.set_size_inches(2 * mp.PAGE_WIDTH, 3)
    assert fa.legibility(fig)["min_px"] < 0.7 * ok["min_px"]
    plt.close(fig)
    fig, axes = plt.subplots(1, 3, figsize=(mp.PAGE_WIDTH, 2.5))
    for a in axes[:2]:  # shared limits, one colorbar: both covered
        mp.specshow(S, sr=22050, hop_length=512, ax=a, vmin=-2, vmax=2, colorbar=a is axes[1])
    mp.specshow(S, sr=22050, hop_length=512, ax=axes[2], colorbar=False)
    assert fa.legibility(fig)["missing_colorbars"] == 1
    with pytest.raises(ParameterError, match="page_px"):
        fa.legibility(fig, page_px=0)
    plt.close(fig)


def test_installed_audit_records_each_figure_once_with_its_chapter(tmp_path, monkeypatch):
    folder = tmp_path / "audit"
    monkeypatch.setenv(fa.AUDIT_ENV, str(folder))
    monkeypatch.setenv(fa.CHAPTER_ENV, "hamel2010")
    with matplotlib.rc_context():  # restores figure.hooks
        fa.install()
        fa.install()
        assert matplotlib.rcParams["figure.hooks"].count("mirnb.figure_audit:_audit") == 1
        fig, ax = plt.subplots(figsize=(mp.PAGE_WIDTH, 3))
        ax.set_title("a title")
        fig.canvas.draw()
        fig.canvas.draw()  # drawn twice (as the inline backend does), recorded once
    rows = [json.loads(line) for line in (folder / f"{os.getpid()}.jsonl").read_text()
            .splitlines()]
    assert len(rows) == 1
    assert rows[0]["chapter"] == "hamel2010" and rows[0]["titles"] == ["a title"]
    assert rows[0]["min_px"] >= fa.MIN_PX and rows[0]["spectrograms"] == 0


def test_install_does_nothing_without_the_audit_folder(monkeypatch):
    monkeypatch.delenv(fa.AUDIT_ENV, raising=False)
    with matplotlib.rc_context():
        before = list(matplotlib.rcParams["figure.hooks"])
        fa.install()
        assert list(matplotlib.rcParams["figure.hooks"]) == before
