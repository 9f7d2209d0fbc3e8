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
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from mirnb import figure_audit, run

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
    """A copy of the book sources, shared by the xdist workers of this test run.

    It sits beside a link to the package's ``src``, as ``book/`` does in the
    repository, for the pages' ``literalinclude``s. Every figure the smoke
    kernels draw is measured into ``figure_audit/`` (:func:`mirnb.figure_audit.legibility`).
    """
    os.environ[figure_audit.AUDIT_ENV] = str(shared_tmp / "figure_audit")
    book, copied = shared_tmp / "smoke" / "book", shared_tmp / "smoke_book.copied"
    with _locked(shared_tmp / "smoke_book.lock"):
        if not copied.is_file():
            shutil.copytree(run.root() / "book", book, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("_build", "chapters"))
            (book.parent / "src").symlink_to(run.root() / "src")
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
    # the executed notebook (a download of the page) keeps stderr: no tqdm noise with paths
    assert "IProgress not found" not in json.dumps(nb)


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


def _pages(book):
    html = book / "_build" / "html"
    return {p.stem: p for p in sorted((html / "chapters").glob("0*.html"))}


@pytest.mark.book
def test_pages_are_readable_light_and_private(smoke_book, smoke_home, shared_tmp):
    """Issue 15's checks on the smoke book: what a reader's browser gets."""
    from bs4 import BeautifulSoup

    for c in CHAPTERS:
        _executed(c, smoke_book, smoke_home)
    index = smoke_book / "_build" / "html" / "index.html"
    if not index.is_file():
        run.build_book(smoke_book)
    pages = _pages(smoke_book)
    assert len(pages) == len(CHAPTERS)
    private = [str(smoke_home), str(shared_tmp), str(run.root()), os.path.expanduser("~") + "/"]
    for name, path in pages.items():
        text = path.read_text()
        assert path.stat().st_size < 1_000_000, f"{name}: {path.stat().st_size} bytes of HTML"
        leaked = [p for p in private if p in text]
        assert not leaked, f"{name} shows machine paths {leaked}"
        soup = BeautifulSoup(text, "html.parser")
        assert not soup.select(".tag_parameters, .tag_injected-parameters"), \
            f"{name} shows its parameters cell"
        streams = soup.select("div.cell_output .output.stream")
        assert len(streams) <= 40, f"{name}: {len(streams)} separate printed outputs"
        for pre in soup.select("div.cell_output pre"):
            if pre.find_parent("details") is None:
                lines = pre.get_text().rstrip("\n").count("\n") + 1
                assert lines <= 30, f"{name}: an output of {lines} lines: {pre.get_text()[:80]!r}"
        for img in soup.select("div.cell_output img"):
            fig = img.find_parent("figure")
            caption = fig.find("figcaption") if fig else None
            assert caption is not None and "Fig." in caption.get_text(), \
                f"{name}: a figure without a numbered caption ({img.get('alt')!r})"
            assert not img.get("alt", "").endswith(".png"), f"{name}: alt text is a file path"
        for audio in soup.select("audio"):
            src = audio.get("src", "")
            assert src.startswith("media/") and src.endswith(".ogg"), f"{name}: audio {src!r}"
            assert (path.parent / src).stat().st_size < 300_000
    for name in [n for n in pages if n != "00_data"]:
        soup = BeautifulSoup(pages[name].read_text(), "html.parser")
        csv = [a["href"] for a in soup.select("a[href$='.csv']")]
        assert csv and all((pages[name].parent / h).is_file() for h in csv), \
            f"{name}: no results CSV beside the page"
        assert soup.select("div.highlight-python pre, div.literal-block-wrapper"), \
            f"{name}: no method code shown from the package"


@pytest.mark.book
def test_every_figure_of_the_smoke_run_is_legible_on_the_page(smoke_book, smoke_home,
                                                              shared_tmp):
    for c in CHAPTERS:
        _executed(c, smoke_book, smoke_home)
    rows = [json.loads(line) for f in sorted((shared_tmp / "figure_audit").glob("*.jsonl"))
            for line in f.read_text().splitlines()]
    assert {r["chapter"] for r in rows} >= set(CHAPTERS), "a chapter drew no figure"
    small = [(r["chapter"], r["titles"], round(r["min_px"], 1), r["smallest"])
             for r in rows if r["min_px"] < figure_audit.MIN_PX]
    assert not small, f"figures whose text is under {figure_audit.MIN_PX} px on the page: {small}"
    bare = [(r["chapter"], r["titles"]) for r in rows if r["missing_colorbars"]]
    assert not bare, f"spectrograms without a labelled colorbar: {bare}"
