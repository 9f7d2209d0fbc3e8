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

from .. import _check, timing
from ..datasets.msd.tasks import dieleman_genre_table
from . import make_config

__all__ = ["NOTEBOOK", "Config", "config", "PAPER", "corpus", "views_table", "artists_table",
           "tag_noise", "key_accuracy", "tracks_per_artist", "genre_mapping"]

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


@timing.phase("corpus")
def corpus(cfg, *, data_home=None, verbose=True):
    """Generate the synthetic corpus of ``cfg.synth_profile``, or reuse it when up to date.

    Returns
    -------
    dict
        The manifest of :func:`mirnb.synth.generate`.
    """
    from .. import synth

    return synth.generate(cfg.synth_profile, data_home=data_home, verbose=verbose)


@timing.phase("corpus")
def views_table(manifest):
    """One row per view of a generated corpus: tracks, seconds to make, clip length, rate."""
    return pd.DataFrame({v: {"tracks": m["n_tracks"], "seconds to make": m["seconds"],
                             "clip length (s)": m["params"]["seconds"],
                             "sample rate": m["params"]["sr"]}
                         for v, m in manifest["views"].items()}).T.astype(
        {"tracks": int, "sample rate": int})


@timing.phase("corpus")
def artists_table(world):
    """The artists of each genre family of a :class:`mirnb.synth.World`."""
    artists = pd.DataFrame([{"genre": a.genre, "artist": a.name} for a in world.artists])
    return artists.groupby("genre")["artist"].apply(", ".join).to_frame("artists")


@timing.phase("corpus")
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


@timing.phase("corpus")
def key_accuracy(msd_view):
    """How often the analysed key of the MSD view matches the key the composer used.

    The MSD's keys are the Echo Nest analyser's estimates, and Dieleman et
    al. (2011) used them as labels, only for tracks with a high key
    confidence. The synthetic view's keys come from :mod:`mirnb.analysis`
    in the same way, and ``synth_labels.csv`` holds the rendered truth.

    Parameters
    ----------
    msd_view : mirnb.datasets.msd.MSD
        The synthetic MSD view.

    Returns
    -------
    pandas.DataFrame
        Rows ``'all tracks'`` and ``'more confident half'`` (the half of
        the tracks with the highest key confidence, at least one track);
        columns ``tracks``, ``tonic right``, ``tonic and mode right``,
        ``relative key`` (the estimate is the rendered key's relative major
        or minor: same notes, other tonic), ``tonic a fifth away`` and
        ``mean key confidence``. Shares are fractions of the row's tracks.
    """
    truth = pd.read_csv(msd_view.root / "synth_labels.csv", index_col="track_id")
    est = msd_view.labels.loc[truth.index]
    key, true_key = est.key.to_numpy(dtype=int), truth.key.to_numpy(dtype=int)
    major, true_major = est["mode"].to_numpy() == 1, (truth["mode"] == "major").to_numpy()
    right_key = key == true_key
    relative = (major != true_major) & (key == np.where(true_major, true_key + 9,
                                                        true_key + 3) % 12)
    fifth = np.isin((key - true_key) % 12, (5, 7))
    conf = est.key_confidence.to_numpy(dtype=float)
    half = np.zeros(len(est), dtype=bool)
    half[np.argsort(-conf, kind="stable")[:max(1, len(est) // 2)]] = True
    rows = {}
    for name, sel in (("all tracks", np.ones(len(est), dtype=bool)),
                      ("more confident half", half)):
        rows[name] = {"tracks": int(sel.sum()), "tonic right": right_key[sel].mean(),
                      "tonic and mode right": (right_key & (major == true_major))[sel].mean(),
                      "relative key": relative[sel].mean(),
                      "tonic a fifth away": fifth[sel].mean(),
                      "mean key confidence": conf[sel].mean()}
    return pd.DataFrame(rows).T.astype({"tracks": int}).round(3)


@timing.phase("corpus")
def tracks_per_artist(msd_view, *, at_least=10):
    """How many tracks each artist of the MSD view has.

    Parameters
    ----------
    msd_view : mirnb.datasets.msd.MSD
    at_least : int > 0
        Count the artists with at least this many tracks (10: the artist
        task's 8/1/1 split; Dieleman et al. took 100 of each of 50 artists).

    Returns
    -------
    pandas.DataFrame
        One row: ``artists``, ``min``, ``median`` and ``max`` tracks per
        artist, and ``artists with >= at_least``.
    """
    at_least = _check.positive_int("at_least", at_least)
    counts = msd_view.labels["artist_id"].value_counts()
    return pd.DataFrame({"artists": [len(counts)], "min": [int(counts.min())],
                         "median": [float(counts.median())], "max": [int(counts.max())],
                         f"artists with >= {at_least}": [int((counts >= at_least).sum())]},
                        index=["tracks per artist"])


@timing.phase("corpus")
def genre_mapping(msd_view=None):
    """The paper's 20 genres beside the families that stand for them, with track counts.

    Parameters
    ----------
    msd_view : mirnb.datasets.msd.MSD or None
        With a view, add its tracks per family (its artists' MusicBrainz
        tag is the family's name).

    Returns
    -------
    pandas.DataFrame
        :func:`mirnb.datasets.msd.dieleman_genre_table`, plus
        ``'tracks'`` with a view.
    """
    table = dieleman_genre_table()
    if msd_view is not None:
        counts = msd_view.labels["genre"].value_counts()
        table["tracks"] = table["synthetic family"].map(counts).fillna(0).astype(int)
    return table
