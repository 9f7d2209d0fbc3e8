"""The chapter runner and the `mirnb` command, on tiny notebooks made here."""

import json
import textwrap

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
    monkeypatch.setenv("MIRNB_ROOT", str(tmp_path))
    return tmp_path


def _outputs(path):
    nb = json.loads(path.read_text())
    return "".join(o.get("text", "") if isinstance(o.get("text"), str) else "".join(o.get("text", []))
                   for c in nb["cells"] for o in c.get("outputs", []))


def test_chapters_are_found_in_order(project):
    assert list(run.chapters()) == ["good", "bad"]


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
    assert (project / "book" / "chapters" / "02_bad.ipynb").is_file()


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
