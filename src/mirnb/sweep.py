"""Parameter sweeps: one papermill run of a chapter per combination of values.

::

    mirnb sweep choi2016 -p depth 3,4,5 -p seed 0,1 --profile default --jobs 2
    mirnb sweep choi2016 -p depth 3,4,5,6,7 --profile paper --scheduler tcp://host:8786

:func:`sweep` takes the Cartesian product of the values, and executes the
chapter once per combination with :func:`mirnb.run.execute` (with
``raise_error=False``): in a local process pool by default, or on a Dask
distributed cluster when a scheduler address is given
(:class:`dask.distributed.Client`; the scheduling is Dask's). Every run gets
a folder ``<output_dir>/<run id>/`` with its executed notebook and, when the
notebook has a ``results_path`` parameter, the JSON-lines file its
:class:`~mirnb.results.Result` records are appended to. The sweep reads
them back (:func:`mirnb.results.load_results`) into one pandas table, one
row per record with the run's parameters in front, and saves it as
``sweep.csv``; ``runs.csv`` lists every run with its state, time and error.

Every combination's parameters are checked before the first run starts. A
failed combination does not stop the others: it is reported with its
parameters, its partial notebook is kept in its folder, and the sweep's exit
status is non-zero. On a cluster the workers must see the repository and the data
under the same paths as the client (a shared file system), and have mirnb
installed.
"""

import itertools
import json
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from . import run as _run
from .errors import ParameterError

__all__ = ["parse_values", "combinations", "sweep", "RunRecord", "SweepResult"]


def parse_values(text):
    """Split a command-line list of values at its top-level commas.

    Each value is read as a Python literal where it is one (``3``,
    ``None``, ``[1, 2]``, ``'a,b'``), else kept as a string. Commas inside
    brackets or quotes do not split.

    Examples
    --------
    >>> parse_values("3,4,5")
    [3, 4, 5]
    >>> parse_values("mel,'a,b',[1, 2]")
    ['mel', 'a,b', [1, 2]]
    """
    if not isinstance(text, str) or not text.strip():
        raise ParameterError(f"values={text!r}: expected a comma-separated list, e.g. 3,4,5")
    parts, depth, quote, cur = [], 0, None, []
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur).strip())
    if quote or depth:
        raise ParameterError(f"values={text!r}: unbalanced quotes or brackets")
    if any(p == "" for p in parts):
        raise ParameterError(f"values={text!r}: an empty value between commas")
    return [_run._coerce(p) for p in parts]


def combinations(grid):
    """Every combination of the values of ``grid``, in order (the last name varies fastest).

    Parameters
    ----------
    grid : dict
        Parameter name to a list of values.

    Returns
    -------
    list of dict
    """
    if not isinstance(grid, dict) or not grid:
        raise ParameterError("grid: expected a dict of parameter name -> list of values")
    for name, values in grid.items():
        if not isinstance(values, (list, tuple)) or not values:
            raise ParameterError(f"parameter {name!r}: expected a non-empty list of values")
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*grid.values())]


def _slug(value):
    text = re.sub(r"[^A-Za-z0-9.]+", "-", str(value)).strip("-")
    return text[:40] or "x"


def _run_id(index, params):
    return f"{index:03d}_" + "_".join(f"{k}-{_slug(v)}" for k, v in params.items())


@dataclass
class RunRecord:
    """One combination of a sweep: its parameters and what happened."""

    run_id: str
    parameters: dict
    ok: bool
    seconds: float
    notebook: str
    results_path: str = ""
    error: str = ""
    n_results: int = 0

    def summary(self):
        state = "ok" if self.ok else "FAILED"
        shown = ", ".join(f"{k}={v!r}" for k, v in self.parameters.items())
        return f"{self.run_id} ({shown}): {state} in {self.seconds:.1f} s"


@dataclass
class SweepResult:
    """What :func:`sweep` did.

    Attributes
    ----------
    runs : list of RunRecord
        One per combination, in the order of :func:`combinations`.
    table : pandas.DataFrame
        One row per result record of every successful run: the swept
        parameters, then ``run_id`` and the record's fields.
    output_dir : Path
    csv : Path
        ``sweep.csv`` (the table); ``runs.csv`` beside it lists the runs.
    """

    runs: list
    table: object
    output_dir: Path
    csv: Path
    failed: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.failed


def _execute_one(task):
    """Run one combination; never raises (runs in a worker process or on Dask)."""
    start = time.perf_counter()
    out = Path(task["output_dir"])
    try:
        if task.get("root"):
            os.environ["MIRNB_ROOT"] = task["root"]
        params = dict(task["parameters"])
        if task["results_path"]:
            params["results_path"] = task["results_path"]
        stem = _run.notebook_source(task["chapter"]).stem
        outcome = _run.execute(task["chapter"], profile=task["profile"], parameters=params,
                               output_dir=out, build_dir=out / "build", progress=False,
                               raise_error=False, failed_path=out / f"{stem}.ipynb")
        return {"ok": outcome.ok, "seconds": outcome.seconds, "notebook": str(outcome.output),
                "error": outcome.error}
    except Exception as err:  # a worker must report, not die: the others go on
        return {"ok": False, "seconds": time.perf_counter() - start, "notebook": "",
                "error": f"{type(err).__name__}: {err}"}


def sweep(chapter, grid, *, profile="default", fixed=None, jobs=1, scheduler=None,
          output_dir=None, verbose=True):
    """Execute ``chapter`` once per combination of parameter values.

    Parameters
    ----------
    chapter : str
        Chapter name (``'choi2016'``) or file stem.
    grid : dict
        Parameter name to a list of values, e.g. ``{'depth': [3, 4, 5]}``.
        Every name must be a parameter of the notebook, and every value
        of the type of its default (:func:`mirnb.run.check_parameters`);
        all combinations are checked before the first run starts.
    profile : {'smoke', 'default', 'paper'}
    fixed : dict, optional
        Parameters given to every run.
    jobs : int >= 1
        Runs at a time in the local process pool (ignored with a scheduler,
        where the cluster's workers decide).
    scheduler : str, optional
        Address of a Dask distributed scheduler (``'tcp://host:8786'``):
        the runs are submitted to that cluster with
        :meth:`dask.distributed.Client.map`.
    output_dir : str or Path, optional
        Default ``build/sweeps/<chapter>-<profile>-<time>``.
    verbose : bool
        Print a line per finished run.

    Returns
    -------
    SweepResult

    Notes
    -----
    The ``choi2016`` chapter takes ``results_path``; the README's "Sweeps"
    section shows the command.
    """
    if profile not in _run.PROFILES:
        raise ParameterError(f"profile={profile!r}: expected one of {list(_run.PROFILES)}")
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ParameterError(f"jobs={jobs!r}: expected an integer >= 1")
    combos = combinations(grid)
    fixed = dict(fixed or {})
    clash = sorted(set(fixed) & set(grid))
    if clash:
        raise ParameterError(f"parameters {clash} are both swept and fixed")
    source = _run.notebook_source(chapter)
    name = _run._NAME.match(source.name).group(2)
    declared = _run.declared_parameters(chapter)
    # every combination is checked before any kernel starts; relative paths are
    # made absolute here, where the command was typed, not on a worker
    checked = []
    for params in combos:
        values = _run._check(declared, source, {"profile": profile, **fixed, **params})
        values.pop("profile")
        checked.append(values)
    collect = "results_path" in declared
    if not collect and verbose:
        print(f"[mirnb sweep] {name} has no results_path parameter: the runs' results "
              "cannot be collected, only their notebooks", file=sys.stderr)
    if output_dir is None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        output_dir = _run.root() / "build" / "sweeps" / f"{name}-{profile}-{stamp}"
    output_dir = Path(output_dir).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    tasks = []
    for i, (params, values) in enumerate(zip(combos, checked)):
        run_id = _run_id(i, params)
        out = output_dir / run_id
        results_path = out / "results.jsonl"
        if results_path.exists():
            results_path.unlink()  # a re-run replaces, never appends to, old records
        tasks.append({"chapter": chapter, "profile": profile, "run_id": run_id,
                      "parameters": values, "swept": params,
                      "output_dir": str(out), "root": str(_run.root()),
                      "results_path": str(results_path) if collect else ""})
    if verbose:
        where = f"Dask scheduler {scheduler}" if scheduler else f"{jobs} local process(es)"
        print(f"[mirnb sweep] {name}: {len(tasks)} runs (profile={profile}) on {where}; "
              f"outputs in {output_dir}", flush=True)
    done = {}

    def record(i, res):
        t = tasks[i]
        rec = RunRecord(run_id=t["run_id"], parameters=t["swept"], ok=res["ok"],
                        seconds=res["seconds"], notebook=res["notebook"],
                        results_path=t["results_path"], error=res["error"])
        done[i] = rec
        if verbose:
            print(f"[mirnb sweep] {len(done)}/{len(tasks)} {rec.summary()}", flush=True)

    if scheduler:
        from dask.distributed import Client, as_completed as dask_completed

        with Client(scheduler) as client:
            futures = client.map(_execute_one, tasks, pure=False,
                                 key=[f"mirnb-sweep-{t['run_id']}-{time.time_ns()}"
                                      for t in tasks])
            index = {f.key: i for i, f in enumerate(futures)}
            for fut, res in dask_completed(futures, with_results=True):
                record(index[fut.key], res)
    elif jobs == 1 or len(tasks) == 1:
        for i, t in enumerate(tasks):
            record(i, _execute_one(t))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(_execute_one, t): i for i, t in enumerate(tasks)}
            for fut in as_completed(futures):
                record(futures[fut], fut.result())
    runs = [done[i] for i in range(len(tasks))]
    table = _collect(runs, list(grid))
    csv = output_dir / "sweep.csv"
    table.to_csv(csv, index=False)
    pd.DataFrame([{**{k: repr(v) for k, v in r.parameters.items()},
                   **{k: v for k, v in asdict(r).items() if k != "parameters"}}
                  for r in runs]).to_csv(output_dir / "runs.csv", index=False)
    failed = [r for r in runs if not r.ok]
    if verbose:
        print(f"[mirnb sweep] {len(runs) - len(failed)} of {len(runs)} runs ok; "
              f"{len(table)} result rows in {csv}", flush=True)
    return SweepResult(runs=runs, table=table, output_dir=output_dir, csv=csv, failed=failed)


_COLUMNS = ["experiment", "method", "metric", "value", "spread", "paper_value", "paper_ref",
            "dataset", "data_kind", "split", "profile", "seeds", "code_version"]


def _collect(runs, names):
    """One table of the result records of the successful runs."""
    from .results import load_results
    from .errors import DataError

    rows = []
    for r in runs:
        if not r.ok or not r.results_path:
            continue
        try:
            records = load_results(r.results_path)
        except DataError as err:  # MissingDataError too: the run saved nothing
            r.ok = False
            r.error = f"its results could not be read: {err}"
            continue
        r.n_results = len(records)
        for rec in records:
            d = rec.to_dict()
            row = {k: r.parameters[k] for k in names}
            row["run_id"] = r.run_id
            row.update({k: d[k] for k in _COLUMNS})
            row["seeds"] = ",".join(str(s) for s in d["seeds"])
            row["extra"] = json.dumps(d["extra"], sort_keys=True)
            rows.append(row)
    return pd.DataFrame(rows, columns=names + ["run_id"] + _COLUMNS + ["extra"])
