"""How hard is the synthetic corpus? Simple baselines on each of its tasks.

A good corpus for the book puts simple baselines well above chance and well
below perfect, so that better methods have room to show. :func:`calibrate`
measures that with a linear model on clip statistics, per task:

- **genre** and **artist** from MFCC statistics, GTZAN view;
- **key** (24 classes: tonic and mode) from chroma statistics, GTZAN view;
- **tags** from MFCC statistics, MagnaTagATune view, folder split, one
  logistic regression per tag, scored by ROC-AUC (AUC-T) against the noisy
  tags.

``benchmarks/calibrate_synth.py`` records the calibration over several splits.
"""

import logging
import numbers
import warnings

import numpy as np
import pandas as pd

from .. import _check
from ..errors import ParameterError

__all__ = ["calibrate", "calibration_table"]

log = logging.getLogger(__name__)

#: The tasks of :func:`calibrate`: view, feature kind, label column (None
#: for the tag matrix), and the method's display name.
TASKS = {
    "genre": ("gtzan", "mfcc", "genre", "genre: MFCC stats + logistic regression"),
    "artist": ("gtzan", "mfcc", "artist", "artist: MFCC stats + logistic regression"),
    "key": ("gtzan", "chroma", "key_name",
            "key (24 classes): chroma stats + logistic regression"),
    "tags": ("mtat", "mfcc", None, "tags: MFCC stats + logistic regression per tag"),
}

#: Sample rates of the features: the native rates of GTZAN and
#: MagnaTagATune, which the synthetic views share.
_SR = {"gtzan": 22050, "mtat": 16000}

_DATASET_NAMES = {"gtzan": "GTZAN view", "mtat": "MTAT view"}


def _views(data, needed, *, data_home, verbose):
    """``{view: dataset}`` for the views the tasks need."""
    from .views import SIZES, load

    if isinstance(data, str):
        if data not in SIZES:
            raise ParameterError(f"data={data!r}: expected a profile of the synthetic corpus "
                                 f"({list(SIZES)}) or a dict of its views")
        return {v: load(v, data, data_home=data_home, verbose=verbose) for v in needed}
    if not isinstance(data, dict):
        raise ParameterError(f"data of type {type(data).__name__}: expected a profile name or a "
                             "dict {'gtzan': GTZAN, 'mtat': MTAT} of synthetic views")
    missing = [v for v in needed if v not in data]
    if missing:
        raise ParameterError(f"data lacks the views {missing} that the tasks need; pass them, "
                             "or fewer tasks")
    for v in needed:
        if not getattr(data[v], "is_synthetic", True) or not (
                data[v].root / "synth_labels.csv").is_file():
            raise ParameterError(f"data[{v!r}] at {data[v].root}: expected a view of the "
                                 "synthetic corpus (it has no synth_labels.csv)")
    return {v: data[v] for v in needed}


def _manifest_entry(ds):
    """(corpus profile, view key) from the manifest beside a synthetic view."""
    import json

    try:
        manifest = json.loads((ds.root.parent / "manifest.json").read_text())
        return manifest.get("profile", ""), manifest["views"][ds.root.name]["key"]
    except (OSError, ValueError, KeyError):
        return "", ""


def _tag_split(ds, X):
    """The folder split with valid merged into train, restricted to ``X``'s clips."""
    split = ds.splits("folder")
    train = [t for t in list(split["train"]) + list(split["valid"]) if t in X.index]
    test = [t for t in split["test"] if t in X.index]
    return {"train": train, "test": test}


def _tag_auc(ds, X, split, *, C, min_tag_count, seed):
    """AUC-T of one logistic regression per usable tag, and what it used."""
    from ..metrics import auc_tag
    from ..models import baselines

    test_counts = ds.tag_matrix(track_ids=split["test"]).sum()
    train_counts = ds.tag_matrix(track_ids=split["train"]).sum()
    usable = [t for t in ds.tag_names
              if test_counts[t] >= min_tag_count and train_counts[t] >= min_tag_count]
    if not usable:
        raise ParameterError(f"min_tag_count={min_tag_count}: no tag has that many positive "
                             "clips in both train and test")
    Y = ds.tag_matrix(tags=usable).astype(int)
    y_true, y_score = baselines.fit_predict(
        baselines.linear_tagger(C=C, random_state=seed), X, Y, split, proba=True)
    extra = {"chance": 0.5, "tags": len(usable),
             "tags left out": len(ds.tag_names) - len(usable)}
    truth_path = ds.root / "synth_labels.csv"
    if truth_path.is_file():  # the same scores against the tags before the noise
        truth = pd.read_csv(truth_path, index_col="clip_id", keep_default_na=False)
        truth.index = truth.index.astype(str)
        true_sets = truth.loc[split["test"], "true_tags"].str.split(";")
        Y_clean = np.array([[t in s for t in usable] for s in true_sets], dtype=int)
        with warnings.catch_warnings():  # a tag true of every test clip has no AUC here
            warnings.simplefilter("ignore", UserWarning)
            extra["AUC-T against true tags"] = auc_tag(Y_clean, y_score, tags=usable)["AUC-T"]
    return auc_tag(y_true, y_score, tags=usable)["AUC-T"], extra


def calibrate(data="default", *, seed=0, tasks=None, data_home=None, C=1.0, n_mfcc=20,
              n_fft=2048, hop_length=512, tag_n_fft=1024, tag_hop_length=256,
              min_tag_count=3, test_size=0.5, chapter="00_data", profile=None, config=None,
              n_jobs=None, verbose=True):
    """Calibrate the synthetic corpus: simple baselines on genre, artist, key and tags.

    Each task gets a standardised logistic regression on clip statistics
    (:mod:`mirnb.models.baselines`). Genre, artist and key are trained on
    a stratified part of the GTZAN view's clips and tested on the rest
    (classes with a single clip are left out and counted); tags are
    trained on the MagnaTagATune view's folder split (folders 0-c, test
    d-f), on the tags with at least ``min_tag_count`` positive clips in
    both parts, and scored by AUC-T against the noisy tags.

    Parameters
    ----------
    data : {'smoke', 'default'} or dict
        A profile of the synthetic corpus, whose views are loaded (and
        generated when missing) under ``data_home``; or the views
        themselves, ``{'gtzan': GTZAN, 'mtat': MTAT}`` (only those the
        tasks need).
    seed : int or sequence of int
        Seed of the holdout split and the models. With several seeds, each
        accuracy is the mean over as many splits, with their standard
        deviation as ``spread``; the tag task uses a fixed split and runs
        once, with the first seed.
    tasks : sequence of {'genre', 'artist', 'key', 'tags'}, optional
        Default: all four.
    data_home : str or Path, optional
        Data home of the corpus when ``data`` is a profile.
    C : float > 0
        Inverse L2 strength of the logistic regressions.
    n_mfcc : int > 0
        MFCCs per frame (the statistics are their means and standard
        deviations).
    n_fft, hop_length : int > 0
        Frames of the GTZAN view's features (22050 Hz).
    tag_n_fft, tag_hop_length : int > 0
        Frames of the MagnaTagATune view's features (16000 Hz).
    min_tag_count : int > 0
        Fewest positive clips a tag needs in train and in test to be scored.
    test_size : float in (0, 1)
        Test fraction of the holdout split.
    chapter : str
        ``chapter`` of the records.
    profile : str, optional
        ``profile`` of the records (the book's profile); default: the
        corpus profile.
    config : dict or dataclass, optional
        ``config`` of the records (e.g. the chapter's config); default:
        these parameters.
    n_jobs : int, optional
        Worker processes of the feature extraction.
    verbose : bool
        Show progress.

    Returns
    -------
    list of mirnb.results.Result
        One record per task, in the order of ``tasks``: experiment
        ``'calibration'``, metric ``'accuracy'`` or ``'AUC-T'``, and in
        ``extra`` the chance level (``'chance'``: the majority-class rate
        of the test part, 0.5 for AUC), ``'classes'`` and ``'left out (rare
        classes)'``, or ``'tags'``, ``'tags left out'`` and ``'AUC-T
        against true tags'`` (the same scores against the tags before the
        noise). :func:`calibration_table` lays them out.

    Raises
    ------
    ParameterError
        A bad argument, a missing view, or no tag with enough clips.

    See Also
    --------
    calibration_table
    mirnb.models.baselines.holdout_accuracy

    Examples
    --------
    >>> results = calibrate("smoke", tasks=["genre"], verbose=False)  # doctest: +SKIP
    >>> calibration_table(results)[["Method", "Ours", "Chance"]]  # doctest: +SKIP
    """
    from ..models import baselines
    from ..results import Result, result_from_seeds

    tasks = list(TASKS) if tasks is None else [tasks] if isinstance(tasks, str) else list(tasks)
    if not tasks:
        raise ParameterError("tasks=[]: expected some of " + ", ".join(TASKS))
    for t in tasks:
        _check.choice("task", t, tuple(TASKS))
    try:
        seeds = [seed] if isinstance(seed, numbers.Integral) else list(seed)
    except TypeError:
        raise ParameterError(f"seed={seed!r}: expected an integer or integers") from None
    if not seeds:
        raise ParameterError("seed=[]: expected an integer or integers")
    seeds = [_check.int_range("seed", s, 0) for s in seeds]
    C = _check.positive("C", C)
    for name, value in (("n_mfcc", n_mfcc), ("n_fft", n_fft), ("hop_length", hop_length),
                        ("tag_n_fft", tag_n_fft), ("tag_hop_length", tag_hop_length),
                        ("min_tag_count", min_tag_count)):
        _check.positive_int(name, value)
    test_size = _check.fraction("test_size", test_size)
    params = dict(C=C, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop_length, tag_n_fft=tag_n_fft,
                  tag_hop_length=tag_hop_length, min_tag_count=min_tag_count,
                  test_size=test_size)

    needed = list(dict.fromkeys(TASKS[t][0] for t in tasks))
    views = _views(data, needed, data_home=data_home, verbose=verbose)
    frames = {"gtzan": dict(n_fft=n_fft, hop_length=hop_length),
              "mtat": dict(n_fft=tag_n_fft, hop_length=tag_hop_length)}
    feats = {}
    for t in tasks:
        view, kind = TASKS[t][:2]
        if (view, kind) not in feats:
            ds = views[view]
            extra = {"n_mfcc": n_mfcc} if kind == "mfcc" else {}
            X, skipped = baselines.clip_features(
                [ds.track(i) for i in ds.track_ids], kind, sr=_SR[view], n_jobs=n_jobs,
                verbose=verbose, **frames[view], **extra)
            if skipped:
                log.warning("calibration: %d clips of the %s view skipped: %s", len(skipped),
                            view, skipped[:3])
            feats[view, kind] = X

    results = []
    test_pct = int(round(100 * test_size))
    for t in tasks:
        view, kind, column, method = TASKS[t]
        ds, X = views[view], feats[view, kind]
        corpus, key = _manifest_entry(ds)
        common = dict(chapter=chapter, experiment="calibration", method=method,
                      dataset=f"{_DATASET_NAMES[view]}, {corpus or 'synthetic'} corpus",
                      data_kind="synthetic", dataset_version=key,
                      profile=profile if profile is not None else corpus,
                      config=config if config is not None else params)
        if column is None:
            split = _tag_split(ds, X)
            value, extra = _tag_auc(ds, X, split, C=C, min_tag_count=min_tag_count,
                                    seed=seeds[0])
            if verbose:
                print(f"{extra['tags']} of {len(ds.tag_names)} tags have at least "
                      f"{min_tag_count} positive clips in train and test")
            results.append(Result(metric="AUC-T", value=value, seeds=(seeds[0],),
                                  split="folder split (0-c train, d-f test)", extra=extra,
                                  **common))
            continue
        runs = [baselines.holdout_accuracy(X, ds.labels[column], test_size=test_size,
                                           seed=s, C=C) for s in seeds]
        r = runs[0]
        results.append(result_from_seeds(
            [run["accuracy"] for run in runs], seeds=seeds, metric="accuracy",
            split=f"stratified {100 - test_pct}/{test_pct} ({r['n_train']}/{r['n_test']})",
            extra={"chance": float(np.mean([run["chance"] for run in runs])),
                   "classes": r["n_classes"], "left out (rare classes)": r["left_out"]},
            **common))
    return results


def calibration_table(results, *, digits=3):
    """Lay out :func:`calibrate`'s records, with chance and counts beside each number.

    Parameters
    ----------
    results : list of mirnb.results.Result
        From :func:`calibrate`.
    digits : int >= 0
        Decimals shown.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`mirnb.results.results_table`, then
        ``Chance``, ``Classes / tags`` and ``Left out`` (rare classes, or
        tags with too few clips).
    """
    from ..results import results_table

    results = list(results)
    table = results_table(results, digits=digits)
    table["Chance"] = [round(r.extra["chance"], digits) for r in results]
    table["Classes / tags"] = [r.extra.get("classes", r.extra.get("tags")) for r in results]
    table["Left out"] = [r.extra.get("left out (rare classes)", r.extra.get("tags left out", 0))
                         for r in results]
    return table
