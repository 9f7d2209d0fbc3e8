"""The `mirnb` command's argument checks: clear one-line errors, exit status 2."""

import textwrap

import pytest

from mirnb import cli

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
    """A repository with one tiny chapter, never executed by these tests."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks" / "01_tiny.py").write_text(HEADER + textwrap.dedent("""\
        # %% tags=["parameters"]
        profile = "default"
        n = 1
        data_home = None
        results_path = None

        # %%
        raise RuntimeError("these tests must not start a kernel")
        """))
    monkeypatch.setenv("MIRNB_ROOT", str(tmp_path))
    return tmp_path


def _exit_status(argv):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    return exc.value.code


@pytest.mark.parametrize("argv", [
    ["data", "synth", "--profile", "smoke"],
    ["run", "tiny", "--profile", "smoke"],
    ["sweep", "tiny", "-p", "n", "1,2", "--profile", "smoke"],
])
@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_below_one_is_a_one_line_error(project, capsys, argv, jobs):
    assert _exit_status(argv + ["--jobs", jobs]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1 and "--jobs" in lines[0] and "1 or more" in lines[0]
    assert "Traceback" not in err and "joblib" not in err
    assert not (project / "build").exists()  # nothing ran


def test_jobs_of_one_or_more_is_taken():
    args = cli._parser().parse_args(["data", "synth", "--jobs", "3"])
    assert args.jobs == 3
    assert cli._parser().parse_args(["data", "synth"]).jobs is None


def test_sweep_checks_every_combination_before_the_first_run(project, capsys):
    out = project / "sweeps" / "typed"
    status = cli.main(["sweep", "tiny", "-p", "n", "1,x", "--profile", "smoke",
                       "--output-dir", str(out)])
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "parameter n" in err and "expected int" in err and "'x'" in err
    assert not out.exists()  # no run was started


def test_sweep_makes_relative_paths_absolute_where_it_is_typed(project, tmp_path,
                                                               monkeypatch):
    from mirnb import run, sweep

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    seen = []

    def fake_execute(chapter, **kwargs):
        seen.append(kwargs)
        out = kwargs["failed_path"]
        return run.Outcome("tiny", False, out, 0.0, kwargs["parameters"], "not run")

    monkeypatch.setattr(run, "execute", fake_execute)
    result = sweep.sweep("tiny", {"data_home": ["d"]}, profile="smoke", fixed={"n": 2},
                         output_dir="sweeps", verbose=False)
    assert result.output_dir == work / "sweeps"
    assert len(seen) == 1
    params = seen[0]["parameters"]
    assert params["data_home"] == str(work / "d") and params["n"] == 2
    assert params["results_path"] == str(work / "sweeps" / "000_data_home-d" / "results.jsonl")
    # the failed notebook stays in the run's folder; the run id keeps the value as typed
    assert seen[0]["failed_path"] == work / "sweeps" / "000_data_home-d" / "01_tiny.ipynb"
    assert result.runs[0].parameters == {"data_home": "d"}
