"""Chapter hamel2010: DBN features from DFT frames, then an SVM (Hamel & Eck 2010).

Hamel & Eck pretrain a deep belief network (3 x 50 units) on magnitude-DFT
frames, fine-tune it to predict the genre of each frame, and then use the
activations of its hidden layers as features:

1. frame level (their Table 2): an RBF SVM trained on a random subsample of
   frames, each track predicted by a vote over its frames;
2. window level (Table 3): the mean and variance of the frame features over
   5 s windows with a 2.5 s hop, the same SVM, a vote over the windows;
3. auto-tagging (Table 4): one SVM per tag on balanced positive and negative
   clips, DBN features against a timbral and temporal baseline.

MFCCs of the same frames go through the same SVMs as the baseline. The pieces are concern
modules (:mod:`mirnb.models.dbn`, :mod:`mirnb.models.svm`, :class:`mirnb.features.FrameSet`);
this module holds the config, the paper's numbers, the steps the notebook takes for the first
seed, :func:`run_seed` chaining the same steps for the other seeds, and the verdict. ``C`` is
chosen on the validation split only. Notebook: ``notebooks/01_hamel2010.py``.

References
----------
.. [1] Hamel, P. & Eck, D. (2010). Learning features from music audio with
   deep belief networks. ISMIR (Sec. 4: the DBN; Sec. 5: SVMs on its
   activations, genre and auto-tagging; Tables 1-4).
.. [2] Bergstra, J. et al. (2006). Aggregate features and AdaBoost for music
   classification. Machine Learning 65.
"""

import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _check, features, metrics, timing
from ..errors import DataError, ParameterError
from ..features import FrameSet
from ..features.frames import standardize
from ..models import svm
from ..results import mean_sd, plus_minus
from . import PaperNumber, make_config, paper_number

__all__ = [
    "NOTEBOOK", "Config", "config", "run_seeds", "PAPER", "TABLE1", "FEATURE_SETS",
    "Datasets", "load", "extract", "genre_splits", "GenreData", "prepare", "pretrain",
    "finetune", "frame_average_accuracy", "activation_sets", "svm_table", "tag_data",
    "clip_features", "tagging", "SeedRun", "run_seed", "more_seeds", "results_records",
    "tag_table", "settings_table", "svm_summary", "verdict", "Frames",
]

NOTEBOOK = "notebooks/01_hamel2010.py"

#: The feature sets of Tables 2 and 3, in display order.
FEATURE_SETS = ("DBN layer 1", "DBN layer 2", "DBN layer 3", "DBN all layers", "MFCC")


@dataclass(frozen=True)
class Config:
    """Settings of the hamel2010 chapter.

    The defaults are the ``paper`` profile: Hamel & Eck's (2010) values where the paper states
    them (Table 1 and Sec. 4-5), and the book's own choices, marked *ours*, where it does not.

    Attributes
    ----------
    synth_profile : str
        Synthetic corpus used with ``dataset='synthetic'``.
    split_fractions : (float, float, float)
        Random stratified train / valid / test split of GTZAN: 50/20/30 (paper).
    sr, n_fft : int
        22050 Hz and 1024-sample (46.44 ms) frames, 513 DFT bins (paper).
    hop_length : int
        Samples between frames: 512 (paper, Sec. 5.3: the frames overlap by half a frame).
        The ``default`` profile hops 2048 samples to fit a 2-core CPU (ours).
    compression : {'log', 'none'}
    log_gain : float
        ``ln(1 + log_gain |X|)`` of the DFT magnitudes, then per-bin
        standardisation on the training frames (ours).
    n_mfcc, n_mels : int
        The MFCC baseline's size (ours).
    hidden : tuple of int
        Units per DBN layer: 3 x 50 (paper, Table 1).
    pretrain_lr, pretrain_epochs : float, int
        0.001 and 5 epochs (paper, Table 1).
    pretrain_batch_size, momentum, weight_cost, cd_k : int, float, float, int
        CD-1 with momentum 0.5 on batches of 20 frames, no weight cost (ours).
    pretrain_frames : int or None
        Pretrain on this many random training frames (None: all).
    finetune_lr : float
        0.1 (paper, Table 1).
    finetune_epochs, finetune_patience, finetune_batch_size : int
        At most this many epochs, early stopping on the validation loss after
        ``finetune_patience`` epochs without improvement (the paper stops on
        the validation set; its run took 474 epochs); batch size ours.
    svm_frames : int
        Frames in the random subsample an SVM trains on: 10,000 (paper).
    svm_C : tuple of float
        Grid for the SVMs' C, chosen on the validation split (ours).
    svm_gamma : str or float
        RBF width on standardised features (scikit-learn's 'scale').
    eval_frames : int or None
        Frames per track scored by the frame-level SVMs (None: all).
    window_seconds, window_hop_seconds : float
        5 s windows with a 2.5 s hop for the aggregated features (paper).
    n_tags : int
        The 25 most frequent MajorMiner tags (paper).
    min_votes : int
        A tag counts for a clip when at least this many players gave it:
        MajorMiner's own convention (Mandel & Ellis 2008), which the book
        follows; Hamel & Eck do not state the rule.
    tag_split : (float, float, float)
        Random train / valid / test split of the MajorMiner clips (ours).
    min_tag_clips : int
        Fewest positive (and negative) clips a tag needs in a split part.
    tsne_points, tsne_perplexity, tsne_iter : int, float, int
        Test frames in the t-SNE maps (Figure 2) and openTSNE's settings.
    n_seeds : int
        Runs (seeds) behind every reported number, as mean and spread.
    """

    synth_profile: str = "default"
    split_fractions: tuple = (0.5, 0.2, 0.3)
    sr: int = 22050
    n_fft: int = 1024
    hop_length: int = 512
    compression: str = "log"
    log_gain: float = 100.0
    n_mfcc: int = 20
    n_mels: int = 40
    hidden: tuple = (50, 50, 50)
    pretrain_lr: float = 0.001
    pretrain_epochs: int = 5
    pretrain_batch_size: int = 20
    momentum: float = 0.5
    weight_cost: float = 0.0
    cd_k: int = 1
    pretrain_frames: int = None
    finetune_lr: float = 0.1
    finetune_epochs: int = 1000
    finetune_patience: int = 50
    finetune_batch_size: int = 20
    svm_frames: int = 10000
    svm_C: tuple = (0.1, 1.0, 10.0, 100.0)
    svm_gamma: str = "scale"
    eval_frames: int = None
    window_seconds: float = 5.0
    window_hop_seconds: float = 2.5
    n_tags: int = 25
    min_votes: int = 2
    tag_split: tuple = (0.6, 0.2, 0.2)
    min_tag_clips: int = 5
    tsne_points: int = 3000
    tsne_perplexity: float = 30.0
    tsne_iter: int = 500
    n_seeds: int = 3


_CHANGES = {
    # seconds on the smoke corpus: a step or two per phase
    "smoke": dict(synth_profile="smoke", hop_length=2048, hidden=(50, 50, 50),
                  pretrain_epochs=1, pretrain_batch_size=64, pretrain_lr=0.01,
                  finetune_epochs=2, finetune_patience=1, finetune_batch_size=64,
                  svm_frames=300, svm_C=(1.0, 10.0), eval_frames=10, n_tags=10,
                  min_tag_clips=1, tsne_points=150, tsne_perplexity=10.0,
                  tsne_iter=100, n_seeds=2),
    # the synthetic default corpus within about 6 minutes on a 2-core CPU: a
    # hop of 2048 samples (a quarter of the paper's frame rate), a larger
    # pretraining rate on fewer frames, fewer epochs and SVM frames
    "default": dict(hop_length=2048, pretrain_lr=0.01, pretrain_batch_size=100,
                    pretrain_frames=20000, finetune_epochs=40, finetune_patience=5,
                    finetune_batch_size=100, svm_frames=2000, svm_C=(1.0, 10.0),
                    eval_frames=25, min_tag_clips=4, tsne_points=1500),
    # the paper's data and settings
    "paper": {},
}


def config(profile="default", **overrides):
    """The chapter's :class:`Config` for ``profile`` ('smoke', 'default', 'paper')."""
    return make_config(Config, _CHANGES, profile, **overrides)


def run_seeds(cfg, seed=0, n=None):
    """The seeds behind every number: ``seed``, ``seed + 1``, ... (``n`` or ``cfg.n_seeds``)."""
    n = cfg.n_seeds if n is None else _check.positive_int("seeds", n)
    return [seed + i for i in range(n)]


_P = "Hamel & Eck 2010"
_MIM = ("the paper's MIM set is Mandel & Ellis's timbral and temporal features; ours is "
        "the book's own timbral + temporal set (mirnb.features.timbral_temporal)")
_BERGSTRA = ("Sec. 5.1.2: 84.3 % is above the 83 % of Bergstra et al. (2006), which was "
             "measured by 5-fold cross-validation, so not directly comparable")

#: Every number Hamel & Eck print for their experiments, with its table.
PAPER = (
    PaperNumber(_P, "Table 1", "DBN 3 x 50 + softmax", 0.737, "track accuracy",
                "mean of the frame predictions; also Sec. 4"),
    *(PaperNumber(_P, "Table 2", name, value, "track accuracy")
      for name, value in (("MFCC", 0.630), ("DBN layer 1", 0.735), ("DBN layer 2", 0.770),
                          ("DBN layer 3", 0.735), ("DBN all layers", 0.770))),
    *(PaperNumber(_P, "Table 3", name, value, "track accuracy",
                  _BERGSTRA if name == "DBN all layers" else "")
      for name, value in (("MFCC", 0.790), ("DBN layer 1", 0.800), ("DBN layer 2", 0.837),
                          ("DBN layer 3", 0.830), ("DBN all layers", 0.843))),
    PaperNumber(_P, "Table 4", "DBN all layers", 0.73, "mean per-tag accuracy",
                "standard error over tags 0.02"),
    PaperNumber(_P, "Table 4", "timbral + temporal", 0.70, "mean per-tag accuracy",
                "standard error over tags 0.02; " + _MIM),
)

#: Table 1 of the paper: the DBN's settings and its result.
TABLE1 = OrderedDict([
    ("hidden layers", 3), ("units per layer", 50), ("unsupervised learning rate", 0.001),
    ("supervised learning rate", 0.1), ("unsupervised epochs", 5),
    ("supervised epochs", 474), ("training time (hours)", 104),
    ("classification accuracy", 0.737)])


def _paper(table, row):
    return paper_number(PAPER, table, row)


# ----------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------
@dataclass
class Datasets:
    """The chapter's ``gtzan`` and ``majorminer`` datasets, and ``info`` (``data_kind``,
    names and versions) for the results records."""

    gtzan: object
    majorminer: object
    info: dict


@timing.phase("features")
def load(cfg, dataset="synthetic", *, data_home=None, verbose=True):
    """The chapter's two datasets: GTZAN (genres) and MajorMiner (tags).

    Parameters
    ----------
    cfg : Config
    dataset : {'synthetic', 'real'}
        ``'synthetic'``: the GTZAN and MajorMiner views of the book's corpus of profile
        ``cfg.synth_profile`` (generated on first use, under ``<data_home>/mirnb_synth/``).
        ``'real'``: the real datasets under ``data_home``; their absence raises the loaders'
        :class:`~mirnb.errors.MissingDataError`, which says which files are expected where.
    data_home : str or Path, optional
    verbose : bool

    Returns
    -------
    Datasets
    """
    from .. import synth
    from ..datasets.gtzan import GTZAN
    from ..datasets.majorminer import MajorMiner

    _check.choice("dataset", dataset, ("synthetic", "real"))
    if dataset == "synthetic":
        manifest = synth.generate(cfg.synth_profile, views=["gtzan", "majorminer"],
                                  data_home=data_home, verbose=verbose)
        gtzan = synth.load("gtzan", cfg.synth_profile, data_home=data_home, make=False)
        mm = MajorMiner(data_home=synth.root(cfg.synth_profile, data_home),
                        min_votes=cfg.min_votes)
        views = manifest["views"]
        info = {"data_kind": "synthetic",
                "gtzan": f"synthetic GTZAN view ({cfg.synth_profile} corpus)",
                "gtzan_version": views["gtzan"]["key"],
                "majorminer": f"synthetic MajorMiner view ({cfg.synth_profile} corpus)",
                "majorminer_version": views["majorminer"]["key"]}
    else:
        gtzan = GTZAN(data_home=data_home)
        mm = MajorMiner(data_home=data_home, min_votes=cfg.min_votes)
        gtzan.labels  # noqa: B018 (raises MissingDataError with the expected layout)
        mm.labels  # noqa: B018
        info = {"data_kind": "real", "gtzan": "GTZAN", "gtzan_version": "",
                "majorminer": "MajorMiner", "majorminer_version": ""}
    if verbose:
        print(gtzan.info())
        print(mm.info())
    return Datasets(gtzan, mm, info)


@dataclass
class Frames:
    """The chapter's features: ``gtzan`` and ``majorminer`` (``{id: {'dft': (n, 513),
    'mfcc': (n, n_mfcc)}}``), ``baseline`` (timbral + temporal features of the
    MajorMiner clips, a DataFrame) and ``skipped`` (every clip left out, with why)."""

    gtzan: dict
    majorminer: dict
    baseline: pd.DataFrame
    skipped: list


@timing.phase("features")
def extract(data, cfg, *, verbose=True):
    """DFT and MFCC frames of every clip, and the tagging baseline, in parallel and cached.

    :func:`mirnb.features.extract` of :func:`mirnb.features.dft_mfcc_frames`
    and :func:`mirnb.features.timbral_temporal`: a clip that is missing,
    unreadable, silent or shorter than one frame is skipped and reported.

    Parameters
    ----------
    data : Datasets
    cfg : Config
    verbose : bool

    Returns
    -------
    Frames
    """
    kw = dict(sr=cfg.sr, verbose=verbose, desc="DFT + MFCC frames", n_fft=cfg.n_fft,
              hop_length=cfg.hop_length, n_mfcc=cfg.n_mfcc, n_mels=cfg.n_mels,
              compression=cfg.compression, log_gain=cfg.log_gain)
    frames, skipped = features.extract(data.gtzan, "dft_mfcc_frames", **kw)
    mm_frames, mm_skipped = features.extract(data.majorminer, "dft_mfcc_frames", **kw)
    values, base_skipped = features.extract(data.majorminer, "timbral_temporal", sr=cfg.sr,
                                            verbose=verbose)
    baseline = pd.DataFrame.from_dict(values, orient="index")
    skipped = skipped + mm_skipped + base_skipped
    if verbose:
        print(f"GTZAN: frames of {len(frames)} tracks, "
              f"{sum(len(f['dft']) for f in frames.values())} frames\n"
              f"MajorMiner: frames of {len(mm_frames)} clips, timbral + temporal features "
              f"of {len(baseline)} ({baseline.shape[1]} values each)\n"
              f"skipped: {[(s.track_id, s.reason) for s in skipped] or 'none'}")
    return Frames(frames, mm_frames, baseline, skipped)


@timing.phase("features")
def genre_splits(gtzan, *, data_kind, seed=0, fractions=(0.5, 0.2, 0.3)):
    """The GTZAN splits of the chapter, by display name.

    ``'random 50/20/30'``: Hamel & Eck's protocol, a random stratified split
    drawn with ``seed``. On real GTZAN also ``'fault-filtered'``: Kereliuk &
    Sturm's split (443/197/290 tracks, the same for every seed), which keeps
    an artist's tracks in one part and leaves out GTZAN's faulty excerpts.

    Returns
    -------
    OrderedDict
        ``{name: {'train': ids, 'valid': ids, 'test': ids}}``.
    """
    name = "random " + "/".join(str(int(round(100 * f))) for f in fractions)
    out = OrderedDict([(name, gtzan.splits("random", seed=seed, fractions=fractions))])
    if data_kind == "real":
        out["fault-filtered"] = gtzan.splits("filtered")
    return out


@dataclass
class GenreData:
    """The frames of one split, standardised, ready for the DBN and the SVMs.

    Attributes
    ----------
    dft, mfcc : dict
        ``{'train': FrameSet, 'valid': FrameSet, 'test': FrameSet}``; the DFT
        frames standardised per bin with the training frames' mean and standard deviation
        (``scaler``); the MFCCs as extracted (each SVM standardises its own input).
    classes : list of str
        Genre names; class ``i`` of the network is ``classes[i]``.
    scaler : sklearn.preprocessing.StandardScaler
        Fitted on the training DFT frames.
    split_name : str
    counts : dict
        Tracks and frames per part, and tracks left out for lack of frames.
    """

    dft: dict
    mfcc: dict
    classes: list
    scaler: object
    split_name: str
    counts: dict

    def targets(self, part):
        """Class indices of the frames of ``part`` ('train', 'valid', 'test')."""
        return self.dft[part].label_indices(self.classes)


@timing.phase("features")
def prepare(frames, labels, split, *, split_name="random 50/20/30"):
    """Stack, label and standardise the frames of a train / valid / test split.

    Parameters
    ----------
    frames : dict
        ``Frames.gtzan`` (see :func:`extract`).
    labels : pandas.Series
        Genre of each track id.
    split : mapping
        ``{'train': ids, 'valid': ids, 'test': ids}``.
    split_name : str
        How the split is named in tables.

    Returns
    -------
    GenreData
    """
    for part in ("train", "valid", "test"):
        if part not in split:
            raise ParameterError(f"split has no part {part!r}; expected train, valid, test")
    dft, mfcc, counts = {}, {}, {}
    for part in ("train", "valid", "test"):
        dft[part] = FrameSet.stack(frames, split[part], key="dft", labels=labels)
        mfcc[part] = FrameSet.stack(frames, split[part], key="mfcc", labels=labels)
        counts[part] = {"tracks": len(dft[part].tracks), "frames": len(dft[part]),
                        "left out": len(split[part]) - len(dft[part].tracks)}
    dft, scaler = standardize(dft, fit="train")
    classes = sorted(set(dft["train"].label.tolist()))
    return GenreData(dft, mfcc, classes, scaler, split_name, counts)


# ----------------------------------------------------------------------------
# the DBN
# ----------------------------------------------------------------------------
@timing.phase("training")
def pretrain(data, cfg, *, seed=0, verbose=0):
    """Greedy unsupervised pretraining of the DBN on the training frames.

    Parameters
    ----------
    data : GenreData
    cfg : Config
        Uses ``hidden``, ``pretrain_lr``, ``pretrain_epochs``,
        ``pretrain_batch_size``, ``momentum``, ``weight_cost``, ``cd_k`` and
        ``pretrain_frames`` (a random subset of the training frames, or all).
    seed : int
    verbose : bool or {0, 1, 2}
        Keras's verbosity (True: one line per epoch).

    Returns
    -------
    mirnb.models.dbn.DBN
        Fitted; first layer Gaussian (the frames are standardised).
    """
    from ..models.dbn import DBN

    X = data.dft["train"].sample(cfg.pretrain_frames, seed=seed).X
    dbn = DBN(cfg.hidden, visible="gaussian", learning_rate=cfg.pretrain_lr,
              n_iter=cfg.pretrain_epochs, batch_size=cfg.pretrain_batch_size,
              momentum=cfg.momentum, weight_cost=cfg.weight_cost, k=cfg.cd_k,
              random_state=seed, verbose=verbose)
    return dbn.fit(X)


@timing.phase("training")
def finetune(dbn, data, cfg, *, seed=0, verbose=0):
    """Fine-tune the DBN as an MLP with a softmax over the genres.

    Plain SGD at ``cfg.finetune_lr`` on the training frames, early stopping
    on the validation frames' loss with ``cfg.finetune_patience``, at most
    ``cfg.finetune_epochs`` epochs; the best epoch's weights are kept.

    Returns
    -------
    model : keras.Model
        Layers ``'hidden_1'`` ... and ``'output'`` (see :meth:`DBN.to_keras`).
    history : dict
        See :func:`mirnb.models.dbn.finetune`.
    """
    from ..models.dbn import finetune as finetune_mlp

    model = dbn.to_keras(len(data.classes), head="softmax", random_state=seed)
    history = finetune_mlp(model, data.dft["train"].X, data.targets("train"),
                           validation_data=(data.dft["valid"].X, data.targets("valid")),
                           learning_rate=cfg.finetune_lr, epochs=cfg.finetune_epochs,
                           batch_size=cfg.finetune_batch_size,
                           patience=cfg.finetune_patience, random_state=seed,
                           verbose=verbose)
    return model, history


@timing.phase("evaluation")
def frame_average_accuracy(model, data, *, part="test"):
    """Track accuracy of the fine-tuned network: the mean of its frame predictions.

    Hamel & Eck average the softmax outputs over a song's frames and take
    the most probable genre (Sec. 4): 73.7 % on GTZAN.

    Returns
    -------
    accuracy : float
    predictions : pandas.Series
        Predicted genre per track.
    """
    from ..models.dbn import layer_outputs

    fs = data.dft[part]
    scores = layer_outputs(model, fs.X, model.layers[-1].name)
    ids, pred = metrics.frame_vote(scores, fs.track, method="mean",
                                   classes=np.array(data.classes))
    truth = pd.Series(fs.label, index=fs.track).groupby(level=0).first()
    return metrics.accuracy(truth.loc[ids].to_numpy(), pred), pd.Series(pred, index=ids)


@timing.phase("features")
def activation_sets(model, data):
    """The frame features of Tables 2 and 3 for every part of the split.

    Returns
    -------
    OrderedDict
        ``{name: {'train': FrameSet, 'valid': ..., 'test': ...}}`` for the
        names of :data:`FEATURE_SETS`: each hidden layer's sigmoid
        activations, all of them side by side, and the MFCCs.
    """
    from ..models.dbn import hidden_activations

    sets = OrderedDict()
    acts = {part: hidden_activations(model, fs.X) for part, fs in data.dft.items()}
    for i in range(len(acts["train"])):
        sets[f"DBN layer {i + 1}"] = {p: data.dft[p].with_X(a[i]) for p, a in acts.items()}
    sets["DBN all layers"] = {p: data.dft[p].with_X(np.hstack(a)) for p, a in acts.items()}
    sets["MFCC"] = dict(data.mfcc)
    return sets


# ----------------------------------------------------------------------------
# Tables 2 and 3: SVMs with a vote over each track's frames or windows
# ----------------------------------------------------------------------------
@timing.phase("training")
def svm_table(sets, cfg, *, level="frames", seed=0, verbose=True):
    """Tables 2 and 3: one validated SVM per feature set (:func:`mirnb.models.svm.vote_table`).

    Parameters
    ----------
    sets : dict
        From :func:`activation_sets`.
    cfg : Config
    level : {'frames', 'windows'}
        ``'frames'``: the SVM sees frames (Table 2), trained on a random
        subsample of ``svm_frames`` of them, evaluated on at most
        ``eval_frames`` evenly spaced frames per track. ``'windows'``: mean
        and variance over 5 s windows, 2.5 s hop (Table 3), all windows.
    seed : int
    verbose : bool
        A progress bar over the feature sets.

    Returns
    -------
    pandas.DataFrame
        Indexed by feature set: ``'C'`` chosen, ``'valid accuracy'``,
        ``'test accuracy'``, ``'training rows'``, ``'seconds'``.
    """
    _check.choice("level", level, ("frames", "windows"))
    if level == "frames":
        rows = {name: {"train": p["train"], "valid": p["valid"].every(cfg.eval_frames),
                       "test": p["test"].every(cfg.eval_frames)} for name, p in sets.items()}
        n_train = cfg.svm_frames
    else:
        size = max(1, int(round(cfg.window_seconds * cfg.sr / cfg.hop_length)))
        hop = max(1, int(round(cfg.window_hop_seconds * cfg.sr / cfg.hop_length)))
        rows = {name: {part: fs.windows(size=size, hop=hop) for part, fs in p.items()}
                for name, p in sets.items()}
        n_train = None
    return svm.vote_table(rows, C_grid=cfg.svm_C, gamma=cfg.svm_gamma, n_train=n_train,
                          random_state=seed, desc=f"SVMs on {level}", verbose=verbose)


# ----------------------------------------------------------------------------
# Table 4: auto-tagging
# ----------------------------------------------------------------------------
@timing.phase("features")
def tag_data(mm, cfg, *, seed=0):
    """The tagging problem: the top tags, their clip x tag matrix and a split.

    Returns
    -------
    Y : pandas.DataFrame of bool
        Clips x the ``cfg.n_tags`` most frequent tags (at least
        ``cfg.min_votes`` players).
    split : mapping
        ``mm.splits('random', seed=seed, fractions=cfg.tag_split)``.
    """
    tags = mm.top_tags(cfg.n_tags)
    if not tags:
        raise DataError(f"no MajorMiner tag reaches {cfg.min_votes} players on any clip")
    return mm.tag_matrix(tags), mm.splits("random", seed=seed, fractions=cfg.tag_split)


@timing.phase("features")
def clip_features(model, frames, scaler, clip_ids, cfg):
    """DBN features of clips: all layers' activations aggregated on 5 s windows (Sec. 5.2).

    :func:`mirnb.models.dbn.clip_features` on 5 s windows with a 2.5 s hop
    (``cfg.window_seconds``, ``cfg.window_hop_seconds``): the mean and variance of the
    activations over each window, as for Table 3; a clip's feature vector is the average of
    its windows' vectors. The paper aggregates on 5 s windows but does not say how a clip's
    windows meet the SVMs; averaging them is the book's choice.

    Parameters
    ----------
    model : keras.Model
        The fine-tuned network (layers ``'hidden_<i>'``).
    frames : dict
        ``Frames.majorminer`` (see :func:`extract`).
    scaler : StandardScaler
        The one fitted on the genre training frames (the DBN's input scale).
    clip_ids : sequence of str
    cfg : Config

    Returns
    -------
    pandas.DataFrame
        One row per clip with frames, ``2 * sum(units)`` columns.
    """
    from ..models import dbn

    size = max(1, int(round(cfg.window_seconds * cfg.sr / cfg.hop_length)))
    hop = max(1, int(round(cfg.window_hop_seconds * cfg.sr / cfg.hop_length)))
    return dbn.clip_features(model, frames, clip_ids, size=size, hop=hop, scaler=scaler)


@timing.phase("training")
def tagging(feature_sets, Y, split, cfg, *, seed=0):
    """Table 4: balanced per-tag SVMs for each feature set (:func:`mirnb.models.svm.tag_table`).

    ``C`` from ``cfg.svm_C`` is chosen per feature set on the validation
    clips; ``cfg.min_tag_clips`` positives and negatives make a tag count.
    """
    return svm.tag_table(feature_sets, Y, split, C_grid=cfg.svm_C, gamma=cfg.svm_gamma,
                         min_clips=cfg.min_tag_clips, random_state=seed)


# ----------------------------------------------------------------------------
# one seed, start to end
# ----------------------------------------------------------------------------
@dataclass
class SeedRun:
    """Everything one seed of the chapter produces."""

    seed: int
    split_name: str
    data: GenreData
    dbn: object
    model: object
    history: dict
    frame_average: float
    tables: dict
    tagging: dict = None
    seconds: float = 0.0


def run_seed(seed, data, frames, cfg, *, split_name, split, verbose=0):
    """The whole chapter for one seed: the same steps the notebook takes one by one.

    :func:`prepare` -> :func:`pretrain` -> :func:`finetune` ->
    :func:`frame_average_accuracy` -> :func:`activation_sets` ->
    :func:`svm_table` (frames, then windows) -> :func:`tag_data`,
    :func:`clip_features` and :func:`tagging`.

    Parameters
    ----------
    seed : int
        Draws the MajorMiner split, the initial weights and the SVMs'
        subsamples.
    data : Datasets
    frames : Frames
    cfg : Config
    split_name : str
    split : mapping
        The GTZAN split (see :func:`genre_splits`).
    verbose : {0, 1, 2} or bool

    Returns
    -------
    SeedRun
    """
    t0 = time.perf_counter()
    genre = prepare(frames.gtzan, data.gtzan.labels.genre, split, split_name=split_name)
    dbn = pretrain(genre, cfg, seed=seed, verbose=verbose)
    model, history = finetune(dbn, genre, cfg, seed=seed, verbose=verbose)
    acc, _ = frame_average_accuracy(model, genre)
    sets = activation_sets(model, genre)
    tables = {level: svm_table(sets, cfg, level=level, seed=seed, verbose=bool(verbose))
              for level in ("frames", "windows")}
    Y, mm_split = tag_data(data.majorminer, cfg, seed=seed)
    dbn_feats = clip_features(model, frames.majorminer, genre.scaler, list(Y.index), cfg)
    tags = tagging({"DBN all layers": dbn_feats, "timbral + temporal": frames.baseline},
                   Y, mm_split, cfg, seed=seed)
    return SeedRun(seed, split_name, genre, dbn, model, history, acc, tables, tags,
                   time.perf_counter() - t0)


@timing.phase("training")
def more_seeds(first, data, frames, cfg, *, seeds, verbose=True):
    """The first seed's run, then :func:`run_seed` for every other (seed, split).

    Each seed draws its own random split (of GTZAN and of the MajorMiner
    clips); on real GTZAN the fault-filtered split runs with every seed too.

    Parameters
    ----------
    first : SeedRun
        The run the notebook made step by step (``seeds[0]``, first split).
    data : Datasets
    frames : Frames
    cfg : Config
    seeds : sequence of int
    verbose : bool
        One line per run.

    Returns
    -------
    list of SeedRun
        ``first``, then the others.
    """
    runs = [first]
    for s in seeds:
        for name, split in genre_splits(data.gtzan, data_kind=data.info["data_kind"], seed=s,
                                        fractions=cfg.split_fractions).items():
            if (s, name) == (first.seed, first.split_name):
                continue
            runs.append(run_seed(s, data, frames, cfg, split_name=name, split=split))
            if verbose:
                print(f"seed {s}, {name}: {runs[-1].seconds:.0f} s, frame average "
                      f"{runs[-1].frame_average:.3f}", flush=True)
    return runs


# ----------------------------------------------------------------------------
# tables and the verdict
# ----------------------------------------------------------------------------
@timing.phase("evaluation")
def results_records(runs, cfg, *, profile, info):
    """The chapter's results as :class:`mirnb.results.Result` records, over seeds.

    One record per (split, table, method): mean and sample standard deviation over the runs'
    seeds, with the paper's number of the same row of the same table beside it (:data:`PAPER`).

    Parameters
    ----------
    runs : list of SeedRun
    cfg : Config
    profile : str
    info : dict
        ``Datasets.info``.

    Returns
    -------
    list of mirnb.results.Result
    """
    from ..results import result_from_seeds

    if not runs:
        raise ParameterError("runs is empty")

    def paper(table, row):
        n = _paper(table, row)
        return dict(paper_value=None if n is None else n.value, paper_ref=f"{_P}, {table}")

    def fields(split_name, which="gtzan"):
        return dict(chapter="hamel2010", dataset=info[which], data_kind=info["data_kind"],
                    dataset_version=info[f"{which}_version"], split=split_name,
                    profile=profile, config=cfg)

    records = []
    for split_name in dict.fromkeys(r.split_name for r in runs):
        rs = [r for r in runs if r.split_name == split_name]
        seeds = [r.seed for r in rs]
        records.append(result_from_seeds(
            [r.frame_average for r in rs], seeds=seeds,
            experiment="Table 1: fine-tuned DBN, mean of frame predictions",
            method="DBN 3 x 50 + softmax", metric="track accuracy",
            extra={"epochs_run": [r.history["epochs_run"] for r in rs]},
            **paper("Table 1", "DBN 3 x 50 + softmax"), **fields(split_name)))
        for level, table, what in (("frames", "Table 2", "RBF SVM on frames, vote"),
                                   ("windows", "Table 3", "RBF SVM on 5 s windows, vote")):
            for name in rs[0].tables[level].index:
                vals = [r.tables[level].loc[name, "test accuracy"] for r in rs]
                records.append(result_from_seeds(
                    vals, seeds=seeds, experiment=f"{table}: {what}", method=name,
                    metric="track accuracy",
                    extra={"C": [float(r.tables[level].loc[name, "C"]) for r in rs]},
                    **paper(table, name), **fields(split_name)))
        tsplit = "random " + "/".join(str(int(round(100 * f))) for f in cfg.tag_split)
        for name in rs[0].tagging:
            vals = [r.tagging[name]["mean"] for r in rs]
            if not np.all(np.isfinite(vals)):
                continue  # no tag could be scored (tiny data): nothing to report
            records.append(result_from_seeds(
                vals, seeds=seeds, experiment="Table 4: auto-tagging, balanced per-tag SVMs",
                method=name, metric="mean per-tag accuracy",
                extra={"stderr over tags": [r.tagging[name]["stderr"] for r in rs],
                       "tags scored": [r.tagging[name]["tags"] for r in rs]},
                **paper("Table 4", name), **fields(f"{tsplit} (clips)", "majorminer")))
    return records


@timing.phase("evaluation")
def tag_table(runs):
    """Table 4 in detail: mean per-tag accuracy with its standard error, per feature set.

    Returns
    -------
    pandas.DataFrame
        One row per feature set: the mean over seeds of the mean accuracy
        over tags, the mean standard error over tags, the spread over
        seeds, tags scored, the chosen ``C`` (:func:`mirnb.models.svm.tag_summary`),
        and the paper's numbers.
    """
    table = svm.tag_summary([r.tagging for r in runs])
    papers = [_paper("Table 4", name) for name in table.index]
    table["paper (Table 4)"] = ["—" if n is None else f"{n.value:.2f} (SE 0.02)" for n in papers]
    return table


@timing.phase("evaluation")
def settings_table(cfg, history=None):
    """Table 1 beside this run: the paper's DBN settings and ours.

    Parameters
    ----------
    cfg : Config
    history : dict, optional
        The fine-tuning history (for the supervised epochs actually run).

    Returns
    -------
    pandas.DataFrame
        Columns ``'paper (Table 1)'`` and ``'this run'``.
    """
    ours = OrderedDict([
        ("hidden layers", len(cfg.hidden)), ("units per layer", ", ".join(map(str, cfg.hidden))),
        ("unsupervised learning rate", cfg.pretrain_lr),
        ("supervised learning rate", cfg.finetune_lr),
        ("unsupervised epochs", cfg.pretrain_epochs),
        ("supervised epochs", (f"{history['epochs_run']} (best {history['best_epoch']}, "
                               f"at most {cfg.finetune_epochs})") if history
         else f"at most {cfg.finetune_epochs}"),
        ("training time (hours)", "see the timings below"),
        ("classification accuracy", "see Table 1 below"),
    ])
    return pd.DataFrame({"paper (Table 1)": pd.Series(TABLE1, dtype=object),
                         "this run": pd.Series(ours, dtype=object)})


@timing.phase("evaluation")
def svm_summary(runs):
    """Tables 2 and 3 over the runs: mean and spread of the test accuracy per feature set.

    Returns
    -------
    pandas.DataFrame
        Indexed by feature set (in :data:`FEATURE_SETS` order), columns
        ``('mean' | 'std', 'frames' | 'windows')`` (:func:`mirnb.models.svm.vote_summary`).
    """
    return svm.vote_summary([r.tables for r in runs]).loc[list(FEATURE_SETS)]


def _noise(*sds):
    """The larger spread over seeds; 0 with one run, where no spread is known."""
    return float(np.nanmax([0.0, *sds]))


def _compare(diff, noise):
    return "beat" if diff > noise else ("lose to" if diff < -noise else "tie with")


@timing.phase("evaluation")
def verdict(runs, *, data_kind="synthetic"):
    """Claim by claim, what the paper found and what these runs show (Markdown).

    For frames (Table 2) and 5 s windows (Table 3), the DBN feature set with the best mean
    *validation* accuracy over seeds is compared with the MFCCs through the same SVM, by
    their mean *test* accuracy; for tags (Table 4), the DBN features with the timbral and
    temporal set. A difference counts when it exceeds the larger of the two spreads over
    seeds (standard deviations); otherwise it is a tie. The text says only what the numbers
    show.

    Parameters
    ----------
    runs : list of SeedRun
    data_kind : {'synthetic', 'real'}

    Returns
    -------
    str
        Markdown.
    """
    _check.choice("data_kind", data_kind, ("synthetic", "real"))
    if not runs:
        raise ParameterError("runs is empty")
    lines = []
    for level, table in (("frames", "Table 2"), ("windows", "Table 3")):
        tabs = [r.tables[level] for r in runs]
        dbn_names = [n for n in tabs[0].index if n.startswith("DBN")]
        best = max(dbn_names, key=lambda n: np.mean([t.loc[n, "valid accuracy"] for t in tabs]))
        (m_d, s_d), (m_m, s_m) = (mean_sd([t.loc[n, "test accuracy"] for t in tabs])
                                  for n in (best, "MFCC"))
        noise = _noise(s_d, s_m)
        p_d, p_m = _paper(table, best).value, _paper(table, "MFCC").value
        lines.append(f"- **Genre, {level}** ({table}): *{best}* (chosen on validation) "
                     f"**{_compare(m_d - m_m, noise)}** MFCCs. Paper: {p_d:.3f} against "
                     f"{p_m:.3f} ({100 * (p_d - p_m):+.1f} points). Ours: "
                     f"{plus_minus(m_d, s_d)} against {plus_minus(m_m, s_m)} "
                     f"({100 * (m_d - m_m):+.1f} points; larger spread {noise:.3f}; "
                     f"{len(runs)} run(s), {data_kind}).")
    names = list(runs[0].tagging)
    vd = [r.tagging[names[0]]["mean"] for r in runs]
    vb = [r.tagging[names[1]]["mean"] for r in runs]
    if np.all(np.isfinite(vd)) and np.all(np.isfinite(vb)):
        (m_d, s_d), (m_b, s_b) = mean_sd(vd), mean_sd(vb)
        p_d, p_b = _paper("Table 4", names[0]).value, _paper("Table 4", names[1]).value
        lines.append(f"- **Tags** (Table 4): *{names[0]}* **{_compare(m_d - m_b, _noise(s_d, s_b))}"
                     f"** *{names[1]}*. Paper: {p_d:.2f} against {p_b:.2f} "
                     f"({100 * (p_d - p_b):+.0f} points). Ours: "
                     f"{plus_minus(m_d, s_d)} against {plus_minus(m_b, s_b)} "
                     f"({100 * (m_d - m_b):+.1f} points; {data_kind}).")
    else:
        lines.append("- **Tags** (Table 4): no tag had enough clips to be scored in every "
                     "run, so this run cannot test the claim.")
    return "\n".join(lines)
