"""Every chapter runs through papermill with profile=smoke, and the book builds
from those outputs with each chapter's figures and tables on its page.

Each chapter is a test of its own, so that pytest-xdist runs the chapters on
different workers (``conftest.py`` schedules them first: they are the longest
tests). They execute into one book folder that the workers share; a lock per
chapter makes each chapter execute once per test run, and the book test takes
the executed notebooks from there, executing any that no test has yet.
"""

import fcntl
import json
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from mirnb import run

CHAPTERS = list(run.chapters())


@contextmanager
def _locked(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def smoke_book(shared_tmp):
    """A copy of the book sources, shared by the xdist workers of this test run."""
    book, copied = shared_tmp / "smoke_book", shared_tmp / "smoke_book.copied"
    with _locked(shared_tmp / "smoke_book.lock"):
        if not copied.is_file():
            shutil.copytree(run.root() / "book", book, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("_build", "chapters"))
            copied.touch()
    return book


def _executed(chapter, book, smoke_home):
    """Execute ``chapter`` (smoke) into ``book/chapters``, once per test run.

    Returns the outcomes of :func:`mirnb.run.run` (one), as dicts.
    """
    record = book.parent / "smoke_outcomes" / f"{chapter}.json"
    with _locked(record.with_suffix(".lock")):
        if not record.is_file():
            outcomes = run.run([chapter], profile="smoke",
                               parameters={"data_home": str(smoke_home)},
                               output_dir=book / "chapters", progress=False)
            record.write_text(json.dumps([{"chapter": o.chapter, "ok": o.ok,
                                           "output": str(o.output), "text": str(o)}
                                          for o in outcomes]))
    return json.loads(record.read_text())


@pytest.mark.notebook
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_runs_with_the_smoke_profile(chapter, smoke_book, smoke_home):
    outcomes = _executed(chapter, smoke_book, smoke_home)
    assert [o["chapter"] for o in outcomes] == [chapter]
    (o,) = outcomes
    assert o["ok"], o["text"]
    nb = json.loads(Path(o["output"]).read_text())
    assert nb["metadata"]["papermill"]["parameters"]["profile"] == "smoke"
    errors = [out for c in nb["cells"] for out in c.get("outputs", [])
              if out.get("output_type") == "error"]
    assert not errors
    assert nb["cells"][0]["cell_type"] == "markdown"


@pytest.mark.book
def test_book_builds_with_figures_and_tables(smoke_book, smoke_home):
    outcomes = [o for c in CHAPTERS for o in _executed(c, smoke_book, smoke_home)]
    assert [o["chapter"] for o in outcomes] == CHAPTERS
    assert all(o["ok"] for o in outcomes), "\n".join(o["text"] for o in outcomes)
    book = smoke_book
    index = run.build_book(book)
    assert index.is_file()
    html = (book / "_build" / "html" / "chapters" / "00_data.html").read_text()
    assert len(re.findall(r"<img ", html)) >= 5, "chapter 0 lost its figures"
    assert "<table" in html and "dataframe" in html
    assert "<audio" in html, "chapter 0 lost its audio players"
    assert "calibration" in html
    hamel = (book / "_build" / "html" / "chapters" / "01_hamel2010.html").read_text()
    assert len(re.findall(r"<img ", hamel)) >= 7, "the hamel2010 chapter lost its figures"
    assert "Table 2" in hamel and "Hamel &amp; Eck 2010, Table 1" in hamel
    choi = (book / "_build" / "html" / "chapters" / "05_choi2016.html").read_text()
    assert len(re.findall(r"<img ", choi)) >= 4, "the choi2016 chapter lost its figures"
    assert "<audio" in choi, "the choi2016 chapter lost its audio players"
    assert "Choi et al. 2016, Table 3" in choi and "Experiment II" in choi
    intro = (book / "_build" / "html" / "intro.html").read_text()
    assert "Hamel" in intro and "synthetic" in intro
