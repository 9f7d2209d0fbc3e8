"""Results records and tables: ours beside the paper's.

A :class:`Result` is one number of the book with everything that produced
it: dataset and its version, whether the data is synthetic or real, split,
profile, seeds, config, code version, and the paper's number with its table.
:func:`results_table` lays records out with the paper's numbers in their own
column and the gap between them, and says in its caption which data, split,
profile and seeds produced them, and when our data is synthetic. The metrics that
produce the numbers are in :mod:`mirnb.metrics`.
"""

import dataclasses
import functools
import json
import numbers
import subprocess
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd

from . import _check
from .errors import DataError, MissingDataError, ParameterError

__all__ = [
    "Result", "result_from_seeds", "save_results", "load_results", "results_table", "ResultsTable",
    "paper_vs_ours", "mean_sd", "plus_minus", "best_on_validation", "chosen_curves",
    "code_version", "DATA_KINDS", "MISSING",
]

#: Allowed values of :attr:`Result.data_kind`.
DATA_KINDS = ("synthetic", "real")

#: What a table shows where there is no number (no paper value, no source).
MISSING = "—"


# ----------------------------------------------------------------------------
# results records
# ----------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def code_version():
    """Version of the code that produces results, looked up once per process.

    Returns
    -------
    str
        ``mirnb.__version__``, plus ``+g<short commit>`` when the package is
        imported from a git checkout, plus ``.dirty`` when tracked files have
        uncommitted changes.
    """
    from . import __version__

    here = Path(__file__).resolve().parent
    if "site-packages" in here.parts:
        return __version__

    def git(*args):
        return subprocess.run(["git", "-C", str(here), *args], capture_output=True,
                              text=True, timeout=10, check=False)
    try:
        head = git("rev-parse", "--short", "HEAD")
        if head.returncode != 0 or not head.stdout.strip():
            return __version__
        status = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return __version__
    dirty = ".dirty" if status.returncode == 0 and status.stdout.strip() else ""
    return f"{__version__}+g{head.stdout.strip()}{dirty}"


def _jsonable(obj):
    """Convert ``obj`` to plain JSON types (tuples become lists)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = dataclasses.asdict(obj)
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
        return [_jsonable(v) for v in items]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)


@dataclasses.dataclass
class Result:
    """One number of the book, with everything that produced it.

    Parameters
    ----------
    chapter : str
        Chapter key, e.g. ``'hamel2010'``.
    experiment : str
        What the number belongs to, e.g. ``'Table 2: frame-level SVM'``.
    method : str
        The model or baseline, e.g. ``'DBN layer 2 + RBF SVM'``.
    metric : str
        Display name of the measure, e.g. ``'Accuracy'`` or ``'AUC-T'``.
    value : float
        Our number (the mean over seeds when several).
    dataset : str
        e.g. ``'synthetic GTZAN view'`` or ``'GTZAN'``.
    data_kind : {'synthetic', 'real'}
        Whether ``dataset`` is the book's synthetic corpus or real recordings.
    dataset_version : str
        e.g. the synthetic corpus' manifest hash, or a real dataset's release.
    split : str
        e.g. ``'random 50/20/30'`` or ``'fault-filtered'``.
    profile : str
        ``'smoke'``, ``'default'`` or ``'paper'``.
    seeds : tuple of int
        Seeds of the runs behind ``value``.
    config : dict
        The whole chapter config. A config dataclass is converted to a dict;
        config and extra are held as plain JSON types (tuples become lists).
    paper_value : float or None
        The paper's number for the same cell, on the same scale as ``value``.
    paper_ref : str
        Where the paper's number is printed, e.g. ``'Hamel & Eck 2010, Table 2'``.
    code_version : str
        Default :func:`code_version`.
    extra : dict
        Anything else worth keeping (per-seed values, timings, counts).
    spread : float or None
        Sample standard deviation over seeds (``ddof=1``), None for one run.
    n_seeds : int or None
        Number of runs behind ``value``; default ``len(seeds)`` or 1.
    """

    chapter: str
    experiment: str
    method: str
    metric: str
    value: float
    dataset: str
    data_kind: str
    dataset_version: str = ""
    split: str = ""
    profile: str = ""
    seeds: tuple = ()
    config: dict = dataclasses.field(default_factory=dict)
    paper_value: float = None
    paper_ref: str = ""
    code_version: str = dataclasses.field(default_factory=lambda: code_version())
    extra: dict = dataclasses.field(default_factory=dict)
    spread: float = None
    n_seeds: int = None

    def __post_init__(self):
        for name in ("chapter", "experiment", "method", "metric", "dataset"):
            val = getattr(self, name)
            if not isinstance(val, str) or not val.strip():
                raise ParameterError(f"{name}={val!r}: expected a non-empty string")
        for name in ("dataset_version", "split", "profile", "paper_ref", "code_version"):
            val = getattr(self, name)
            if val is None:
                setattr(self, name, "")
            elif not isinstance(val, str):
                raise ParameterError(f"{name}={val!r}: expected a string")
        _check.choice("data_kind", self.data_kind, DATA_KINDS)
        self.value = _check.number("value", self.value)
        self.paper_value = _check.number("paper_value", self.paper_value, optional=True)
        self.spread = _check.number("spread", self.spread, optional=True)
        seeds = (self.seeds,) if isinstance(self.seeds, numbers.Integral) else self.seeds
        try:
            seeds = tuple(seeds)
        except TypeError:
            raise ParameterError(f"seeds={self.seeds!r}: expected an int or ints") from None
        for s in seeds:
            if isinstance(s, bool) or not isinstance(s, numbers.Integral):
                raise ParameterError(f"seeds={self.seeds!r}: expected integers")
        self.seeds = tuple(int(s) for s in seeds)
        if self.config is None:
            self.config = {}
        elif dataclasses.is_dataclass(self.config) and not isinstance(self.config, type):
            self.config = dataclasses.asdict(self.config)
        elif not isinstance(self.config, dict):
            raise ParameterError(
                f"config of type {type(self.config).__name__}: expected a dict or a dataclass")
        if self.extra is None:
            self.extra = {}
        elif not isinstance(self.extra, dict):
            raise ParameterError(f"extra of type {type(self.extra).__name__}: expected a dict")
        # Hold config and extra as plain JSON types from the start, so a
        # record equals itself after a save / load round trip.
        self.config = _jsonable(self.config)
        self.extra = _jsonable(self.extra)
        if self.n_seeds is None:
            self.n_seeds = max(len(self.seeds), 1)
        else:
            self.n_seeds = _check.positive_int("n_seeds", self.n_seeds)

    def to_dict(self):
        """Return the record as plain JSON types (tuples become lists)."""
        return {f.name: _jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, d):
        """Rebuild a record from :meth:`to_dict` output.

        Raises
        ------
        ParameterError
            If ``d`` has keys that are not fields of :class:`Result`.
        """
        if not isinstance(d, dict):
            raise ParameterError(f"expected a dict, got {type(d).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ParameterError(f"unknown Result fields {unknown}; expected some of {sorted(names)}")
        return cls(**d)

    def save(self, path):
        """Append the record to a JSON-lines file (created with its folders if missing).

        One ``write`` per record, so runs appending to one file in parallel
        do not interleave lines.

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        Path
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=False) + "\n"
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
        return path


def save_results(records, path):
    """Append records to a JSON-lines file (how ``mirnb sweep`` collects runs).

    Nothing is written when ``path`` is None or empty.

    Returns
    -------
    int
        The number of records written.
    """
    if not path:
        return 0
    for r in records:
        r.save(path)
    print(f"{len(records)} records appended to {path}")
    return len(records)


def load_results(path):
    """Read the records of a JSON-lines results file, in the order saved.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    list of Result

    Raises
    ------
    MissingDataError
        If the file does not exist.
    DataError
        If a line is not a valid record (the message names the line).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(
            f"results file {path} not found: records are written there by Result.save")
    out = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(Result.from_dict(json.loads(line)))
            except (json.JSONDecodeError, ParameterError, TypeError) as exc:
                raise DataError(f"{path}, line {lineno}: not a valid result record ({exc})") \
                    from None
    return out


def result_from_seeds(values, *, seeds=None, **fields):
    """One :class:`Result` from the same experiment run with several seeds.

    Parameters
    ----------
    values : array_like of float, shape (n_runs,)
        The metric of each run.
    seeds : sequence of int, optional
        The seed of each run, in the same order (as many as ``values``).
    **fields
        The other :class:`Result` fields (``chapter``, ``experiment``,
        ``method``, ``metric``, ``dataset``, ``data_kind``, ...).

    Returns
    -------
    Result
        ``value`` is the mean, ``spread`` the sample standard deviation
        (``ddof=1``; None for one run), ``n_seeds`` the number of runs, and
        ``extra['per_seed']`` keeps the individual values.
    """
    vals = np.asarray(values, dtype=np.float64) if not isinstance(values, str) else None
    if vals is None or vals.ndim != 1 or vals.size == 0:
        raise ParameterError("values: expected a non-empty 1-D sequence of numbers")
    if not np.all(np.isfinite(vals)):
        raise ParameterError("values: holds NaN or infinite numbers")
    for key in ("value", "spread", "n_seeds"):
        if key in fields:
            raise ParameterError(f"{key}: computed from values, do not pass it")
    if seeds is not None:
        seeds = tuple(seeds)
        if len(seeds) != vals.size:
            raise ParameterError(
                f"seeds has {len(seeds)} entries and values {vals.size}: expected one seed per value")
    extra = dict(fields.pop("extra", None) or {})
    extra["per_seed"] = vals.tolist()
    spread = float(np.std(vals, ddof=1)) if vals.size > 1 else None
    return Result(value=float(vals.mean()), spread=spread, n_seeds=int(vals.size),
                  seeds=seeds if seeds is not None else (), extra=extra, **fields)


def mean_sd(values):
    """The mean of ``values`` and their sample standard deviation.

    Parameters
    ----------
    values : array_like of float, shape (n_runs,)

    Returns
    -------
    mean, sd : float
        ``sd`` has ``ddof=1``, as :func:`result_from_seeds`'s spread; NaN for
        one value (one run has no spread). Both NaN for no values.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        return float("nan"), float("nan")
    return float(v.mean()), (float(v.std(ddof=1)) if v.size > 1 else float("nan"))


def plus_minus(mean, sd, *, digits=3):
    """``'mean ± sd'``, or ``'mean'`` where ``sd`` is None or NaN (one run).

    Examples
    --------
    >>> plus_minus(*mean_sd([0.70, 0.72]))
    '0.710 ± 0.014'
    >>> plus_minus(*mean_sd([0.7]))
    '0.700'
    """
    shown = sd is not None and np.isfinite(sd)
    return f"{mean:.{digits}f}" + (f" ± {sd:.{digits}f}" if shown else "")


def best_on_validation(runs, by, *, score="val_accuracy", setting="learning_rate"):
    """Per group of runs, the run whose setting did best on validation.

    The reported number of a method is its test score at the setting (e.g.
    the learning rate) chosen on validation, as Dieleman et al. (2011,
    Sec. 6) choose theirs for Table 1.

    Parameters
    ----------
    runs : pandas.DataFrame
        One row per run, with the columns ``by``, ``score`` and ``setting``.
    by : list of str
        The columns that make a group (e.g. seed, task, method).
    score : str
        The validation score; higher is better.
    setting : str
        The setting chosen; on tied scores its larger value wins.

    Returns
    -------
    pandas.DataFrame
        One row of ``runs`` per group, sorted by ``by``.
    """
    ranked = runs.sort_values([score, setting], ascending=False)
    return ranked.groupby(by).head(1).sort_values(by)


def chosen_curves(curves, by, *, epoch, score="val_accuracy", setting="learning_rate"):
    """The learning curve of each group's setting chosen on validation at one epoch.

    Parameters
    ----------
    curves : pandas.DataFrame
        One row per run and epoch: the columns ``by``, ``'epoch'``, ``score``
        and ``setting``.
    by : list of str
        The columns that make a group (e.g. seed, task, initialisation).
    epoch : int
        The epoch whose ``score`` chooses the setting
        (:func:`best_on_validation`).
    score, setting : str

    Returns
    -------
    pandas.DataFrame
        The rows of ``curves`` (every epoch) of the chosen setting of each group.
    """
    keys = list(by)
    best = best_on_validation(curves[curves["epoch"] == epoch], keys, score=score,
                              setting=setting)
    return curves.merge(best[keys + [setting]], on=keys + [setting])


def _as_results(results):
    if isinstance(results, Result):
        return [results]
    out = []
    for r in results:
        if isinstance(r, Result):
            out.append(r)
        elif isinstance(r, dict):
            out.append(Result.from_dict(r))
        else:
            raise ParameterError(f"results: expected Result records or dicts, got {type(r).__name__}")
    return out


def _fmt(x, digits):
    return f"{x:.{digits}f}"


TABLE_NOTE = (
    "Ours: mean ± sample std over seeds where several. Paper: the number printed in the "
    "paper (— where it gives none), on real data. Gap: ours − paper.")


def _seeds(r):
    if r.seeds:
        return ", ".join(str(s) for s in r.seeds)
    return f"{r.n_seeds} run" + ("s" if r.n_seeds != 1 else "")


def _provenance(records):
    """One caption line: the data, split, profile, seeds, paper tables and code behind a table."""
    def uniq(field):
        return list(dict.fromkeys(v for v in map(field, records) if v))

    data = uniq(lambda r: f"{r.dataset} ({r.data_kind}"
                + (f", {r.dataset_version})" if r.dataset_version else ")"))
    parts = [f"Data: {'; '.join(data)}."]
    for label, field in (("Split", lambda r: r.split), ("Profile", lambda r: r.profile),
                         ("Seeds", _seeds), ("Paper numbers", lambda r: r.paper_ref),
                         ("Code", lambda r: r.code_version)):
        values = uniq(field)
        if values:
            parts.append(f"{label}: {'; '.join(values)}.")
    with_paper = [r for r in records if r.paper_value is not None]
    if any(r.data_kind == "synthetic" for r in with_paper):
        parts.append("Rows on synthetic data are the book's own experiment: their gap to the "
                     "paper's real-data number is not a reproduction error.")
    elif any(r.profile != "paper" for r in with_paper):
        parts.append("Real data, but not the paper's settings (profile other than 'paper').")
    return " ".join(parts)


class ResultsTable(pd.DataFrame):
    """A DataFrame that shows its caption, ``attrs['note']``, under itself in a notebook.

    :func:`results_table` returns one; everything else about it is a
    pandas DataFrame.
    """

    @property
    def _constructor(self):
        return ResultsTable

    def _repr_html_(self):
        import html

        table = super()._repr_html_()
        note = self.attrs.get("note")
        if table is None or not note:
            return table
        return table + f'<p class="mirnb-caption">{html.escape(note)}</p>'


def results_table(results, *, digits=3):
    """Lay out results records for reading: ours, the paper's number, the gap.

    Parameters
    ----------
    results : Result, or iterable of Result or dicts
    digits : int >= 0
        Decimals shown, the same for every number.

    Returns
    -------
    ResultsTable
        A pandas DataFrame that shows ``attrs['note']`` under itself.
        Index (``Experiment``, ``Method``); columns ``Metric``, ``Ours``
        (``'0.812 ± 0.013'`` over several seeds), ``Paper`` (``'—'`` where
        the paper gives no number) and ``Gap`` (ours − paper, signed).
        ``df.attrs['note']`` is the caption: how to read the columns, then
        the provenance of the rows (data, kind and version, split, profile,
        seeds, the paper's tables, code version) and, when the data is
        synthetic, that the gap is not a reproduction error. The full
        records go to CSV with :func:`mirnb.publish.download`.
    """
    digits = _check.int_range("digits", digits, 0)
    records = _as_results(results)
    rows = []
    for r in records:
        ours = _fmt(r.value, digits)
        if r.spread is not None and r.n_seeds > 1:
            ours += f" ± {_fmt(r.spread, digits)}"
        has_paper = r.paper_value is not None
        rows.append(OrderedDict([
            ("Experiment", r.experiment),
            ("Method", r.method),
            ("Metric", r.metric),
            ("Ours", ours),
            ("Paper", _fmt(r.paper_value, digits) if has_paper else MISSING),
            ("Gap", f"{r.value - r.paper_value:+.{digits}f}" if has_paper else MISSING),
        ]))
    columns = ["Experiment", "Method", "Metric", "Ours", "Paper", "Gap"]
    df = ResultsTable(pd.DataFrame(rows, columns=columns).set_index(["Experiment", "Method"]))
    df.attrs["note"] = TABLE_NOTE + " " + _provenance(records) if records else TABLE_NOTE
    return df


def paper_vs_ours(results):
    """Numeric side-by-side of our numbers and the paper's, one row per method.

    Parameters
    ----------
    results : Result, or iterable of Result or dicts
        Where several records share experiment, method, data and metric
        (re-runs appended to one file), the last one wins.

    Returns
    -------
    pandas.DataFrame
        Index (``Experiment``, ``Method``, ``Data``), where ``Data`` is
        ``'<dataset> (<kind>)'`` so synthetic rows stay marked; columns a
        MultiIndex (metric, ``'Ours'`` / ``'Paper'``), NaN where the paper
        gives no number.
    """
    records = _as_results(results)
    if not records:
        raise ParameterError("results is empty: nothing to compare")
    rows = [{"Experiment": r.experiment, "Method": r.method,
             "Data": f"{r.dataset} ({r.data_kind})", "Metric": r.metric,
             "Ours": r.value, "Paper": np.nan if r.paper_value is None else r.paper_value}
            for r in records]
    long = pd.DataFrame(rows).drop_duplicates(
        subset=["Experiment", "Method", "Data", "Metric"], keep="last")
    wide = long.pivot(index=["Experiment", "Method", "Data"], columns="Metric",
                      values=["Ours", "Paper"])
    wide = wide.swaplevel(0, 1, axis=1)
    metrics = list(dict.fromkeys(long["Metric"]))
    wide = wide.reindex(columns=pd.MultiIndex.from_product([metrics, ["Ours", "Paper"]],
                                                           names=["Metric", ""]))
    order = list(dict.fromkeys(zip(long["Experiment"], long["Method"], long["Data"])))
    wide = wide.reindex(pd.MultiIndex.from_tuples(order, names=["Experiment", "Method", "Data"]))
    return wide.astype(float)

