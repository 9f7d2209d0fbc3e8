"""One frozen dataclass per chapter, with the profiles smoke / default / paper.

The dataclass's defaults are the ``default`` profile's values (or the paper's,
where the chapter has a paper); :func:`profile` derives the others with
:func:`dataclasses.replace`. Each results record stores the whole config.
"""

import dataclasses
from dataclasses import dataclass

from .errors import ParameterError

__all__ = ["DataChapter", "Hamel2010", "Choi2016", "profile", "PROFILES"]

PROFILES = ("smoke", "default", "paper")


@dataclass(frozen=True)
class DataChapter:
    """Settings of chapter 0 (``notebooks/00_data.py``), the synthetic corpus.

    Attributes
    ----------
    synth_profile : str
        Which synthetic corpus to use (:data:`mirnb.datasets.synth.SIZES`).
    n_listen : int
        Clips with audio players.
    n_mfcc : int
        MFCCs in the baseline features (mean and std of each).
    hop_length, n_fft : int
        Frame settings of the baseline features.
    baseline_C : float
        Inverse L2 strength of the logistic-regression baselines.
    tsne_perplexity : float
    min_tag_count : int
        Tags with fewer positive test clips are left out of the tag AUC
        (and counted in the report).
    """

    synth_profile: str = "default"
    n_listen: int = 6
    n_mfcc: int = 20
    n_fft: int = 2048
    hop_length: int = 512
    baseline_C: float = 1.0
    tsne_perplexity: float = 30.0
    min_tag_count: int = 3


@dataclass(frozen=True)
class Hamel2010:
    """Settings of the hamel2010 chapter (``notebooks/01_hamel2010.py``).

    The defaults are the ``paper`` profile: Hamel & Eck's (2010) values where
    the paper states them (Table 1 and Sec. 4-5), and the book's own choices,
    marked *ours*, where it does not.

    Attributes
    ----------
    synth_profile : str
        Synthetic corpus used with ``dataset='synthetic'``.
    split_fractions : (float, float, float)
        Random stratified train / valid / test split of GTZAN: 50/20/30 (paper).
    sr, n_fft : int
        22050 Hz and 1024-sample (46.44 ms) frames, 513 DFT bins (paper).
    hop_length : int
        Samples between frames; ours (non-overlapping frames), as the paper's
        text gives no hop.
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
    n_tags, min_votes : int
        The 25 most frequent Majorminer tags, a tag counting when at least 2
        players gave it (paper).
    tag_split : (float, float, float)
        Random train / valid / test split of the Majorminer clips (ours).
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
    hop_length: int = 1024
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


@dataclass(frozen=True)
class Choi2016:
    """Settings of the ``choi2016`` chapter (``notebooks/05_choi2016.py``).

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
        *paper*: 512, 256, 96 (log-amplitude mel spectrogram).
    n_mfcc : int
        MFCCs of the MFCC input, with deltas and delta-deltas (*paper*: 30).
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
        Early stopping on validation AUC (*paper*: early stopping; the
        numbers are *ours*).
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
    n_mfcc: int = 30
    depths_i: tuple = (3, 4, 5)
    depths_ii: tuple = (3, 4, 5, 6, 7)
    width: float = 1.0
    dropout: float = 0.5
    learning_rate: float = 0.001
    batch_size: int = 32
    max_epochs: int = 100
    patience: int = 5
    front_end: str = "precomputed"
    mixed_precision: bool = False
    checkpoints: bool = True
    baseline_n_mfcc: int = 20
    baseline_C: float = 1.0
    n_show: int = 3

    def plan(self, *, profile, experiment="all", depth=None, dataset=None, front_end=None):
        """Resolve the chapter's switches into what to run, checking each one.

        Parameters
        ----------
        profile : {'smoke', 'default', 'paper'}
        experiment : {'all', 'I', 'II'}
        depth : int in 3..7 or None
            Run only this FCN depth (None: every depth of the experiment).
            Experiment I's STFT and MFCC variants are FCN-4 variants: they
            run when ``depth`` is None or 4.
        dataset : {'synthetic', 'real'} or None
            None: real data for the ``paper`` profile, synthetic otherwise.
        front_end : {'precomputed', 'device'} or None
            None: this config's.

        Returns
        -------
        dict
            ``experiments`` (list), ``depths_i``, ``depths_ii``,
            ``variants`` (bool), ``real`` (bool), ``front_end``.
        """
        if profile not in PROFILES:
            raise ParameterError(f"profile={profile!r}: expected one of {list(PROFILES)}")
        exps = {"all": ["I", "II"], "I": ["I"], "II": ["II"]}
        if experiment not in exps:
            raise ParameterError(f"experiment={experiment!r}: expected 'all', 'I' or 'II'")
        depths = sorted(set(self.depths_i) | set(self.depths_ii))
        if depth is not None and (isinstance(depth, bool) or depth not in depths):
            raise ParameterError(f"depth={depth!r}: expected None or one of {depths}")
        if dataset not in (None, "synthetic", "real"):
            raise ParameterError(f"dataset={dataset!r}: expected None, 'synthetic' or 'real'")
        front_end = self.front_end if front_end is None else front_end
        if front_end not in ("precomputed", "device"):
            raise ParameterError(f"front_end={front_end!r}: expected 'precomputed' or "
                                 "'device'")
        plan = {"experiments": exps[experiment],
                "depths_i": [d for d in self.depths_i if depth in (None, d)],
                "depths_ii": [d for d in self.depths_ii if depth in (None, d)],
                "variants": depth in (None, 4),
                "real": profile == "paper" if dataset is None else dataset == "real",
                "front_end": front_end}
        plan["experiments"] = [e for e in plan["experiments"]
                               if plan["depths_i" if e == "I" else "depths_ii"]
                               or (e == "I" and plan["variants"])]
        if not plan["experiments"]:
            raise ParameterError(f"depth={depth!r} is in no experiment asked for "
                                 f"(experiment={experiment!r}: depths {list(self.depths_i)} "
                                 f"in I, {list(self.depths_ii)} in II)")
        return plan


_PROFILES = {
    DataChapter: {
        "smoke": dict(synth_profile="smoke", n_listen=2, tsne_perplexity=5.0,
                      min_tag_count=1),
        "default": {},
        # Chapter 0 is about the synthetic corpus: its 'paper' profile is
        # the default one.
        "paper": {},
    },
    Hamel2010: {
        # seconds on the smoke corpus: a step or two per phase
        "smoke": dict(synth_profile="smoke", hop_length=2048, hidden=(50, 50, 50),
                      pretrain_epochs=1, pretrain_batch_size=64, pretrain_lr=0.01,
                      finetune_epochs=2, finetune_patience=1, finetune_batch_size=64,
                      svm_frames=300, svm_C=(1.0, 10.0), eval_frames=10, n_tags=10,
                      min_tag_clips=1, tsne_points=150, tsne_perplexity=10.0,
                      tsne_iter=100, n_seeds=2),
        # the synthetic default corpus within about 6 minutes on a 2-core CPU
        "default": dict(hop_length=2048, pretrain_lr=0.01, pretrain_batch_size=100,
                        pretrain_frames=20000, finetune_epochs=40, finetune_patience=5,
                        finetune_batch_size=100, svm_frames=2000, svm_C=(1.0, 10.0),
                        eval_frames=25, min_tag_clips=4, tsne_points=1500),
        # the paper's data and settings
        "paper": {},
    },
    Choi2016: {
        # seconds on the smoke corpus: one epoch of tiny models
        "smoke": dict(synth_profile="smoke", duration=None, hop_length=512, n_mels=32,
                      n_tags=20, depths_i=(4,), depths_ii=(7,), width=1 / 32, max_epochs=1,
                      patience=1, batch_size=16,
                      checkpoints=False, baseline_n_mfcc=13, n_show=1),
        # the synthetic default corpus on a 2-core CPU. The paper's 512-point
        # (43 ms) frames, but a hop of 1024 (a quarter of the paper's frame
        # rate; the frames no longer overlap) and 48 mel bands: a 10 s clip
        # is 48 x 118. Every layer 1/8 as wide as the paper's. At that width
        # dropout 0.5 after every pooling left FCN-4 at a validation AUC of
        # 0.64 after 12 epochs, dropout 0.1 and batches of 16 at 0.76-0.78.
        "default": dict(duration=None, hop_length=1024, n_mels=48, width=1 / 8,
                        dropout=0.1, batch_size=16, max_epochs=12, patience=3,
                        checkpoints=False),
        # the paper's data and settings
        "paper": {},
    },
}


def profile(cls, name):
    """Return the config of ``cls`` for the profile ``name``.

    Parameters
    ----------
    cls : type
        A chapter's config dataclass, e.g. :class:`DataChapter`.
    name : {'smoke', 'default', 'paper'}
    """
    if name not in PROFILES:
        raise ParameterError(f"profile={name!r}: expected one of {list(PROFILES)}")
    if cls not in _PROFILES:
        raise ParameterError(f"{cls!r} is not a chapter config")
    return dataclasses.replace(cls(), **_PROFILES[cls][name])
