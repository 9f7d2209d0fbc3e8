"""Chapter data (chapter 0): the book's synthetic music corpus.

The chapter generates the corpus (:mod:`mirnb.synth`), listens to it, looks
at it, counts its labels, shows the MSD-style features computed from it and
measures how hard each task is with simple baselines
(:func:`mirnb.synth.calibrate`). It has no paper: its numbers describe the
book's own data.

The notebook is ``notebooks/00_data.py``; the tests are
``tests/chapters/test_data.py``.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import make_config

__all__ = ["NOTEBOOK", "Config", "config", "PAPER", "views_table", "artists_table",
           "tag_noise", "key_accuracy"]

NOTEBOOK = "notebooks/00_data.py"

#: Chapter 0 reproduces no paper.
PAPER = ()


@dataclass(frozen=True)
class Config:
    """Settings of chapter 0.

    Attributes
    ----------
    synth_profile : str
        Which synthetic corpus to use (:data:`mirnb.synth.SIZES`).
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


_CHANGES = {
    "smoke": dict(synth_profile="smoke", n_listen=2, tsne_perplexity=5.0, min_tag_count=1),
    "default": {},
    # chapter 0 is about the synthetic corpus: its 'paper' profile is the default one
    "paper": {},
}


def config(profile="default", **overrides):
    """The chapter's :class:`Config` for ``profile`` ('smoke', 'default', 'paper')."""
    return make_config(Config, _CHANGES, profile, **overrides)


def views_table(manifest):
    """One row per view of a generated corpus: tracks, seconds to make, clip length, rate."""
    return pd.DataFrame({v: {"tracks": m["n_tracks"], "seconds to make": m["seconds"],
                             "clip length (s)": m["params"]["seconds"],
                             "sample rate": m["params"]["sr"]}
                         for v, m in manifest["views"].items()}).T


def artists_table(world):
    """The artists of each genre family of a :class:`mirnb.synth.World`."""
    artists = pd.DataFrame([{"genre": a.genre, "artist": a.name} for a in world.artists])
    return artists.groupby("genre")["artist"].apply(", ".join).to_frame("artists")


def tag_noise(mtat):
    """How noisy the MagnaTagATune view's tags are against what was rendered.

    Parameters
    ----------
    mtat : mirnb.datasets.mtat.MTAT
        The synthetic view (it has ``synth_labels.csv`` with the true tags).

    Returns
    -------
    dict
        ``clips``, ``songs``, ``tags``, ``kept`` (share of true tags kept)
        and ``false_per_clip`` (false tags per clip).
    """
    truth = pd.read_csv(mtat.root / "synth_labels.csv", index_col="clip_id",
                        keep_default_na=False)
    truth.index = truth.index.astype(str)
    true_sets = truth.true_tags.str.split(";")
    noisy = mtat.labels.tags.loc[truth.index]
    kept = np.mean([len(set(n) & set(t)) / max(len(t), 1) for n, t in zip(noisy, true_sets)])
    false = np.mean([len(set(n) - set(t)) for n, t in zip(noisy, true_sets)])
    return {"clips": len(mtat), "songs": int(mtat.labels.song.nunique()),
            "tags": len(mtat.tag_names), "kept": float(kept), "false_per_clip": float(false)}


def key_accuracy(msd_view):
    """How often the analysed key of the MSD view matches the key the composer used.

    Returns
    -------
    pandas.DataFrame
        One row: tracks, key right, key and mode right, mean key confidence.
    """
    truth = pd.read_csv(msd_view.root / "synth_labels.csv", index_col="track_id")
    est = msd_view.labels.loc[truth.index]
    right_key = est.key.to_numpy() == truth.key.to_numpy()
    right_mode = est["mode"].to_numpy() == (truth["mode"] == "major").to_numpy().astype(int)
    return pd.DataFrame({"tracks": [len(est)], "key right": [right_key.mean()],
                         "key and mode right": [(right_key & right_mode).mean()],
                         "mean key confidence": [est.key_confidence.mean()]}).round(3)
