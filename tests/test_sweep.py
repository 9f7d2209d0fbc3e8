"""`mirnb sweep`: combinations, the command line, a local pool and a Dask cluster."""

import json
import textwrap

import pandas as pd
import pytest

from mirnb import cli, sweep
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
    """A repository with one tiny chapter that saves a result record per run."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks" / "01_tiny.py").write_text(HEADER + textwrap.dedent("""\
        # %% tags=["parameters"]
        profile = "default"
        n = 1
        scale = 1.0
        results_path = None

        # %%
        from mirnb import results
        if n == 3:
            raise ValueError("n=3 fails on purpose")
        r = results.Result(chapter="tiny", experiment="e", method=f"n={n}", metric="m",
                            value=n * scale, dataset="none", data_kind="synthetic",
                            profile=profile)
        if results_path:
            r.save(results_path)
        """))
    monkeypatch.setenv("MIRNB_ROOT", str(tmp_path))
    return tmp_path


def test_values_and_combinations():
    assert sweep.parse_values("3,4,5") == [3, 4, 5]
    assert sweep.parse_values("mel, 'a,b' ,[1, 2],None") == ["mel", "a,b", [1, 2], None]
    with pytest.raises(ParameterError, match="empty value"):
        sweep.parse_values("3,,4")
    with pytest.raises(ParameterError, match="unbalanced"):
        sweep.parse_values("[3,4")
    combos = sweep.combinations({"depth": [3, 4], "seed": [0, 1, 2]})
    assert len(combos) == 6 and combos[0] == {"depth": 3, "seed": 0}
    assert combos[1] == {"depth": 3, "seed": 1}
    with pytest.raises(ParameterError):
        sweep.combinations({"depth": []})


def test_command_line_parsing():
    args = cli._parser().parse_args(
        ["sweep", "choi2016", "-p", "depth", "3,4,5", "-p", "seed", "0,1", "--profile",
         "smoke", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786", "-f", "experiment",
         "II"])
    assert args.command == "sweep" and args.chapter == "choi2016"
    assert args.parameter == [["depth", "3,4,5"], ["seed", "0,1"]]
    assert args.fixed == [["experiment", "II"]]
    assert (args.profile, args.jobs, args.scheduler) == ("smoke", 2, "tcp://127.0.0.1:8786")
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["sweep", "choi2016", "--profile", "smoke"])  # no -p


def test_failed_combination_is_reported_with_its_parameters(project, capsys):
    out = project / "sweeps" / "local"
    status = cli.main(["sweep", "tiny", "-p", "n", "3", "-p", "scale", "2.0", "--profile",
                       "smoke", "--output-dir", str(out)])
    assert status == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and "n=3" in err and "fails on purpose" in err
    runs = pd.read_csv(out / "runs.csv")
    assert list(runs["ok"]) == [False]
    assert (out / "000_n-3_scale-2.0" / "01_tiny.ipynb").is_file()  # the partial notebook


def test_smoke_sweep_on_a_local_dask_cluster(project, capsys):
    distributed = pytest.importorskip("dask.distributed")
    out = project / "sweeps" / "dask"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        status = cli.main(["sweep", "tiny", "-p", "n", "1,2", "-f", "scale", "10",
                           "--profile", "smoke", "--scheduler", cluster.scheduler_address,
                           "--output-dir", str(out)])
    assert status == 0, capsys.readouterr().err
    table = pd.read_csv(out / "sweep.csv")
    assert list(table["n"]) == [1, 2]
    assert list(table["value"]) == [10.0, 20.0]
    assert set(table["profile"]) == {"smoke"}
    assert list(table["run_id"]) == ["000_n-1", "001_n-2"]
    for run_id in table["run_id"]:
        nb = json.loads((out / run_id / "01_tiny.ipynb").read_text())
        assert nb["metadata"]["papermill"]["parameters"]["profile"] == "smoke"
    assert "2 of 2 runs ok" in capsys.readouterr().out
