"""Every chapter runs through papermill with profile=smoke, and the book builds
from those outputs with each chapter's figures and tables on its page."""

import json
import re

import pytest

from mirnb import run

CHAPTERS = list(run.chapters())


@pytest.fixture(scope="module")
def executed(smoke_home, tmp_path_factory):
    """Execute every chapter (smoke) into a copy of the book sources."""
    import shutil

    book = tmp_path_factory.mktemp("book")
    shutil.copytree(run.root() / "book", book, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("_build", "chapters"))
    outcomes = run.run(profile="smoke", parameters={"data_home": str(smoke_home)},
                       output_dir=book / "chapters", progress=False)
    return book, outcomes


@pytest.mark.notebook
def test_every_chapter_runs_with_the_smoke_profile(executed):
    book, outcomes = executed
    assert [o.chapter for o in outcomes] == CHAPTERS
    failed = [str(o) for o in outcomes if not o.ok]
    assert not failed, "\n".join(failed)
    for o in outcomes:
        nb = json.loads(o.output.read_text())
        errors = [out for c in nb["cells"] for out in c.get("outputs", [])
                  if out.get("output_type") == "error"]
        assert not errors
        assert nb["cells"][0]["cell_type"] == "markdown"


@pytest.mark.book
def test_book_builds_with_figures_and_tables(executed):
    book, outcomes = executed
    assert all(o.ok for o in outcomes)
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
