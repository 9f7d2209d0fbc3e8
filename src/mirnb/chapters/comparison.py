"""The closing chapter: the five papers' methods compared on common ground.

Each paper measured itself on its own data, split and metric. This chapter
runs every method (:mod:`mirnb.chapters.comparison_methods`) on two common
tasks of the book's synthetic corpus, one world rendered into every
dataset's layout:

- **genre**: the synthetic GTZAN view, stratified k-fold cross-validation,
  each fold one run with its own seed; accuracy;
- **tags**: the synthetic MTAT view, its song-grouped folder split (clips of
  a song never straddle two parts), one run per seed; AUC-T, AUC-C, PR-AUC
  and P@3.

Every row reports the mean and SD over its runs, the paired differences
between methods (same runs, same test clips), and the cost: parameters,
training seconds and inference clips per second on this machine. The
papers' claims are collected from the chapters' own results records, and
the trained FCN-4 models are saved with model cards for ``mirnb tag``.

This is the one module (with ``comparison_methods``) that imports other
chapter modules.
"""

import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import _check, metrics, plotting, tagging, timing
from ..errors import ParameterError
from ..results import mean_sd, plus_minus, result_from_seeds
from . import make_config
from . import comparison_methods as cm

__all__ = ["NOTEBOOK", "Config", "config", "PAPER", "MAIN", "CLAIMS", "Run", "Task", "tasks",
           "tasks_table", "methods", "adaptations", "evaluate", "quality_table", "cost_table",
           "paired_differences", "plot_differences", "plot_cost", "tsne_maps", "plot_maps",
           "best_confusion", "records", "papers_own_numbers", "read_chapter_records", "claims",
           "claims_markdown",
           "save_models", "tag_examples", "verdict"]

NOTEBOOK = "notebooks/06_comparison.py"

#: The comparison has no paper of its own; each chapter holds its paper's numbers.
PAPER = ()

#: The main metric of each task (the one differences and figures use).
MAIN = {"genre": "Accuracy", "tags": "AUC-T"}
_TAG_METRICS = ("AUC-T", "AUC-C", "PR-AUC", "P@3")


@dataclass(frozen=True)
class Config:
    """Settings of the ``comparison`` chapter (all *ours*: no paper has this protocol).

    Attributes
    ----------
    synth_profile : str
        The synthetic corpus (the ``paper`` profile reads real GTZAN and MTAT).
    method_profile : str
        The chapter profile each method takes its sizes from.
    methods : tuple of str
        Keys of :data:`mirnb.chapters.comparison_methods.METHODS`.
    n_folds : int
        Genre: stratified folds, one run each.
    seeds : tuple of int
        Tags: one run per seed on the folder split. Genre fold ``i`` uses
        ``seeds[i % len(seeds)] + i``.
    valid_fraction : float
        Genre: the stratified part of each fold's training clips held out
        for early stopping and model selection (at least one clip per genre).
    n_tags : int
        The most frequent tags predicted.
    perplexity : float
        Of the t-SNE maps.
    n_examples : int
        Test clips tagged with the saved model at the end.
    """

    synth_profile: str = "default"
    method_profile: str = "default"
    methods: tuple = cm.METHODS
    n_folds: int = 3
    seeds: tuple = (0, 1, 2)
    valid_fraction: float = 0.15
    n_tags: int = 50
    perplexity: float = 20.0
    n_examples: int = 3


_CHANGES = {
    # seconds: two folds of the smoke GTZAN view, one tag run, 20 tags
    "smoke": dict(synth_profile="smoke", method_profile="smoke", n_folds=2, seeds=(0,),
                  n_tags=20, perplexity=5.0, n_examples=2),
    "default": {},
    "paper": dict(synth_profile=None, method_profile="paper", n_folds=10),
}


def config(profile="default", **overrides):
    """The chapter's :class:`Config` for ``profile`` ('smoke', 'default', 'paper').

    ``methods=None`` keeps the profile's methods; a list of keys picks some.
    """
    if overrides.get("methods", ()) is None:
        del overrides["methods"]
    if "methods" in overrides:
        overrides["methods"] = tuple(_check.choice("method", k, cm.METHODS)
                                     for k in overrides["methods"])
    return make_config(Config, _CHANGES, profile, **overrides)


# ----------------------------------------------------------------------------
# the two tasks
# ----------------------------------------------------------------------------
@dataclass
class Run:
    """One train / valid / test split of a task's rows, with its seed."""

    index: int
    seed: int
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray


@dataclass
class Task:
    """One common task: its clips, labels and runs.

    Attributes
    ----------
    name : {'genre', 'tags'}
    dataset : mirnb.datasets.Dataset
    ids : list of str
        Track ids, in row order.
    clips : list of mirnb.datasets.Track
    labels : list of str
        Genre names (classes) or tag names (columns of ``y``).
    y : np.ndarray
        ``(n,)`` class indices, or ``(n, n_tags)`` 0/1 tags.
    groups : np.ndarray, shape (n,)
        The song of each clip (tags), or its own id (genre).
    sr : int
        The view's sample rate.
    runs : list of Run
    describe, version, split, profile : str
        For the results records.
    """

    name: str
    dataset: object
    ids: list
    clips: list
    labels: list
    y: np.ndarray
    groups: np.ndarray
    sr: int
    runs: list
    describe: str
    version: str
    split: str
    profile: str

    @property
    def data_kind(self):
        """'real' for the paper profile's datasets, else 'synthetic'."""
        return "real" if self.profile == "paper" else "synthetic"

    @property
    def multilabel(self):
        """True for the tag task."""
        return self.name == "tags"

    def summary(self):
        """One row: clips, labels, runs and the clips per part of the first run."""
        r = self.runs[0]
        return {"dataset": self.describe, "clips": len(self.ids), "labels": len(self.labels),
                "runs": len(self.runs), "split": self.split, "train": len(r.train),
                "valid": len(r.valid), "test": len(r.test)}


def _rows(ids, chosen):
    pos = {t: i for i, t in enumerate(ids)}
    return np.asarray(sorted(pos[t] for t in chosen), dtype=int)


def _genre_task(ds, cfg, describe, version, profile, sr):
    from sklearn.model_selection import train_test_split

    genre = ds.labels["genre"]
    labels = sorted(genre.unique())
    ids = list(ds.track_ids)
    y = np.asarray([labels.index(g) for g in genre.loc[ids]])
    runs = []
    for i, fold in enumerate(ds.splits("kfold", n_folds=cfg.n_folds, seed=cfg.seeds[0])):
        seed = cfg.seeds[i % len(cfg.seeds)] + i
        train = list(fold["train"])
        n_valid = max(int(round(cfg.valid_fraction * len(train))), len(labels))
        fit, valid = train_test_split(train, test_size=n_valid, random_state=seed,
                                      stratify=genre.loc[train].to_numpy())
        runs.append(Run(i, seed, _rows(ids, fit), _rows(ids, valid), _rows(ids, fold["test"])))
    return Task("genre", ds, ids, [ds.track(t) for t in ids], labels, y, np.asarray(ids),
                sr, runs, describe, version,
                f"stratified {cfg.n_folds}-fold", profile)


def _tag_task(ds, cfg, describe, version, profile, sr):
    split = ds.splits("folder")
    in_split = set(split["train"]) | set(split["valid"]) | set(split["test"])
    ids = [t for t in ds.track_ids if t in in_split]
    tags = ds.top_tags(min(cfg.n_tags, len(ds.tag_names)))
    y = ds.tag_matrix(tags=tags).loc[ids].to_numpy(dtype=np.float32)
    parts = {p: _rows(ids, split[p]) for p in ("train", "valid", "test")}
    runs = [Run(i, s, parts["train"], parts["valid"], parts["test"])
            for i, s in enumerate(cfg.seeds)]
    return Task("tags", ds, ids, [ds.track(t) for t in ids], list(tags), y,
                ds.labels["song"].loc[ids].astype(str).to_numpy(), sr, runs, describe,
                version, "folder split (0-b / c / d-f), songs grouped", profile)


@timing.phase("features")
def tasks(cfg, *, data_home=None, verbose=True):
    """The two tasks: genre on the GTZAN view, tags on the MTAT view.

    Parameters
    ----------
    cfg : Config
    data_home : str or Path, optional

    Returns
    -------
    dict
        ``{'genre': Task, 'tags': Task}``.
    """
    from .. import synth
    from ..datasets.gtzan import GTZAN
    from ..datasets.mtat import MTAT

    out = {}
    if cfg.synth_profile is None:
        profile = "paper"
        sets = {"genre": GTZAN(data_home), "tags": MTAT(data_home)}
        info = {k: (f"{type(ds).__name__} {ds.root.name}", "") for k, ds in sets.items()}
    else:
        profile = cfg.synth_profile
        made = synth.generate(profile, views=["gtzan", "mtat"], data_home=data_home,
                              verbose=verbose)["views"]
        sets = {"genre": synth.load("gtzan", profile, data_home=data_home, verbose=False),
                "tags": synth.load("mtat", profile, data_home=data_home, verbose=False)}
        info = {k: (f"synthetic {v} view, {profile} corpus", made[v]["key"])
                for k, v in (("genre", "gtzan"), ("tags", "mtat"))}
    # the rate the views were written at (the real datasets': 22.05 and 16 kHz)
    rates = {"genre": ("gtzan", 22050), "tags": ("mtat", 16000)}
    for name, make in (("genre", _genre_task), ("tags", _tag_task)):
        view, rate = rates[name]
        sr = int(synth.SIZES[profile][view]["sr"]) if profile in synth.SIZES else rate
        out[name] = make(sets[name], cfg, *info[name], profile, sr)
        if verbose:
            print(f"{name}: {len(out[name].ids)} clips, {len(out[name].labels)} labels, "
                  f"{len(out[name].runs)} runs")
    return out


def tasks_table(ts):
    """One row per task: dataset, clips, labels, runs and the first run's parts."""
    return pd.DataFrame({name: t.summary() for name, t in ts.items()}).T


def methods(cfg):
    """The methods of the comparison, built at ``cfg.method_profile``."""
    return [cm.method(k, cfg.method_profile) for k in cfg.methods]


def adaptations(ms, ts):
    """What each method is, and what changed for each task, as a Markdown list."""
    lines = []
    for m in ms:
        parts = [f"{t}: {m.adaptation(ts[t]) or 'nothing, the paper’s own task'}" for t in ts]
        chapter = f", chapter {m.chapter}" if m.chapter else ""
        lines.append(f"- **{m.name}** ({m.paper}{chapter}). " + " ".join(
            p if p.endswith(".") else p + "." for p in parts))
    return "\n".join(lines)


# ----------------------------------------------------------------------------
# running it
# ----------------------------------------------------------------------------
@dataclass
class Outcome:
    """Everything the comparison measured, in long tables and by method.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per (task, method, run, metric): ``value``.
    costs : pandas.DataFrame
        One row per (task, method, run): ``params``, ``prepare_s``,
        ``train_s``, ``infer_clips_per_s``.
    test : dict
        ``{(task, method): (rows, scores, representation)}`` of the first run.
    states : dict
        ``{(task, method key): fitted state}`` of the first run.
    methods : list
        The methods, in the order they ran (the tables' row order).
    """

    scores: pd.DataFrame
    costs: pd.DataFrame
    test: dict
    states: dict
    methods: list


def _measure(task, y_rows, scores):
    if not task.multilabel:
        return {"Accuracy": metrics.accuracy(y_rows, np.argmax(scores, axis=1))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = metrics.tagging_report(y_rows, scores, k=(3,), tags=task.labels)
    return {k: float(rep[k]) for k in _TAG_METRICS}


@timing.phase("training")
def evaluate(ts, ms, *, verbose=True):
    """Run every method on every task and run.

    Each method prepares its features once per task (timed as ``prepare_s``),
    then per run fits on the training rows (``train_s``: pretraining and the
    head) and scores the test rows (``infer_clips_per_s``, from prepared
    features).

    Returns
    -------
    Outcome
    """
    scores, costs, test, states = [], [], {}, {}
    for m in ms:
        for tname, task in ts.items():
            t0 = time.perf_counter()
            feats = m.prepare(task)
            prep = time.perf_counter() - t0
            for run in task.runs:
                t0 = time.perf_counter()
                state = m.fit(feats, task, run)
                t1 = time.perf_counter()
                s = np.asarray(m.predict(state, feats, task, run.test), dtype=np.float64)
                t2 = time.perf_counter()
                if s.shape != (len(run.test), len(task.labels)):
                    raise ParameterError(f"{m.name} gave scores of shape {s.shape} on "
                                         f"{tname}: expected {(len(run.test), len(task.labels))}")
                measured = _measure(task, task.y[run.test], s)
                for metric, v in measured.items():
                    scores.append(dict(task=tname, method=m.name, run=run.index,
                                       seed=run.seed, metric=metric, value=v))
                # a method sharing a trained stage with another (Zhang's KCNN and
                # KCNN + SVM) adds that stage's seconds back
                fit_s = (m.train_seconds(state, t1 - t0) if hasattr(m, "train_seconds")
                         else t1 - t0)
                costs.append(dict(task=tname, method=m.name, run=run.index,
                                  params=int(m.n_params(state)), prepare_s=prep,
                                  train_s=fit_s,
                                  infer_clips_per_s=len(run.test) / max(t2 - t1, 1e-9)))
                if run.index == 0:
                    rep = np.asarray(m.represent(state, feats, task, run.test))
                    test[tname, m.name] = (run.test, s, rep.reshape(len(run.test), -1))
                    states[tname, m.key] = state
                if verbose:
                    print(f"{m.name:42s} {tname:5s} run {run.index}: {MAIN[tname]} "
                          f"{measured[MAIN[tname]]:.3f}, fit {fit_s:.1f} s", flush=True)
    return Outcome(pd.DataFrame(scores), pd.DataFrame(costs), test, states, ms)


def _order(out):
    return [m.name for m in out.methods]


def quality_table(out, task):
    """Mean ± SD over runs of every metric of one task, one row per method."""
    df = out.scores[out.scores["task"] == task]
    cells = {name: {metric: plus_minus(*mean_sd(g["value"])) for metric, g in d.groupby("metric")}
             for name, d in df.groupby("method")}
    cols = ["Accuracy"] if task == "genre" else list(_TAG_METRICS)
    table = pd.DataFrame(cells).T.reindex(index=_order(out), columns=cols)
    table.index.name = "method"
    table.attrs["runs"] = int(df["run"].nunique())
    return table


def cost_table(out):
    """Parameters, seconds and inference speed of each method, per task (means over runs)."""
    c = out.costs.groupby(["method", "task"], sort=False).agg(
        params=("params", "mean"), prepare_s=("prepare_s", "first"),
        train_s=("train_s", "mean"), infer=("infer_clips_per_s", "median")).reset_index()
    c["params"] = c["params"].round().astype(int).map("{:,}".format)
    c["infer"] = c["infer"].round().astype(int)
    c["method"] = c["method"].map(_short)
    c = c.rename(columns={"prepare_s": "features s (once per task)",
                          "train_s": "training s per run",
                          "infer": "inference clips/s (from features)"})
    return c.set_index(["method", "task"]).round(1)


def paired_differences(out, task, *, metric=None):
    """Row method minus column method on the same runs, for one task.

    Returns
    -------
    pandas.DataFrame
        Long form: ``a``, ``b``, ``mean``, ``sd`` (over runs), ``a ahead``
        (runs where a > b), ``n`` and ``beyond noise`` (|mean| > SD).
    """
    metric = metric or MAIN[task]
    df = out.scores[(out.scores["task"] == task) & (out.scores["metric"] == metric)]
    wide = df.pivot_table(index="run", columns="method", values="value")
    names = [n for n in _order(out) if n in wide.columns]
    rows = []
    for a in names:
        for b in names:
            if a == b:
                continue
            d = (wide[a] - wide[b]).dropna()
            m, sd = mean_sd(d)
            rows.append(dict(a=a, b=b, mean=m, sd=sd, a_ahead=int((d > 0).sum()), n=len(d),
                             beyond_noise=bool(np.isfinite(sd) and abs(m) > sd)))
    res = pd.DataFrame(rows)
    res.attrs.update(task=task, metric=metric)
    return res


def plot_differences(diffs, *, ax=None):
    """Paired differences as a matrix: row minus column, bold where beyond the SD."""
    names = list(dict.fromkeys(diffs["a"]))
    M = diffs.pivot(index="a", columns="b", values="mean").reindex(index=names, columns=names)
    beyond = diffs.pivot(index="a", columns="b", values="beyond_noise").reindex(
        index=names, columns=names)
    ax = plotting._new_ax(ax, (plotting.PAGE_WIDTH, 0.45 * len(names) + 1.6))
    lim = float(np.nanmax(np.abs(M.to_numpy()))) or 1.0
    im = ax.imshow(M.to_numpy(dtype=float), cmap="RdBu", vmin=-lim, vmax=lim)
    short = [_short(n) for n in names]
    ax.set_xticks(range(len(names)), short, rotation=35, ha="right")
    ax.set_yticks(range(len(names)), short)
    for i in range(len(names)):
        for j in range(len(names)):
            if i != j and np.isfinite(M.iat[i, j]):
                ax.text(j, i, f"{M.iat[i, j]:+.2f}", ha="center", va="center", fontsize=8,
                        fontweight="bold" if beyond.iat[i, j] else "normal")
    cb = ax.figure.colorbar(im, ax=ax, shrink=0.8)
    cb.set_label(f"row − column, {diffs.attrs.get('metric', '')}")
    ax.set_title(f"{diffs.attrs.get('task', '')}: paired differences (bold: beyond the SD)")
    return ax


#: Short labels of the methods, for figure ticks and panel titles.
_SHORT = {cm.MFCC.name: "MFCC + LR", cm.Hamel.name: "Hamel DBN + SVM",
          cm.Dieleman.name: "Dieleman conv. DBN", cm.KCNN.name: "Zhang KCNN",
          cm.KCNNSVM.name: "Zhang KCNN + SVM", cm.Nam.name: "Nam deep BoF",
          "Choi: FCN-4": "Choi FCN-4", "Choi: FCN-5": "Choi FCN-5"}


def _short(name):
    return _SHORT.get(name, name)


def plot_cost(out, *, axes=None):
    """Quality against training cost, one point per method and task (mean ± SD over runs)."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(plotting.PAGE_WIDTH, 3.4),
                               constrained_layout=True)
    for ax, task in zip(axes, ("genre", "tags")):
        sc = out.scores[(out.scores["task"] == task) & (out.scores["metric"] == MAIN[task])]
        co = out.costs[out.costs["task"] == task]
        for i, name in enumerate(_order(out)):
            q = sc.loc[sc["method"] == name, "value"]
            c = co.loc[co["method"] == name, "train_s"]
            if q.empty:
                continue
            (qm, qs), (cm_, cs) = mean_sd(q), mean_sd(c)
            ax.errorbar(cm_, qm, xerr=np.nan_to_num(cs), yerr=np.nan_to_num(qs), fmt="o",
                        color=f"C{i}", label=_short(name), capsize=2)
        ax.set_xscale("log")
        ax.set_xlabel("training seconds per run (log)")
        ax.set_ylabel(MAIN[task])
        ax.set_title(f"{task} task")
    handles, names = axes[0].get_legend_handles_labels()
    axes[0].figure.legend(handles, names, loc="outside lower center", ncol=4, frameon=False)
    return axes


def tsne_maps(out, ts, *, perplexity=20.0, seed=0):
    """A t-SNE map of each method's representation of the same genre test clips.

    The clips are the first genre run's test fold; each representation is
    standardised per dimension, then mapped (:func:`mirnb.embed.tsne`).

    Returns
    -------
    dict
        ``{method: (Z of shape (n, 2), genre names)}`` for
        :func:`mirnb.plotting.embeddings` (one palette: the book's genre colours).
    """
    from .. import embed

    task = ts["genre"]
    maps = {}
    for name in _order(out):
        if ("genre", name) not in out.test:
            continue
        rows, _, rep = out.test["genre", name]
        X = (rep - rep.mean(0)) / (rep.std(0) + 1e-8)
        p = min(perplexity, max(2.0, (len(rows) - 1) / 3.0))
        Z = embed.tsne(X, perplexity=p, random_state=seed)
        maps[_short(name)] = (Z, np.asarray(task.labels)[task.y[rows]])
    return maps


def plot_maps(maps, *, ncols=4):
    """The t-SNE maps of :func:`tsne_maps` in a grid, with one genre legend below."""
    import matplotlib.pyplot as plt

    n = len(maps)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(plotting.PAGE_WIDTH,
                                                    nrows * plotting.PAGE_WIDTH / ncols + 0.9),
                             constrained_layout=True, squeeze=False)
    axes = axes.ravel()
    plotting.embeddings(maps, axes=axes[:n], legend="none")
    for ax in axes[n:]:
        ax.set_visible(False)
    for ax in axes[:n]:
        ax.set_xticks([])
        ax.set_yticks([])
    labels = next(iter(maps.values()))[1]
    names = [g for g in plotting.GENRES if g in set(labels)] + sorted(
        set(labels) - set(plotting.GENRES))
    handles = [plt.Line2D([], [], ls="", marker="o", color=plotting.color_of(g)) for g in names]
    fig.legend(handles, names, loc="outside lower center", ncol=5, frameon=False)
    return axes[:n]


def best_confusion(out, ts):
    """The confusion matrix (rows true, normalised) of the best genre method, first run."""
    sc = out.scores[out.scores["task"] == "genre"]
    best = sc.groupby("method")["value"].mean().idxmax()
    rows, s, _ = out.test["genre", best]
    task = ts["genre"]
    cm_ = metrics.confusion(task.y[rows], np.argmax(s, axis=1),
                            labels=list(range(len(task.labels))), names=task.labels,
                            normalize="true")
    cm_.attrs["method"] = best
    return cm_


# ----------------------------------------------------------------------------
# records, the papers' own numbers and their claims
# ----------------------------------------------------------------------------
@timing.phase("evaluation")
def records(out, ts, cfg, *, profile):
    """One results record per (task, method, metric): mean, SD and per-run values.

    ``extra`` holds the method's parameters, mean training seconds, median
    inference clips per second, its adaptation to the task and the seeds
    and folds behind the number.
    """
    recs = []
    for (tname, name), g in out.scores.groupby(["task", "method"], sort=False):
        task = ts[tname]
        m = next(m for m in out.methods if m.name == name)
        c = out.costs[(out.costs["task"] == tname) & (out.costs["method"] == name)]
        for metric, d in g.groupby("metric", sort=False):
            recs.append(result_from_seeds(
                d["value"].to_numpy(), seeds=d["seed"].tolist(), chapter="comparison",
                experiment=f"{tname}: {task.split}", method=name, metric=metric,
                dataset=task.describe, dataset_version=task.version,
                data_kind=task.data_kind, split=task.split,
                profile=profile, config=cfg,
                extra=dict(paper=m.paper, params=int(c["params"].mean()),
                           train_s=round(float(c["train_s"].mean()), 2),
                           features_s=round(float(c["prepare_s"].iloc[0]), 2),
                           infer_clips_per_s=round(float(c["infer_clips_per_s"].median()), 1),
                           adaptation=m.adaptation(task), runs=d["run"].tolist())))
    return recs


#: For each method, the chapter and rows of its paper's own headline numbers.
_OWN = {
    "hamel": ("hamel2010", (("Table 3", "DBN all layers"), ("Table 4", "DBN all layers")),
              "GTZAN (Table 3); MajorMiner, per-tag accuracy (Table 4)"),
    "dieleman": ("dieleman2011", (("Table 1", "conv. MLP with pretraining, genre, 30 epochs"),),
                 "MSD, 20 genres"),
    "kcnn": ("zhang2015", (("Table 2", "KCNN (k = 5), MEL"),), "GTZAN, 10-fold CV"),
    "kcnn_svm": ("zhang2015", (("Table 2", "KCNN (k = 5) + SVM, MEL"),), "GTZAN, 10-fold CV"),
    "nam": ("nam2015", (("Table I", "Deep-BoF, AUC-T"),), "MagnaTagATune"),
    "fcn4": ("choi2016", (("Table 3", "FCN-4 (mel)"),), "MagnaTagATune"),
    "fcn5": ("choi2016", (("Table 3", "FCN-5 (mel)"),), "MagnaTagATune"),
}


def papers_own_numbers(ms):
    """Each method's headline number as its paper printed it, on the paper's own data.

    Read from the chapter modules' ``PAPER``. These are not comparable with
    one another (other data, splits and metrics): the reason for this chapter.
    """
    from . import module

    rows = []
    for m in ms:
        if m.key not in _OWN:
            continue
        chapter, wanted, data = _OWN[m.key]
        for n in module(chapter).PAPER:
            if (n.table, n.row) in wanted:
                rows.append({"method": _short(m.name), "where": f"{n.ref}: {n.row}",
                             "data": data, "metric": n.metric, "value (paper)": n.value})
    cols = ["method", "where", "data", "metric", "value (paper)"]
    return pd.DataFrame(rows, columns=cols).set_index("method")


#: The papers' comparative claims, as pairs of results records of their chapters:
#: (chapter, claim, (experiment pattern, method A), (experiment pattern, method B), metric);
#: an experiment pattern is searched for, a method pattern must match the whole name.
#: ``None`` in place of the pairs: a claim the book's data cannot test, and why
#: in place of the metric.
CLAIMS = (
    ("hamel2010", "DBN features beat MFCCs (SVM on frames)",
     ("^Table 2", "DBN all layers"), ("^Table 2", "MFCC"), "track accuracy"),
    ("hamel2010", "Aggregating over 5 s windows beats single frames",
     ("^Table 3", "DBN all layers"), ("^Table 2", "DBN all layers"), "track accuracy"),
    ("hamel2010", "DBN features beat timbral + temporal features for tagging",
     ("^Table 4", "DBN all layers"), ("^Table 4", "timbral \\+ temporal"),
     "mean per-tag accuracy"),
    ("dieleman2011", "The pretrained conv. net beats logistic regression (genre)",
     ("^Table 1: genre", "conv. MLP with pretraining"),
     ("^Table 1: genre", "windowed logistic regression"), "Accuracy"),
    ("dieleman2011", "Pretraining helps on the artist task",
     ("^Table 1: artist", "conv. MLP with pretraining"),
     ("^Table 1: artist", "conv. MLP without pretraining"), "Accuracy"),
    ("dieleman2011", "Key detection from real MSD analyses (73-87 %)", None, None,
     "the synthetic corpus' keys are drawn, not analysed from real recordings"),
    ("zhang2015", "k-max pooling beats max pooling (k = 5 vs 1, + SVM)",
     ("^Table 2", "KCNN \\(k = 5\\) \\+ SVM"), ("^Table 2", "KCNN \\(k = 1\\) \\+ SVM"),
     "Accuracy"),
    ("zhang2015", "An SVM on KCNN features beats the KCNN's softmax",
     ("^Table 2", "KCNN \\(k = 5\\) \\+ SVM"), ("^Table 2", "KCNN \\(k = 5\\)"), "Accuracy"),
    ("zhang2015", "KCNN + SVM beats sparse coding + SVM",
     ("^Table 2", "KCNN \\(k = 5\\) \\+ SVM"), ("^Table 2", "Sparse coding \\+ SVM"),
     "Accuracy"),
    ("nam2015", "Pretraining the DNN helps (Fig. 5)",
     ("^Fig. 5", "layers \\d+, init pretrained.*"), ("^Fig. 5", "layers \\d+, init random.*"),
     "AUC-T"),
    ("choi2016", "FCN-4 beats FCN-3 on mel input (Table 3)",
     ("^Experiment I ", "FCN-4 \\(mel\\)"), ("^Experiment I ", "FCN-3 \\(mel\\)"), "ROC-AUC"),
    ("choi2016", "Mel input beats STFT input (Table 3)",
     ("^Experiment I ", "FCN-4 \\(mel\\)"), ("^Experiment I ", "FCN-4 \\(STFT\\)"), "ROC-AUC"),
    ("choi2016", "FCN-5 beats FCN-3 with more data (Table 5)",
     ("^Experiment II ", "^FCN-5$"), ("^Experiment II ", "^FCN-3$"), "ROC-AUC"),
    ("choi2016", "FCN-4 is state of the art on MagnaTagATune (Table 4)", None, None,
     "the other systems of Table 4 are not re-implemented; on real data see the chapter"),
)


def _natural(text):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(text))]


def _pick(df, exp, method, metric):
    """The matching record with the largest numbers in its experiment (e.g. most epochs)."""
    hit = df[df["experiment"].str.contains(exp, regex=True)
             & df["method"].str.fullmatch(method) & (df["metric"] == metric)]
    if hit.empty:
        return None
    key = hit.apply(lambda r: _natural(f"{r['experiment']} {r['method']}"), axis=1)
    return hit.loc[max(hit.index, key=lambda i: key[i])]


def _per_run(rec):
    import json

    extra = rec.get("extra")
    if isinstance(extra, str):
        extra = json.loads(extra)
    vals = (extra or {}).get("per_seed")
    return None if vals is None else np.asarray(vals, dtype=float)


def read_chapter_records(folder=None):
    """The results CSVs the chapters wrote beside their pages (``<chapter>_results.csv``).

    Parameters
    ----------
    folder : str or Path, optional
        Default :func:`mirnb.publish.media_dir`, where every chapter of the
        same book run writes.

    Returns
    -------
    dict
        ``{chapter: DataFrame}`` of the chapters that have run.
    """
    from .. import publish

    folder = Path(folder) if folder is not None else publish.media_dir()
    out = {}
    for path in sorted(folder.glob("*_results.csv")):
        chapter = path.name.split("_")[0]
        df = pd.read_csv(path)
        out[chapter] = pd.concat([out[chapter], df], ignore_index=True) \
            if chapter in out else df
    return out


def claims_markdown(table):
    """:func:`claims` as a Markdown table, whose long cells wrap on the page."""
    def cell(text):
        return str(text).replace("|", "\\|")

    lines = ["| chapter | claim | paper | ours | status |", "|---|---|---|---|---|"]
    for (chapter, claim), r in table.iterrows():
        lines.append("| " + " | ".join(cell(v) for v in (chapter, claim, r["paper"],
                                                          r["ours"], r["status"])) + " |")
    return "\n".join(lines)


def claims(chapter_records):
    """Every chapter's comparative claims: the paper's gap beside ours, from their records.

    Ours is "reproduced" when the mean difference A − B is positive and
    larger than its SD (over seeds or folds: paired when both records keep
    per-run values, else the two SDs combined), "opposite" when negative by
    more than its SD, "within noise" otherwise; one run gives only a sign.

    Parameters
    ----------
    chapter_records : dict
        ``{chapter: DataFrame}`` from :func:`read_chapter_records`.

    Returns
    -------
    pandas.DataFrame
        Columns ``chapter``, ``claim``, ``paper`` (its gap and table),
        ``ours`` (gap ± SD, data and profile), ``status``.
    """
    rows = []
    for chapter, claim, a, b, metric in CLAIMS:
        row = dict(chapter=chapter, claim=claim)
        if a is None:
            rows.append({**row, "paper": "(see the chapter)", "ours": "-",
                         "status": f"cannot test: {metric}"})
            continue
        df = chapter_records.get(chapter)
        ra = None if df is None else _pick(df, *a, metric)
        rb = None if df is None else _pick(df, *b, metric)
        if ra is None or rb is None:
            why = (f"not run yet: `mirnb run {chapter}`" if df is None
                   else "not in this run (its profile leaves the rows out)")
            rows.append({**row, "paper": "-", "ours": "-", "status": why})
            continue
        pa, pb = ra.get("paper_value"), rb.get("paper_value")
        paper = (f"{pa - pb:+.3f} ({ra['paper_ref'] or rb['paper_ref']})"
                 if pd.notna(pa) and pd.notna(pb) else "A above B (no numbers for both)")
        va, vb = _per_run(ra), _per_run(rb)
        if va is not None and vb is not None and len(va) == len(vb) and len(va) > 1:
            m, sd = mean_sd(va - vb)
        else:
            m = float(ra["value"] - rb["value"])
            sa, sb = ra.get("spread"), rb.get("spread")
            sd = float(np.hypot(sa, sb)) if pd.notna(sa) and pd.notna(sb) else float("nan")
        if not np.isfinite(sd):
            status = "one run: " + ("ahead" if m > 0 else "behind or equal") + " (not judged)"
        else:
            status = ("reproduced" if m > sd else "opposite" if m < -sd else "within noise")
        rows.append({**row, "paper": paper,
                     "ours": f"{plus_minus(m, sd)} ({ra['data_kind']}, {ra['profile']})",
                     "status": status})
    return pd.DataFrame(rows).set_index(["chapter", "claim"])


# ----------------------------------------------------------------------------
# saved models and `mirnb tag`
# ----------------------------------------------------------------------------
def save_models(out, ts, cfg, *, profile, data_home=None):
    """Save the first run's FCN-4 of each task with a model card, for ``mirnb tag``.

    Returns
    -------
    dict
        ``{task: model name}``, e.g. ``{'tags': 'comparison/fcn4-tags'}``.
    """
    saved = {}
    for tname, task in ts.items():
        state = out.states.get((tname, "fcn4"))
        if state is None:
            continue
        m = next(m for m in out.methods if m.key == "fcn4")
        sc = out.scores[(out.scores["task"] == tname) & (out.scores["method"] == m.name)
                        & (out.scores["run"] == 0)]
        c = m.cfg
        card = tagging.ModelCard(
            name=f"fcn4-{tname}", chapter="comparison", paper=m.paper,
            task="tags" if task.multilabel else "genre", labels=list(task.labels),
            profile=profile, data_kind=task.data_kind,
            dataset=task.describe, dataset_version=task.version, split=task.split,
            seed=int(task.runs[0].seed), metrics=dict(zip(sc["metric"], sc["value"])),
            front_end=dict(kind="log_mel", sr=c.sr, n_fft=c.n_fft, hop_length=c.hop_length,
                           n_mels=c.n_mels, top_db=c.top_db,
                           n_frames=int(state.model.input_shape[2])),
            limits=m.adaptation(task) or "the paper's own task")
        tagging.save_model(state.model, card, data_home=data_home)
        saved[tname] = f"comparison/{card.name}"
    return saved


def tag_examples(ts, name, *, n=3, data_home=None):
    """Tag ``n`` test clips (never trained on) with a saved model, beside their true tags.

    Returns
    -------
    pandas.DataFrame
        One row per clip: ``true tags`` and ``predicted (top 5)`` with scores.
    """
    task = ts["tags"]
    rows = task.runs[0].test[:_check.positive_int("n", n)]
    results = tagging.tag([task.clips[r].audio_path for r in rows], model=name, top_k=5,
                          data_home=data_home, verbose=False)
    out = []
    for r, res in zip(rows, results):
        order = np.argsort(res.scores)[::-1][:5]
        true = [t for t, v in zip(task.labels, task.y[r]) if v]
        out.append({"clip": task.ids[r], "true tags": ", ".join(true) or "(none)",
                    "predicted (top 5)": ", ".join(f"{res.labels[i]} {res.scores[i]:.2f}"
                                                   for i in order)})
    return pd.DataFrame(out).set_index("clip")


# ----------------------------------------------------------------------------
# the verdict
# ----------------------------------------------------------------------------
def verdict(out, claims_table=None, *, data_kind="synthetic"):
    """What the comparison shows, computed from its runs (Markdown).

    For each task: the best method and whether its lead over the runner-up
    is larger than the SD of their paired differences; the methods that do
    not beat the MFCC baseline beyond the noise; and the cheapest method
    within the noise of the best. Then the claims' statuses, counted.
    """
    _check.choice("data_kind", data_kind, ("synthetic", "real"))
    lines = []
    for task in ("genre", "tags"):
        diffs = paired_differences(out, task)
        if diffs.empty:
            continue
        sc = out.scores[(out.scores["task"] == task) & (out.scores["metric"] == MAIN[task])]
        means = sc.groupby("method")["value"].mean().sort_values(ascending=False)
        best, second = means.index[0], means.index[1] if len(means) > 1 else None
        text = f"- **{task}** ({MAIN[task]}, {sc['run'].nunique()} runs): best {best} " \
               f"({means.iloc[0]:.3f})"
        if second is not None:
            d = diffs[(diffs["a"] == best) & (diffs["b"] == second)].iloc[0]
            text += (f", ahead of {second} by {plus_minus(d['mean'], d['sd'])}: "
                     + ("one run, no spread to judge by" if d["n"] < 2 else
                        "beyond the spread over runs" if d["beyond_noise"]
                        else "not beyond the spread over runs"))
        base = MFCC_NAME
        if base in means.index:
            weak = [a for a in means.index if a != base and not (
                diffs[(diffs["a"] == a) & (diffs["b"] == base)]["beyond_noise"].any()
                and diffs[(diffs["a"] == a) & (diffs["b"] == base)]["mean"].iloc[0] > 0)]
            text += (". Not ahead of the MFCC baseline beyond the noise: "
                     + (", ".join(weak) if weak else "none"))
        co = out.costs[out.costs["task"] == task].groupby("method")["train_s"].mean()
        tied = [best] + [a for a in means.index[1:] if not diffs[
            (diffs["a"] == best) & (diffs["b"] == a)]["beyond_noise"].iloc[0]]
        cheapest = min(tied, key=lambda a: co[a])
        text += f". Cheapest within the noise of the best: {cheapest} ({co[cheapest]:.1f} s " \
                "of training per run)."
        lines.append(text)
    if claims_table is not None and len(claims_table):
        counts = claims_table["status"].str.split(":").str[0].str.split(" \\(").str[0]
        lines.append("- **The papers' claims** on the book's data: " + ", ".join(
            f"{v} {k}" for k, v in counts.value_counts().items()) + ".")
    lines.append(f"\nAll of ours are on {data_kind} data; a method's rank here says how it "
                 "does on the book's corpus at CPU size, not on the papers' datasets.")
    return "\n".join(lines)


MFCC_NAME = cm.MFCC.name
