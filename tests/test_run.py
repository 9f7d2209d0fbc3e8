"""The chapter runner and the `mirnb` command, on tiny notebooks made here."""

import json
import os
import textwrap
from pathlib import Path

import pytest

from mirnb import cli, run
from mirnb.errors import ParameterError

HEADER = textwrap.dedent("""\
    # ---
    # jupyter:
    #   kernelspec:
    #     display_name: Python 3
    #     language: python
    #     name: python3
    # ---
    """)


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks" / "01_good.py").write_text(HEADER + textwrap.dedent("""\
        # %% tags=["parameters"]
        profile = "default"
        n = 1

        # %%
        if n < 0:
            raise ValueError("n must be >= 0")
        print("profile", profile, "n", n * 2)
        """))
    (tmp_path / "notebooks" / "02_bad.py").write_text(HEADER + textwrap.dedent("""\
        # %% tags=["parameters"]
        profile = "default"

        # %%
        x = 1

        # %%
        raise ValueError("broken on purpose")
        """))
    (tmp_path / "notebooks" / "03_typed.py").write_text(HEADER + textwrap.dedent("""\
        # %% tags=["parameters"]
        profile = "default"
        flag = True
        count = 2
        rate = 0.5
        name = "x"
        items = [1, 2]
        anything = None
        data_home = None
        results_path = None
        out_dir = "out"
        size: int = -1
        computed = 2 ** 3

        # %%
        import os
        print("cwd", os.getcwd())
        print("data_home", data_home)
        print("out_dir", out_dir)
        print("MIRNB_DATA", os.environ.get("MIRNB_DATA"))
        """))
    monkeypatch.setenv("MIRNB_ROOT", str(tmp_path))
    return tmp_path


def _outputs(path):
    nb = json.loads(path.read_text())
    return "".join(o.get("text", "") if isinstance(o.get("text"), str) else "".join(o.get("text", []))
                   for c in nb["cells"] for o in c.get("outputs", []))


def test_chapters_are_found_in_order(project):
    assert list(run.chapters()) == ["good", "bad", "typed"]


def test_execute_injects_parameters_and_writes_to_the_book(project):
    out = run.execute("good", profile="smoke", parameters={"n": "21"}, progress=False)
    assert out.ok and out.output == project / "book" / "chapters" / "01_good.ipynb"
    assert "profile smoke n 42" in _outputs(out.output)


def test_failure_names_notebook_cell_and_parameters_and_keeps_output(project):
    with pytest.raises(run.ChapterError) as err:
        run.execute("bad", profile="smoke", progress=False)
    msg = str(err.value)
    assert "02_bad.py" in msg and "cell" in msg and "'profile': 'smoke'" in msg
    assert "ValueError" in msg and "broken on purpose" in msg
    # the partial notebook is kept apart from the book, and the message says where
    failed = list((project / "build" / "failed").glob("02_bad-*.ipynb"))
    assert len(failed) == 1 and str(failed[0]) in msg
    assert "broken on purpose" in json.dumps(json.loads(failed[0].read_text()))
    assert not (project / "book" / "chapters" / "02_bad.ipynb").exists()
    assert not list((project / "build" / "notebooks").glob("*running*"))


def test_failed_run_leaves_the_good_executed_notebook_in_place(project):
    good = run.execute("good", profile="smoke", parameters={"n": "21"}, progress=False)
    assert good.ok and "profile smoke n 42" in _outputs(good.output)
    before = good.output.read_text()
    bad = run.execute("good", profile="smoke", parameters={"n": "-1"}, progress=False,
                      raise_error=False)
    assert not bad.ok and "n must be >= 0" in bad.error
    assert good.output.read_text() == before  # not replaced by the failed run
    assert bad.output.parent == project / "build" / "failed" and bad.output.is_file()
    assert bad.output.name.startswith("01_good-")
    assert str(bad.output) in bad.error and "unchanged" in bad.error
    assert run.executed_errors(good.output) == []
    assert any("n must be >= 0" in e for e in run.executed_errors(bad.output))


def test_failed_runs_in_the_same_second_get_names_of_their_own(tmp_path):
    names = [run._failed_name(tmp_path / "failed", "01_good") for _ in range(3)]
    assert len(set(names)) == 3 and all(p.is_file() for p in names)


def test_unknown_chapter_profile_or_parameter_is_a_clear_error(project):
    with pytest.raises(ParameterError, match="chapters are"):
        run.execute("nope")
    with pytest.raises(ParameterError, match="profile"):
        run.execute("good", profile="huge")
    with pytest.raises(ParameterError, match="no parameter"):
        run.execute("good", parameters={"m": 1}, progress=False)


def test_cli_run_in_parallel_reports_failure_and_exit_status(project, capsys):
    status = cli.main(["run", "good", "bad", "--profile", "smoke", "--jobs", "2"])
    assert status == 1
    captured = capsys.readouterr()
    assert "good: ok" in captured.out
    assert "02_bad.py failed in cell" in captured.err
    assert cli.main(["run", "good", "--profile", "smoke", "-p", "n", "3"]) == 0


def test_book_needs_executed_chapters(project):
    (project / "book" / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n"
                                                "  - file: chapters/01_good\n")
    with pytest.raises(run.ChapterError, match="mirnb run"):
        run.build_book()


def test_coerce_reads_literals():
    assert run._coerce("3") == 3 and run._coerce("0.5") == 0.5
    assert run._coerce("true") is True and run._coerce("None") is None
    assert run._coerce("smoke") == "smoke" and run._coerce("[1, 2]") == [1, 2]


# ----------------------------------------------------------------------------
# the book refuses failed runs
# ----------------------------------------------------------------------------
def _write_executed(path, outputs=(), nb_meta=None, cell_meta=None):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"profile": "smoke"}, **(nb_meta or {})}
    cell = nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.from_dict(o) for o in outputs])
    cell.metadata.update(cell_meta or {})
    nb.cells = [nbformat.v4.new_markdown_cell("# A chapter"), cell]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


ERROR = {"output_type": "error", "ename": "ValueError", "evalue": "seed is wrong",
         "traceback": ["Traceback", "ValueError: seed is wrong"]}


def test_book_refuses_an_executed_notebook_holding_an_error(project):
    (project / "book" / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n"
                                                "  - file: chapters/01_good\n")
    _write_executed(project / "book" / "chapters" / "01_good.ipynb", [ERROR])
    with pytest.raises(run.ChapterError) as err:
        run.build_book()
    msg = str(err.value)
    assert "01_good.ipynb" in msg and "chapter good" in msg
    assert "ValueError: seed is wrong" in msg and "mirnb run good --profile smoke" in msg


def test_book_refuses_papermill_exception_metadata(project, capsys):
    (project / "book" / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n"
                                                "  - file: chapters/01_good\n")
    _write_executed(project / "book" / "chapters" / "01_good.ipynb",
                    nb_meta={"exception": True})
    assert cli.main(["book"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mirnb: error:") and "chapter good" in err and "Traceback" not in err


def test_executed_errors_counts_failures_only(tmp_path):
    ok = _write_executed(tmp_path / "ok.ipynb",
                         [{"output_type": "stream", "name": "stdout", "text": "fine\n"}])
    assert run.executed_errors(ok) == []
    intended = _write_executed(tmp_path / "intended.ipynb", [ERROR],
                               cell_meta={"tags": ["raises-exception"]})
    assert run.executed_errors(intended) == []
    exit0 = _write_executed(tmp_path / "exit0.ipynb", [{**ERROR, "ename": "SystemExit",
                                                        "evalue": "0"}])
    assert run.executed_errors(exit0) == []
    bad = _write_executed(tmp_path / "bad.ipynb", [ERROR])
    assert run.executed_errors(bad) == ["cell 1: ValueError: seed is wrong"]
    marked = _write_executed(tmp_path / "marked.ipynb",
                             cell_meta={"papermill": {"exception": True}})
    assert run.executed_errors(marked)
    (tmp_path / "broken.ipynb").write_text("{not json")
    assert "unreadable" in run.executed_errors(tmp_path / "broken.ipynb")[0]


# ----------------------------------------------------------------------------
# parameters: types checked and paths resolved before the kernel starts
# ----------------------------------------------------------------------------
def test_declared_parameters_are_read_without_running_the_cell(project):
    declared = run.declared_parameters("typed")
    assert declared["flag"] is True and declared["count"] == 2 and declared["size"] == -1
    assert declared["items"] == [1, 2] and declared["computed"] is None  # not a literal


@pytest.mark.parametrize("name, value, expected", [
    ("count", "notanumber", "expected int"),
    ("count", "2.5", "expected int"),
    ("count", "true", "expected int"),
    ("flag", "1", "expected bool"),
    ("flag", "yes", "expected bool"),
    ("rate", "fast", "expected float"),
    ("rate", "False", "expected float"),
    ("items", "3", "expected list"),
    ("size", "big", "expected int"),
])
def test_wrong_types_are_refused(project, name, value, expected):
    with pytest.raises(ParameterError) as err:
        run.check_parameters("typed", {name: value})
    msg = str(err.value)
    assert "\n" not in msg and f"parameter {name}" in msg and expected in msg
    assert repr(run._coerce(value)) in msg


def test_right_types_are_accepted_and_coerced(project):
    got = run.check_parameters("typed", {"count": "3", "rate": "2", "flag": "false",
                                         "name": "42", "items": "(3, 4)", "anything": "[1]",
                                         "computed": "'a'", "size": 7})
    assert got["count"] == 3 and got["rate"] == 2 and got["flag"] is False
    assert got["name"] == "42"  # a string parameter keeps the string
    assert got["items"] == (3, 4) and got["anything"] == [1] and got["computed"] == "a"
    with pytest.raises(ParameterError, match="no parameter"):
        run.check_parameters("typed", {"cuont": 3})


def test_a_wrong_type_fails_before_any_kernel_starts(project, capsys):
    status = cli.main(["run", "good", "typed", "--profile", "smoke", "-p", "n", "notanumber"])
    assert status == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "parameter n" in err and "expected int" in err
    assert "'notanumber'" in err and "Traceback" not in err
    assert "[mirnb run]" not in captured.out  # no chapter was started
    assert not (project / "book" / "chapters").exists()


def test_path_parameters_are_made_absolute(project, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    got = run.check_parameters("typed", {"data_home": "data", "results_path": "r.jsonl",
                                         "out_dir": "~/o", "anything": "rel"})
    assert got["data_home"] == str(work / "data")
    assert got["results_path"] == str(work / "r.jsonl")
    assert got["out_dir"] == str(Path("~/o").expanduser())
    assert got["anything"] == "rel"  # not a path name: untouched


def test_relative_data_home_and_mirnb_data_reach_the_kernel_absolute(project, tmp_path,
                                                                      monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("MIRNB_DATA", "rel_data")
    out = run.execute("typed", profile="smoke", parameters={"data_home": "home"},
                      progress=False)
    text = _outputs(out.output)
    assert f"cwd {project / 'notebooks'}" in text  # where papermill runs the kernel
    assert f"data_home {work / 'home'}" in text
    assert f"MIRNB_DATA {work / 'rel_data'}" in text
    assert "out_dir out" in text  # a default is the notebook's own business
    assert os.environ["MIRNB_DATA"] == "rel_data"  # the caller's environment is restored


# ----------------------------------------------------------------------------
# make clean-book keeps the executed chapters
# ----------------------------------------------------------------------------
def test_clean_book_keeps_chapters_and_clean_chapters_removes_them(tmp_path):
    import shutil
    import subprocess

    make = shutil.which("make")
    if make is None:
        pytest.skip("no make")
    shutil.copy(Path(__file__).resolve().parents[1] / "Makefile", tmp_path / "Makefile")
    chapter = tmp_path / "book" / "chapters" / "00_data.ipynb"
    html = tmp_path / "book" / "_build" / "html" / "index.html"
    for f in (chapter, html):
        f.parent.mkdir(parents=True)
        f.write_text("{}")
    subprocess.run([make, "-s", "-C", str(tmp_path), "clean-book"], check=True,
                   capture_output=True)
    assert chapter.is_file() and not html.exists()
    subprocess.run([make, "-s", "-C", str(tmp_path), "clean-chapters"], check=True,
                   capture_output=True)
    assert not chapter.exists() and (tmp_path / "book").is_dir()
