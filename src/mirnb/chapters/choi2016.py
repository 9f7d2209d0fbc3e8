"""Chapter choi2016: fully convolutional taggers (Choi, Fazekas & Sandler 2016).

Two experiments, as in the paper:

- **Experiment I** (MagnaTagATune, top 50 tags; Tables 3 and 4): FCN-3, 4
  and 5 on the log-mel spectrogram, FCN-4 on the STFT and the MFCC network;
  beside them an MFCC-statistics baseline (ours).
- **Experiment II** (MSD previews with last.fm tags; Table 5, Figure 3):
  FCN-3 to FCN-7 on more data.

The models are :mod:`mirnb.models.fcn`, the training loop
:mod:`mirnb.training` (Adam, binary cross-entropy, early stopping on the
validation ROC-AUC, checkpoints and resume). This module holds the config
and its profiles, the paper's numbers, the steps the notebook calls and the
computed verdict.

The notebook is ``notebooks/05_choi2016.py``; the tests are
``tests/chapters/test_choi2016.py``.

References
----------
.. [1] Choi, K., Fazekas, G. & Sandler, M. (2016). Automatic tagging using
   deep convolutional neural networks. ISMIR (Sec. 4: the FCNs, Tables 1
   and 2; Sec. 3: ROC-AUC; Sec. 5.1: Adam and binary cross-entropy, the
   front end; Sec. 5.2-5.3: Tables 3-5).
"""

import dataclasses
import logging
import re
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _check, checkpoints, features, layers, metrics, plotting, timing, training
from ..errors import ParameterError
from ..models import baselines, fcn
from ..results import Result, results_table
from . import PROFILES, PaperNumber, make_config, paper_number

__all__ = ["NOTEBOOK", "Config", "config", "PAPER", "setup", "paper_models", "load",
           "input_feature", "make_inputs", "front_end_check", "throughput",
           "experiment_i", "baseline", "experiment_ii", "save_model", "experiment_table",
           "inputs_summary", "plot_experiment", "plot_tag_auc", "table4", "show_clips",
           "verdict"]

NOTEBOOK = "notebooks/05_choi2016.py"


@dataclass(frozen=True)
class Config:
    """Settings of the ``choi2016`` chapter.

    The defaults are the ``paper`` profile: Choi, Fazekas & Sandler's (2016)
    values where the paper gives them (marked *paper*), the authors'
    public code where only it does (*code*), and the book's choice
    otherwise (*ours*). The ``default`` profile shrinks the input and the
    models to fit a 2-core CPU; ``smoke`` runs in seconds.

    Attributes
    ----------
    synth_profile : str
        Synthetic corpus for the smoke and default profiles.
    synth_view_i, synth_view_ii : str
        Synthetic views of Experiment I (MTAT layout) and Experiment II (the
        larger tagging view in the MTAT layout).
    n_tags : int
        The most frequent tags predicted (*paper*: 50).
    sr : int
        Sample rate of the front end (*paper*: 12 kHz).
    duration : float or None
        Seconds loaded per clip. *paper*: 29.1 s; 1366 frames at hop 256
        need 29.12 s, the value of the authors' code (*code*). None loads
        whole clips (the synthetic ones are shorter).
    n_fft, hop_length, n_mels : int
        512 (*code*; the paper's text says a 256-point FFT), hop 256 and 96 mel
        bands (*paper*): the log-amplitude mel spectrogram. The STFT input
        keeps all 257 bins of the 512-point frames (*ours*; the paper implies
        129 bins, the authors' slides say 128).
    stft_n_fft : int
        FFT size of the STFT input: 256 (*paper*, Sec. 5.1: 129 bins; the
        authors' slides say 128 bins). The ``default`` profile keeps the 257
        bins of 512-point frames (*ours*). The FCN's frequency poolings are
        adapted to the bins (:func:`mirnb.models.fcn.fcn_pools`; the paper
        says only that they differ slightly).
    top_db : float or None
        Floor of the log-amplitude inputs, in dB below each clip's peak.
        None (*ours*, the paper's reading): decibels of the power, no floor.
        The authors' code squared an already-power mel spectrogram and
        floored it 80 "doubled" dB below the peak, about 40 dB of real range:
        ``top_db=40`` is the code-faithful input.
    n_mfcc : int
        MFCCs of the MFCC input, with deltas and delta-deltas (*paper*: 30).
    mfcc_kernel : int
        Frames each layer of the MFCC network spans: 1, the paper's
        "frame-based" feed-forward network with time pooling (*paper*). The
        ``default`` profile uses 3 (*ours*). The authors' early code differed
        again (c0 dropped, first differences, fully connected layers).
    depths_i, depths_ii : tuple of int
        FCN depths of Experiment I (mel input; *paper*: 3, 4, 5) and II
        (*paper*: 3 to 7).
    width : float
        Multiplier of every layer's feature maps (*paper*: 1).
    dropout : float
        After every pooling (*paper*: 0.5).
    learning_rate : float
        Adam's step size (*ours*: Keras's default; the paper names Adam only).
    batch_size : int
        (*ours*; the paper does not give it.)
    max_epochs, patience : int
        The epoch budget and the patience of early stopping on the validation
        ROC-AUC; the best validation epoch is kept. The paper gives no
        stopping rule (FCN-6 and FCN-7 were "still making small improvements
        at the end of the training", Sec. 5.3), so the ``paper`` profile
        trains a fixed budget of 200 epochs with a patience as long (*ours*);
        the smaller profiles stop early (*ours*).
    front_end : {'precomputed', 'device'}
        Log-mel computed on the CPU and cached, or inside the model on the
        accelerator (:class:`mirnb.layers.LogMelSpectrogram`).
    mixed_precision : bool
        float16 compute on a GPU (*ours*; ignored on a CPU).
    checkpoints : bool
        Checkpoint every epoch under ``<data_home>/mirnb_runs/choi2016/`` and
        resume an interrupted run from there (*ours*; on for the long paper
        runs).
    baseline_n_mfcc, baseline_C : int, float
        The MFCC-statistics logistic-regression baseline (*ours*).
    n_show : int
        Test clips shown with their predicted tags.
    """

    synth_profile: str = "default"
    synth_view_i: str = "mtat"
    synth_view_ii: str = "mtat_large"
    n_tags: int = 50
    sr: int = 12000
    duration: float = 29.12
    n_fft: int = 512
    hop_length: int = 256
    n_mels: int = 96
    stft_n_fft: int = 256
    top_db: float = None
    n_mfcc: int = 30
    mfcc_kernel: int = 1
    depths_i: tuple = (3, 4, 5)
    depths_ii: tuple = (3, 4, 5, 6, 7)
    width: float = 1.0
    dropout: float = 0.5
    learning_rate: float = 0.001
    batch_size: int = 32
    max_epochs: int = 200
    patience: int = 200
    front_end: str = "precomputed"
    mixed_precision: bool = False
    checkpoints: bool = True
    baseline_n_mfcc: int = 20
    baseline_C: float = 1.0
    n_show: int = 3


_CHANGES = {
    # seconds on the smoke corpus: one epoch of tiny models, in one batch (the
    # smoke views have fewer than 64 training clips), so that each model
    # traces one training step
    "smoke": dict(synth_profile="smoke", duration=None, hop_length=512, n_mels=32,
                  stft_n_fft=512, mfcc_kernel=3,
                  n_tags=20, depths_i=(4,), depths_ii=(7,), width=1 / 32, max_epochs=1,
                  patience=1, batch_size=64, checkpoints=False, baseline_n_mfcc=13,
                  n_show=1),
    # the synthetic default corpus on a 2-core CPU. The paper's 512-point
    # (43 ms) frames, but a hop of 1024 (a quarter of the paper's frame
    # rate; the frames no longer overlap) and 48 mel bands: a 10 s clip is
    # 48 x 118. Every layer 1/8 as wide as the paper's. At that width
    # dropout 0.5 after every pooling left FCN-4 at a validation AUC of 0.64
    # after 12 epochs, dropout 0.1 and batches of 16 at 0.76-0.78.
    "default": dict(duration=None, hop_length=1024, n_mels=48, width=1 / 8, dropout=0.1,
                    batch_size=16, max_epochs=12, patience=3, checkpoints=False,
                    stft_n_fft=512, mfcc_kernel=3),
    # the paper's data and settings
    "paper": {},
}


def config(profile="default", **overrides):
    """The chapter's :class:`Config` for ``profile`` ('smoke', 'default', 'paper')."""
    return make_config(Config, _CHANGES, profile, **overrides)


_P = "Choi et al. 2016"

#: Every number Choi et al. print for their experiments, with its table.
PAPER = (
    *(PaperNumber(_P, "Table 3", name, value, "ROC-AUC",
                  "Sec. 5.3 calls the FCN-4/FCN-5 gap 0.008; the table gives 0.004"
                  if name == "FCN-5 (mel)" else "")
      for name, value in (("FCN-3 (mel)", 0.852), ("FCN-4 (mel)", 0.894),
                          ("FCN-5 (mel)", 0.890), ("FCN-4 (STFT)", 0.846),
                          ("MFCC network", 0.862))),
    PaperNumber(_P, "Table 4", "The proposed system, FCN-4", 0.894, "ROC-AUC"),
    PaperNumber(_P, "Table 4", "2015, Bag of features and RBM [18]", 0.888, "ROC-AUC",
                "Nam et al. 2015"),
    PaperNumber(_P, "Table 4", "2014, 1D convolutions [6]", 0.882, "ROC-AUC",
                "Dieleman & Schrauwen 2014"),
    PaperNumber(_P, "Table 4", "2014, Transferred learning [28]", 0.88, "ROC-AUC",
                "van den Oord et al. 2014; printed with two decimals"),
    PaperNumber(_P, "Table 4", "2012, Multi-scale approach [5]", 0.898, "ROC-AUC",
                "printed as 2012, but its reference [5] is Dieleman & Schrauwen, ISMIR 2013"),
    PaperNumber(_P, "Table 4", "2011, Pooling MFCC [8]", 0.861, "ROC-AUC", "Hamel et al. 2011"),
    *(PaperNumber(_P, "Table 5", f"FCN-{d}", value, "ROC-AUC")
      for d, value in ((3, 0.786), (4, 0.808), (5, 0.848), (6, 0.851), (7, 0.845))),
)


def _paper(table, row):
    return paper_number(PAPER, table, row)


# ----------------------------------------------------------------------------
# setup
# ----------------------------------------------------------------------------
def setup(profile, *, experiment="all", depth=None, dataset=None, front_end=None,
          mixed_precision=None, verbose=True):
    """The config and the plan of one run, from the notebook's parameters.

    Parameters
    ----------
    profile : {'smoke', 'default', 'paper'}
    experiment : {'all', 'I', 'II'}
    depth : int in 3..7 or None
        Run only this FCN depth (None: every depth of the experiment).
        Experiment I's STFT and MFCC variants are FCN-4 variants: they run
        when ``depth`` is None or 4.
    dataset : {'synthetic', 'real'} or None
        None: real data for the ``paper`` profile, synthetic otherwise.
    front_end : {'precomputed', 'device'} or None
        None: the profile's.
    mixed_precision : bool or None
        None: the profile's.
    verbose : bool
        Print the backend, the device and the plan.

    Returns
    -------
    cfg : Config
    plan : dict
        ``experiments`` (list), ``depths_i``, ``depths_ii``, ``variants``
        (bool), ``real`` (bool), ``profile``.
    """
    import keras

    _check.choice("profile", profile, PROFILES)
    cfg = config(profile)
    exps = {"all": ["I", "II"], "I": ["I"], "II": ["II"]}
    _check.choice("experiment", experiment, tuple(exps))
    depths = sorted(set(cfg.depths_i) | set(cfg.depths_ii))
    if depth is not None and (isinstance(depth, bool) or depth not in depths):
        raise ParameterError(f"depth={depth!r}: expected None or one of {depths}")
    _check.choice("dataset", dataset, (None, "synthetic", "real"))
    _check.choice("front_end", front_end, (None, "precomputed", "device"))
    cfg = dataclasses.replace(
        cfg, front_end=cfg.front_end if front_end is None else front_end,
        mixed_precision=cfg.mixed_precision if mixed_precision is None
        else bool(mixed_precision))
    plan = {"experiments": exps[experiment],
            "depths_i": [d for d in cfg.depths_i if depth in (None, d)],
            "depths_ii": [d for d in cfg.depths_ii if depth in (None, d)],
            "variants": depth in (None, 4),
            "real": profile == "paper" if dataset is None else dataset == "real",
            "profile": profile}
    plan["experiments"] = [e for e in plan["experiments"]
                           if plan["depths_i" if e == "I" else "depths_ii"]
                           or (e == "I" and plan["variants"])]
    if not plan["experiments"]:
        raise ParameterError(f"depth={depth!r} is in no experiment asked for "
                             f"(experiment={experiment!r}: depths {list(cfg.depths_i)} "
                             f"in I, {list(cfg.depths_ii)} in II)")
    # TensorFlow warns when ten models in one process each trace their own
    # functions; that is expected here.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    policy = training.set_mixed_precision(cfg.mixed_precision)
    if verbose:
        print(f"Keras {keras.__version__} on {keras.backend.backend()}, GPU: "
              f"{training.gpu_available()}, dtype policy: {policy}")
        print(plan)
    return cfg, plan


@timing.phase("evaluation")
def paper_models():
    """The paper-sized FCN-3 to FCN-7, each as a layer table (Tables 1 and 2).

    Returns
    -------
    dict
        ``{depth: DataFrame}`` of :func:`mirnb.models.fcn.layer_table`;
        ``attrs['params']`` holds the parameter count.
    """
    import keras

    tables = {d: fcn.layer_table(fcn.build_fcn(d)) for d in sorted(fcn.ARCHITECTURES)}
    keras.backend.clear_session()
    return tables


# ----------------------------------------------------------------------------
# data and inputs
# ----------------------------------------------------------------------------
@dataclass
class Data:
    """The datasets of the planned experiments, their splits and tags.

    Attributes
    ----------
    sets, splits, tags, Y, describe, versions : dict
        By experiment (``'I'``, ``'II'``): the Dataset, its train / valid /
        test split, the tags predicted, the binary clip x tag matrix, the
        dataset's description and version for the results records.
    data_kind : {'synthetic', 'real'}
    runs_dir : Path
        Where checkpoints and arrays of this profile go.
    """

    sets: dict
    splits: dict
    tags: dict
    Y: dict
    describe: dict
    versions: dict
    data_kind: str
    runs_dir: object

    def summary(self):
        """One row per experiment: dataset, clips, tags and split sizes."""
        return pd.DataFrame({e: {"dataset": self.describe[e], "clips": len(ds),
                                 "tags predicted": len(self.tags[e]),
                                 **{p: len(ids) for p, ids in self.splits[e].items()}}
                             for e, ds in self.sets.items()}).T


@timing.phase("features")
def load(cfg, plan, *, data_home=None, verbose=True):
    """The datasets of the planned experiments.

    Experiment I uses MagnaTagATune's folder split (folders 0-b train, c
    valid, d-f test); Experiment II the MSD previews' split files on real
    data, and the folder split of the larger synthetic tagging view.

    Returns
    -------
    Data
    """
    from .. import synth
    from ..datasets import core
    from ..datasets.msd_previews import MSDPreviews
    from ..datasets.mtat import MTAT

    real = {"I": lambda: MTAT(data_home), "II": lambda: MSDPreviews(data_home)}
    split_name = {"I": "folder", "II": "files" if plan["real"] else "folder"}
    views = {"I": cfg.synth_view_i, "II": cfg.synth_view_ii}
    sets, splits, tags, Y, describe, versions = {}, {}, {}, {}, {}, {}
    for e in plan["experiments"]:
        if plan["real"]:
            ds = real[e]()
            describe[e], versions[e] = f"{type(ds).__name__} {ds.root.name}", ""
        else:
            ds = synth.load(views[e], cfg.synth_profile, data_home=data_home,
                            verbose=verbose)
            describe[e] = f"synthetic {ds.root.name} view, {cfg.synth_profile} corpus"
            versions[e] = synth.generate(cfg.synth_profile, views=[views[e]],
                                         data_home=data_home,
                                         verbose=False)["views"][views[e]]["key"]
        sets[e] = ds
        splits[e] = ds.splits(split_name[e])
        tags[e] = ds.top_tags(min(cfg.n_tags, len(ds.tag_names)))
        Y[e] = ds.tag_matrix(tags=tags[e]).astype(int)
    runs_dir = core.data_home(data_home) / "mirnb_runs" / "choi2016" / plan["profile"]
    return Data(sets, splits, tags, Y, describe, versions,
                "real" if plan["real"] else "synthetic", runs_dir)


def input_feature(kind, cfg):
    """``(func, params)``: the feature of input ``kind`` ('mel', 'stft', 'mfcc') for
    :func:`mirnb.features.extract`, with its parameters from ``cfg``.

    ``func`` is a feature name, or :func:`mirnb.features.waveform` with
    ``front_end='device'`` (the model computes the spectrogram).
    """
    if kind == "mfcc":
        return "mfcc_with_deltas", dict(n_mfcc=cfg.n_mfcc, n_fft=cfg.n_fft,
                                        hop_length=cfg.hop_length, n_mels=cfg.n_mels)
    if cfg.front_end == "device":
        return features.waveform, {}
    floor = {} if cfg.top_db is None else {"top_db": cfg.top_db}
    if kind == "mel":
        return "log_mel", dict(n_fft=cfg.n_fft, hop_length=cfg.hop_length, n_mels=cfg.n_mels,
                               **floor)
    return "log_stft", dict(n_fft=cfg.stft_n_fft, hop_length=cfg.hop_length, **floor)


@timing.phase("features")
def make_inputs(data, cfg, plan, *, verbose=True):
    """Every network input of the run, computed once per clip, in parallel and cached.

    The mel spectrogram for each experiment; for Experiment I also the STFT
    and the MFCCs with deltas when the variants run. With
    ``front_end='device'`` the audio itself (the model computes its
    spectrogram). Skipped clips are reported.

    Returns
    -------
    dict
        ``{(experiment, kind): mirnb.training.TaggingData}``.
    """
    t0 = time.perf_counter()
    arrays_dir = data.runs_dir / "arrays" if plan["real"] else None
    inputs = {}
    for e, ds in data.sets.items():
        tracks = [ds.track(t) for t in ds.track_ids]
        kinds = ["mel"] + (["stft", "mfcc"] if e == "I" and plan["variants"] else [])
        for kind in kinds:
            func, kw = input_feature(kind, cfg)
            path = (None if arrays_dir is None
                    else arrays_dir / f"{e}-{kind}-{cfg.front_end}.npy")
            X, ids, skipped = features.extract_stacked(
                tracks, func, sr=cfg.sr, duration=cfg.duration, path=path, verbose=verbose,
                **kw)
            if skipped:
                print(f"Experiment {e}, {kind}: skipped {len(skipped)} clips: "
                      f"{[(s.track_id, s.reason) for s in skipped[:5]]}")
            inputs[e, kind] = training.TaggingData.from_split(X, ids, data.Y[e],
                                                              data.splits[e])
    if verbose:
        print(f"inputs ready in {time.perf_counter() - t0:.1f} s")
    return inputs


@timing.phase("features")
def inputs_summary(inputs):
    """One row per input: the shape of one clip and the clips per part."""
    return pd.DataFrame({f"{e} {k}": {"shape per clip": " x ".join(map(str, d.input_shape)),
                                      **d.counts()} for (e, k), d in inputs.items()}).T


def _front_layer(cfg, kind="mel"):
    """The on-device front end of an input kind: log-mel, or the STFT (``n_mels=None``)."""
    if kind == "stft":
        return layers.LogMelSpectrogram(sr=cfg.sr, n_fft=cfg.stft_n_fft,
                                        hop_length=cfg.hop_length, n_mels=None,
                                        top_db=cfg.top_db)
    return layers.LogMelSpectrogram(sr=cfg.sr, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
                                    n_mels=cfg.n_mels, top_db=cfg.top_db)


@timing.phase("features")
def front_end_check(data, cfg, *, ax=None):
    """One clip's log-mel input from librosa and from ``layers.LogMelSpectrogram``.

    Draws the librosa spectrogram on ``ax`` and returns the largest
    absolute difference between the two, in dB.

    Returns
    -------
    max_diff : float
    ax : matplotlib.axes.Axes
    """
    ds = next(iter(data.sets.values()))
    clip = ds.track(ds.track_ids[0])
    y, _ = clip.audio(sr=cfg.sr, duration=cfg.duration)
    S_cpu = features.log_mel(y, sr=cfg.sr, **input_feature("mel", dataclasses.replace(
        cfg, front_end="precomputed"))[1])
    S_dev = np.asarray(_front_layer(cfg)(y[None]))[0, :, :, 0]
    diff = float(np.abs(S_cpu - S_dev).max())
    ax = plotting.specshow(S_cpu, sr=cfg.sr, hop_length=cfg.hop_length, y_axis="mel", ax=ax,
                           title=f"clip {clip.track_id}: log-mel input "
                                 f"({' x '.join(map(str, S_cpu.shape))})")
    return diff, ax


def _build(kind, depth, data, cfg):
    """A builder of the network of one input kind and depth (None: the MFCC net)."""
    def build():
        if depth is None:
            return fcn.build_mfcc_net(input_shape=data.input_shape, n_tags=len(data.tags),
                                      width=cfg.width, dropout=cfg.dropout,
                                      kernel=cfg.mfcc_kernel)
        front = _front_layer(cfg, kind) if cfg.front_end == "device" else None
        return fcn.build_fcn(depth, input_shape=data.input_shape, n_tags=len(data.tags),
                             width=cfg.width, dropout=cfg.dropout, front_end=front)
    return build


@timing.phase("training")
def throughput(inputs, cfg, plan, *, seed=0):
    """Clips per second of the input pipeline against an FCN-4 training step.

    Returns
    -------
    pandas.DataFrame
        Rows ``'input pipeline (batches from memory)'`` and ``'FCN-4 training
        step'``; columns ``'clips_per_s'`` and ``'seconds'``.
    """
    import keras

    data = inputs[plan["experiments"][0], "mel"]
    probe = data.batches("train", batch_size=cfg.batch_size, shuffle=True, seed=seed)
    pipe = training.pipeline_throughput(probe, n_batches=min(len(probe), 20))
    model = training.compile_model(_build("mel", 4, data, cfg)(), loss="binary_crossentropy",
                                   learning_rate=cfg.learning_rate)
    xb, yb = probe[0]
    step = training.step_throughput(model, xb, yb, n_steps=3)
    keras.backend.clear_session()
    return pd.DataFrame({"input pipeline (batches from memory)": pipe,
                         "FCN-4 training step": step}).T[["clips_per_s", "seconds"]].round(1)


# ----------------------------------------------------------------------------
# the experiments
# ----------------------------------------------------------------------------
def _train(name, kind, depth, data, cfg, runs_dir, seed, verbose, run_info=None):
    """Train and test one tagger, checkpointed in a folder of its own.

    The checkpoint folder, ``<runs_dir>/<kind>-<depth>-seed<seed>-<fingerprint>``,
    is named after the run's fingerprint (:func:`mirnb.training.fit_tagger`):
    the model, the optimizer, the batches, the data (clip ids, tags, split,
    tag vectors, a digest of inputs), the seed and the chapter's whole config,
    with ``run_info`` (e.g. the data set's description and version, the
    split's name). Runs on other data or settings never share a folder, nor
    resume one another.

    Parameters
    ----------
    name : str
    kind : {'mel', 'stft', 'mfcc'}
    depth : int or None
    data : mirnb.training.TaggingData
    cfg : Config
    runs_dir : Path
        ``<runs>/<experiment>``.
    seed : int
    verbose : bool
    run_info : dict, optional
        More of the run's description for the fingerprint.

    Returns
    -------
    mirnb.training.TaggerRun
    """
    import keras

    info = {"chapter": "choi2016", "experiment": runs_dir.name, "model": name, "kind": kind,
            "depth": depth, "config": dataclasses.asdict(cfg), **(run_info or {})}
    ckpt = (runs_dir / f"{kind}-{depth}-seed{seed}-{checkpoints.FINGERPRINT_TOKEN}"
            if cfg.checkpoints else None)
    run = training.train_tagger(_build(kind, depth, data, cfg), data, epochs=cfg.max_epochs,
                                patience=cfg.patience, batch_size=cfg.batch_size,
                                learning_rate=cfg.learning_rate, seed=seed,
                                checkpoint_dir=ckpt, name=name, verbose=2 if verbose else 0,
                                run_info=info)
    keras.backend.clear_session()
    return run


def _data_info(data, e):
    """What the checkpoint fingerprint knows of an experiment's data."""
    return {"dataset": data.describe[e], "dataset_version": data.versions[e],
            "data_kind": data.data_kind, "split": sorted(data.splits[e])}


def _records(run, *, experiment, table, data, e, cfg, plan, seed, split):
    n = _paper(table, run.name)
    extra = dict(params=run.n_params, epochs=run.fit.epochs, best_epoch=run.fit.best_epoch,
                 best_val_auc=run.fit.best_auc, stopped_early=run.fit.stopped_early,
                 train_seconds=round(run.fit.seconds, 1),
                 train_clips_per_s=round(run.train_clips_per_s, 1),
                 tags_left_out=run.report["Tags left out (AUC-T)"])
    common = dict(chapter="choi2016", experiment=experiment, method=run.name,
                  dataset=data.describe[e], dataset_version=data.versions[e],
                  data_kind=data.data_kind, split=split, profile=plan["profile"],
                  seeds=(seed,), config=cfg, extra=extra)
    return [Result(metric="ROC-AUC", value=run.auc,
                   paper_value=None if n is None else n.value,
                   paper_ref=n.ref if n is not None else f"{_P}, {table}", **common),
            Result(metric="PR-AUC", value=float(run.report["PR-AUC"]), **common)]


@timing.phase("training")
def experiment_i(inputs, data, cfg, plan, *, seed=0, verbose=True):
    """Experiment I: FCN-3/4/5 on mel, FCN-4 on STFT, the MFCC network (Table 3).

    Each trained with Adam and binary cross-entropy, stopped early on the
    validation ROC-AUC, then tested. Nothing runs when the plan leaves
    Experiment I out.

    Returns
    -------
    runs : dict
        ``{name: mirnb.training.TaggerRun}``.
    records : list of mirnb.results.Result
        Test ROC-AUC (with the paper's Table 3 number) and PR-AUC of each.
    """
    if "I" not in plan["experiments"]:
        return {}, []
    models = [(f"FCN-{d} (mel)", "mel", d) for d in plan["depths_i"]]
    if plan["variants"]:
        models += [("FCN-4 (STFT)", "stft", 4), ("MFCC network", "mfcc", None)]
    runs, records = {}, []
    for name, kind, d in models:
        runs[name] = _train(name, kind, d, inputs["I", kind], cfg, data.runs_dir / "I", seed,
                            verbose, run_info=_data_info(data, "I"))
        records += _records(runs[name], experiment="Experiment I (Table 3)", table="Table 3",
                            data=data, e="I", cfg=cfg, plan=plan, seed=seed,
                            split="folder split (0-b / c / d-f)")
    return runs, records


@timing.phase("training")
def baseline(data, cfg, plan, *, seed=0, verbose=True):
    """The MFCC-statistics baseline of Experiment I (ours): one logistic regression per tag.

    The mean and standard deviation of MFCCs per clip, from overlapping
    frames (hop ``n_fft / 2``, whatever the networks' hop, so that the
    statistics see every part of the signal), trained on the training clips.

    Returns
    -------
    auc : float or None
        Test ROC-AUC, macro over tags (None when Experiment I does not run).
    records : list of mirnb.results.Result
    """
    if "I" not in plan["experiments"]:
        return None, []
    ds = data.sets["I"]
    X, skipped = baselines.clip_features(
        [ds.track(t) for t in ds.track_ids], "mfcc", sr=cfg.sr, n_mfcc=cfg.baseline_n_mfcc,
        n_fft=cfg.n_fft, hop_length=cfg.n_fft // 2, verbose=verbose)
    split = data.splits["I"]
    y_true, y_score = baselines.fit_predict(
        baselines.linear_tagger(C=cfg.baseline_C, random_state=seed), X, data.Y["I"],
        {"train": split["train"], "test": split["test"]}, proba=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = metrics.tagging_report(y_true, y_score, k=(3,), tags=data.tags["I"])
    records = [Result(chapter="choi2016", experiment="Experiment I (Table 3)",
                      method="MFCC statistics + logistic regression (baseline, ours)",
                      metric=metric, value=report[key], dataset=data.describe["I"],
                      dataset_version=data.versions["I"], data_kind=data.data_kind,
                      split="folder split (0-b / c / d-f)", profile=plan["profile"],
                      seeds=(seed,), config=cfg,
                      extra={"skipped": len(skipped), "n_mfcc": cfg.baseline_n_mfcc})
               for metric, key in (("ROC-AUC", "AUC-T"), ("PR-AUC", "PR-AUC"))]
    if verbose:
        print(f"baseline test ROC-AUC {report['AUC-T']:.3f}")
    return float(report["AUC-T"]), records


@timing.phase("training")
def experiment_ii(inputs, data, cfg, plan, *, seed=0, verbose=True):
    """Experiment II: FCN-3 to FCN-7 on the larger set (Table 5, Figure 3).

    Returns
    -------
    runs : dict
        ``{'FCN-<d>': mirnb.training.TaggerRun}``.
    records : list of mirnb.results.Result
    """
    if "II" not in plan["experiments"]:
        return {}, []
    split = "split files" if plan["real"] else "folder split (0-b / c / d-f)"
    runs, records = {}, []
    for d in plan["depths_ii"]:
        name = f"FCN-{d}"
        runs[name] = _train(name, "mel", d, inputs["II", "mel"], cfg, data.runs_dir / "II",
                            seed, verbose, run_info=_data_info(data, "II"))
        records += _records(runs[name], experiment="Experiment II (Table 5)", table="Table 5",
                            data=data, e="II", cfg=cfg, plan=plan, seed=seed, split=split)
    return runs, records


def save_model(runs, data, cfg, plan, *, seed=0, name="FCN-4 (mel)", data_home=None):
    """Save Experiment I's FCN-4 with its model card, for ``mirnb tag``.

    The model goes to ``<data_home>/mirnb_runs/models/choi2016/fcn4``. The
    card (:class:`mirnb.tagging.ModelCard`) gives the data, split, seed,
    test metrics and log-mel front end; a model trained on the synthetic
    corpus says in bold that it will not tag real music well.

    Returns
    -------
    str
        The card as Markdown, or a sentence saying why nothing was saved
        (no FCN-4 on precomputed mel input in this run).
    """
    from .. import tagging

    run = runs.get(name)
    if run is None or cfg.front_end != "precomputed":
        return (f"Nothing saved: this run has no {name} on the precomputed front end "
                "(`mirnb tag` reads log-mel models).")
    card = tagging.ModelCard(
        name="fcn4", chapter="choi2016", paper=_P, task="tags", labels=list(data.tags["I"]),
        profile=plan["profile"], data_kind=data.data_kind, dataset=data.describe["I"],
        dataset_version=data.versions["I"], split="folder split (0-b / c / d-f)",
        seed=int(seed),
        metrics={"AUC-T": run.auc, "PR-AUC": float(run.report["PR-AUC"])},
        front_end=dict(kind="log_mel", sr=cfg.sr, n_fft=cfg.n_fft, hop_length=cfg.hop_length,
                       n_mels=cfg.n_mels, top_db=cfg.top_db,
                       n_frames=int(run.model.input_shape[2])))
    tagging.save_model(run.model, card, data_home=data_home)
    # the card's headings as bold lines: on the page they are not sections of the chapter
    return re.sub(r"^#+ (.*)$", r"**\1**", card.markdown(), flags=re.M)


@timing.phase("evaluation")
def experiment_table(records, experiment):
    """The results of one experiment ('I' or 'II'), ours beside the paper's."""
    return results_table([r for r in records
                          if r.experiment.startswith(f"Experiment {experiment} ")])


def plot_experiment(runs, *, title, baseline_auc=None, axes=None):
    """Validation AUC per epoch of each run, and the test ROC-AUC of each.

    Parameters
    ----------
    runs : dict
        ``{name: TaggerRun}`` of one experiment (nothing is drawn when empty).
    title : str
        ``'Experiment I'`` or ``'Experiment II (cf. Figure 3)'``.
    baseline_auc : float, optional
        Drawn as a grey bar.
    axes : two matplotlib Axes, optional

    Returns
    -------
    axes
    """
    import matplotlib.pyplot as plt

    if not runs:
        return axes
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(plotting.PAGE_WIDTH, 3.4),
                               constrained_layout=True)
    axes[0].figure.suptitle(title)
    plotting.compare_curves({n: r.fit.history for n, r in runs.items()}, metric="val_auc",
                            ax=axes[0], ylabel="validation ROC-AUC",
                            title="validation AUC per epoch")
    names, aucs = list(runs), [r.auc for r in runs.values()]
    colors = ["C0"] * len(names)
    if baseline_auc is not None:
        names, aucs, colors = names + ["MFCC stats + LR"], aucs + [baseline_auc], colors + ["C7"]
    axes[1].barh(names, aucs, color=colors)
    axes[1].set_xlim(min([0.5] + [a - 0.02 for a in aucs if np.isfinite(a)]), 1.0)
    axes[1].invert_yaxis()
    axes[1].set_xlabel("test ROC-AUC")
    axes[1].set_title("test ROC-AUC")
    return axes


def plot_tag_auc(runs, key, *, ax=None):
    """The test ROC-AUC of every tag of one run (``key``: (experiment, name))."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(plotting.PAGE_WIDTH, 3.6), constrained_layout=True)
    plotting.tag_bars(runs[key].per_tag, ax=ax,
                      title=f"{key[1]}, Experiment {key[0]}: test ROC-AUC per tag")
    ax.axhline(0.5, color="k", lw=0.8, ls=":")
    return ax


@timing.phase("evaluation")
def table4():
    """The paper's Table 4, as printed: FCN-4 against earlier systems on MagnaTagATune."""
    rows = [n for n in PAPER if n.table == "Table 4"]
    return pd.DataFrame({"system (as printed)": [n.row for n in rows],
                         "ROC-AUC (paper)": [n.value for n in rows],
                         "note": [n.note for n in rows]}).set_index("system (as printed)")


@timing.phase("evaluation")
def show_clips(runs, inputs, data, cfg, *, seed=0, n=None):
    """A few test clips of FCN-4 (mel): audio, its top tags beside the clip's tags.

    Uses FCN-4 on the mel spectrogram of Experiment I, else the first
    model run. On the synthetic corpus the renderer's ground truth (what
    was actually played) is shown too.
    """
    from IPython.display import Markdown, display

    from .. import publish

    key = ("I", "FCN-4 (mel)") if ("I", "FCN-4 (mel)") in runs else next(iter(runs))
    e, name = key
    run = runs[key]
    kind = ("mel" if e == "II" or "(mel)" in name else "stft" if "STFT" in name else "mfcc")
    x, ds = inputs[e, kind], data.sets[e]
    truth_path = ds.root / "synth_labels.csv"
    truth = (pd.read_csv(truth_path, dtype={"clip_id": str}, keep_default_na=False)
             .set_index("clip_id")["true_tags"] if truth_path.is_file() else None)
    rows = x.parts["test"]
    rng = np.random.default_rng(seed)
    n = cfg.n_show if n is None else n
    for i in rng.choice(len(rows), size=min(n, len(rows)), replace=False):
        tid = x.ids[rows[i]]
        top = pd.Series(run.scores[i], index=x.tags).sort_values(ascending=False).head(5)
        clip_tags = set(ds.labels.loc[tid, "tags"])
        table = {"predicted tag": top.index, "probability": top.round(3).to_numpy(),
                 "in the clip's tags": ["yes" if t in clip_tags else "" for t in top.index]}
        if truth is not None and tid in truth.index:
            played = set(truth.loc[tid].split(";"))
            table["actually played"] = ["yes" if t in played else "" for t in top.index]
        display(Markdown(f"**clip {tid}** ({name}, Experiment {e})"))
        y, sr = ds.track(tid).audio(sr=None)
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in str(tid))
        display(publish.audio(y, sr, name=f"choi2016-clip-{safe}"))
        display(pd.DataFrame(table))
        print("the clip's tags:", ", ".join(sorted(clip_tags & set(x.tags))) or "none")
    return key


@timing.phase("evaluation")
def verdict(runs_i, runs_ii, *, baseline_auc=None, data_kind="synthetic"):
    """Claim by claim, what the paper found and what this run shows (Markdown).

    One seed per run: differences are single-run differences, not tested
    against seed noise.
    """
    _check.choice("data_kind", data_kind, ("synthetic", "real"))
    auc = {n: r.auc for n, r in runs_i.items()}
    lines = []

    def claim(text, table, a, b, close=False):
        pa, pb = _paper(table, a).value, _paper(table, b).value
        diff = auc[a] - auc[b]
        if close:
            verdict = f"a gap of {abs(diff):.3f} here against {abs(pa - pb):.3f} in the paper"
        else:
            verdict = ("same direction" if (diff > 0) == (pa > pb) else "opposite direction")
        lines.append(f"- **{text}** ({table}): paper {pa:.3f} against {pb:.3f} "
                     f"({pa - pb:+.3f}); ours {auc[a]:.3f} against {auc[b]:.3f} "
                     f"({diff:+.3f}, one seed, {data_kind}): {verdict}.")

    if "FCN-4 (mel)" in auc and "FCN-3 (mel)" in auc:
        claim("FCN-4 beats FCN-3 on mel", "Table 3", "FCN-4 (mel)", "FCN-3 (mel)")
    if "FCN-4 (mel)" in auc and "FCN-5 (mel)" in auc:
        claim("FCN-4 and FCN-5 are close on MagnaTagATune", "Table 3", "FCN-4 (mel)",
              "FCN-5 (mel)", close=True)
    if "FCN-4 (mel)" in auc and "FCN-4 (STFT)" in auc:
        claim("Mel beats STFT input", "Table 3", "FCN-4 (mel)", "FCN-4 (STFT)")
    if "FCN-4 (mel)" in auc and "MFCC network" in auc:
        claim("Mel beats MFCC input", "Table 3", "FCN-4 (mel)", "MFCC network")
    if baseline_auc is not None and auc:
        best = max(auc, key=auc.get)
        lines.append(f"- **Beyond the paper:** the best network here, {best}, reaches "
                     f"{auc[best]:.3f}; the MFCC-statistics baseline (ours) "
                     f"{baseline_auc:.3f} ({auc[best] - baseline_auc:+.3f}).")
    auc_ii = {n: r.auc for n, r in runs_ii.items()}
    if len(auc_ii) > 1:
        deeper = [d for d in (5, 6, 7) if f"FCN-{d}" in auc_ii]
        if "FCN-4" in auc_ii and deeper:
            wins = [d for d in deeper if auc_ii[f"FCN-{d}"] > auc_ii["FCN-4"]]
            lines.append("- **With more data, FCN-5/6/7 beat FCN-4** (Table 5: paper "
                         ".848/.851/.845 against .808): ours "
                         + ", ".join(f"FCN-{d} {auc_ii[f'FCN-{d}']:.3f}" for d in deeper)
                         + f" against FCN-4 {auc_ii['FCN-4']:.3f}: {len(wins)} of "
                         f"{len(deeper)} deeper models ahead.")
        else:
            lines.append("- **Experiment II:** " + ", ".join(
                f"{n} {a:.3f}" for n, a in auc_ii.items()) + " (test ROC-AUC, one seed).")
    if not lines:
        lines.append("- This run holds no pair of models that a claim of the paper compares.")
    return "\n".join(lines)
