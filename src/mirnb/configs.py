"""One frozen dataclass per chapter, with the profiles smoke / default / paper.

The dataclass's defaults are the ``default`` profile's values (or the paper's,
where the chapter has a paper); :func:`profile` derives the others with
:func:`dataclasses.replace`. Each results record stores the whole config.
"""

import dataclasses
from dataclasses import dataclass

from .errors import ParameterError

__all__ = ["DataChapter", "profile", "PROFILES"]

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


_PROFILES = {
    DataChapter: {
        "smoke": dict(synth_profile="smoke", n_listen=2, tsne_perplexity=5.0,
                      min_tag_count=1),
        "default": {},
        # Chapter 0 is about the synthetic corpus: its 'paper' profile is
        # the default one.
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
