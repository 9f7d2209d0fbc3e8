"""Echo-Nest-style analysis of audio, and beat-aligned features.

- :mod:`.echonest`: :func:`analyze` describes any waveform as the Echo Nest
  described the MSD's tracks (segments with chroma and timbre, beats, bars,
  sections, key, tempo), and :func:`estimate_key` finds a key from chroma;
- :mod:`.beats`: :func:`segments_to_beats` and :func:`beat_features` average
  segment-level features over beats (Dieleman et al. 2011).
"""

from .beats import BEAT_METHODS, beat_features, compare_methods, lost_beats, segments_to_beats
from .echonest import MAJOR_PROFILE, MINOR_PROFILE, Analysis, analyze, estimate_key

__all__ = ["Analysis", "analyze", "estimate_key", "MAJOR_PROFILE", "MINOR_PROFILE",
           "BEAT_METHODS", "segments_to_beats", "beat_features", "compare_methods", "lost_beats"]
