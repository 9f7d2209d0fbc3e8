"""Chapter dieleman2011: a pretrained convolutional network on MSD features (Dieleman et al. 2011).

The Million Song Dataset ships no audio, only the Echo Nest's analysis of
each track. Dieleman, Brakel & Schrauwen average its segment chroma and
timbre over beats, and classify tracks by artist (50), genre (20) and key
(12) with a two-branch convolutional network over beats: chroma and timbre
each through a convolution of 8 beats with 100 maps and max-pooling by 4,
then together through a convolution of 8 pooled steps and max-pooling by 4,
and a softmax at every remaining step, averaged over the track. The
convolutions are first pretrained without labels as convolutional RBMs on
(almost) the whole MSD; Table 1 compares the network fine-tuned from them
with the same network from a moment-matched random start, and with naive
Bayes and logistic regression on 32-beat windows, after 30 and 20 epochs.

The pieces are the concern modules :mod:`mirnb.analysis` (beat alignment),
:mod:`mirnb.datasets.msd` (the MSD, its task labels and the sharded feature
job) and :mod:`mirnb.models.crbm` (convolutional RBMs, the DBN, the
convolutional MLP and the window baselines); this module holds the config
and its profiles, the paper's numbers, the steps the notebook calls and the
computed verdict.

The notebook is ``notebooks/02_dieleman2011.py``; the tests are
``tests/chapters/test_dieleman2011.py``.

References
----------
.. [1] Dieleman, S., Brakel, P. & Schrauwen, B. (2011). Audio-based music
   classification with a pretrained convolutional network. ISMIR (Sec. 2:
   the MSD and beat-aligned features; Sec. 4: the tasks; Sec. 5: the
   network and its pretraining; Sec. 6: the experiments; Table 1).
"""

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _check, timing
from ..errors import ParameterError
from ..datasets.msd import task_table
from ..results import best_on_validation, chosen_curves, mean_sd, plus_minus, result_from_seeds
from . import PaperNumber, make_config

__all__ = ["NOTEBOOK", "Config", "config", "PAPER", "TASKS", "METHODS", "GLOROT", "paper_cells",
           "load",
           "beat_features", "usable", "tasks", "task_table", "read", "pretrain",
           "pretraining_table", "finetune", "Run", "run", "selected", "table1",
           "convergence", "plot_convergence",
           "example_track", "records", "key_truth_table", "verdict"]

NOTEBOOK = "notebooks/02_dieleman2011.py"

#: The three tasks, in Table 1's column order.
TASKS = ("genre", "artist", "key")
#: Table 1's methods, as printed.
METHODS = ("naive Bayes", "windowed logistic regression", "conv. MLP without pretraining",
           "conv. MLP with pretraining")
#: Our extra control, not in Table 1: the network from Keras's Glorot-uniform start.
GLOROT = "conv. MLP, Glorot init (ours)"


@dataclass(frozen=True)
class Config:
    """Settings of the ``dieleman2011`` chapter.

    The defaults are the ``paper`` profile: Dieleman et al.'s values where
    the paper gives them (*paper*) and the book's choice where it does not
    (*ours*; reasons in ``../shared/specs/dieleman2011.md``, Sec. 5).

    Attributes
    ----------
    synth_profile : str
        Synthetic corpus of the smoke and default profiles.
    timbre_norm : {'track', 'dataset'}
        The network's timbre: z-scored per track (*paper*, Sec. 5.2), or
        standardised with the pretraining tracks' statistics (*ours*, the
        default profile: per-track z-scoring erases each track's mean
        timbre, which carries most of the synthetic corpus's genre and
        artist; with it the network stays at chance there).
    chroma_norm : {'max', 'dataset'}
        The network's chroma: each beat's maximum rescaled to 1, into RBM
        1a's binary visible units (*paper*, Sec. 2.2 and 5.2), or
        standardised with the pretraining tracks' statistics into Gaussian
        visible units (*ours*, the default profile: with binary units RBM
        1a learned little from the synthetic chroma, and the key task
        stayed at 11-21 % test accuracy against 8.3 % chance).
    alignment : {'segment_fraction', 'segment_fraction_strict', 'overlap'}
        How segments are averaged over beats (*ours*: MSongsDB's weighting
        with its edge cases fixed; the paper says only "averaged",
        Sec. 2.2). See :func:`mirnb.analysis.segments_to_beats`.
    maps : int
        Feature maps of every convolution (*paper*: 100).
    widths : (int, int, int, int)
        Convolution width 1 (beats), pool 1, convolution width 3 (pooled
        steps), pool 2 (*paper*: 8, 4, 8, 4; Sec. 5.1).
    rbm_lr : (float, float, float)
        Pretraining learning rates of RBMs 1a (chroma), 1b
        (timbre, Gaussian visible) and 3 (*paper*: 0.005, 0.0001, 0.005).
    sparsity_target : (float, float, float)
        Sparsity targets of RBMs 1a, 1b, 3 (*paper*: 0.05, 0.05, 0.1).
    sparsity_cost : float
        Relative sparsity cost (*paper*: 0.1).
    pretrain_passes : int
        Passes over the pretraining tracks (*paper*: 1).
    pretrain_chunk : int
        Beats per pretraining example, cut at random from a track (*ours*).
    pretrain_batch : int
        Chunks per pretraining step (*ours*).
    stream : bool
        Pretrain on chunks streamed shard by shard, one batch in memory
        (:meth:`mirnb.models.convdbn.ConvDBN.fit_stream`; the paper
        profile: the whole MSD does not fit), or on all pretraining tracks
        in memory.
    inits : tuple of str
        The networks fine-tuned on each task: ``'random'`` (the paper's
        control: weights drawn with the mean and variance of the DBN's),
        ``'pretrained'`` and, beyond the paper, ``'glorot'`` (*ours*: Keras's
        Glorot-uniform start, an ordinary random network whose scale owes
        nothing to the DBN).
    learning_rates : tuple of float
        Fine-tuning rates tried, the best on validation reported (*paper*:
        0.05, 0.005, 0.0005).
    epochs : int
        Fine-tuning epochs (*paper*: 30).
    report_epochs : tuple of int
        Epochs at which Table 1 reads the same runs (*paper*: 20 and 30).
    batch_size : int
        Tracks per fine-tuning step (*ours*: 1 in the paper profile).
    window : int
        Beats per baseline window (*paper*: 32).
    window_hop : int
        Beats between baseline windows (*ours*: 1).
    lr_learning_rates : tuple of float
        Windowed logistic regression's rates (*paper*: 5e-3 ... 5e-7).
    lr_epochs : int
        Its epochs (*paper*: 30).
    n_artists : int
        Artists of the artist task (*paper*: 50).
    per_class : tuple of (str, int or None)
        Tracks per class of each task (*paper*: artist 100, genre 250, key
        250). None: as many as the smallest class has.
    key_max : int or None
        With ``per_class`` None for the key task, at most this many per key
        (*ours*, for the synthetic corpus).
    fractions : (float, float, float)
        Train, validation, test, per class (*paper*: 80 / 10 / 10 %).
    seeds : int
        Runs with different initialisations and splits (*paper*: 1).
    shard_size : int
        Tracks per shard of the feature job (*ours*).
    n_workers : int
        Processes of the feature job's local Dask cluster (*ours*).
    scheduler : str or None
        The feature job's Dask scheduler: None for a local cluster, an
        address, or ``'synchronous'`` to run in this process (*ours*).
    """

    synth_profile: str = "default"
    timbre_norm: str = "track"
    chroma_norm: str = "max"
    alignment: str = "segment_fraction"
    maps: int = 100
    widths: tuple = (8, 4, 8, 4)
    rbm_lr: tuple = (0.005, 0.0001, 0.005)
    sparsity_target: tuple = (0.05, 0.05, 0.1)
    sparsity_cost: float = 0.1
    pretrain_passes: int = 1
    pretrain_chunk: int = 64
    pretrain_batch: int = 32
    stream: bool = True
    inits: tuple = ("random", "pretrained")
    learning_rates: tuple = (0.05, 0.005, 0.0005)
    epochs: int = 30
    report_epochs: tuple = (20, 30)
    batch_size: int = 1
    window: int = 32
    window_hop: int = 1
    lr_learning_rates: tuple = (5e-3, 5e-4, 5e-5, 5e-6, 5e-7)
    lr_epochs: int = 30
    n_artists: int = 50
    per_class: tuple = (("artist", 100), ("genre", 250), ("key", 250))
    key_max: int = None
    fractions: tuple = (0.8, 0.1, 0.1)
    seeds: int = 1
    shard_size: int = 1000
    n_workers: int = 2
    scheduler: str = None


_CHANGES = {
    # seconds on the smoke corpus (60 tracks of 6 s: about 10 beats each)
    "smoke": dict(synth_profile="smoke", stream=False, maps=4, widths=(2, 2, 2, 2),
                  pretrain_chunk=8, pretrain_batch=8, learning_rates=(0.05,), epochs=2,
                  report_epochs=(1, 2),
                  batch_size=8, window=4, lr_learning_rates=(5e-3,), lr_epochs=2,
                  n_artists=20, per_class=(("artist", 3), ("genre", 3), ("key", None)),
                  key_max=3, shard_size=20, scheduler="synchronous",
                  inits=("random", "glorot", "pretrained")),
    # the synthetic default corpus (600 tracks of 30 s: 28-92 beats, median
    # 53) on 2 cores: layer 3 and pool 2 narrower, so that 24-beat tracks
    # give an output; 10 pretraining passes over ~390 tracks at 2 x (1a) and
    # 100 x (1b, 3) the paper's rates (at the paper's, the reconstruction
    # error does not move in 10 passes: 0.080 -> 0.081 for 1a, 0.979 -> 0.971
    # for 1b); chroma and timbre standardised (see chroma_norm, timbre_norm);
    # fine-tuning in batches of 16 at one rate, 10 x the paper's upper one
    # (0.05 lost on validation in every task of a trial; one rate fits the
    # time budget); 16-beat baseline windows every 4 beats (every beat cost
    # 206 s of a 788 s run); per genre as many tracks as the smallest has;
    # the Glorot start beside the paper's control, which does not learn here
    "default": dict(stream=False, widths=(8, 4, 4, 2), pretrain_passes=10, pretrain_chunk=32,
                    rbm_lr=(0.01, 0.01, 0.5), timbre_norm="dataset", chroma_norm="dataset",
                    inits=("random", "glorot", "pretrained"),
                    learning_rates=(0.5,), batch_size=16, window=16, window_hop=4,
                    lr_learning_rates=(5e-3, 5e-4, 5e-5), n_artists=50,
                    per_class=(("artist", 10), ("genre", None), ("key", None)), key_max=25,
                    seeds=3, shard_size=100),
    "paper": {},
}


def config(profile="default", **overrides):
    """The chapter's :class:`Config` for ``profile`` ('smoke', 'default', 'paper')."""
    return make_config(Config, _CHANGES, profile, **overrides)


_P = "Dieleman et al. 2011"
#: Table 1 as printed: (epochs, method) -> task -> (accuracy %, learning rate or None).
_T1 = {
    (30, "naive Bayes"): {"genre": (10.02, None), "artist": (6.80, None),
                          "key": (73.74, None)},
    (30, "windowed logistic regression"): {"genre": (25.90, 5e-6), "artist": (32.13, 5e-5),
                                           "key": (86.53, 5e-5)},
    (30, "conv. MLP without pretraining"): {"genre": (29.52, 0.005), "artist": (34.34, 0.05),
                                            "key": (83.84, 0.05)},
    (30, "conv. MLP with pretraining"): {"genre": (29.12, 0.005), "artist": (35.74, 0.05),
                                         "key": (83.84, 0.005)},
    (20, "conv. MLP without pretraining"): {"genre": (24.90, 0.05), "artist": (33.94, 0.05),
                                            "key": (83.84, 0.05)},
    (20, "conv. MLP with pretraining"): {"genre": (27.31, 0.005), "artist": (35.54, 0.05),
                                         "key": (84.51, 0.005)},
}

#: Every cell of Table 1: row ``'<method>, <task>, <epochs> epochs'``, value
#: as a *fraction* (the paper prints percent), the chosen learning rate in
#: the note.
PAPER = tuple(
    PaperNumber(_P, "Table 1", f"{method}, {task}, {epochs} epochs", round(acc / 100, 4),
                "test accuracy",
                f"MSD {task} task; printed as {acc:.2f} %"
                + (f"; learning rate {lr:g} chosen on validation" if lr is not None else ""))
    for (epochs, method), cells in _T1.items() for task, (acc, lr) in cells.items())


def paper_cells():
    """Table 1 as printed: rows (epochs, method), columns the tasks, in percent
    with the chosen learning rate in parentheses."""
    rows = {key: {task: f"{acc:.2f}" + ("" if lr is None else f" ({lr:g})")
                  for task, (acc, lr) in cells.items()}
            for key, cells in _T1.items()}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(["epochs", "method"])[
        list(TASKS)]


# ----------------------------------------------------------------------------
# data: the MSD, beat-aligned features, the three tasks
# ----------------------------------------------------------------------------
@timing.phase("features")
def load(cfg, dataset="synthetic", *, data_home=None, verbose=True):
    """The MSD of the run: the synthetic MSD view or a real MSD tree.

    Returns the :class:`~mirnb.datasets.msd.MSD` and ``info``
    (``data_kind``, ``dataset`` and ``dataset_version``, for the records).
    """
    from .. import synth
    from ..datasets.msd import MSD

    _check.choice("dataset", dataset, ("synthetic", "real"))
    if dataset == "synthetic":
        manifest = synth.generate(cfg.synth_profile, views=["msd"], data_home=data_home,
                                  verbose=verbose)
        ds = synth.load("msd", cfg.synth_profile, data_home=data_home, make=False,
                        verbose=False)  # no per-file progress bars in the book
        info = {"data_kind": "synthetic",
                "dataset": f"synthetic MSD view ({cfg.synth_profile} corpus)",
                "dataset_version": manifest["views"]["msd"]["key"]}
    else:
        ds = MSD(data_home=data_home, verbose=False)
        ds.labels  # noqa: B018 (raises MissingDataError with the expected layout)
        info = {"data_kind": "real", "dataset": "Million Song Dataset", "dataset_version": ""}
    if verbose:
        print(ds.info())
    return ds, info


@timing.phase("features")
def beat_features(ds, cfg, info, *, out=None, scheduler=None, verbose=True):
    """Beat-aligned chroma and timbre of every track, as a resumable sharded Dask job.

    :func:`mirnb.datasets.msd.write_beat_shards` writes to ``out``, default
    ``<cache>/beat_shards/<data and settings>``: a second run reads the
    shards back, an interrupted one finishes the rest. ``info`` is
    :func:`load`'s; ``scheduler`` overrides ``cfg.scheduler`` (an address,
    or ``'synchronous'`` for no Dask).

    Returns
    -------
    shards : mirnb.datasets.msd.BeatShards
    report : mirnb.datasets.msd.ShardReport
    """
    import hashlib

    from ..cache import default_root
    from ..datasets.msd import BeatShards, write_beat_shards

    if out is None:
        tag = hashlib.sha256(repr((str(ds.data_home), info["dataset"], info["dataset_version"],
                                   cfg.alignment)).encode()).hexdigest()[:12]
        out = default_root() / "beat_shards" / tag
    report = write_beat_shards(ds, out, shard_size=cfg.shard_size,
                               scheduler=cfg.scheduler if scheduler is None else scheduler,
                               n_workers=cfg.n_workers, chroma_norm="max",
                               method=cfg.alignment, verbose=verbose)
    if verbose:
        print(f"{report.n_tracks} tracks in {report.n_shards} shard(s): {report.written} "
              f"written ({report.tracks_per_second:.1f} tracks/s), {report.reused} reused; "
              f"{len(report.failed)} track(s) without features")
    return BeatShards(out), report


@timing.phase("features")
def usable(ds, shards, cfg):
    """The MSD labels of the tracks the network can read, and what was left out.

    :func:`mirnb.datasets.msd.usable_tracks` with the network's receptive
    field (:func:`mirnb.models.convdbn.min_length`) as the minimum.
    """
    from ..datasets.msd import usable_tracks
    from ..models.convdbn import min_length

    return usable_tracks(ds.labels, shards.lengths, min_length(cfg.widths))


def tasks(labels, cfg, dataset="synthetic", *, seed=0):
    """The artist, genre and key tasks, as the paper built them (Sec. 4).

    Each takes the same number of tracks of every class and splits them
    80/10/10 per class (:func:`mirnb.datasets.msd.artist_task`,
    :func:`~mirnb.datasets.msd.genre_task`, :func:`~mirnb.datasets.msd.key_task`).
    The genre vocabulary is the paper's 20 names on the real MSD and the
    corpus's 20 style families on the synthetic view, whose artists carry
    their family's name as MusicBrainz tag.

    ``labels`` are :func:`usable`'s; ``seed`` draws the tracks and the
    split. Returns ``{'genre': TaskSubset, 'artist': ..., 'key': ...}``,
    each with a ``split``.
    """
    from ..datasets import msd

    _check.choice("dataset", dataset, ("synthetic", "real"))
    if dataset == "synthetic":
        from ..synth import GENRES as vocabulary
    else:
        vocabulary = msd.DIELEMAN_GENRES
    n = dict(cfg.per_class)
    kw = {"fractions": cfg.fractions, "seed": seed}
    return {"genre": msd.genre_task(labels, vocabulary, per_class=n["genre"], **kw),
            "artist": msd.artist_task(labels, n_artists=cfg.n_artists, per_class=n["artist"],
                                      **kw),
            "key": msd.key_task(labels, per_class=n["key"], max_per_class=cfg.key_max, **kw)}


# ----------------------------------------------------------------------------
# pretraining, fine-tuning, baselines
# ----------------------------------------------------------------------------
def read(shards, ids, cfg, stats=None):
    """Chroma and timbre of ``ids`` as the network reads them.

    Timbre z-scored per track (``cfg.timbre_norm='track'``, the paper's,
    Sec. 5.2; :func:`mirnb.models.convdbn.zscore_tracks`) or standardised
    with ``stats`` (``'dataset'``); chroma as stored, each beat's maximum 1
    (``cfg.chroma_norm='max'``, the paper's), or standardised (``'dataset'``).
    ``stats``: :meth:`BeatShards.stats <mirnb.datasets.msd.BeatShards.stats>`
    of the pretraining tracks.

    Returns
    -------
    chroma, timbre : lists of np.ndarray, each (T_i, 12), float32
    """
    from ..models.convdbn import zscore_tracks

    norms = {"chroma": _check.choice("chroma_norm", cfg.chroma_norm, ("max", "dataset")),
             "timbre": _check.choice("timbre_norm", cfg.timbre_norm, ("track", "dataset"))}
    if "dataset" in norms.values() and stats is None:
        raise ParameterError("'dataset' scaling needs stats: pass shards.stats(ids) of the "
                             "pretraining tracks")
    c, t = shards.load(ids, scale={k: stats[k] for k, v in norms.items() if v == "dataset"})
    return c, (zscore_tracks(t) if norms["timbre"] == "track" else t)


@timing.phase("training")
def pretrain(shards, ids, cfg, *, seed=0, stats=None, verbose=True):
    """The convolutional DBN, trained greedily on the pretraining tracks (Sec. 5.2).

    RBM 1a on beat chroma (binary visible units, mean field; Gaussian for
    ``cfg.chroma_norm='dataset'``) and RBM 1b (Gaussian) on timbre scaled
    as ``cfg.timbre_norm`` says; RBM 3 on their pooled, concatenated hidden
    probabilities.

    ``ids`` are the pretraining tracks
    (:func:`mirnb.datasets.msd.pretraining_ids`: all but every task's
    validation and test tracks); ``stats`` are their
    :meth:`~mirnb.datasets.msd.BeatShards.stats`, for 'dataset' scaling. Returns a fitted :class:`mirnb.models.convdbn.ConvDBN`.
    """
    import itertools

    from ..models import convdbn

    t0 = time.perf_counter()
    dbn = convdbn.ConvDBN(cfg.maps, cfg.widths, learning_rates=cfg.rbm_lr,
                          sparsity_targets=cfg.sparsity_target, sparsity_cost=cfg.sparsity_cost,
                          chroma_visible="gaussian" if cfg.chroma_norm == "dataset" else
                          "bernoulli", n_iter=cfg.pretrain_passes,
                          batch_size=cfg.pretrain_batch,
                          chunk=cfg.pretrain_chunk, random_state=seed)
    if cfg.stream:
        if (cfg.timbre_norm, cfg.chroma_norm) != ("track", "max"):
            raise ParameterError("stream=True z-scores timbre per track as it streams and "
                                 "keeps the chroma as stored: use timbre_norm='track' and "
                                 "chroma_norm='max'")
        seeds = itertools.count(seed)
        dbn.fit_stream(lambda: convdbn.zscored_chunks(
            shards.batches(256, track_ids=ids, seed=next(seeds)), cfg.pretrain_chunk,
            cfg.pretrain_batch, seed=next(seeds)))
    else:
        dbn.fit(*read(shards, ids, cfg, stats))
    dbn.seconds_ = time.perf_counter() - t0
    if verbose:
        print(f"pretrained on {len(ids)} tracks in {dbn.seconds_:.1f} s")
    return dbn


def pretraining_table(dbn):
    """Each RBM's reconstruction error (first and last record) and mean hidden activation.

    A record is a pass over the tracks (``fit``) or a batch (``fit_stream``).

    Returns
    -------
    pandas.DataFrame
        One row per RBM (1a, 1b, 3), with its sparsity target beside the
        mean activation, and the mean and SD of its weights (the moments
        the paper's random control is drawn with): :func:`mirnb.models.crbm.rbm_table`.
    """
    from ..models.crbm import rbm_table

    return rbm_table({"1a": dbn.rbm_chroma_, "1b": dbn.rbm_timbre_, "3": dbn.rbm_top_})


def _parts(shards, task, cfg=None, stats=None):
    """``{'train'|'valid'|'test': (chroma, timbre, y)}`` of one task: as the network reads
    them (:func:`read`), or as stored with ``cfg=None``."""
    out = {}
    for part in ("train", "valid", "test"):
        ids = list(task.split[part])
        c, t = shards.load(ids) if cfg is None else read(shards, ids, cfg, stats)
        out[part] = (c, t, task.targets(part))
    return out


def finetune(dbn, parts, n_classes, cfg, *, init, learning_rate, seed=0):
    """Train the convolutional MLP on one task; accuracy after every epoch.

    Parameters
    ----------
    dbn : ConvDBN
        Pretrained: copied in (``init='pretrained'``), or the moments its
        weights are drawn from (``init='random'``, the paper's control), or
        only its sizes (``init='glorot'``, ours).
    parts : dict
        ``{'train'|'valid'|'test': (chroma, timbre, y)}``, scaled as for
        pretraining (:func:`read`).
    n_classes : int
    cfg : Config
    init : {'pretrained', 'random', 'glorot'}
    learning_rate : float
    seed : int

    Returns
    -------
    curve : pandas.DataFrame
        One row per epoch: ``epoch``, ``loss``, ``val_accuracy``,
        ``val_nll``, ``test_accuracy``, ``test_nll``.
    test_pred : np.ndarray, shape (n_test,)
        Class index predicted for each test track after the last epoch.
    """
    import keras

    from ..models import convdbn

    _check.choice("init", init, tuple(_NET))
    if init == "glorot":  # the architecture of the dbn, none of its weights
        model = convdbn.build_conv_mlp(n_classes, maps=dbn.maps, widths=dbn.widths,
                                       init="random", n_chroma=dbn.rbm_chroma_.n_features_in_,
                                       n_timbre=dbn.rbm_timbre_.n_features_in_,
                                       random_state=seed)
    else:
        model = convdbn.build_conv_mlp(n_classes, dbn=dbn, init=init, random_state=seed)
    hist = convdbn.fit_conv_mlp(model, parts["train"], parts["valid"], test=parts["test"],
                             epochs=cfg.epochs, learning_rate=learning_rate,
                             batch_size=cfg.batch_size, random_state=seed)
    c, t, _ = parts["test"]
    pred = np.argmax(convdbn.track_posteriors(model, c, t), axis=1)
    keras.backend.clear_session()
    df = pd.DataFrame(hist)
    df.insert(0, "epoch", np.arange(1, len(df) + 1))
    return df, pred


@dataclass
class Run:
    """Everything the chapter's runs produced, over seeds.

    Attributes
    ----------
    curves : pandas.DataFrame
        One row per network (seed, task, init, learning rate) and epoch:
        ``loss``, ``val_accuracy``, ``val_nll``, ``test_accuracy``,
        ``test_nll``.
    baselines : pandas.DataFrame
        One row per (seed, task, method, learning rate): ``val_accuracy``,
        ``test_accuracy``.
    predictions : dict
        (seed, task, method, learning rate) -> test predictions (class
        indices, in the order of the task's test tracks); naive Bayes's
        rate is None, a network's are after its last epoch.
    tasks, dbns, n_pretrain : dict
        Seed -> the tasks (:func:`tasks`), the pretrained DBN, the number
        of pretraining tracks.
    seconds : dict
        Wall time of each stage, summed over seeds.
    cfg : Config
    """

    curves: pd.DataFrame
    baselines: pd.DataFrame
    predictions: dict
    tasks: dict
    dbns: dict
    n_pretrain: dict
    seconds: dict
    cfg: Config


@timing.phase("training")
def run(shards, labels, cfg, dataset="synthetic", *, seed=0, verbose=True):
    """Table 1's experiments for ``cfg.seeds`` seeds: tasks, pretraining, fine-tuning, baselines.

    Seed ``seed + i`` draws the tasks' tracks and splits, the pretraining
    chunks, the random-init control and the order of the tracks. For each
    task both networks (pretrained, moment-matched random init) run every
    rate of ``cfg.learning_rates`` for ``cfg.epochs`` epochs, scored on
    validation and test after every epoch; :func:`table1` picks the rate on
    validation at each epoch of ``cfg.report_epochs``, as the paper did. The baselines
    (Sec. 6: naive Bayes, and windowed logistic regression at every rate of
    ``cfg.lr_learning_rates``) are :func:`mirnb.models.beat_baselines.fit_baselines` on
    ``cfg.window``-beat windows of the stored chroma and timbre, standardised with the
    training windows' statistics.

    Returns
    -------
    Run
    """
    from ..datasets import msd
    from ..models.beat_baselines import fit_baselines

    curves, base, preds, task_sets, dbns, n_pre = [], [], {}, {}, {}, {}
    seconds = {"pretraining": 0.0, "fine-tuning": 0.0, "baselines": 0.0}
    for i in range(_check.positive_int("seeds", cfg.seeds)):
        s = seed + i
        task_sets[s] = tasks(labels, cfg, dataset, seed=s)
        pre = msd.pretraining_ids(list(labels.index), list(task_sets[s].values()))
        n_pre[s] = len(pre)
        stats = shards.stats(pre) if "dataset" in (cfg.timbre_norm, cfg.chroma_norm) else None
        t0 = time.perf_counter()
        dbns[s] = pretrain(shards, pre, cfg, seed=s, stats=stats, verbose=verbose)
        seconds["pretraining"] += time.perf_counter() - t0
        for name, task in task_sets[s].items():
            parts = _parts(shards, task, cfg, stats)
            t0 = time.perf_counter()
            for init in cfg.inits:
                for lr in cfg.learning_rates:
                    df, preds[s, name, _NET[init], lr] = finetune(
                        dbns[s], parts, len(task.classes), cfg, init=init, learning_rate=lr,
                        seed=s)
                    curves.append(df.assign(seed=s, task=name, init=init, learning_rate=lr))
                    if verbose:
                        print(f"seed {s}, {name}, {init}, lr {lr:g}: val accuracy "
                              f"{df['val_accuracy'].iloc[-1]:.3f} after {len(df)} epochs",
                              flush=True)
            seconds["fine-tuning"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            b = fit_baselines(_parts(shards, task), width=cfg.window, hop=cfg.window_hop,
                              learning_rates=cfg.lr_learning_rates, epochs=cfg.lr_epochs,
                              seed=s)
            for _, r in b.iterrows():
                lr = None if np.isnan(r["learning_rate"]) else r["learning_rate"]
                preds[s, name, r["method"], lr] = r["test_pred"]
            base.append(b.drop(columns="test_pred").assign(seed=s, task=name))
            seconds["baselines"] += time.perf_counter() - t0
    return Run(pd.concat(curves, ignore_index=True), pd.concat(base, ignore_index=True),
               preds, task_sets, dbns, n_pre, seconds, cfg)


_NET = {"random": "conv. MLP without pretraining", "pretrained": "conv. MLP with pretraining",
        "glorot": GLOROT}


def selected(res):
    """Each method's test accuracy at its validation-chosen rate, per seed and task.

    The networks are read at every epoch of ``cfg.report_epochs`` (the rate
    chosen anew at each, as Table 1 does); the baselines after their
    ``cfg.lr_epochs`` epochs, listed under the last report epoch.

    Returns
    -------
    pandas.DataFrame
        Columns ``epochs``, ``method``, ``task``, ``seed``,
        ``learning_rate``, ``val_accuracy``, ``test_accuracy``.
    """
    nets = pd.concat([best_on_validation(res.curves[res.curves["epoch"] == e],
                                         ["seed", "task", "init"]).assign(epochs=e)
                      for e in res.cfg.report_epochs])
    base = best_on_validation(res.baselines, ["seed", "task", "method"])
    out = pd.concat([nets.assign(method=nets["init"].map(_NET)),
                     base.assign(epochs=max(res.cfg.report_epochs))], ignore_index=True)
    return out[["epochs", "method", "task", "seed", "learning_rate", "val_accuracy",
                "test_accuracy"]]


@timing.phase("evaluation")
def table1(res):
    """Table 1, ours beside the paper's: test accuracy per method, task and epoch count.

    Ours is the mean ± SD over seeds of the test accuracy (in percent, as
    the paper prints it) at the rate chosen on validation (the most frequent
    choice in parentheses); the paper's cell is its printed value with its
    rate.

    Returns
    -------
    pandas.DataFrame
        Rows (epochs, method); for each task two columns, ``'<task> (ours)'``
        and ``'<task> (paper)'``.
    """
    sel = selected(res)
    paper = paper_cells()
    rows = {}
    for (epochs, method), g in sel.groupby(["epochs", "method"], sort=False):
        row = {}
        for task in TASKS:
            v = g[g["task"] == task]
            if len(v):
                lr = v["learning_rate"].mode()
                lr_txt = "" if lr.isna().all() or not len(lr) else f" ({lr.iloc[0]:g})"
                row[f"{task} (ours)"] = plus_minus(*mean_sd(100 * v["test_accuracy"]),
                                                   digits=1) + lr_txt
            else:
                row[f"{task} (ours)"] = "—"
            key = (epochs, method)
            row[f"{task} (paper)"] = paper.loc[key, task] if key in paper.index else "—"
        rows[(epochs, method)] = row
    df = pd.DataFrame.from_dict(rows, orient="index").rename_axis(["epochs", "method"])
    order = [(e, m) for e in sorted(res.cfg.report_epochs, reverse=True)
             for m in METHODS + (GLOROT,)]
    df = df.loc[[k for k in order if k in df.index]]
    df.attrs["caption"] = ("Test accuracy (%): ours, mean ± SD over seeds at the rate chosen "
                           "on validation (most frequent rate); the paper's Table 1 with its "
                           "rate. Paper numbers are on the real MSD.")
    return df


@timing.phase("evaluation")
def convergence(res, *, early=None):
    """How fast each network learns: validation accuracy over the first epochs.

    The paper's firm claim is that pretraining speeds convergence (Sec. 7);
    it prints no curve. Here, per task and seed, the mean validation
    accuracy over the first ``early`` epochs (the area under the curve,
    divided by its length) of each network at its chosen rate.

    Parameters
    ----------
    res : Run
    early : int or None
        Epochs counted; default a third of ``cfg.epochs`` (10 of the
        paper's 30).

    Returns
    -------
    pandas.DataFrame
        Rows (task, seed); a column per network (``random``,
        ``pretrained``, and ``glorot`` when run), ``pretrained - random``
        and, with ``glorot``, ``pretrained - glorot``.
    """
    early = max(1, res.cfg.epochs // 3) if early is None else _check.positive_int("early",
                                                                                  early)
    c = chosen_curves(res.curves, ["seed", "task", "init"], epoch=max(res.cfg.report_epochs))
    c = c[c["epoch"] <= early]
    df = c.pivot_table(index=["task", "seed"], columns="init", values="val_accuracy",
                       aggfunc="mean")
    df["pretrained - random"] = df["pretrained"] - df["random"]
    if "glorot" in df.columns:
        df["pretrained - glorot"] = df["pretrained"] - df["glorot"]
    df.attrs["early"] = early
    return df


def plot_convergence(res, *, axes=None):
    """Validation accuracy per epoch, pretrained against random init, per task.

    Mean over seeds (line) and its range (band), each network at the rate
    chosen on validation at the last report epoch; chance dotted.
    """
    from ..plotting import curve_bands

    c = chosen_curves(res.curves, ["seed", "task", "init"], epoch=max(res.cfg.report_epochs))
    c = c.assign(method=c["init"].map(_NET))
    tasks_ = next(iter(res.tasks.values()))
    return curve_bands(c, x="epoch", y="val_accuracy", line="method", panel="task",
                       panels=[t for t in TASKS if t in set(c["task"])],
                       chance={t: 1 / len(tasks_[t].classes) for t in tasks_},
                       ylabel="validation accuracy", axes=axes)


@timing.phase("features")
def example_track(ds, path=None):
    """A track to compare the alignment methods on.

    Parameters
    ----------
    ds : MSD
    path : str, Path or None
        A real MSD file (e.g. one of yours); default: the track of ``ds``
        on which MSongsDB's original alignment zeroes or loses the most
        beats, so that its edge cases show.

    Returns
    -------
    record : MSDRecord
    name : str
    """
    from .. import analysis
    from ..datasets.msd import read_h5

    if path is not None:
        return read_h5(path), str(path)
    worst = max((ds.track(t).record() for t in ds.track_ids), key=analysis.lost_beats)
    return worst, f"synthetic track {worst['track_id']}"


@timing.phase("evaluation")
def records(res, info, *, profile, seed=0):
    """One :class:`mirnb.results.Result` per (epochs, method, task): mean and SD over seeds."""
    sel = selected(res)
    out = []
    for (epochs, method, task), g in sel.groupby(["epochs", "method", "task"], sort=False):
        n = next((p for p in PAPER if p.row == f"{method}, {task}, {epochs} epochs"), None)
        out.append(result_from_seeds(
            g["test_accuracy"].to_numpy(), seeds=[int(s) for s in sorted(g["seed"])],
            chapter="dieleman2011", experiment=f"Table 1: {task}, {epochs} epochs",
            method=method, metric="Accuracy", dataset=info["dataset"],
            data_kind=info["data_kind"], dataset_version=info["dataset_version"],
            split=f"{task} task, 80/10/10 per class, rate chosen on validation",
            profile=profile, config=res.cfg, paper_value=None if n is None else n.value,
            paper_ref=f"{_P}, Table 1", extra={"learning_rates": g["learning_rate"].tolist()}))
    return out


@timing.phase("evaluation")
def key_truth_table(res, ds):
    """Key accuracy against the analysed keys (the labels) and the rendered ones (synthetic only).

    The labels are :mod:`mirnb.analysis`'s estimates, as the MSD's are the
    Echo Nest's (Sec. 4); ``synth_labels.csv`` holds the key each track was
    rendered in. One row per method: its test predictions (chosen rate,
    last epoch, pooled over seeds) scored both ways, and the share of test
    tracks whose analysed key is the rendered one.
    """
    truth = pd.read_csv(ds.root / "synth_labels.csv", index_col="track_id")["key"]
    last = max(res.cfg.report_epochs)
    sel = selected(res)
    sel = sel[(sel["task"] == "key") & (sel["epochs"] == last)]
    rows = {}
    for _, r in sel.iterrows():
        task = res.tasks[r["seed"]]["key"]
        ids = list(task.split["test"])
        classes = task.classes
        lr = None if np.isnan(r["learning_rate"]) else r["learning_rate"]
        pred = res.predictions[r["seed"], "key", r["method"], lr]
        keys = np.asarray(classes)[pred]
        labelled = np.asarray(classes)[task.targets("test")]
        rendered = truth.loc[ids].to_numpy()
        acc = rows.setdefault(r["method"], {"tracks": 0, "analysed": 0, "rendered": 0,
                                            "labels right": 0})
        acc["tracks"] += len(ids)
        acc["analysed"] += int(np.sum(keys == labelled))
        acc["rendered"] += int(np.sum(keys == rendered))
        acc["labels right"] += int(np.sum(labelled == rendered))
    df = pd.DataFrame(rows).T
    out = pd.DataFrame({"tracks": df["tracks"].astype(int),
                        "accuracy (analysed key)": df["analysed"] / df["tracks"],
                        "accuracy (rendered key)": df["rendered"] / df["tracks"],
                        "analysed key = rendered key": df["labels right"] / df["tracks"]})
    return out.loc[[m for m in METHODS + (GLOROT,) if m in out.index]]


@timing.phase("evaluation")
def verdict(res, *, data_kind="synthetic"):
    """The paper's claims (Sec. 7) against ours, as Markdown, computed from the runs.

    A difference "shows" when its mean over seeds exceeds its SD over seeds
    (with one seed, only its sign is reported).
    """
    _check.choice("data_kind", data_kind, ("synthetic", "real"))
    sel = selected(res)
    last = max(res.cfg.report_epochs)
    acc = sel[sel["epochs"] == last].pivot_table(index=["task", "seed"], columns="method",
                                                 values="test_accuracy")

    def gap(task, a, b):
        if task not in acc.index.get_level_values(0) or not {a, b} <= set(acc.columns):
            return None
        d = acc.loc[task, a] - acc.loc[task, b]
        m, sd = mean_sd(d)
        word = ("shows it" if np.isfinite(sd) and m > sd else
                "shows the opposite" if np.isfinite(sd) and m < -sd else
                "no difference beyond the spread" if np.isfinite(sd) else
                "one seed: " + ("ahead" if m > 0 else "behind or equal"))
        return f"{plus_minus(m, sd)} ({word})"

    nb, lr, rnd, pre = METHODS
    lines = []
    for task in ("genre", "artist"):
        parts = [f"{name} {gap(task, a, b)}" for name, a, b in
                 (("LR − NB", lr, nb), ("conv − LR", pre, lr), ("conv (random init) − LR", rnd,
                                                                lr)) if gap(task, a, b)]
        lines.append(f"- **The convolutional network beats the baselines on {task}** "
                     f"(paper: NB < LR < conv). Ours, test accuracy differences at epoch "
                     f"{last}: " + "; ".join(parts) + ".")
    if "key" in acc.index.get_level_values(0):
        chance = 1 / len(next(iter(res.tasks.values()))["key"].classes)
        k = acc.loc["key"].mean()
        lines.append(f"- **Key detection is easy, every method far above chance** (paper: "
                     f"73.7-86.5 % against 8.3 %). Ours, chance {chance:.3f}: "
                     + ", ".join(f"{m} {v:.3f}" for m, v in k.items()) + ".")
    lines.append(f"- **Pretraining improves accuracy on the artist task** (paper: +1.4 "
                 f"points at 30 epochs). Ours, pretrained − random at epoch {last}: "
                 f"{gap('artist', pre, rnd)}.")
    curves = res.curves[res.curves["init"] == "random"]
    chance = {t: 1 / len(ts.classes) for ts_ in res.tasks.values() for t, ts in ts_.items()}
    stuck = (len(curves) > 0 and bool(chance) and all(
        g["val_accuracy"].max() <= chance[t] + 1e-9 for t, g in curves.groupby("task")))
    if stuck:
        lines.append("- **The paper's control did not learn at all here**: the network "
                     "drawn with the mean and variance of the DBN's weights stayed at chance "
                     "on validation in every epoch, task and seed, so the pretrained − "
                     "random gaps above measure a dead start, not what pretraining adds.")
    if GLOROT in acc.columns:
        parts = [f"{t} {gap(t, pre, GLOROT)}" for t in TASKS if gap(t, pre, GLOROT)]
        lines.append(f"- **Against an ordinary random start (ours, not in the paper)**: "
                     f"pretrained − Glorot-initialised at epoch {last}: " + "; ".join(parts)
                     + ".")
    conv = convergence(res)
    d = conv["pretrained - random"]
    present = [t for t in TASKS if t in d.index.get_level_values(0)]
    moments = {t: mean_sd(d.loc[t]) for t in present}
    # ahead: the mean gap exceeds its SD over seeds (one seed: its sign)
    ahead = [t for t, (m, sd) in moments.items() if m > (sd if np.isfinite(sd) else 0)]
    per_task = "; ".join(f"{t} {plus_minus(*moments[t])}" for t in present)
    lines.append(f"- **Pretraining speeds convergence** (the paper's firm claim, from the "
                 f"20-epoch rows). Ours, mean validation accuracy over the first "
                 f"{conv.attrs['early']} epochs, pretrained − random: {per_task}; ahead "
                 f"by more than the spread over seeds on {len(ahead)} of {len(present)} "
                 f"tasks" + (f" ({', '.join(ahead)})." if ahead else "."))
    if "pretrained - glorot" in conv.columns:
        g = conv["pretrained - glorot"]
        lines[-1] += (" Pretrained − Glorot-initialised (ours): " + "; ".join(
            f"{t} {plus_minus(*mean_sd(g.loc[t]))}" for t in present) + ".")
    lines.append(f"\nAll of ours are on {data_kind} data ({res.cfg.seeds} seed(s)); the "
                 "paper's are single runs on the real MSD.")
    return "\n".join(lines)
