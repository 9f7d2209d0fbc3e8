"""What the composer writes and the renderer plays: notes, hits, chords, sections, mix.

A :class:`Score` holds one clip: :meth:`~mirnb.synth.World.compose` writes
it and :func:`~mirnb.synth.render` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .vocabulary import key_name

if TYPE_CHECKING:
    from .artists import Artist

__all__ = ["Note", "DrumHit", "Chord", "Section", "Mix", "Score"]


@dataclass(frozen=True, slots=True)
class Note:
    """One pitched note: onset and duration in seconds from the clip start
    (the onset may be negative for a note still sounding at 0), MIDI pitch,
    velocity in (0, 1.5] and a variant (vowel and consonant for voices)."""

    onset: float
    duration: float
    pitch: int
    velocity: float
    variant: int = 0


@dataclass(frozen=True, slots=True)
class DrumHit:
    """One drum or percussion hit: onset (s), sound name, velocity."""

    onset: float
    sound: str
    velocity: float


@dataclass(frozen=True)
class Chord:
    """A chord of the progression, in clip seconds: root pitch class,
    quality (``'maj'``, ``'m7'``, ``'5'``, ...) and its Roman numeral."""

    onset: float
    end: float
    root: int
    quality: str
    symbol: str


@dataclass(frozen=True)
class Section:
    """A section of the song as heard in the clip (times in clip seconds)."""

    name: str
    onset: float
    end: float
    progression: str
    comping: str
    bars: int


@dataclass(frozen=True)
class Mix:
    """Production settings of one clip.

    Attributes
    ----------
    gains : dict
        Level of each instrument's part, in dB relative to a reference.
    sends : dict
        Reverb send of each part in [0, 1].
    tilt, lofi, distortion, reverb, reverb_time, compression, loudness : float
        See :class:`~mirnb.synth.Genre`; ``loudness`` is the target RMS level (dBFS).
    """

    gains: dict = field(hash=False)
    sends: dict = field(hash=False)
    tilt: float
    lofi: float
    distortion: float
    reverb: float
    reverb_time: float
    compression: float
    loudness: float


@dataclass
class Score:
    """Everything :func:`~mirnb.synth.render` needs for one clip, and the composer's intent.

    Attributes
    ----------
    genre : str
        Genre name.
    artist : Artist
        The artist.
    title : str
        A made-up title.
    key : int
        Tonic pitch class, 0 = C.
    mode : {'major', 'minor'}
        Mode.
    tempo : float
        Tempo in bpm (constant over the clip).
    time_signature : int
        Beats per bar (3 or 4).
    swing : float
        Swing amount (see :class:`~mirnb.synth.Genre`).
    swing_unit : float
        Swung subdivision in beats.
    duration : float
        Clip length in seconds.
    loudness : float
        Target RMS level in dBFS.
    instruments : tuple of str
        Instruments with at least one note or hit in the clip, sorted.
    vocal : bool
        Whether a voice or choir was composed into the clip.
    voice : {'male', 'female'} or None
        Register of the lead voice, when there is one.
    sections : tuple of Section
        Sections heard in the clip.
    chords : tuple of Chord
        Chords heard in the clip.
    notes : dict of str to tuple of Note
        Pitched notes per instrument.
    hits : dict of str to tuple of DrumHit
        Hits of ``'drums'`` and ``'percussion'``.
    beats, downbeats : np.ndarray
        Beat and bar-start times (s) within ``[0, duration)``.
    drum_pattern : str or None
        Main drum pattern.
    drum_kit : {'acoustic', 'electronic'}
        Kit or drum machine.
    mix : Mix
        Production settings.
    timbre : dict
        Synthesis parameters per instrument (from the artist).
    entropy : tuple of int
        Seed material of the clip (render noise derives from it).
    """

    genre: str
    artist: Artist
    title: str
    key: int
    mode: str
    tempo: float
    time_signature: int
    swing: float
    swing_unit: float
    duration: float
    loudness: float
    instruments: tuple
    vocal: bool
    voice: str | None
    sections: tuple
    chords: tuple
    notes: dict
    hits: dict
    beats: np.ndarray
    downbeats: np.ndarray
    drum_pattern: str | None
    drum_kit: str
    mix: Mix
    timbre: dict
    entropy: tuple

    @property
    def key_name(self):
        """Name of the key, such as ``'F# minor'``."""
        return key_name(self.key, self.mode)
