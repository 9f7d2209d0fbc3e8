"""A deterministic procedural composer and renderer: the book's own music.

The real datasets of the five papers cannot ship with the book, so the book
ships a world of its own. This module composes and renders it, in NumPy and
SciPy only, without data files.

The world has 20 style families (:data:`GENRES`). Ten play GTZAN's roles
(:data:`GTZAN_GENRES`) and the other ten complete the genre list of Dieleman
et al. (2011) (:data:`OTHER_GENRES`). Each family is a :class:`Genre`: a set
of overlapping distributions over tempo, metre, swing, drum patterns, bass
style, chord-progression templates, mode, instrumentation, brightness,
distortion, reverb, loudness and dynamics. Each genre has several
:class:`Artist` s; an artist fixes a signature drawn from its genre (timbre
set, tempo centre, key preferences, mix colouring). A :class:`World` holds
the artists and composes clips (:meth:`World.compose`) into a :class:`Score`,
and :func:`render` turns a score into audio and labels. The labels are taken
from what was rendered: the instruments that are audible, the tempo and beat
times actually used, the loudness measured on the output, and the tags that
follow from them (:data:`TAGS`). :func:`noisy_tags` adds crowd-like noise.

How the music is made
---------------------
* Harmony: per-genre progression templates in Roman numerals (12-bar blues,
  ii-V-I, i-bVI-bIII-bVII, modal vamps, power-chord riffs), voiced near a
  register centre; songs have sections (intro, verse, chorus, bridge, outro)
  with their own template, comping pattern and density.
* Bass: follows the chord roots in a genre style (walking, root-fifth,
  sustained, syncopated, octaves, boogie, tumbao, reggae).
* Melody: a lead line from the key's scale (or the blues / pentatonic scale),
  chord tones on strong beats, with motifs that repeat within a section;
  sung clips use a formant-filtered voice with vibrato (or rap-like speech).
* Rhythm: kick / snare / hat grids per genre and metre, swing, fills and
  crashes at section boundaries, hand percussion; some families have no drums.
* Timbres: plucked strings (Karplus-Strong), struck (piano: decaying
  inharmonic partials; marimba), FM electric piano, bowed (band-limited saw,
  slow attack, vibrato), blown (sine plus breath), reeds, brass, drawbar
  organ, detuned-saw synths through a resonant low-pass, voice and choir
  (sawtooth-like source shaped by vowel formants).
* Production: per-instrument gains, guitar distortion, reverb (convolution
  with a decaying noise impulse response), spectral tilt, recording bandwidth
  and hiss, compression, and a normalisation to the clip's loudness under a
  soft peak limit.

Everything is rendered by adding note waveforms, each synthesised once per
(instrument, pitch, vowel) and cached for the clip, into a buffer; there is
no per-sample Python loop. A 10 s clip at 22050 Hz renders in roughly 0.1 s
on one core.

Determinism: a clip depends only on (world seed, artist, clip seed) and its
window; the same (world seed, artist, clip seed, duration, sr) gives
bit-identical audio and labels. A longer clip with the same seed starts with
the same music as a shorter one. Seeds are derived with
:class:`numpy.random.SeedSequence`, never with Python's salted ``hash``.

Used by :mod:`mirnb.datasets.synth` (the GTZAN, MagnaTagATune and MSD views)
and introduced in notebook ``00_data``; ``benchmarks/calibrate_synth.py``
measures how hard the corpus is for simple baselines.

References
----------
.. [1] K. Karplus and A. Strong, "Digital synthesis of plucked-string and drum
   timbres", Computer Music Journal 7(2), 1983.
.. [2] D. A. Jaffe and J. O. Smith, "Extensions of the Karplus-Strong
   plucked-string algorithm", Computer Music Journal 7(2), 1983.
.. [3] H. Fletcher, "Normal vibration frequencies of a stiff piano string",
   JASA 36(1), 1964 (inharmonicity f_k = k f0 sqrt(1 + B k^2)).
.. [4] J. Chowning, "The synthesis of complex audio spectra by means of
   frequency modulation", JAES 21(7), 1973.
.. [5] G. E. Peterson and H. L. Barney, "Control methods used in a study of
   the vowels", JASA 24(2), 1952 (the vowel formant frequencies).
.. [6] G. Tzanetakis and P. Cook, "Musical genre classification of audio
   signals", IEEE TSAP 10(5), 2002 (GTZAN, whose roles ten families play).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from . import _check
from .errors import ParameterError

__all__ = [
    "GTZAN_GENRES", "OTHER_GENRES", "GENRES", "INSTRUMENTS", "TAGS", "PITCH_CLASSES",
    "Genre", "Artist", "Note", "DrumHit", "Chord", "Section", "Mix", "Score", "World",
    "render", "noisy_tags", "key_name",
]

# ---------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------

#: The ten families that play GTZAN's genres, in GTZAN's order.
GTZAN_GENRES = ("blues", "classical", "country", "disco", "hiphop",
                "jazz", "metal", "pop", "reggae", "rock")
#: Ten more families, which with the ten above make a 20-genre list like the
#: one Dieleman et al. (2011) used on the Million Song Dataset.
OTHER_GENRES = ("ambient", "electronic", "folk", "funk", "gospel",
                "latin", "punk", "rnb", "soul", "world")
#: All 20 style families, GTZAN's first.
GENRES = GTZAN_GENRES + OTHER_GENRES

#: Pitch-class names, 0 = C, with sharps.
PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

# name: (synthesis engine, lowest MIDI note, highest MIDI note, electric?)
_INSTRUMENT_INFO = {
    "accordion": ("reed", 48, 84, False),
    "acoustic guitar": ("plucked", 40, 81, False),
    "banjo": ("plucked", 48, 84, False),
    "bass": ("plucked", 28, 60, True),
    "brass": ("brass", 48, 82, False),
    "cello": ("bowed", 36, 72, False),
    "choir": ("voice", 45, 79, False),
    "distorted guitar": ("plucked", 40, 86, True),
    "drums": ("drums", 0, 127, False),
    "electric piano": ("fm", 40, 88, True),
    "flute": ("blown", 60, 96, False),
    "guitar": ("plucked", 40, 86, True),
    "harmonica": ("reed", 55, 86, False),
    "harp": ("plucked", 36, 91, False),
    "harpsichord": ("plucked", 36, 86, False),
    "marimba": ("struck", 45, 89, False),
    "organ": ("organ", 36, 88, True),
    "percussion": ("drums", 0, 127, False),
    "piano": ("struck", 28, 100, False),
    "saxophone": ("reed", 49, 81, False),
    "sitar": ("plucked", 48, 81, False),
    "strings": ("bowed", 40, 91, False),
    "synth": ("synth", 36, 96, True),
    "synth bass": ("synth", 24, 60, True),
    "synth pad": ("synth", 36, 91, True),
    "upright bass": ("plucked", 28, 60, False),
    "violin": ("bowed", 55, 100, False),
    "voice": ("voice", 40, 84, False),
}

#: The timbre kinds the renderer knows, sorted. Each is also a tag.
INSTRUMENTS = tuple(sorted(_INSTRUMENT_INFO))

_ELECTRONIC_INSTRUMENTS = ("synth", "synth bass", "synth pad")
_DESCRIPTOR_TAGS = (
    "acoustic", "beat", "calm", "dance", "dark", "drum machine", "electronic",
    "energetic", "fast", "female vocal", "happy", "heavy", "loud", "male vocal",
    "mellow", "no beat", "no vocals", "quiet", "sad", "slow", "soft", "solo", "vocal",
)

#: The tag vocabulary, sorted alphabetically (69 tags): the 28 instrument
#: names, the 20 genre names and 22 descriptors. Every name is one tag;
#: ``'electronic'`` is both a genre and a descriptor (true for the
#: electronic genre and for any clip with a synthesiser or drum machine).
#: The rules that make a tag true are in :func:`render`.
TAGS = tuple(sorted(set(INSTRUMENTS) | set(GENRES) | set(_DESCRIPTOR_TAGS)))

#: Tempo (bpm) from which a clip is tagged 'fast', and up to which 'slow'.
FAST_BPM, SLOW_BPM = 135.0, 85.0
#: RMS level (dBFS) from which a clip is tagged 'loud', and up to which 'quiet'.
LOUD_DB, QUIET_DB = -13.0, -21.0

_SR_RANGE = (4000, 192000)
_MAX_DURATION = 600.0


def key_name(key, mode):
    """Return the name of a key, such as ``'F# minor'``.

    Parameters
    ----------
    key : int in [0, 11]
        Tonic pitch class, 0 = C.
    mode : {'major', 'minor'}
        Mode.

    Returns
    -------
    str
    """
    if isinstance(key, bool) or not isinstance(key, (int, np.integer)) or not 0 <= key <= 11:
        raise ParameterError(f"key={key!r}: expected an integer in [0, 11]")
    _check.choice("mode", mode, ("major", "minor"))
    return f"{PITCH_CLASSES[int(key)]} {mode}"


# ---------------------------------------------------------------------------
# Data classes
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Genre:
    """A style family: overlapping distributions the composer draws from.

    Pairs ``(mean, sd)`` are normal distributions (clipped where needed);
    ``(item, weight)`` tuples are categorical distributions.

    Attributes
    ----------
    name : str
        Genre name, one of :data:`GENRES`.
    tempo : (float, float)
        Tempo in bpm, mean and standard deviation.
    metre : tuple of (int, float)
        Beats per bar (3 or 4) and probability.
    swing : (float, float)
        Swing amount in [0, 0.4]: the off-beat of each swing unit is delayed
        by this fraction of the unit (1/3 is a triplet shuffle).
    swing_unit : float
        The swung subdivision in beats: 0.5 (eighths) or 0.25 (sixteenths).
    p_major : float
        Probability of a major key.
    progressions_major, progressions_minor : tuple of str
        Chord-progression templates: bars separated by spaces, two chords in
        one bar separated by a comma, chords in Roman numerals relative to
        the tonic (``'ii7,V7 Imaj7'``, ``'i5 bVI5 bVII5'``).
    melody_scale : {'mode', 'blues', 'pentatonic'}
        Scale of the lead line.
    comping, bass_styles, drum_patterns, percussion : tuple of str
        Pattern names the artists choose from (empty: never).
    p_drums, p_drum_machine, p_percussion : float
        Probability that an artist uses drums, a drum machine rather than a
        kit, and hand percussion.
    harmony, bass, lead, pad : tuple of (str or None, float)
        Instrument distributions per role (None: the role is empty).
    p_lead, p_pad : float
        Probability of an instrumental lead and of a pad in a clip.
    p_vocal, p_female : float
        Probability of a sung (or rapped) lead, and of a female voice.
    vocal_style : {'sung', 'rap', 'opera'}
        How the voice delivers the melody.
    melody_density : float
        Mean number of melody onsets per beat.
    tilt, lofi, distortion, reverb, reverb_time, loudness, compression : (float, float)
        Mix colouring: spectral tilt (dB above vs below 700 Hz), recording
        age in [0, 1] (bandwidth and hiss), guitar drive in [0, 1], reverb
        send in [0, 1], reverb time (s), RMS loudness (dBFS) and compression
        amount in [0, 1] (less dynamics).
    form : tuple of (str, int)
        Song form: section names and nominal lengths in bars.
    """

    name: str
    tempo: tuple
    metre: tuple
    swing: tuple
    swing_unit: float
    p_major: float
    progressions_major: tuple
    progressions_minor: tuple
    melody_scale: str
    comping: tuple
    bass_styles: tuple
    drum_patterns: tuple
    p_drums: float
    p_drum_machine: float
    percussion: tuple
    p_percussion: float
    harmony: tuple
    bass: tuple
    lead: tuple
    p_lead: float
    pad: tuple
    p_pad: float
    p_vocal: float
    p_female: float
    vocal_style: str
    melody_density: float
    tilt: tuple
    lofi: tuple
    distortion: tuple
    reverb: tuple
    reverb_time: tuple
    loudness: tuple
    compression: tuple
    form: tuple


@dataclass(frozen=True)
class Artist:
    """An artist: a signature drawn from its genre.

    Attributes
    ----------
    artist_id : str
        ``'AR'`` and 16 upper-case hex digits, stable for a (world seed,
        genre, index).
    name : str
        A made-up pronounceable name.
    genre : str
        The artist's genre.
    index : int
        Position of the artist within its genre.
    harmony : tuple of str
        Chord instruments: the usual one, then an occasional alternative.
    bass, lead, pad : str or None
        Bass, instrumental-lead and pad instruments.
    p_lead, p_pad, p_vocal, p_drums, p_percussion : float
        Per-clip probabilities of those parts.
    voice : {'male', 'female'}
        Register of the artist's singer.
    drum_kit : {'acoustic', 'electronic'}
        Drum kit or drum machine.
    tempo, tempo_sd : float
        Tempo centre and spread (bpm).
    metre : tuple of (int, float)
        Beats per bar and probability.
    key_weights : tuple of 12 float
        Preference over tonics (sums to 1).
    p_major, swing : float
        Major-key probability and swing amount.
    progressions_major, progressions_minor, comping, bass_styles, drum_patterns, percussion : tuple of str
        The artist's share of the genre's patterns.
    melody_density : float
        Melody onsets per beat.
    tilt, lofi, distortion, reverb, reverb_time, loudness, compression : float
        Mix colouring (see :class:`Genre`).
    tightness : float
        Timing spread of the players (s).
    timbre : dict
        Synthesis parameters per instrument, ``'kit'`` (drum tuning),
        ``'levels'`` (dB offsets per role) and ``'centres'`` (register
        offsets in semitones per role). Each clip varies the numeric
        parameters around these.
    """

    artist_id: str
    name: str
    genre: str
    index: int
    harmony: tuple
    bass: str | None
    lead: str | None
    pad: str | None
    p_lead: float
    p_pad: float
    p_vocal: float
    p_drums: float
    p_percussion: float
    voice: str
    drum_kit: str
    tempo: float
    tempo_sd: float
    metre: tuple
    key_weights: tuple
    p_major: float
    swing: float
    progressions_major: tuple
    progressions_minor: tuple
    comping: tuple
    bass_styles: tuple
    drum_patterns: tuple
    percussion: tuple
    melody_density: float
    tilt: float
    lofi: float
    distortion: float
    reverb: float
    reverb_time: float
    loudness: float
    compression: float
    tightness: float
    timbre: dict = field(hash=False, repr=False)


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
        See :class:`Genre`; ``loudness`` is the target RMS level (dBFS).
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
    """Everything :func:`render` needs for one clip, and the composer's intent.

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
        Swing amount (see :class:`Genre`).
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


# ---------------------------------------------------------------------------
# The genre table
# ---------------------------------------------------------------------------

_POP_FORM = (("intro", 4), ("verse", 8), ("chorus", 8), ("verse", 8), ("chorus", 8),
             ("bridge", 4), ("chorus", 8), ("outro", 4))


def _genre(name, **kw):
    base = dict(
        metre=((4, 1.0),), swing=(0.0, 0.0), swing_unit=0.5, melody_scale="mode",
        percussion=(), p_percussion=0.0, p_drum_machine=0.0, p_lead=0.7, p_pad=0.3,
        vocal_style="sung", melody_density=1.0, distortion=(0.03, 0.03),
        form=_POP_FORM,
    )
    base.update(kw)
    return Genre(name=name, **base)


_GENRE_SPECS = {g.name: g for g in (
    _genre(
        "blues", tempo=(92, 16), metre=((4, 0.85), (3, 0.15)), swing=(0.26, 0.06),
        p_major=0.7,
        progressions_major=("I7 I7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 V7",
                            "I7 IV7 I7 I7 IV7 IV7 I7 I7 V7 IV7 I7 I7",
                            "I7 I7 IV7 I7 V7 IV7 I7 V7"),
        progressions_minor=("i7 i7 i7 i7 iv7 iv7 i7 i7 bVI7 V7 i7 V7", "i7 iv7 i7 V7"),
        melody_scale="blues", comping=("quarter", "charleston", "sustain", "eighths"),
        bass_styles=("boogie", "walking", "root"), drum_patterns=("shuffle", "rock"),
        p_drums=0.85, p_drum_machine=0.02,
        harmony=(("guitar", 0.45), ("piano", 0.3), ("organ", 0.15), ("acoustic guitar", 0.1)),
        bass=(("bass", 0.6), ("upright bass", 0.4)),
        lead=(("guitar", 0.45), ("harmonica", 0.25), ("saxophone", 0.15), ("piano", 0.15)),
        pad=(("organ", 0.5), ("brass", 0.5)), p_pad=0.15,
        p_vocal=0.6, p_female=0.3, melody_density=0.8,
        tilt=(-1.5, 1.5), lofi=(0.5, 0.2), distortion=(0.15, 0.1), reverb=(0.25, 0.1),
        reverb_time=(1.2, 0.4), loudness=(-18, 2.5), compression=(0.4, 0.2),
        form=(("intro", 4), ("verse", 12), ("verse", 12), ("solo", 12), ("verse", 12),
              ("outro", 4))),
    _genre(
        "classical", tempo=(92, 22), metre=((4, 0.6), (3, 0.4)), p_major=0.6,
        progressions_major=("I IV V I", "I vi ii V", "I V vi iii IV I IV V", "I ii V I",
                            "I IV I V"),
        progressions_minor=("i iv V i", "i bVI iv V", "i iv bVII bIII bVI iio V i", "i V i V"),
        comping=("alberti", "arpeggio8", "sustain", "half"), bass_styles=("sustained", "root"),
        drum_patterns=(), p_drums=0.0,
        harmony=(("piano", 0.45), ("strings", 0.35), ("harpsichord", 0.1), ("harp", 0.1)),
        bass=(("cello", 0.5), ("upright bass", 0.2), (None, 0.3)),
        lead=(("violin", 0.35), ("flute", 0.3), ("piano", 0.2), ("brass", 0.15)),
        p_lead=0.85, pad=(("strings", 0.7), ("choir", 0.3)), p_pad=0.3,
        p_vocal=0.08, p_female=0.6, vocal_style="opera", melody_density=1.2,
        tilt=(-2.0, 1.5), lofi=(0.3, 0.25), distortion=(0.0, 0.0), reverb=(0.45, 0.12),
        reverb_time=(2.2, 0.5), loudness=(-24, 3), compression=(0.1, 0.1),
        form=(("theme", 8), ("theme", 8), ("episode", 8), ("theme", 8))),
    _genre(
        "country", tempo=(112, 16), metre=((4, 0.85), (3, 0.15)), swing=(0.06, 0.05),
        p_major=0.9,
        progressions_major=("I IV I V", "I I IV IV V V I I", "I V IV I", "I IV V I",
                            "I vi IV V"),
        progressions_minor=("i bVII bVI bVII", "i iv bVII bIII"),
        melody_scale="pentatonic", comping=("strum", "quarter", "eighths", "sustain"),
        bass_styles=("root_fifth", "root"), drum_patterns=("train", "rock"), p_drums=0.85,
        harmony=(("acoustic guitar", 0.55), ("guitar", 0.2), ("piano", 0.15), ("banjo", 0.1)),
        bass=(("bass", 0.8), ("upright bass", 0.2)),
        lead=(("violin", 0.3), ("guitar", 0.3), ("harmonica", 0.15), ("banjo", 0.15),
              ("piano", 0.1)),
        pad=(("organ", 0.4), ("strings", 0.6)), p_pad=0.2,
        p_vocal=0.7, p_female=0.4, melody_density=1.0,
        tilt=(0.0, 1.5), lofi=(0.25, 0.2), distortion=(0.05, 0.05), reverb=(0.2, 0.1),
        reverb_time=(1.0, 0.3), loudness=(-17, 2.5), compression=(0.45, 0.2)),
    _genre(
        "disco", tempo=(120, 6), swing=(0.03, 0.03), swing_unit=0.25, p_major=0.45,
        progressions_major=("Imaj7 ii7", "ii7 V7 Imaj7 vi7", "IV I", "Imaj7 IVmaj7"),
        progressions_minor=("i7 iv7", "i7 bVII bVI bVII", "i7 i7 iv7 iv7"),
        comping=("stabs", "offbeat8", "eighths", "sustain"),
        bass_styles=("octaves", "syncopated"), drum_patterns=("disco", "four_floor"),
        p_drums=1.0, p_drum_machine=0.2, percussion=("shaker", "conga"), p_percussion=0.4,
        harmony=(("guitar", 0.35), ("electric piano", 0.25), ("strings", 0.2),
                 ("piano", 0.1), ("synth", 0.1)),
        bass=(("bass", 0.75), ("synth bass", 0.25)),
        lead=(("strings", 0.3), ("brass", 0.3), ("synth", 0.2), ("flute", 0.1),
              ("saxophone", 0.1)),
        pad=(("strings", 0.7), ("synth pad", 0.3)), p_pad=0.5,
        p_vocal=0.6, p_female=0.7, melody_density=1.0,
        tilt=(1.0, 1.5), lofi=(0.2, 0.15), reverb=(0.25, 0.1), reverb_time=(1.2, 0.3),
        loudness=(-15, 2), compression=(0.6, 0.15)),
    _genre(
        "hiphop", tempo=(92, 9), swing=(0.15, 0.08), swing_unit=0.25, p_major=0.3,
        progressions_major=("I vi", "IV V iii vi", "Imaj7 IVmaj7"),
        progressions_minor=("i bVI", "i iv", "i bVII bVI V", "i7 iv7", "i bIII bVII iv"),
        melody_scale="pentatonic", comping=("sustain", "stabs", "half"),
        bass_styles=("syncopated", "root", "808"), drum_patterns=("boom_bap", "halftime"),
        p_drums=0.97, p_drum_machine=0.7, percussion=("shaker",), p_percussion=0.15,
        harmony=(("electric piano", 0.3), ("piano", 0.25), ("synth pad", 0.2),
                 ("strings", 0.15), ("guitar", 0.1)),
        bass=(("synth bass", 0.7), ("bass", 0.3)),
        lead=(("synth", 0.3), ("flute", 0.3), ("piano", 0.2), ("saxophone", 0.2)),
        pad=(("strings", 0.5), ("synth pad", 0.5)), p_pad=0.35,
        p_vocal=0.85, p_female=0.25, vocal_style="rap", melody_density=2.0,
        tilt=(-0.5, 1.5), lofi=(0.35, 0.25), distortion=(0.05, 0.05), reverb=(0.15, 0.08),
        reverb_time=(0.8, 0.3), loudness=(-14, 2), compression=(0.7, 0.15)),
    _genre(
        "jazz", tempo=(138, 30), metre=((4, 0.85), (3, 0.15)), swing=(0.28, 0.05),
        p_major=0.65,
        progressions_major=("ii7 V7 Imaj7 Imaj7", "Imaj7 vi7 ii7 V7", "iii7 vi7 ii7 V7",
                            "Imaj7 IVmaj7 iii7 vi7 ii7 V7 Imaj7 ii7,V7",
                            "ii7,V7 Imaj7 ii7,V7 Imaj7"),
        progressions_minor=("iim7b5 V7 i7 i7", "i7 iv7 bVII7 bIIImaj7", "i7 i7 iv7 V7"),
        comping=("charleston", "sustain", "quarter"), bass_styles=("walking",),
        drum_patterns=("jazz_ride",), p_drums=0.9,
        harmony=(("piano", 0.55), ("guitar", 0.2), ("organ", 0.15), ("electric piano", 0.1)),
        bass=(("upright bass", 0.9), ("bass", 0.1)),
        lead=(("saxophone", 0.4), ("brass", 0.3), ("piano", 0.1), ("guitar", 0.1),
              ("flute", 0.1)),
        p_lead=0.85, pad=(("brass", 0.4), ("strings", 0.6)), p_pad=0.1,
        p_vocal=0.2, p_female=0.6, melody_density=1.6,
        tilt=(-1.0, 1.5), lofi=(0.45, 0.25), distortion=(0.0, 0.0), reverb=(0.3, 0.1),
        reverb_time=(1.4, 0.4), loudness=(-21, 2.5), compression=(0.25, 0.15),
        form=(("head", 8), ("solo", 8), ("solo", 8), ("head", 8))),
    _genre(
        "metal", tempo=(140, 25), metre=((4, 0.9), (3, 0.1)), p_major=0.1,
        progressions_major=("I5 bVII5 IV5 I5", "I5 bVI5 bVII5 I5"),
        progressions_minor=("i5 bVI5 bVII5 i5", "i5 i5 bII5 i5", "i5 bVII5 bVI5 V5",
                            "i5 iv5 bVI5 bVII5"),
        melody_scale="pentatonic", comping=("power8", "power16", "power_sustain"),
        bass_styles=("eighths", "root"), drum_patterns=("metal", "metal_half", "rock"),
        p_drums=1.0,
        harmony=(("distorted guitar", 1.0),), bass=(("bass", 1.0),),
        lead=(("distorted guitar", 0.6), ("guitar", 0.3), ("synth", 0.1)),
        pad=(("organ", 0.3), ("synth pad", 0.3), ("choir", 0.2), ("strings", 0.2)), p_pad=0.12,
        p_vocal=0.55, p_female=0.1, melody_density=1.2,
        tilt=(0.5, 1.5), lofi=(0.1, 0.1), distortion=(0.75, 0.15), reverb=(0.2, 0.1),
        reverb_time=(1.2, 0.4), loudness=(-11, 1.5), compression=(0.8, 0.1)),
    _genre(
        "pop", tempo=(112, 13), metre=((4, 0.95), (3, 0.05)), swing=(0.03, 0.04),
        swing_unit=0.25, p_major=0.7,
        progressions_major=("I V vi IV", "vi IV I V", "I vi IV V", "IV I V vi", "I IV vi V"),
        progressions_minor=("i bVI bIII bVII", "i bVII bVI bVII", "i iv bVI bVII"),
        comping=("eighths", "strum", "sustain", "arpeggio8", "quarter"),
        bass_styles=("eighths", "root", "syncopated"), drum_patterns=("rock", "four_floor", "pop"),
        p_drums=0.92, p_drum_machine=0.4, percussion=("shaker", "tambourine"), p_percussion=0.3,
        harmony=(("piano", 0.3), ("acoustic guitar", 0.2), ("guitar", 0.15), ("synth", 0.15),
                 ("electric piano", 0.2)),
        bass=(("bass", 0.55), ("synth bass", 0.45)),
        lead=(("synth", 0.35), ("guitar", 0.25), ("piano", 0.2), ("strings", 0.2)),
        pad=(("strings", 0.4), ("synth pad", 0.6)), p_pad=0.45,
        p_vocal=0.8, p_female=0.55, melody_density=1.0,
        tilt=(1.0, 1.5), lofi=(0.1, 0.1), distortion=(0.05, 0.05), reverb=(0.25, 0.1),
        reverb_time=(1.3, 0.3), loudness=(-14, 2), compression=(0.65, 0.15)),
    _genre(
        "reggae", tempo=(78, 8), swing=(0.12, 0.06), swing_unit=0.25, p_major=0.55,
        progressions_major=("I IV", "I V", "I IV I V", "ii V"),
        progressions_minor=("i iv", "i bVII", "i bVI bVII i"),
        comping=("skank", "bubble"), bass_styles=("reggae",),
        drum_patterns=("one_drop", "rockers"), p_drums=0.95, p_drum_machine=0.1,
        percussion=("shaker", "conga"), p_percussion=0.35,
        harmony=(("guitar", 0.5), ("organ", 0.35), ("electric piano", 0.15)),
        bass=(("bass", 1.0),),
        lead=(("brass", 0.3), ("saxophone", 0.2), ("synth", 0.2), ("flute", 0.1),
              ("guitar", 0.2)),
        pad=(("organ", 0.6), ("brass", 0.4)), p_pad=0.3,
        p_vocal=0.65, p_female=0.25, melody_density=0.9,
        tilt=(-1.0, 1.5), lofi=(0.35, 0.2), reverb=(0.3, 0.12), reverb_time=(1.2, 0.4),
        loudness=(-16, 2), compression=(0.5, 0.2)),
    _genre(
        "rock", tempo=(122, 16), metre=((4, 0.95), (3, 0.05)), swing=(0.04, 0.05),
        p_major=0.6,
        progressions_major=("I IV V IV", "I bVII IV I", "I V IV I", "I IV I V", "I bIII IV I"),
        progressions_minor=("i bVII bVI bVII", "i iv bVII i", "i bIII bVII iv"),
        melody_scale="pentatonic",
        comping=("eighths", "power8", "strum", "quarter", "power_sustain"),
        bass_styles=("eighths", "root", "root_fifth"), drum_patterns=("rock", "rock2"),
        p_drums=0.98,
        harmony=(("guitar", 0.4), ("distorted guitar", 0.4), ("piano", 0.1), ("organ", 0.1)),
        bass=(("bass", 1.0),),
        lead=(("guitar", 0.4), ("distorted guitar", 0.35), ("organ", 0.1), ("piano", 0.15)),
        pad=(("organ", 0.6), ("strings", 0.4)), p_pad=0.15,
        p_vocal=0.65, p_female=0.25, melody_density=1.0,
        tilt=(0.5, 1.5), lofi=(0.2, 0.15), distortion=(0.35, 0.15), reverb=(0.22, 0.1),
        reverb_time=(1.2, 0.4), loudness=(-13, 2), compression=(0.65, 0.15)),
    _genre(
        "ambient", tempo=(72, 10), metre=((4, 0.8), (3, 0.2)), p_major=0.55,
        progressions_major=("Imaj7 Imaj7 IVmaj7 IVmaj7", "I IV", "Imaj7 vi7 IVmaj7 IVmaj7",
                            "Isus4 I"),
        progressions_minor=("i7 i7 bVImaj7 bVImaj7", "i bVII", "i iv7"),
        comping=("sustain", "half", "arpeggio8"), bass_styles=("sustained",),
        drum_patterns=("halftime", "four_floor"), p_drums=0.15, p_drum_machine=0.9,
        harmony=(("synth pad", 0.45), ("strings", 0.15), ("piano", 0.25),
                 ("electric piano", 0.15)),
        bass=(("synth bass", 0.5), (None, 0.5)),
        lead=(("flute", 0.2), ("piano", 0.4), ("synth", 0.4)), p_lead=0.5,
        pad=(("synth pad", 0.5), ("strings", 0.3), ("choir", 0.2)), p_pad=0.7,
        p_vocal=0.05, p_female=0.7, melody_density=0.5,
        tilt=(-2.0, 1.5), lofi=(0.1, 0.1), distortion=(0.0, 0.0), reverb=(0.6, 0.12),
        reverb_time=(3.0, 0.7), loudness=(-24, 3), compression=(0.2, 0.1),
        form=(("drift", 8), ("drift", 8), ("bloom", 8), ("drift", 8))),
    _genre(
        "electronic", tempo=(126, 8), swing=(0.02, 0.03), swing_unit=0.25, p_major=0.3,
        progressions_major=("I V vi IV", "vi IV I V"),
        progressions_minor=("i bVI bIII bVII", "i i bVI bVII", "i bVII", "i iv"),
        comping=("arpeggio16", "stabs", "sustain", "offbeat8"),
        bass_styles=("offbeat", "octaves", "eighths"), drum_patterns=("four_floor", "breakbeat"),
        p_drums=0.95, p_drum_machine=0.95,
        harmony=(("synth", 0.45), ("synth pad", 0.3), ("electric piano", 0.1), ("piano", 0.15)),
        bass=(("synth bass", 0.95), ("bass", 0.05)),
        lead=(("synth", 0.8), ("piano", 0.1), ("flute", 0.1)), p_lead=0.8,
        pad=(("synth pad", 0.8), ("strings", 0.2)), p_pad=0.6,
        p_vocal=0.25, p_female=0.7, melody_density=1.5,
        tilt=(1.5, 1.5), lofi=(0.05, 0.05), distortion=(0.1, 0.08), reverb=(0.3, 0.1),
        reverb_time=(1.5, 0.4), loudness=(-12, 1.5), compression=(0.75, 0.1),
        form=(("intro", 8), ("build", 8), ("drop", 8), ("break", 8), ("drop", 8))),
    _genre(
        "folk", tempo=(108, 18), metre=((4, 0.6), (3, 0.4)), swing=(0.05, 0.06), p_major=0.7,
        progressions_major=("I IV I V", "I V IV I", "I IV V I", "vi IV I V"),
        progressions_minor=("i bVII i bVII", "i bIII bVII i", "i iv i v"),
        melody_scale="pentatonic", comping=("strum", "arpeggio8", "quarter"),
        bass_styles=("root_fifth", "sustained"), drum_patterns=("train", "rock"),
        p_drums=0.35, percussion=("tambourine", "shaker"), p_percussion=0.2,
        harmony=(("acoustic guitar", 0.6), ("banjo", 0.1), ("harp", 0.1), ("accordion", 0.1),
                 ("piano", 0.1)),
        bass=(("upright bass", 0.5), ("bass", 0.2), (None, 0.3)),
        lead=(("violin", 0.35), ("flute", 0.3), ("harmonica", 0.15), ("accordion", 0.1),
              ("banjo", 0.1)),
        pad=(("accordion", 0.4), ("strings", 0.4), ("organ", 0.2)), p_pad=0.15,
        p_vocal=0.6, p_female=0.5, melody_density=1.0,
        tilt=(-0.5, 1.5), lofi=(0.3, 0.2), distortion=(0.0, 0.0), reverb=(0.25, 0.1),
        reverb_time=(1.3, 0.4), loudness=(-20, 2.5), compression=(0.35, 0.15)),
    _genre(
        "funk", tempo=(104, 9), swing=(0.08, 0.06), swing_unit=0.25, p_major=0.4,
        progressions_major=("I7 I7 IV7 I7", "I7 IV7", "ii7 V7"),
        progressions_minor=("i7 IV7", "i7 i7 iv7 i7", "i7 bVII7"),
        melody_scale="pentatonic", comping=("stabs", "scratch", "offbeat8"),
        bass_styles=("syncopated", "octaves"), drum_patterns=("funk",), p_drums=1.0,
        p_drum_machine=0.1, percussion=("conga", "tambourine"), p_percussion=0.35,
        harmony=(("guitar", 0.5), ("electric piano", 0.2), ("organ", 0.2), ("synth", 0.1)),
        bass=(("bass", 0.85), ("synth bass", 0.15)),
        lead=(("brass", 0.4), ("saxophone", 0.3), ("synth", 0.15), ("organ", 0.15)),
        pad=(("brass", 0.6), ("organ", 0.4)), p_pad=0.35,
        p_vocal=0.5, p_female=0.4, melody_density=1.4,
        tilt=(0.5, 1.5), lofi=(0.3, 0.2), distortion=(0.05, 0.05), reverb=(0.15, 0.08),
        reverb_time=(0.9, 0.3), loudness=(-15, 2), compression=(0.55, 0.15)),
    _genre(
        "gospel", tempo=(96, 20), metre=((4, 0.7), (3, 0.3)), swing=(0.15, 0.1), p_major=0.85,
        progressions_major=("I IV I V", "I I7 IV iv I V I V", "I vi ii V", "IV V iii vi ii V I I"),
        progressions_minor=("i iv V i", "i bVI bVII i"),
        comping=("quarter", "sustain", "charleston"), bass_styles=("walking", "root_fifth", "root"),
        drum_patterns=("soul", "shuffle"), p_drums=0.8, percussion=("tambourine",),
        p_percussion=0.6,
        harmony=(("organ", 0.5), ("piano", 0.45), ("electric piano", 0.05)),
        bass=(("bass", 0.8), ("upright bass", 0.2)),
        lead=(("organ", 0.3), ("piano", 0.4), ("saxophone", 0.3)),
        pad=(("choir", 0.6), ("organ", 0.4)), p_pad=0.5,
        p_vocal=0.85, p_female=0.6, melody_density=1.0,
        tilt=(-0.5, 1.5), lofi=(0.3, 0.2), distortion=(0.05, 0.05), reverb=(0.4, 0.1),
        reverb_time=(1.8, 0.4), loudness=(-16, 2), compression=(0.45, 0.15)),
    _genre(
        "latin", tempo=(108, 16), swing=(0.03, 0.04), swing_unit=0.25, p_major=0.45,
        progressions_major=("I IV V7 IV", "ii7 V7 Imaj7 Imaj7", "I V7"),
        progressions_minor=("i bVII bVI V7", "i iv V7 i", "i7 iv7 V7 i7"),
        comping=("montuno", "stabs", "strum", "charleston"), bass_styles=("tumbao",),
        drum_patterns=("latin", "dembow"), p_drums=0.7, p_drum_machine=0.15,
        percussion=("conga", "clave", "shaker", "cowbell"), p_percussion=0.95,
        harmony=(("piano", 0.4), ("acoustic guitar", 0.35), ("guitar", 0.1), ("brass", 0.15)),
        bass=(("bass", 0.6), ("upright bass", 0.4)),
        lead=(("brass", 0.35), ("flute", 0.25), ("saxophone", 0.15), ("violin", 0.1),
              ("acoustic guitar", 0.15)),
        pad=(("brass", 0.6), ("strings", 0.4)), p_pad=0.25,
        p_vocal=0.6, p_female=0.45, melody_density=1.3,
        tilt=(0.5, 1.5), lofi=(0.25, 0.2), distortion=(0.02, 0.02), reverb=(0.25, 0.1),
        reverb_time=(1.2, 0.4), loudness=(-15, 2), compression=(0.5, 0.15)),
    _genre(
        "punk", tempo=(172, 18), p_major=0.75,
        progressions_major=("I5 IV5 V5 IV5", "I5 V5 vi5 IV5", "I5 bVII5 IV5 I5", "I5 I5 IV5 V5"),
        progressions_minor=("i5 bVI5 bIII5 bVII5", "i5 iv5 bVII5 i5"),
        melody_scale="pentatonic", comping=("power8", "power_sustain", "eighths"),
        bass_styles=("eighths",), drum_patterns=("punk", "punk_polka"), p_drums=1.0,
        harmony=(("distorted guitar", 0.85), ("guitar", 0.15)), bass=(("bass", 1.0),),
        lead=(("distorted guitar", 0.4), ("guitar", 0.4), ("organ", 0.2)), p_lead=0.5,
        pad=(("organ", 1.0),), p_pad=0.05,
        p_vocal=0.85, p_female=0.25, melody_density=1.2,
        tilt=(1.0, 1.5), lofi=(0.3, 0.2), distortion=(0.6, 0.15), reverb=(0.12, 0.06),
        reverb_time=(0.8, 0.3), loudness=(-11, 1.5), compression=(0.8, 0.1)),
    _genre(
        "rnb", tempo=(84, 12), metre=((4, 0.9), (3, 0.1)), swing=(0.12, 0.08), swing_unit=0.25,
        p_major=0.5,
        progressions_major=("Imaj7 vi7 ii7 V7", "IVmaj7 iii7 ii7 Imaj7", "Imaj7 IVmaj7",
                            "ii7 iii7 IVmaj7 V7"),
        progressions_minor=("i7 iv7", "i7 bVImaj7 bVII7 i7"),
        comping=("sustain", "stabs", "arpeggio8", "half"), bass_styles=("syncopated", "808", "root"),
        drum_patterns=("halftime", "boom_bap", "soul"), p_drums=0.9, p_drum_machine=0.65,
        percussion=("shaker",), p_percussion=0.25,
        harmony=(("electric piano", 0.45), ("piano", 0.2), ("synth pad", 0.15), ("guitar", 0.2)),
        bass=(("synth bass", 0.5), ("bass", 0.5)),
        lead=(("synth", 0.3), ("saxophone", 0.3), ("guitar", 0.2), ("piano", 0.2)),
        pad=(("strings", 0.4), ("synth pad", 0.6)), p_pad=0.45,
        p_vocal=0.85, p_female=0.7, melody_density=1.2,
        tilt=(0.0, 1.5), lofi=(0.12, 0.1), distortion=(0.02, 0.02), reverb=(0.3, 0.1),
        reverb_time=(1.5, 0.4), loudness=(-15, 2), compression=(0.6, 0.15)),
    _genre(
        "soul", tempo=(100, 16), metre=((4, 0.85), (3, 0.15)), swing=(0.1, 0.08), p_major=0.65,
        progressions_major=("I vi IV V", "I IV", "ii7 V7 I I", "I iii IV V"),
        progressions_minor=("i7 iv7", "i bVII bVI V"),
        comping=("quarter", "stabs", "sustain", "offbeat8"),
        bass_styles=("syncopated", "root_fifth", "walking"), drum_patterns=("soul", "rock"),
        p_drums=0.92, p_drum_machine=0.05, percussion=("tambourine", "conga"), p_percussion=0.35,
        harmony=(("organ", 0.3), ("guitar", 0.3), ("electric piano", 0.2), ("piano", 0.2)),
        bass=(("bass", 0.9), ("upright bass", 0.1)),
        lead=(("brass", 0.35), ("saxophone", 0.3), ("organ", 0.15), ("guitar", 0.2)),
        pad=(("strings", 0.5), ("brass", 0.5)), p_pad=0.45,
        p_vocal=0.75, p_female=0.5, melody_density=1.0,
        tilt=(-0.5, 1.5), lofi=(0.4, 0.2), distortion=(0.05, 0.05), reverb=(0.3, 0.1),
        reverb_time=(1.4, 0.4), loudness=(-16, 2), compression=(0.45, 0.15)),
    _genre(
        "world", tempo=(104, 22), metre=((4, 0.65), (3, 0.35)), swing=(0.1, 0.1),
        swing_unit=0.25, p_major=0.45,
        progressions_major=("I bVII", "I bII I I", "I IV", "I I bVII I"),
        progressions_minor=("i bVII", "i bII i i", "i v", "i iv bVII i"),
        comping=("arpeggio8", "sustain", "strum", "montuno"),
        bass_styles=("sustained", "root", "tumbao"), drum_patterns=("latin", "dembow"),
        p_drums=0.3, p_drum_machine=0.1, percussion=("conga", "shaker", "frame"),
        p_percussion=0.9,
        harmony=(("sitar", 0.3), ("acoustic guitar", 0.2), ("marimba", 0.2), ("accordion", 0.15),
                 ("harp", 0.15)),
        bass=(("upright bass", 0.3), ("bass", 0.2), (None, 0.5)),
        lead=(("flute", 0.4), ("violin", 0.25), ("sitar", 0.2), ("marimba", 0.15)),
        pad=(("accordion", 0.3), ("strings", 0.3), ("choir", 0.2), ("organ", 0.2)), p_pad=0.35,
        p_vocal=0.5, p_female=0.5, melody_density=1.2,
        tilt=(0.0, 1.5), lofi=(0.3, 0.2), distortion=(0.02, 0.02), reverb=(0.3, 0.1),
        reverb_time=(1.5, 0.5), loudness=(-18, 2.5), compression=(0.4, 0.15)),
)}

_GENRE_INDEX = {name: i for i, name in enumerate(GENRES)}

# ---------------------------------------------------------------------------
# Music theory
# ---------------------------------------------------------------------------

_QUALITIES = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "7": (0, 4, 7, 10), "m7": (0, 3, 7, 10),
    "maj7": (0, 4, 7, 11), "m7b5": (0, 3, 6, 10), "dim": (0, 3, 6), "5": (0, 7),
    "sus4": (0, 5, 7), "6": (0, 4, 7, 9),
}
_DEGREE = {"I": 0, "II": 2, "III": 4, "IV": 5, "V": 7, "VI": 9, "VII": 11}
_CHORD_RE = re.compile(r"^(b|#)?(VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)(.*)$")
_SCALES = {
    ("mode", "major"): (0, 2, 4, 5, 7, 9, 11),
    ("mode", "minor"): (0, 2, 3, 5, 7, 8, 10),
    ("pentatonic", "major"): (0, 2, 4, 7, 9),
    ("pentatonic", "minor"): (0, 3, 5, 7, 10),
    ("blues", "major"): (0, 3, 4, 7, 9, 10),
    ("blues", "minor"): (0, 3, 5, 6, 7, 10),
}


@functools.lru_cache(maxsize=None)
def _parse_chord(symbol):
    """Roman numeral -> (root offset from the tonic, quality)."""
    m = _CHORD_RE.match(symbol)
    if m is None:
        raise ParameterError(f"chord symbol {symbol!r}: expected a Roman numeral such as 'bVII7'")
    acc, num, suffix = m.groups()
    root = (_DEGREE[num.upper()] + {"b": -1, "#": 1, None: 0}[acc]) % 12
    minor = num.islower()
    if suffix == "":
        quality = "min" if minor else "maj"
    elif suffix == "7":
        quality = "m7" if minor else "7"
    elif suffix == "o":
        quality = "dim"
    elif suffix in _QUALITIES:
        quality = suffix
    else:
        raise ParameterError(f"chord symbol {symbol!r}: unknown quality {suffix!r}")
    return root, quality


def _parse_progression(template):
    """Template string -> list of bars, each a list of (symbol, offset, quality)."""
    bars = []
    for bar in template.split():
        bars.append([(s,) + _parse_chord(s) for s in bar.split(",")])
    return bars


def _voicing(root_pc, quality, centre):
    """Chord tones as MIDI pitches within a fifth-ish of ``centre``, sorted."""
    lo = centre - 5
    return sorted(lo + ((root_pc + iv - lo) % 12) for iv in _QUALITIES[quality])


def _in_range(pc, lo):
    """The MIDI pitch of pitch class ``pc`` in ``[lo, lo + 12)``."""
    return lo + ((pc - lo) % 12)


def _swing_pos(pos, swing, unit):
    """Map a straight position (beats) to its swung position."""
    if swing <= 0:
        return pos
    cell = math.floor(pos / (2 * unit) + 1e-9)
    within = pos - cell * 2 * unit
    if within < unit:
        mapped = within * (1 + swing)
    else:
        mapped = unit * (1 + swing) + (within - unit) * (1 - swing)
    return cell * 2 * unit + mapped


# ---------------------------------------------------------------------------
# Rhythm patterns
# ---------------------------------------------------------------------------

# Drum grids: 16 steps (sixteenths) per 4/4 bar, 12 per 3/4 bar.
# 'X' accent, 'x' normal, 'g' ghost, '.' rest.
_DRUM_PATTERNS = {
    "rock": {"kick": "X.......X.x.....", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.x."},
    "rock2": {"kick": "X.....x.X.......", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.x."},
    "pop": {"kick": "X.....x...X.....", "snare": "....X.......X...", "hat": "xgxgxgxgxgxgxgxg"},
    "four_floor": {"kick": "X...X...X...X...", "clap": "....X.......X...",
                   "hat": "g...g...g...g...", "ohat": "..x...x...x...x."},
    "disco": {"kick": "X...X...X...X...", "snare": "....X.......X...",
              "hat": "xg.gxg.gxg.gxg.g", "ohat": "..x...x...x...x."},
    "boom_bap": {"kick": "X......x..X.....", "snare": "....X.......X...",
                 "hat": "x.x.x.x.x.x.x.x."},
    "halftime": {"kick": "X.....x...x.....", "snare": "........X.......",
                 "hat": "xgxgxgxgxgxgxgxx"},
    "shuffle": {"kick": "X.......X.......", "snare": "....X.......X...",
                "ride": "x.x.x.x.x.x.x.x."},
    "jazz_ride": {"ride": "X...x.g.X...x.g.", "hat": "....x.......x..."},
    "one_drop": {"kick": "........X.......", "rim": "........X.......",
                 "hat": "x.x.x.x.x.x.x.x."},
    "rockers": {"kick": "X...X...X...X...", "rim": "....X.......X...",
                "hat": "..x...x...x...x."},
    "train": {"kick": "X.......X.......", "brush": "g.g.X.g.g.g.X.g.",
              "hat": "....x.......x..."},
    "metal": {"kick": "XxXxXxXxXxXxXxXx", "snare": "....X.......X...",
              "ride": "x.x.x.x.x.x.x.x."},
    "metal_half": {"kick": "X.x.X.x.X.xxX.x.", "snare": "........X.......",
                   "ohat": "x...x...x...x..."},
    "punk": {"kick": "X.....x.X.......", "snare": "....X.......X...",
             "ohat": "x.x.x.x.x.x.x.x."},
    "punk_polka": {"kick": "X...X...X...X...", "snare": "..X...X...X...X.",
                   "hat": "x.x.x.x.x.x.x.x."},
    "funk": {"kick": "X..x..X...x..x..", "snare": "....X..g.g..X..g",
             "hat": "xgxgXgxgxgxgXgxg"},
    "soul": {"kick": "X......xX.......", "snare": "....X.......X...",
             "hat": "x.x.x.x.x.x.x.x."},
    "latin": {"kick": "X..x....X..x....", "rim": "..X..X....X..X..",
              "hat": "x.x.x.x.x.x.x.x."},
    "dembow": {"kick": "X...X...X...X...", "snare": "...X..X....X..X.",
               "hat": "x.x.x.x.x.x.x.x."},
    "breakbeat": {"kick": "X.X.......X.....", "snare": "....X..g.g..X..g",
                  "hat": "x.x.x.x.x.x.x.x."},
}
_WALTZ = {"kick": "X...........", "snare": "....x...x...", "hat": "x.x.x.x.x.x."}
_JAZZ_WALTZ = {"ride": "X...x.g.x...", "hat": "....x...x..."}
_PERCUSSION_PATTERNS = {
    "shaker": {"shaker": "xgxgxgxgxgxgxgxg"},
    "tambourine": {"tamb": "g.g.X.g.g.g.X.g."},
    "conga": {"conga_hi": "..x...xx..x...x.", "conga_lo": "......X.......X."},
    "clave": {"clave": "X..X..X...X.X..."},
    "cowbell": {"cowbell": "X.x.X.x.X.x.X.x."},
    "frame": {"conga_lo": "X.....x.X..x....", "conga_hi": "...x.x.....x.xx."},
}
_STEP_VELOCITY = {"X": 1.0, "x": 0.72, "g": 0.35}
_CRASH_PATTERNS = {"rock", "rock2", "pop", "metal", "metal_half", "punk", "punk_polka", "disco",
                   "four_floor", "soul", "funk", "breakbeat", "dembow", "latin"}
_DANCE_PATTERNS = {"four_floor", "disco", "funk", "dembow", "latin", "breakbeat", "pop",
                   "rockers"}

# Comping patterns for a 4/4 bar: (position in beats, duration in beats,
# what to play, velocity). 'c' chord, 'u' upper tones, 'p' power chord,
# an integer k the k-th tone of the voicing (arpeggio).
_COMP_PATTERNS = {
    "sustain": [(0, 4, "c", 0.75)],
    "half": [(0, 2, "c", 0.8), (2, 2, "c", 0.7)],
    "quarter": [(b, 0.85, "c", 0.8 if b == 0 else 0.65) for b in range(4)],
    "eighths": [(b / 2, 0.42, "c", 0.8 if b % 2 == 0 else 0.55) for b in range(8)],
    "strum": [(0, 1, "c", 0.85), (1, 0.5, "c", 0.6), (1.5, 1, "c", 0.65), (2.5, 0.5, "c", 0.6),
              (3, 0.5, "c", 0.7), (3.5, 0.5, "c", 0.55)],
    "offbeat8": [(b + 0.5, 0.3, "u", 0.7) for b in range(4)],
    "skank": [(1, 0.3, "u", 0.85), (3, 0.3, "u", 0.85)],
    "bubble": [(b + 0.5, 0.22, "c", 0.6) for b in range(4)],
    "stabs": [(0, 0.2, "u", 0.85), (0.75, 0.2, "u", 0.6), (1.5, 0.2, "u", 0.7),
              (2.5, 0.2, "u", 0.7), (2.75, 0.2, "u", 0.55), (3.5, 0.2, "u", 0.7)],
    "scratch": [(i / 4, 0.1, "u", 0.75 if i % 4 == 0 else 0.35) for i in range(16)],
    "charleston": [(0, 1.2, "u", 0.75), (1.5, 1.0, "u", 0.65), (3.5, 0.4, "u", 0.5)],
    "arpeggio8": [(i / 2, 0.9, k, 0.65) for i, k in enumerate((0, 1, 2, 3, 2, 1, 2, 3))],
    "arpeggio16": [(i / 4, 0.3, k, 0.6) for i, k in enumerate((0, 1, 2, 3) * 4)],
    "alberti": [(i / 2, 0.5, k, 0.6) for i, k in enumerate((0, 2, 1, 2) * 2)],
    "power8": [(i / 2, 0.35, "p", 0.85 if i % 2 == 0 else 0.65) for i in range(8)],
    "power16": [(i / 4, 0.2, "p", 0.8 if i % 4 == 0 else 0.6) for i in range(16)],
    "power_sustain": [(0, 2, "p", 0.85), (2, 2, "p", 0.8)],
    "montuno": [(p, 0.45, k, 0.7) for p, k in ((0, 0), (0.5, 2), (1, 1), (1.5, 3), (2.5, 0),
                                                (3, 2), (3.5, 3))],
}


def _comp_bar(style, bpb):
    """Comping events of one bar in ``bpb`` beats."""
    pattern = _COMP_PATTERNS[style]
    if bpb == 4:
        return pattern
    if style in ("sustain", "half", "power_sustain"):
        return [(0, bpb, pattern[0][2], pattern[0][3])]
    if style in ("skank", "offbeat8", "charleston"):
        return [(1, 0.8, "u", 0.7), (2, 0.8, "u", 0.7)]  # waltz comping
    return [(p, min(d, bpb - p), k, v) for p, d, k, v in pattern if p < bpb]


def _grid_bar(grid, bpb):
    """Steps of a drum grid that fall in one bar of ``bpb`` beats."""
    return grid[: 4 * bpb]


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr",
           "st", "tr", "kl", "sh", "ch", "j")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "io")
_CODAS = ("", "", "", "n", "r", "l", "s", "m", "x", "nd")
_WORDS_A = ("Midnight", "Golden", "Silver", "Broken", "Electric", "Quiet", "Wild", "Blue",
            "Crimson", "Hollow", "Distant", "Burning", "Velvet", "Paper", "Neon", "Lonely",
            "Summer", "Winter", "Restless", "Gentle", "Faded", "Secret", "Endless", "Northern")
_WORDS_B = ("River", "Road", "Heart", "City", "Train", "Moon", "Rain", "Fire", "Dream",
            "Window", "Garden", "Mountain", "Ocean", "Letter", "Shadow", "Highway", "Morning",
            "Echo", "Stone", "Sky", "Harbour", "Lantern", "Mirror", "Season")


def _word(rng, syllables):
    parts = []
    for i in range(syllables):
        parts.append(_ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))])
        if i == syllables - 1:
            parts.append(_CODAS[rng.integers(len(_CODAS))])
    return "".join(parts).capitalize()


def _artist_name(rng):
    style = rng.integers(3)
    if style == 0:
        return f"{_word(rng, 2)} {_word(rng, int(rng.integers(2, 4)))}"
    if style == 1:
        return f"The {_word(rng, 2)}s"
    return f"{_word(rng, 2)} and the {_WORDS_B[rng.integers(len(_WORDS_B))]}s"


# ---------------------------------------------------------------------------
# Random draws
# ---------------------------------------------------------------------------

def _rng(*entropy):
    """A generator seeded from a tuple of non-negative integers."""
    return np.random.default_rng(np.random.SeedSequence([int(e) for e in entropy]))


def _pick(rng, pairs):
    """Draw an item from ``((item, weight), ...)``."""
    w = np.array([p[1] for p in pairs], dtype=float)
    return pairs[int(rng.choice(len(pairs), p=w / w.sum()))][0]


def _subset(rng, items, k):
    """``k`` distinct items (all if fewer), in their original order."""
    if len(items) <= k:
        return tuple(items)
    idx = sorted(rng.choice(len(items), size=k, replace=False).tolist())
    return tuple(items[i] for i in idx)


def _normal(rng, pair, lo=-np.inf, hi=np.inf, scale=1.0):
    return float(np.clip(rng.normal(pair[0], pair[1] * scale), lo, hi))


_ORGAN_REGISTRATIONS = ((8, 8, 8, 0, 0, 0, 0, 0, 0), (8, 8, 8, 8, 8, 8, 8, 8, 8),
                        (8, 3, 8, 0, 0, 0, 0, 0, 0), (0, 0, 8, 4, 0, 0, 0, 0, 0),
                        (8, 8, 6, 0, 0, 0, 0, 0, 4), (6, 8, 8, 6, 0, 0, 0, 0, 0),
                        (0, 0, 8, 8, 0, 8, 0, 0, 8), (8, 0, 0, 0, 0, 0, 0, 0, 0))


def _draw_timbre(inst, rng):
    """Synthesis parameters of one instrument for one artist."""
    engine = _INSTRUMENT_INFO[inst][0]

    def j(x, s=0.15):
        return float(x * np.exp(rng.normal(0, s)))

    def u(a, b):
        return float(rng.uniform(a, b))

    if engine == "plucked":
        t60, bright, pick, hard = {
            "acoustic guitar": (2.5, 1.0, 0.2, 0.35), "guitar": (3.5, 1.3, 0.15, 0.4),
            "distorted guitar": (4.0, 1.2, 0.13, 0.3), "bass": (3.0, 3.0, 0.22, 0.6),
            "upright bass": (1.2, 4.0, 0.25, 0.7), "banjo": (0.8, 0.6, 0.1, 0.15),
            "harp": (4.0, 1.6, 0.45, 0.5), "harpsichord": (2.2, 0.45, 0.07, 0.05),
            "sitar": (3.0, 0.35, 0.1, 0.1)}[inst]
        return dict(t60=j(t60, 0.25), bright=j(bright, 0.25), pick=float(np.clip(j(pick, 0.2), 0.03, 0.5)),
                    hardness=float(np.clip(hard + rng.normal(0, 0.1), 0.0, 0.9)),
                    drive=u(4, 14), tone=u(2500, 5000))
    if engine == "struck":
        if inst == "marimba":
            return dict(t60=j(1.0, 0.25), B=0.0, hardness=j(1.0, 0.2), strike=u(0.2, 0.3),
                        ratios=(1.0, 3.93, 9.54), partial_decay=j(4.0, 0.2))
        return dict(t60=j(4.0, 0.25), B=j(1.5e-4, 0.4), hardness=j(1.6, 0.15), strike=u(1 / 9, 1 / 6),
                    ratios=None, partial_decay=j(0.7, 0.2))
    if engine == "fm":
        return dict(index=u(1.2, 3.2), ratio=float(rng.choice([1.0, 1.0, 2.0])), t60=j(2.5, 0.2),
                    trem_depth=u(0.0, 0.3), trem_rate=u(3.5, 6.0))
    if engine == "bowed":
        return dict(vib_rate=u(4.8, 6.4), vib_cents=u(8, 30),
                    attack=u(0.05, 0.12) if inst == "violin" else u(0.08, 0.3),
                    roll=u(0.85, 1.25), body=u(0.9, 1.12), detune=u(3, 10),
                    voices=2 if inst == "strings" else 1)
    if engine == "organ":
        reg = np.array(_ORGAN_REGISTRATIONS[rng.integers(len(_ORGAN_REGISTRATIONS))], dtype=float)
        reg = np.clip(reg + rng.integers(-1, 2, size=9) * (reg > 0), 0, 8)
        return dict(drawbars=tuple(float(d) for d in reg), leslie_rate=u(0.8, 6.5),
                    leslie_depth=u(0.05, 0.25), click=u(0.0, 0.3))
    if engine == "reed":
        even, vib, det = {"saxophone": (0.5, (8, 25), 0), "harmonica": (0.3, (0, 8), 0),
                          "accordion": (0.75, (0, 0), 1)}[inst]
        return dict(evenness=float(np.clip(even + rng.normal(0, 0.15), 0.05, 1.0)), roll=u(0.7, 1.3),
                    formant=u(800, 2200), breath=u(0.02, 0.1), vib_rate=u(4.5, 6.0),
                    vib_cents=u(*vib) if vib[1] else 0.0, detune=u(6, 15) if det else 0.0)
    if engine == "blown":
        return dict(roll=u(1.5, 2.5), breath=u(0.04, 0.15), vib_rate=u(4.5, 5.8), vib_cents=u(8, 25))
    if engine == "brass":
        return dict(roll_dark=u(2.0, 2.8), roll_bright=u(0.9, 1.4), attack=u(0.02, 0.07),
                    vib_cents=u(0, 12), detune=u(0, 8))
    if engine == "synth":
        kind = {"synth": "lead", "synth pad": "pad", "synth bass": "bass"}[inst]
        cutoff = {"lead": (1500, 6000), "pad": (800, 3000), "bass": (300, 1200)}[kind]
        return dict(wave=str(rng.choice(["saw", "square", "saw"])),
                    voices={"lead": 2, "pad": 3, "bass": int(rng.integers(1, 3))}[kind],
                    detune=u(4, 18), cutoff=u(*cutoff), q=u(0.7, 3.0), env_amount=u(0.0, 3.0),
                    env_tau=u(0.05, 0.4),
                    attack={"lead": u(0.005, 0.05), "pad": u(0.3, 1.0), "bass": 0.005}[kind],
                    release={"lead": 0.08, "pad": u(0.3, 0.8), "bass": 0.05}[kind])
    if engine == "voice":
        return dict(formant_shift=u(0.92, 1.1), vib_rate=u(4.8, 6.5), vib_cents=u(20, 60),
                    breath=u(0.02, 0.1), roll=u(1.0, 1.6), scoop=u(20, 80),
                    voices=3 if inst == "choir" else 1,
                    attack=u(0.15, 0.4) if inst == "choir" else u(0.03, 0.06))
    return {}


def _draw_kit(rng, kind):
    """Drum-kit parameters (tuning, decays, brightness)."""
    def u(a, b):
        return float(rng.uniform(a, b))
    electronic = kind == "electronic"
    return dict(
        kind=kind, kick_f=u(42, 62), kick_sweep=u(2.0, 4.0),
        kick_decay=u(0.35, 0.9) if electronic else u(0.12, 0.3),
        snare_f=u(160, 260), snare_decay=u(0.08, 0.22), snare_noise=u(0.5, 0.85),
        hat_cut=u(5500, 9500), hat_decay=u(0.025, 0.07), tom_f=u(90, 140),
        ride_f=u(300, 520), metal_seed=int(rng.integers(1 << 30)), brightness=u(0.7, 1.3))


#: How far an artist's mix colouring strays from its genre's mean, in units
#: of the genre's standard deviation (the rest of the spread is per clip).
_ARTIST_SPREAD = 0.45
#: Probability that a clip takes its lead / bass / harmony instrument from
#: the genre's distribution instead of the artist's signature.
_BORROW = {"lead": 0.3, "bass": 0.15, "harmony": 0.2}
#: Each clip's timbre parameters are this mix of a fresh draw with the
#: artist's own (0: the artist's exactly; 1: unrelated to the artist).
_TIMBRE_BLEND = 0.5


def _blend(own, fresh, weight):
    """Blend the numeric parameters of two draws; keep the rest of ``own``."""
    out = dict(own)
    for k, v in own.items():
        if isinstance(v, float) and isinstance(fresh.get(k), float):
            out[k] = (1.0 - weight) * v + weight * fresh[k]
    return out


def _make_artist(world_seed, genre, index):
    g = _GENRE_SPECS[genre]
    gi = _GENRE_INDEX[genre]
    rng = _rng(world_seed, 1, gi, index)
    digest = hashlib.sha256(f"mirnb-artist:{world_seed}:{genre}:{index}".encode()).hexdigest()
    name = _artist_name(rng)
    harmony = (_pick(rng, g.harmony), _pick(rng, g.harmony))
    bass, lead, pad = _pick(rng, g.bass), _pick(rng, g.lead), _pick(rng, g.pad)
    p_vocal = 0.85 if rng.random() < g.p_vocal else 0.08
    voice = "female" if rng.random() < g.p_female else "male"
    p_drums = (0.92 if rng.random() < g.p_drums else 0.05) if g.p_drums > 0 else 0.0
    kit = "electronic" if rng.random() < g.p_drum_machine else "acoustic"
    p_perc = (0.85 if rng.random() < g.p_percussion else 0.0) if g.p_percussion > 0 else 0.0
    tempo = _normal(rng, g.tempo, 55, 210, scale=0.8)
    p3 = dict(g.metre).get(3, 0.0)
    p3 = float(np.clip(p3 * 2 * rng.random(), 0, 0.9))
    metre = ((4, 1 - p3), (3, p3)) if p3 > 0 else ((4, 1.0),)
    weights = 0.15 / 12 + 0.85 * rng.dirichlet(np.full(12, 0.35))
    swing = _normal(rng, g.swing, 0.0, 0.4) if g.swing[0] > 0 else 0.0
    mel_density = float(g.melody_density * np.exp(rng.normal(0, 0.2)))
    prog_major = _subset(rng, g.progressions_major, 2)
    prog_minor = _subset(rng, g.progressions_minor, 2)
    comping = _subset(rng, g.comping, 2)
    bass_style = _subset(rng, g.bass_styles, 1 + int(rng.integers(2)))
    drum_patterns = _subset(rng, g.drum_patterns, 1 + int(rng.integers(2)))
    percussion = _subset(rng, g.percussion, 1 + int(rng.integers(2)))
    sc = _ARTIST_SPREAD
    mix = dict(
        tilt=_normal(rng, g.tilt, scale=sc), lofi=_normal(rng, g.lofi, 0, 1, scale=sc),
        distortion=_normal(rng, g.distortion, 0, 1, scale=sc),
        reverb=_normal(rng, g.reverb, 0, 0.9, scale=sc),
        reverb_time=_normal(rng, g.reverb_time, 0.3, 5.0, scale=sc),
        loudness=_normal(rng, g.loudness, -30, -8, scale=sc),
        compression=_normal(rng, g.compression, 0, 1, scale=sc))
    tightness = 0.0 if kit == "electronic" and rng.random() < 0.5 else float(rng.uniform(0.003, 0.02))
    trng = _rng(world_seed, 2, gi, index)
    timbre = {inst: _draw_timbre(inst, trng) for inst in INSTRUMENTS}
    timbre["kit"] = _draw_kit(trng, kit)
    timbre["levels"] = {role: float(trng.normal(0, 1.5)) for role in
                        ("harmony", "bass", "lead", "pad", "drums", "percussion", "voice")}
    timbre["centres"] = {role: int(trng.integers(-3, 4)) for role in ("harmony", "bass", "lead", "pad")}
    return Artist(
        artist_id="AR" + digest[:16].upper(), name=name, genre=genre, index=index,
        harmony=harmony, bass=bass, lead=lead, pad=pad,
        p_lead=float(np.clip(g.p_lead + rng.normal(0, 0.15), 0.05, 0.98)),
        p_pad=float(np.clip(g.p_pad + rng.normal(0, 0.15), 0.0, 0.95)),
        p_vocal=p_vocal, p_drums=p_drums, p_percussion=p_perc, voice=voice, drum_kit=kit,
        tempo=tempo, tempo_sd=g.tempo[1] * 0.3 + 2.0, metre=metre,
        key_weights=tuple(float(w) for w in weights / weights.sum()),
        p_major=float(np.clip(g.p_major + rng.normal(0, 0.15), 0.02, 0.98)), swing=swing,
        progressions_major=prog_major, progressions_minor=prog_minor, comping=comping,
        bass_styles=bass_style, drum_patterns=drum_patterns, percussion=percussion,
        melody_density=mel_density, tightness=tightness, timbre=timbre, **mix)


# ---------------------------------------------------------------------------
# The world and the composer
# ---------------------------------------------------------------------------

# What each section does: sing (voice), lead (instrumental lead), drums
# (probability of playing), pad (forced on), energy (velocity offset).
_SECTION_ROLES = {
    "intro": (False, False, 0.4, True, -0.12), "verse": (True, False, 1.0, False, 0.0),
    "chorus": (True, False, 1.0, True, 0.12), "bridge": (False, True, 1.0, True, 0.0),
    "solo": (False, True, 1.0, False, 0.05), "outro": (False, False, 1.0, True, -0.1),
    "theme": (True, False, 1.0, False, 0.0), "episode": (False, True, 1.0, True, 0.05),
    "head": (True, False, 1.0, False, 0.0), "drift": (True, False, 1.0, False, 0.0),
    "bloom": (True, True, 1.0, True, 0.1), "build": (True, False, 0.5, False, 0.0),
    "drop": (True, False, 1.0, True, 0.12), "break": (False, True, 0.0, True, -0.05),
}
_COMP_CENTRE = {"guitar": 60, "acoustic guitar": 58, "distorted guitar": 48, "piano": 62,
                "electric piano": 60, "organ": 62, "strings": 64, "synth": 62, "synth pad": 62,
                "harp": 62, "harpsichord": 62, "banjo": 64, "sitar": 60, "marimba": 66,
                "accordion": 62, "brass": 60, "choir": 62, "cello": 55}
_BASS_LOW = {"bass": 31, "upright bass": 31, "synth bass": 29, "cello": 36, None: 31}
_STRUMMED = {"guitar", "acoustic guitar", "distorted guitar", "banjo", "harp", "sitar"}


class World:
    """A world of genres and artists, and the composer of its clips.

    Parameters
    ----------
    seed : int >= 0
        World seed: it fixes every artist's name, id and signature.
    artists_per_genre : int > 0
        Artists per genre.
    genres : sequence of str
        Genres of the world, a subset of :data:`GENRES` (kept in the order
        of :data:`GENRES`). An artist does not depend on which other genres
        are in the world.

    Attributes
    ----------
    seed : int
    genres : tuple of Genre
    artists : tuple of Artist
        Grouped by genre, ``artists_per_genre`` each.

    Examples
    --------
    >>> w = World(0, artists_per_genre=2, genres=("jazz", "metal"))
    >>> score = w.compose(w.artists[0], seed=3, duration=2.0)
    >>> y, labels = render(score, sr=16000)
    >>> y.shape, labels["genre"]
    ((32000,), 'jazz')
    """

    def __init__(self, seed=0, *, artists_per_genre=6, genres=GENRES):
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ParameterError(f"seed={seed!r}: expected a non-negative integer")
        self.seed = int(seed)
        self.artists_per_genre = _check.positive_int("artists_per_genre", artists_per_genre)
        if isinstance(genres, str):
            genres = (genres,)
        genres = tuple(genres)
        if not genres:
            raise ParameterError("genres=(): expected at least one of " + ", ".join(GENRES))
        for g in genres:
            _check.choice("genre", g, GENRES)
        names = tuple(g for g in GENRES if g in genres)
        self.genres = tuple(_GENRE_SPECS[g] for g in names)
        self.artists = tuple(_make_artist(self.seed, g, i) for g in names
                             for i in range(self.artists_per_genre))
        self._by_id = {a.artist_id: a for a in self.artists}

    def __repr__(self):
        return (f"World(seed={self.seed}, artists_per_genre={self.artists_per_genre}, "
                f"genres={len(self.genres)})")

    def genre(self, name):
        """Return the :class:`Genre` called ``name``.

        Raises
        ------
        ParameterError
            If the genre is not in this world.
        """
        for g in self.genres:
            if g.name == name:
                return g
        raise ParameterError(f"genre={name!r}: expected one of {[g.name for g in self.genres]}")

    def artists_of(self, genre_name):
        """Return the list of artists of a genre."""
        self.genre(genre_name)
        return [a for a in self.artists if a.genre == genre_name]

    def artist(self, artist_id):
        """Return the artist with id ``artist_id``."""
        try:
            return self._by_id[artist_id]
        except (KeyError, TypeError):
            raise ParameterError(f"artist_id={artist_id!r}: not an artist of {self!r}") from None

    def compose(self, artist, *, seed, duration):
        """Compose one clip of ``artist``.

        Parameters
        ----------
        artist : Artist or str
            An artist of this world, or its ``artist_id``.
        seed : int >= 0
            Clip seed.
        duration : float in (0, 600]
            Clip length in seconds.

        Returns
        -------
        Score
            Deterministic from (world seed, artist, seed, duration). The
            clip is a window, starting at a random point, on a song that
            depends on (world seed, artist, seed) only, so a longer clip with
            the same seed extends a shorter one.
        """
        if isinstance(artist, str):
            artist = self.artist(artist)
        if not isinstance(artist, Artist) or self._by_id.get(artist.artist_id) != artist:
            raise ParameterError(f"artist={artist!r}: expected an Artist of {self!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ParameterError(f"seed={seed!r}: expected a non-negative integer")
        duration = _check.positive("duration", duration)
        if duration > _MAX_DURATION:
            raise ParameterError(f"duration={duration!r}: expected a number in (0, {_MAX_DURATION:g}] s")
        return _Composer(self.seed, artist, int(seed), duration).score()


class _Composer:
    """Composes one clip; see :meth:`World.compose`."""

    def __init__(self, world_seed, artist, seed, duration):
        self.a = artist
        self.g = _GENRE_SPECS[artist.genre]
        self.duration = duration
        self.entropy = (world_seed, _GENRE_INDEX[artist.genre], artist.index, seed)
        self.notes = {}
        self.hits = {"drums": [], "percussion": []}
        self.chords = []
        self.sections = []

    # -- clip-level choices -------------------------------------------------
    def _choose(self):
        a, g = self.a, self.g
        rng = _rng(*self.entropy, 10)
        self.tempo = round(float(np.clip(rng.normal(a.tempo, a.tempo_sd), 50, 220)), 1)
        self.bpb = _pick(rng, a.metre)
        self.mode = "major" if rng.random() < a.p_major else "minor"
        if rng.random() < 0.75:
            self.key = int(rng.choice(12, p=np.asarray(a.key_weights)))
        else:
            self.key = int(rng.integers(12))
        self.swing = float(np.clip(a.swing + rng.normal(0, 0.03), 0, 0.4)) if a.swing > 0 else 0.0
        self.vocal = rng.random() < a.p_vocal
        self.harmony = a.harmony[0] if rng.random() < 0.65 else a.harmony[1]
        if rng.random() < _BORROW["harmony"]:
            self.harmony = _pick(rng, g.harmony)
        self.bass = _pick(rng, g.bass) if rng.random() < _BORROW["bass"] else a.bass
        if rng.random() < 0.05:
            self.bass = None
        lead = _pick(rng, g.lead) if rng.random() < _BORROW["lead"] else a.lead
        self.lead = lead if (lead is not None and rng.random() < a.p_lead) else None
        self.pad = a.pad if (a.pad is not None and rng.random() < a.p_pad) else None
        if self.pad == self.harmony:
            self.pad = None
        self.drums = rng.random() < a.p_drums
        self.percussion = rng.random() < a.p_percussion
        self.drum_pattern = a.drum_patterns[rng.integers(len(a.drum_patterns))] if (
            self.drums and a.drum_patterns) else None
        self.chorus_pattern = a.drum_patterns[rng.integers(len(a.drum_patterns))] if (
            self.drums and a.drum_patterns) else None
        self.perc_pattern = a.percussion[rng.integers(len(a.percussion))] if (
            self.percussion and a.percussion) else None
        self.density = a.melody_density * float(np.exp(rng.normal(0, 0.1)))
        # section plan
        progs = a.progressions_major if self.mode == "major" else a.progressions_minor
        names = []
        for name, _ in g.form:
            if name not in names:
                names.append(name)
        self.template = {n: progs[rng.integers(len(progs))] for n in names}
        self.comp_style = {n: a.comping[rng.integers(len(a.comping))] for n in names}
        self.bass_style = {n: a.bass_styles[rng.integers(len(a.bass_styles))] for n in names}
        self.form = []
        for name, nominal in g.form:
            n_tpl = len(_parse_progression(self.template[name]))
            self.form.append((name, n_tpl * max(1, round(nominal / n_tpl))))
        song_bars = sum(b for _, b in self.form)
        self.beat = 60.0 / self.tempo
        self.bar = self.beat * self.bpb
        start_bar = int(rng.integers(max(1, song_bars - 1)))
        self.t0 = (start_bar + float(rng.random())) * self.bar
        # mix
        lv = a.timbre["levels"]
        gains = {}
        for inst, role in ((self.harmony, "harmony"), (self.bass, "bass"), (self.lead, "lead"),
                           (self.pad, "pad"), ("drums", "drums"), ("percussion", "percussion"),
                           ("voice", "voice")):
            if inst is None:
                continue
            base = {"harmony": -4.0, "bass": -2.0, "lead": -2.0, "pad": -9.0, "drums": 0.0,
                    "percussion": -8.0, "voice": 0.0}[role]
            gains[inst] = base + lv[role] + float(rng.normal(0, 2.5))
        sends = {inst: (0.3 if inst in ("drums", "bass", "synth bass", "upright bass")
                        else 0.5 if inst == "percussion" else 1.0) for inst in gains}
        if self.pad == "choir" or self.harmony == "choir":
            sends["choir"] = 1.0
        self.mix = Mix(
            gains=gains, sends=sends,
            tilt=a.tilt + float(rng.normal(0, 1.0)),
            lofi=float(np.clip(a.lofi + rng.normal(0, 0.12), 0, 1)),
            distortion=float(np.clip(a.distortion + rng.normal(0, 0.06), 0, 1)),
            reverb=float(np.clip(a.reverb + rng.normal(0, 0.08), 0, 0.95)),
            reverb_time=float(np.clip(a.reverb_time * np.exp(rng.normal(0, 0.25)), 0.3, 6.0)),
            compression=float(np.clip(a.compression + rng.normal(0, 0.12), 0, 1)),
            loudness=float(np.clip(a.loudness + rng.normal(0, 1.5), -32, -8)))
        # this clip's instruments: the artist's timbres, varied per clip
        trng = _rng(*self.entropy, 11)
        self.timbre = {"levels": a.timbre["levels"], "centres": a.timbre["centres"],
                       "kit": _blend(a.timbre["kit"], _draw_kit(trng, a.drum_kit), _TIMBRE_BLEND)}
        for inst in INSTRUMENTS:
            if inst not in ("drums", "percussion"):
                self.timbre[inst] = _blend(a.timbre[inst], _draw_timbre(inst, trng), _TIMBRE_BLEND)
        adj = _WORDS_A[rng.integers(len(_WORDS_A))]
        noun = _WORDS_B[rng.integers(len(_WORDS_B))]
        self.title = f"{adj} {noun}" if rng.random() < 0.7 else f"The {noun}"

    # -- helpers --------------------------------------------------------------
    def _time(self, beats, rng=None, jitter=True):
        """Absolute song beats (straight) -> clip seconds (swung, humanised)."""
        whole = math.floor(beats + 1e-9)
        pos = _swing_pos(beats - whole, self.swing, self.g.swing_unit)
        t = (whole + pos) * self.beat - self.t0
        if jitter and rng is not None and self.a.tightness > 0:
            t += float(rng.normal(0, self.a.tightness))
        return t

    def _add(self, inst, onset, duration, pitch, velocity, variant=0):
        if inst is None or onset >= self.duration or onset + duration <= 0 or duration <= 0:
            return
        lo, hi = _INSTRUMENT_INFO[inst][1:3]
        while pitch < lo:
            pitch += 12
        while pitch > hi:
            pitch -= 12
        self.notes.setdefault(inst, []).append(
            Note(float(onset), float(duration), int(pitch), float(np.clip(velocity, 0.05, 1.5)),
                 int(variant)))

    def _hit(self, kind, onset, sound, velocity):
        if -0.05 <= onset < self.duration:
            self.hits[kind].append(DrumHit(float(max(onset, 0.0)), sound,
                                           float(np.clip(velocity, 0.05, 1.5))))

    # -- the song -------------------------------------------------------------
    def _sections(self):
        """Yield (index, name, start bar, bars) covering the clip window."""
        end_bar = (self.t0 + self.duration) / self.bar
        form = self.form
        loop = form[1:] or form  # after the first pass the song repeats without its intro
        start, i = 0, 0
        while start < end_bar:
            name, bars = form[i] if i < len(form) else loop[(i - len(form)) % len(loop)]
            if start + bars > self.t0 / self.bar - 2:
                yield i, name, start, bars
            start += bars
            i += 1

    def score(self):
        self._choose()
        for i, name, start_bar, bars in self._sections():
            self._section(i, name, start_bar, bars)
        t_beats = np.arange(math.ceil(self.t0 / self.beat - 1e-9),
                            math.floor((self.t0 + self.duration) / self.beat) + 1)
        times = t_beats * self.beat - self.t0
        keep = (times >= 0) & (times < self.duration)
        beats = times[keep]
        downbeats = beats[(t_beats[keep] % self.bpb) == 0]
        notes = {inst: tuple(sorted(ns, key=lambda n: (n.onset, n.pitch)))
                 for inst, ns in self.notes.items() if ns}
        hits = {k: tuple(sorted(v, key=lambda h: (h.onset, h.sound))) for k, v in self.hits.items() if v}
        instruments = tuple(sorted(set(notes) | set(hits)))
        if not instruments:  # a clip must never be silent: a drone on the tonic
            self._add(self.harmony, 0.0, self.duration,
                      _in_range(self.key, _COMP_CENTRE.get(self.harmony, 60) - 5), 0.6)
            notes = {self.harmony: tuple(self.notes[self.harmony])}
            instruments = (self.harmony,)
        vocal = any(i in instruments for i in ("voice", "choir"))
        return Score(
            genre=self.a.genre, artist=self.a, title=self.title, key=self.key, mode=self.mode,
            tempo=float(self.tempo), time_signature=int(self.bpb), swing=self.swing,
            swing_unit=self.g.swing_unit, duration=self.duration, loudness=self.mix.loudness,
            instruments=instruments, vocal=vocal,
            voice=self.a.voice if "voice" in instruments else None,
            sections=tuple(self.sections), chords=tuple(self.chords), notes=notes, hits=hits,
            beats=beats.astype(np.float64), downbeats=downbeats.astype(np.float64),
            drum_pattern=self.drum_pattern if "drums" in instruments else None,
            drum_kit=self.a.drum_kit, mix=self.mix, timbre=self.timbre, entropy=self.entropy)

    def _section(self, index, name, start_bar, bars):
        rng = _rng(*self.entropy, 20, index)
        sing, lead_on, p_drums, pad_on, energy = _SECTION_ROLES[name]
        template = self.template[name]
        prog = _parse_progression(template)
        comp = self.comp_style[name]
        bpb, beat0 = self.bpb, start_bar * self.bpb
        tonic = self.key
        # chords, per bar
        spans, bar_spans = [], []  # (start beat, length, root pc, quality, symbol)
        for b in range(bars):
            chords = prog[b % len(prog)]
            length = bpb / len(chords)
            bar_spans.append([(beat0 + b * bpb + c * length, length, (tonic + off) % 12, qual, sym)
                              for c, (sym, off, qual) in enumerate(chords)])
            spans.extend(bar_spans[-1])
        for s, length, root, qual, sym in spans:
            t0, t1 = s * self.beat - self.t0, (s + length) * self.beat - self.t0
            if t1 > 0 and t0 < self.duration:
                self.chords.append(Chord(max(t0, 0.0), min(t1, self.duration), root, qual, sym))
        s_t0 = beat0 * self.beat - self.t0
        s_t1 = (beat0 + bars * bpb) * self.beat - self.t0
        if s_t1 > 0 and s_t0 < self.duration:
            self.sections.append(Section(name, max(s_t0, 0.0), min(s_t1, self.duration),
                                         template, comp, bars))
        vel = 0.85 + energy
        centres = self.timbre["centres"]
        # harmony
        h = self.harmony
        centre = _COMP_CENTRE.get(h, 60) + centres["harmony"]
        for b in range(bars):
            bar_start = beat0 + b * bpb
            for pos, dur, kind, v in _comp_bar(comp, bpb):
                here = bar_spans[b]
                span = here[min(int(pos / (bpb / len(here))), len(here) - 1)]
                pitches = _voicing(span[2], span[3], centre)
                if kind == "u" and len(pitches) >= 3:
                    pitches = pitches[1:]
                elif kind == "p":
                    r = _in_range(span[2], centre - 6)
                    pitches = [r, r + 7, r + 12]
                elif isinstance(kind, int):
                    ext = pitches + [p + 12 for p in pitches]
                    pitches = [ext[kind % len(ext)]]
                onset = self._time(bar_start + pos, rng)
                length = dur * self.beat
                vv = v * vel * float(np.exp(rng.normal(0, 0.08)))
                strum = 0.012 if (h in _STRUMMED and kind in ("c", "u")) else 0.0
                for k, p in enumerate(pitches):
                    self._add(h, onset + k * strum, length, p, vv)
        # pad
        if self.pad is not None and (pad_on or rng.random() < 0.4):
            centre = _COMP_CENTRE.get(self.pad, 64) + 2 + centres["pad"]
            for s, length, root, qual, _ in spans:
                for p in _voicing(root, qual, centre):
                    vowel = int(rng.choice([0, 3])) if self.pad == "choir" else 0  # 'a' or 'o'
                    self._add(self.pad, self._time(s, rng), length * self.beat + 0.05, p, 0.6 * vel,
                              variant=vowel)
        # bass
        if self.bass is not None:
            self._bass(rng, spans, self.bass_style[name], vel)
        # melody
        mel = "voice" if (self.vocal and sing) else (
            self.lead if (self.lead is not None and (lead_on or sing)) else None)
        if mel is not None:
            self._melody(rng, mel, spans, beat0, bars, vel)
        # drums and percussion
        if self.drums and rng.random() < p_drums:
            pattern = self.chorus_pattern if name in ("chorus", "drop", "bloom") else self.drum_pattern
            self._drums(rng, pattern, beat0, bars, vel, fill=rng.random() < 0.5)
        if self.percussion and self.perc_pattern:
            grid = _PERCUSSION_PATTERNS[self.perc_pattern]
            for b in range(bars):
                self._grid(rng, "percussion", grid, beat0 + b * bpb, vel)

    def _grid(self, rng, kind, grid, bar_start, vel, until=None):
        for sound, steps in grid.items():
            for i, ch in enumerate(_grid_bar(steps, self.bpb)):
                if ch == "." or (until is not None and i / 4 >= until):
                    continue
                t = self._time(bar_start + i / 4, rng)
                self._hit(kind, t, sound, _STEP_VELOCITY[ch] * vel * float(np.exp(rng.normal(0, 0.1))))

    def _drums(self, rng, pattern, beat0, bars, vel, fill):
        bpb = self.bpb
        if bpb == 3:
            grid = _JAZZ_WALTZ if pattern == "jazz_ride" else _WALTZ
        else:
            grid = _DRUM_PATTERNS[pattern]
        for b in range(bars):
            bar_start = beat0 + b * bpb
            last = b == bars - 1 and fill and pattern != "jazz_ride"
            self._grid(rng, "drums", grid, bar_start, vel, until=bpb - 1 if last else None)
            if b == 0 and pattern in _CRASH_PATTERNS:
                self._hit("drums", self._time(bar_start, rng), "crash", 0.8 * vel)
            if pattern == "jazz_ride":
                for off in np.arange(0.5, bpb, 1.0):
                    if rng.random() < 0.18:
                        self._hit("drums", self._time(bar_start + off, rng), "snare", 0.3 * vel)
            if last:
                for k, sound in enumerate(("snare", "snare", "tom_hi", "tom_lo")):
                    self._hit("drums", self._time(bar_start + bpb - 1 + k / 4, rng), sound,
                              (0.7 + 0.1 * k) * vel)

    def _bass(self, rng, spans, style, vel):
        inst = self.bass
        lo = _BASS_LOW[inst] + self.a.timbre["centres"]["bass"]
        for n, (s, length, root, qual, _) in enumerate(spans):
            nxt = spans[n + 1][2] if n + 1 < len(spans) else spans[0][2]
            r = _in_range(root, lo)
            third = r + (3 if qual in ("min", "m7", "m7b5", "dim") else 4)
            fifth = r + (6 if qual in ("m7b5", "dim") else 7)
            seventh = r + (10 if qual in ("7", "m7", "m7b5") else 11 if qual == "maj7" else 12)
            nr = _in_range(nxt, lo)
            ev = []
            if style == "sustained":
                ev = [(0, length * 0.98, r, 0.8)]
            elif style == "root":
                ev = [(p, min(2, length - p) * 0.95, r, 0.85) for p in np.arange(0, length, 2.0)]
            elif style == "root_fifth":
                ev = [(p, 0.9, r if k % 2 == 0 else (fifth - 12 if fifth - 12 >= lo else fifth), 0.85)
                      for k, p in enumerate(np.arange(0, length, 2.0 if self.bpb == 4 else 1.5))]
            elif style == "walking":
                for k in range(int(length)):
                    if k == 0:
                        p = r
                    elif k == int(length) - 1:
                        p = nr + int(rng.choice([-1, 1, -2, 2]))
                    else:
                        p = int(rng.choice([third, fifth, seventh, r + 12, r + 2, fifth + 2]))
                    ev.append((k, 0.9, p, 0.8 + 0.1 * (k == 0)))
            elif style == "eighths":
                ev = [(i / 2, 0.42, r if i < 2 * length - 2 or rng.random() < 0.5 else fifth, 0.8)
                      for i in range(int(2 * length))]
            elif style == "octaves":
                ev = [(i / 2, 0.38, r + 12 * (i % 2), 0.8) for i in range(int(2 * length))]
            elif style == "syncopated":
                slots = [0, 0.75, 1.5, 2.0, 2.5, 3.25, 3.5]
                for p in slots:
                    if p < length and (p == 0 or rng.random() < 0.55):
                        ev.append((p, float(rng.choice([0.3, 0.45, 0.7])),
                                   int(rng.choice([r, r, r + 12, fifth, seventh])), 0.85))
            elif style == "boogie":
                seq = (r, third, fifth, r + 9, seventh, r + 9, fifth, third)
                ev = [(k, 0.9, seq[(k + int(s)) % 8], 0.8) for k in range(int(length))]
            elif style == "reggae":
                ev = [(0.5, 0.4, r, 0.8), (1.0, 0.9, r, 0.85), (2.0, 0.45, fifth, 0.75),
                      (2.5, 0.45, third, 0.7), (3.0, 0.9, r, 0.8)]
                if rng.random() < 0.5:
                    ev[0] = (0.0, 0.9, r, 0.85)
            elif style == "tumbao":
                ev = [(1.5, 1.4, fifth, 0.85), (3.0, 1.0, nr, 0.8)]
            elif style == "808":
                ev = [(0, 1.4, r, 0.9), (1.5, 1.0, r, 0.8), (3.0, 0.9, r + 12 * int(rng.random() < 0.4), 0.8)]
            elif style == "offbeat":
                ev = [(p + 0.5, 0.4, r, 0.8) for p in range(int(length))]
            for p, d, pitch, v in ev:
                if p < length:
                    self._add(inst, self._time(s + p, rng), d * self.beat, pitch,
                              v * vel * float(np.exp(rng.normal(0, 0.06))))

    def _melody(self, rng, inst, spans, beat0, bars, vel):
        a, bpb = self.a, self.bpb
        rap = inst == "voice" and self.g.vocal_style == "rap"
        if inst == "voice":
            lo, hi = (45, 67) if a.voice == "male" else (55, 77)
            if self.g.vocal_style == "opera":
                lo, hi = lo + 3, hi + 3
        else:
            lo, hi = _INSTRUMENT_INFO[inst][1:3]
            lo, hi = max(lo, 52), min(hi, 88)
        centre = (lo + hi) // 2 + self.a.timbre["centres"]["lead"]
        pcs = _SCALES[(self.g.melody_scale, self.mode)]
        scale = [p for p in range(lo, hi + 1) if (p - self.key) % 12 in pcs]
        density = self.density * (1.8 if rap else 1.0)
        grid = 0.25 if (rap or density > 1.6) else 0.5
        phrase = 2 if bars >= 2 else 1
        steps = int(round(phrase * bpb / grid))
        moves_pool = (-1, 0, 0, 1) if rap else (-2, -1, -1, 0, 1, 1, 2, 3, -3)

        def chord_at(beat):
            for s, length, root, qual, _ in spans:
                if s <= beat < s + length:
                    return {(root + iv) % 12 for iv in _QUALITIES[qual]}
            return {self.key}

        motif = None
        idx = int(np.argmin([abs(p - centre) for p in scale]))
        for ph in range(0, bars, phrase):
            start = beat0 + ph * bpb
            if motif is None or rng.random() > 0.6:
                onsets = []
                for k in range(steps):
                    pos = k * grid
                    strong = abs(pos - round(pos)) < 1e-9
                    p_on = min(0.95, density * grid * (1.4 if strong else 0.7))
                    if rng.random() < p_on:
                        onsets.append(pos)
                rest = float(rng.choice([0.0, 1.0, 2.0] if inst == "voice" else [0.0, 0.5, 1.0]))
                onsets = [p for p in onsets if p < phrase * bpb - rest] or [0.0]
                moves = [int(rng.choice(moves_pool)) for _ in onsets]
                motif = (onsets, moves, rest)
            onsets, moves, rest = motif
            end = phrase * bpb - rest
            for k, pos in enumerate(onsets):
                if start + pos >= beat0 + bars * bpb:
                    break
                if k > 0:
                    idx += moves[k]
                if idx >= len(scale):  # reflect at the ends of the range
                    idx = 2 * (len(scale) - 1) - idx
                idx = int(np.clip(abs(idx), 0, len(scale) - 1))
                if abs(scale[idx] - centre) > 9:
                    idx += -1 if scale[idx] > centre else 1
                strong = abs(pos - round(pos)) < 1e-9
                if strong and not rap and rng.random() < 0.7:
                    tones = chord_at(start + pos)
                    cands = [j for j in range(max(0, idx - 3), min(len(scale), idx + 4))
                             if scale[j] % 12 in tones]
                    if cands:
                        idx = min(cands, key=lambda j: abs(j - idx))
                nxt = onsets[k + 1] if k + 1 < len(onsets) else end
                dur = min(2.0, max(grid, nxt - pos)) * (0.6 if rap else 0.92)
                variant = 0
                if inst == "voice":
                    variant = int(rng.integers(5)) + 5 * int(rng.choice(3, p=[0.5, 0.3, 0.2]))
                v = vel * (0.78 + 0.12 * strong) * float(np.exp(rng.normal(0, 0.06)))
                self._add(inst, self._time(start + pos, rng), dur * self.beat, scale[idx], v, variant)


# ---------------------------------------------------------------------------
# Synthesis: note waveforms
# ---------------------------------------------------------------------------

_TABLE_SIZE = 2048
_TWO_PI = 2.0 * np.pi


def _midi_hz(pitch):
    return 440.0 * 2.0 ** ((pitch - 69) / 12.0)


def _n_harmonics(f0, sr, cap=80):
    return int(max(1, min(cap, 0.45 * sr / (f0 * 1.03))))


def _peak(f, centre, width):
    return 1.0 / (1.0 + ((f - centre) / width) ** 2)


def _table(amps):
    """One period of ``sum_k amps[k-1] sin(2 pi k x)``, plus a wrap-around sample."""
    k = min(len(amps), _TABLE_SIZE // 2 - 1)
    spec = np.zeros(_TABLE_SIZE // 2 + 1, dtype=complex)
    spec[1:k + 1] = -0.5j * _TABLE_SIZE * np.asarray(amps[:k], dtype=float)
    t = np.fft.irfft(spec, _TABLE_SIZE)
    return np.append(t, t[0])


def _phase(freq, n, sr, phase0=0.0):
    """Phase in cycles of an oscillator with a constant or per-sample frequency."""
    if np.ndim(freq) == 0:
        return phase0 + (float(freq) / sr) * np.arange(n)
    return phase0 + np.cumsum(freq) / sr


def _lookup(table, phase):
    """Wavetable read with linear interpolation."""
    x = (phase - np.floor(phase)) * _TABLE_SIZE
    i = np.minimum(x.astype(np.intp), _TABLE_SIZE - 1)
    lo = table[i]
    return lo + (x - i) * (table[i + 1] - lo)


def _vibrato(f0, n, sr, rate, cents, delay=0.2, ramp=0.3, phase=0.0):
    """Per-sample frequency with a delayed sinusoidal vibrato (scalar if none)."""
    if cents <= 0:
        return f0
    t = np.arange(n) / sr
    x = np.clip((t - delay) / ramp, 0.0, 1.0) * np.sin(_TWO_PI * rate * t + phase)
    x *= cents * math.log(2.0) / 1200.0
    return f0 * (1.0 + x * (1.0 + 0.5 * x))  # 2 ** (cents / 1200), to 0.01 cent


def _attack(n, sr, seconds):
    t = np.arange(n) / sr
    return -np.expm1(-t * (4.6 / max(seconds, 1e-3)))


def _one_pole(x, fc, sr):
    """One-pole low-pass (cheap smoothing)."""
    a = math.exp(-_TWO_PI * min(fc, 0.45 * sr) / sr)
    return signal.lfilter([1.0 - a], [1.0, -a], x)


@functools.lru_cache(maxsize=256)
def _sos(kind, f1, f2, sr, order=2):
    """Butterworth second-order sections; frequencies clipped below Nyquist."""
    nyq = 0.5 * sr
    f1 = float(np.clip(f1, 20.0, 0.9 * nyq))
    if kind == "bandpass":
        f2 = float(np.clip(f2, f1 * 1.2, 0.95 * nyq))
        if f2 <= f1 * 1.05:
            f1 = f2 / 1.5
        return signal.butter(order, [f1, f2], btype="bandpass", fs=sr, output="sos")
    return signal.butter(order, f1, btype=kind, fs=sr, output="sos")


def _filt(x, kind, f1, sr, f2=0.0, order=2):
    if kind == "lowpass" and f1 >= 0.45 * sr:
        return x
    return signal.sosfilt(_sos(kind, round(f1, 1), round(f2, 1), sr, order), x)


def _pluck(f0, n, sr, p, rng):
    """Karplus-Strong string, computed period by period in closed form.

    The string loop (delay of one period, gain, averaging low-pass) is
    applied k times to the excitation in the DFT domain of one period, so a
    whole note is one batched inverse FFT; the loop runs at a virtual rate
    where the period is a whole number of samples, then is resampled.
    """
    L = max(2, int(math.ceil(sr / f0)))
    srv = L * f0
    nv = int(math.ceil(n * srv / sr)) + 2
    periods = -(-nv // L)
    x = rng.standard_normal(L)
    h = p["hardness"]
    if h > 0:
        x = signal.lfilter([1.0 - h], [1.0, -h], np.concatenate([x, x]))[L:]
    x = x - np.roll(x, max(1, int(round(p["pick"] * L))))
    X = np.fft.rfft(x)
    X[0] = 0.0
    w = np.pi * np.arange(X.size) / L
    t60 = float(np.clip(p["t60"] * (261.6 / f0) ** 0.5, 0.2, 12.0))
    per = -3.0 * math.log(10.0) / (t60 * f0)  # log gain per period at the fundamental
    loss = per + p["bright"] * np.log(np.maximum(np.cos(w), 1e-4) / math.cos(np.pi / L))
    loss = np.minimum(loss, per)
    k = np.arange(periods, dtype=float)[:, None]
    y = np.fft.irfft(X[None, :] * np.exp(k * loss[None, :]), n=L, axis=1).ravel()
    return np.interp(np.arange(n) * (srv / sr), np.arange(y.size), y)


def _strike(f0, n, sr, p, rng):
    """Struck string or bar: exponentially decaying partials, inharmonic for
    a piano (f_k = k f0 sqrt(1 + B k^2)), with a hammer or mallet thump."""
    t = np.arange(n) / sr
    y = np.zeros(n)
    t60 = float(np.clip(p["t60"] * (261.6 / f0) ** 0.6, 0.2, 12.0))
    d1 = 6.91 / t60
    ratios = p["ratios"]
    n_partials = len(ratios) if ratios else 30
    phases = rng.uniform(0, _TWO_PI, n_partials)
    for k in range(1, n_partials + 1):
        if ratios:
            fk = f0 * ratios[k - 1]
            ak = (1.0, 0.45, 0.2)[k - 1] if k <= 3 else 0.1
        else:
            fk = k * f0 * math.sqrt(1.0 + p["B"] * k * k)
            ak = k ** -p["hardness"] * (abs(math.sin(math.pi * k * p["strike"])) + 0.1)
        if fk >= 0.45 * sr:
            break
        dk = d1 * (1.0 + p["partial_decay"] * (k - 1) ** 1.3)
        nk = min(n, int(sr * 6.91 / dk) + 1)
        y[:nk] += ak * np.exp(-dk * t[:nk]) * np.sin(_TWO_PI * fk * t[:nk] + phases[k - 1])
    nb = min(n, int(0.012 * sr))
    if nb > 0:
        thump = _one_pole(rng.standard_normal(nb), 1200.0, sr) * np.exp(-t[:nb] / 0.003)
        y[:nb] += 0.4 * thump * np.max(np.abs(y[:nb]) + 1e-9)
    return y * _attack(n, sr, 0.002)


def _fm_piano(f0, n, sr, p, rng):
    """Electric piano: two-operator FM with a decaying index, plus a tine."""
    t = np.arange(n) / sr
    t60 = float(np.clip(p["t60"] * (261.6 / f0) ** 0.5, 0.2, 10.0))
    index = p["index"] * min(1.0, 1500.0 / f0) * np.exp(-t / 0.3)
    y = np.exp(-6.91 * t / t60) * np.sin(_TWO_PI * f0 * t + index * np.sin(_TWO_PI * p["ratio"] * f0 * t))
    if 7.1 * f0 < 0.45 * sr:
        y += 0.15 * np.exp(-t * 18.0) * np.sin(_TWO_PI * 7.1 * f0 * t)
    return y * _attack(n, sr, 0.002)


def _bowed(f0, n, sr, p, rng):
    """Bowed string: band-limited saw through body resonances, vibrato, slow attack."""
    k = np.arange(1, _n_harmonics(f0, sr) + 1)
    fk = k * f0
    b = p["body"]
    body = 1 + 1.2 * _peak(fk, 300 * b, 120) + 0.6 * _peak(fk, 1000 * b, 300) + _peak(fk, 2800 * b, 900)
    tab = _table(k ** -p["roll"] * body / (1 + (fk / 6000.0) ** 2))
    voices = p["voices"]
    y = np.zeros(n)
    for v in range(voices):
        det = 2.0 ** ((v - (voices - 1) / 2) * p["detune"] / 1200.0) if voices > 1 else 1.0
        f = _vibrato(f0 * det, n, sr, p["vib_rate"] * (1 + 0.07 * v), p["vib_cents"], delay=0.15,
                     phase=1.7 * v)
        y += _lookup(tab, _phase(f, n, sr, 0.31 * v))
    return y * _attack(n, sr, p["attack"])


_DRAWBAR_HARMONICS = (1, 3, 2, 4, 6, 8, 10, 12, 16)  # of f0 / 2: 16', 5 1/3', 8', ... 1'


def _organ(f0, n, sr, p, rng):
    """Tonewheel organ: drawbar sums of sine partials, instant attack, key click."""
    base = f0 / 2.0
    amps = np.zeros(16)
    for h, d in zip(_DRAWBAR_HARMONICS, p["drawbars"]):
        if d > 0 and h * base < 0.45 * sr:
            amps[h - 1] += 10.0 ** ((d - 8) * 3.0 / 20.0)
    if not amps.any():
        amps[1] = 1.0
    y = _lookup(_table(amps), _phase(base, n, sr)) * _attack(n, sr, 0.005)
    nc = min(n, int(0.004 * sr))
    if p["click"] > 0 and nc > 0:
        y[:nc] += p["click"] * rng.standard_normal(nc) * np.max(np.abs(y[: 4 * nc + 1]))
    return y


def _reed(f0, n, sr, p, rng, attack=0.035):
    """Reed (saxophone, harmonica, accordion): odd/even-weighted harmonics
    with a formant, breath noise, vibrato; accordion reeds beat in pairs."""
    k = np.arange(1, _n_harmonics(f0, sr) + 1)
    fk = k * f0
    amps = k ** -p["roll"] * np.where(k % 2 == 1, 1.0, p["evenness"]) * (1 + 2 * _peak(fk, p["formant"], 600))
    tab = _table(amps / (1 + (fk / 7000.0) ** 2))
    voices = 2 if p["detune"] > 0 else 1
    y = np.zeros(n)
    for v in range(voices):
        det = 2.0 ** ((v - (voices - 1) / 2) * p["detune"] / 1200.0)
        f = _vibrato(f0 * det, n, sr, p["vib_rate"], p["vib_cents"], delay=0.25)
        y += _lookup(tab, _phase(f, n, sr, 0.23 * v))
    y /= voices
    peak = np.max(np.abs(y[: min(n, int(sr / f0) * 4 + 1)])) + 1e-9
    y += p["breath"] * peak * _one_pole(np.diff(rng.standard_normal(n + 1)), 4000.0, sr)
    return y * _attack(n, sr, attack)


def _blown(f0, n, sr, p, rng):
    """Flute: a few soft harmonics, breath noise, a chiff and delayed vibrato."""
    k = np.arange(1, min(6, _n_harmonics(f0, sr)) + 1)
    tab = _table(k ** -p["roll"])
    f = _vibrato(f0, n, sr, p["vib_rate"], p["vib_cents"], delay=0.2)
    y = _lookup(tab, _phase(f, n, sr))
    t = np.arange(n) / sr
    y *= 1 + 0.04 * np.sin(_TWO_PI * p["vib_rate"] * t)
    noise = _one_pole(rng.standard_normal(n), 3000.0, sr)
    noise /= np.std(noise) + 1e-9
    y += (p["breath"] + 0.5 * np.exp(-t / 0.03)) * 0.5 * noise
    return y * _attack(n, sr, 0.06)


def _brass(f0, n, sr, p, rng):
    """Brass: dark and bright spectra cross-faded by the attack, a pitch scoop."""
    k = np.arange(1, _n_harmonics(f0, sr) + 1)
    dark, bright = _table(k ** -p["roll_dark"]), _table(k ** -p["roll_bright"])
    t = np.arange(n) / sr
    voices = 2 if p["detune"] > 2 else 1
    y = np.zeros(n)
    env = _attack(n, sr, p["attack"])
    w = np.clip(env * (0.45 + 0.55 * np.exp(-t / 0.2)), 0.0, 1.0)
    for v in range(voices):
        det = 2.0 ** ((v - (voices - 1) / 2) * p["detune"] / 1200.0)
        f = _vibrato(f0 * det, n, sr, 5.5, p["vib_cents"], delay=0.3)
        f = f * (1.0 - 0.02 * np.exp(-t / 0.03))
        ph = _phase(f, n, sr, 0.4 * v)
        yd = _lookup(dark, ph)
        y += yd + w * (_lookup(bright, ph) - yd)
    return y * env / voices


def _synth(f0, n, sr, p, rng):
    """Subtractive synth: detuned saws or squares through a resonant low-pass
    (applied per harmonic), with a decaying filter envelope."""
    k = np.arange(1, _n_harmonics(f0, sr) + 1)
    fk = k * f0
    base = 1.0 / k if p["wave"] == "saw" else np.where(k % 2 == 1, 1.0 / k, 0.0)

    def lowpass(fc):
        fc = min(fc, 0.45 * sr)
        r = fk / fc
        return 1.0 / np.sqrt((1 - r ** 2) ** 2 + (r / p["q"]) ** 2)

    sustain = _table(base * lowpass(p["cutoff"]))
    opened = _table(base * lowpass(p["cutoff"] * (1 + p["env_amount"])))
    t = np.arange(n) / sr
    w = np.exp(-t / p["env_tau"])
    voices = p["voices"]
    y = np.zeros(n)
    starts = rng.random(voices)
    for v in range(voices):
        det = 2.0 ** ((v - (voices - 1) / 2) * p["detune"] / 1200.0) if voices > 1 else 1.0
        ph = _phase(f0 * det, n, sr, starts[v])
        ys = _lookup(sustain, ph)
        y += ys + w * (_lookup(opened, ph) - ys)
    return y * _attack(n, sr, p["attack"]) / voices


_FORMANTS = (  # vowel: (F1, F2, F3), relative gains
    ((730, 1090, 2440), (1.0, 0.5, 0.25)),   # a
    ((530, 1840, 2480), (1.0, 0.35, 0.25)),  # e
    ((270, 2290, 3010), (1.0, 0.2, 0.2)),    # i
    ((570, 840, 2410), (1.0, 0.6, 0.12)),    # o
    ((300, 870, 2240), (1.0, 0.3, 0.08)),    # u
)


def _voice(f0, n, sr, p, rng, vowel=0):
    """Voice: glottal-like harmonic source shaped by vowel formants, vibrato,
    an onset scoop and breath; a choir is three such voices."""
    female = p.get("female", False)
    style = p.get("style", "sung")
    shift = p["formant_shift"] * (1.15 if female else 1.0)
    formants, gains = _FORMANTS[vowel % 5]
    k = np.arange(1, _n_harmonics(f0, sr) + 1)
    voices = p["voices"]
    t = np.arange(n) / sr
    y = np.zeros(n)
    for v in range(voices):
        s = shift * (1.0 + 0.03 * (v - (voices - 1) / 2))
        fk = k * f0
        env_f = 0.015 + sum(g * _peak(fk, F * s, 60 + 0.06 * F) for F, g in zip(formants, gains))
        if style == "opera":
            env_f = env_f + 0.4 * _peak(fk, 2900, 400)
        tab = _table(k ** -p["roll"] * env_f)
        det = 2.0 ** ((v - (voices - 1) / 2) * 8.0 / 1200.0) if voices > 1 else 1.0
        if style == "rap":
            f = f0 * det * np.exp2(-(0.8 * t / max(t[-1], 1e-3)) / 12.0)
        else:
            f = _vibrato(f0 * det, n, sr, p["vib_rate"] * (1 + 0.05 * v), p["vib_cents"],
                         delay=0.15, ramp=0.25, phase=2.1 * v)
            f = f * np.exp2(-(p["scoop"] / 1200.0) * np.exp(-t / 0.05))
        y += _lookup(tab, _phase(f, n, sr, 0.17 * v))
    y /= voices
    peak = np.max(np.abs(y[: min(n, int(4 * sr / f0) + 1)])) + 1e-9
    y += p["breath"] * peak * _filt(rng.standard_normal(n), "highpass", 1500.0, sr)
    return y * _attack(n, sr, p["attack"])


_ENGINES = {"plucked": _pluck, "struck": _strike, "fm": _fm_piano, "bowed": _bowed,
            "organ": _organ, "reed": _reed, "blown": _blown, "brass": _brass,
            "synth": _synth, "voice": _voice}
_RELEASE = {"plucked": 0.06, "struck": 0.15, "fm": 0.1, "bowed": 0.18, "organ": 0.03,
            "reed": 0.07, "blown": 0.08, "brass": 0.07, "voice": 0.12}
_DECAYING = {"plucked", "struck", "fm"}


def _release(engine, params):
    if engine == "synth":
        return params["release"]
    if engine == "voice" and params["voices"] > 1:
        return 0.3
    return _RELEASE[engine]


def _render_part(inst, notes, params, sr, n, rng, consonants=None):
    """Add every note of one instrument into a buffer of ``n`` samples.

    Each distinct (pitch, variant) is synthesised once, as long as its
    longest note needs; every note is then a slice of that waveform with its
    own release and velocity.
    """
    engine = _INSTRUMENT_INFO[inst][0]
    rel = _release(engine, params)
    n_rel = max(1, int(rel * sr))
    need = {}
    for note in notes:
        start = int(round(note.onset * sr))
        end = min(n, start + int(round(note.duration * sr)) + n_rel)
        if end > max(start, 0):
            key = (note.pitch, note.variant % 5)
            need[key] = max(need.get(key, 0), end - start)
    waves = {}
    for key in sorted(need):
        pitch, vowel = key
        f0 = _midi_hz(pitch)
        length = need[key]
        if engine in _DECAYING:
            t60 = params.get("t60", 3.0) * (261.6 / f0) ** 0.5
            length = min(length, int(sr * min(12.0, 1.2 * t60)) + 1)
        length = min(length, int(20 * sr))
        if engine == "voice":
            w = _voice(f0, length, sr, params, rng, vowel=vowel)
        elif inst == "harmonica":
            w = _reed(f0, length, sr, params, rng, attack=0.02)
        else:
            w = _ENGINES[engine](f0, length, sr, params, rng)
        peak = np.max(np.abs(w))
        waves[key] = w / peak if peak > 0 else w
    buf = np.zeros(n)
    fade = (1.0 - np.linspace(0.0, 1.0, n_rel)) ** 2
    for note in notes:
        key = (note.pitch, note.variant % 5)
        if key not in waves:
            continue
        w = waves[key]
        start = int(round(note.onset * sr))
        n_on = max(1, int(round(note.duration * sr)))
        length = min(len(w), n_on + n_rel, n - start)
        if length <= 0:
            continue
        seg = w[:length] * note.velocity
        if length > n_on:
            seg[n_on:] *= fade[: length - n_on]
        lo = max(0, -start)
        if lo < length:
            buf[start + lo: start + length] += seg[lo:]
        if consonants is not None and note.variant >= 5 and start >= 0:
            c = consonants[note.variant // 5 - 1]
            m = min(len(c), n - start)
            buf[start: start + m] += 0.35 * note.velocity * c[:m]
    return buf


# ---------------------------------------------------------------------------
# Synthesis: drums
# ---------------------------------------------------------------------------

def _drum_sound(sound, kit, sr, rng):
    """One drum or percussion sample, peak 1."""
    b = kit["brightness"]
    electronic = kit["kind"] == "electronic"

    def tt(seconds):
        return np.arange(max(8, int(seconds * sr))) / sr

    def noise(m):
        return rng.standard_normal(m)

    def tone_sweep(f_end, ratio, decay, seconds, tau=0.012):
        t = tt(seconds)
        f = f_end + f_end * (ratio - 1) * np.exp(-t / tau)
        return t, np.sin(_TWO_PI * np.cumsum(f) / sr) * np.exp(-t / decay)

    if sound in ("kick", "tom_hi", "tom_lo"):
        if sound == "kick":
            f, ratio, dec = kit["kick_f"], kit["kick_sweep"], kit["kick_decay"]
        else:
            f, ratio, dec = kit["tom_f"] * (1.5 if sound == "tom_hi" else 1.0), 1.4, 0.25
        t, y = tone_sweep(f, ratio, dec, min(1.5, dec * 5))
        y += 0.3 * b * _filt(noise(t.size), "highpass", 1000.0, sr) * np.exp(-t / 0.003)
    elif sound == "snare":
        t = tt(0.5)
        f = kit["snare_f"]
        tone = (np.sin(_TWO_PI * f * t) * np.exp(-t / 0.05)
                + 0.5 * np.sin(_TWO_PI * 1.5 * f * t) * np.exp(-t / 0.04))
        nz = _filt(noise(t.size), "bandpass", 1500.0 * b, sr, f2=9000.0 * b)
        nz *= np.exp(-t / kit["snare_decay"])
        nz /= np.max(np.abs(nz)) + 1e-9
        m = kit["snare_noise"]
        y = (1 - m) * tone + m * nz
    elif sound == "clap":
        t = tt(0.35)
        env = sum((t >= o) * np.exp(-np.maximum(t - o, 0) / 0.006) for o in (0.0, 0.011, 0.022))
        env = env + 0.6 * (t >= 0.03) * np.exp(-np.maximum(t - 0.03, 0) / 0.1)
        y = _filt(noise(t.size), "bandpass", 900.0, sr, f2=3500.0) * env
    elif sound == "rim":
        t = tt(0.08)
        click = _filt(noise(t.size), "highpass", 3000.0, sr) * np.exp(-t / 0.005)
        y = np.sin(_TWO_PI * 1700 * t) * np.exp(-t / 0.012) + 0.5 * click
    elif sound in ("hat", "ohat"):
        dec = kit["hat_decay"] if sound == "hat" else 0.3
        t = tt(min(1.0, dec * 6))
        if electronic:
            src = sum(np.sign(np.sin(_TWO_PI * fr * b * t))  # six detuned square waves
                      for fr in (205.3, 304.4, 369.6, 522.7, 540.0, 800.0))
        else:
            src = noise(t.size)
        y = _filt(src, "highpass", kit["hat_cut"] * b, sr, order=4) * np.exp(-t / dec)
    elif sound in ("ride", "crash"):
        t = tt(1.6 if sound == "ride" else 2.0)
        mrng = np.random.default_rng(kit["metal_seed"])
        freqs = mrng.uniform(2500, 7000, 6)
        metal = sum(np.sin(_TWO_PI * fr * t + ph) * np.exp(-t / d) for fr, ph, d in zip(
            freqs, mrng.uniform(0, _TWO_PI, 6), mrng.uniform(0.6, 1.4, 6)) if fr < 0.45 * sr)
        hiss = _filt(noise(t.size), "highpass", 3000.0 * b, sr)
        if sound == "ride":
            bell = np.sin(_TWO_PI * kit["ride_f"] * 5 * t) * np.exp(-t / 0.5)
            y = 0.5 * metal + 0.4 * bell + 0.3 * hiss * np.exp(-t / 0.3)
        else:
            y = hiss * np.exp(-t / 0.9) + 0.3 * metal
    elif sound == "brush":
        t = tt(0.25)
        y = _filt(noise(t.size), "bandpass", 2000.0, sr, f2=7000.0)
        y *= -np.expm1(-t / 0.01) * np.exp(-t / 0.08)
    elif sound == "shaker":
        t = tt(0.12)
        y = _filt(noise(t.size), "bandpass", 4000.0, sr, f2=10000.0)
        y *= -np.expm1(-t / 0.01) * np.exp(-t / 0.035)
    elif sound == "tamb":
        t = tt(0.3)
        y = _filt(noise(t.size), "highpass", 6000.0, sr)
        y *= np.exp(-t / 0.1) * (1 + 0.5 * np.sin(_TWO_PI * 35 * t))  # jingles
    elif sound in ("conga_hi", "conga_lo"):
        f = 330.0 if sound == "conga_hi" else 210.0
        t, y = tone_sweep(f, 1.15, 0.15, 0.5)
        y += 0.25 * noise(t.size) * np.exp(-t / 0.004)
    elif sound == "clave":
        t = tt(0.1)
        y = np.sin(_TWO_PI * 2500 * t) * np.exp(-t / 0.02)
    elif sound == "cowbell":
        t = tt(0.4)
        y = np.tanh(3 * (np.sin(_TWO_PI * 560 * t) + 0.7 * np.sin(_TWO_PI * 845 * t)))
        y *= np.exp(-t / 0.09)
    else:
        raise ParameterError(f"drum sound {sound!r}: unknown")
    peak = np.max(np.abs(y))
    return y / peak if peak > 0 else y


def _render_hits(hits, kit, sr, n, rng):
    buf = np.zeros(n)
    samples = {}
    for sound in sorted({h.sound for h in hits}):
        samples[sound] = [_drum_sound(sound, kit, sr, rng) for _ in range(2)]
    count = {}
    for h in hits:
        k = count.get(h.sound, 0)
        count[h.sound] = k + 1
        s = samples[h.sound][k % 2]
        start = int(round(h.onset * sr))
        m = min(len(s), n - start)
        if m > 0:
            buf[start:start + m] += h.velocity * s[:m]
    return buf


# ---------------------------------------------------------------------------
# Production
# ---------------------------------------------------------------------------

def _frame_rms(x, hop):
    m = max(1, x.size // hop)
    frames = x[: m * hop].reshape(m, hop) if x.size >= hop else x[None, :]
    return np.sqrt(np.mean(frames ** 2, axis=1))


def _active_rms(x, hop):
    rms = _frame_rms(x, hop)
    top = rms.max()
    if top <= 0:
        return 0.0
    act = rms[rms > top * 0.01]
    return float(np.sqrt(np.mean(act ** 2)))


def _stem_effects(inst, y, params, mix, sr):
    if inst == "distorted guitar":
        drive = params["drive"] * (0.5 + 1.5 * mix.distortion)
        y = np.tanh(drive * y / (np.max(np.abs(y)) + 1e-9))
        y = _filt(_filt(y, "lowpass", params["tone"], sr, order=4), "highpass", 90.0, sr)
    elif inst == "guitar":
        drive = 1.0 + 3.0 * mix.distortion
        y = np.tanh(drive * y / (np.max(np.abs(y)) + 1e-9))
        y = _filt(y, "lowpass", params["tone"] * 1.3, sr)
    elif inst in ("bass", "upright bass"):
        y = _filt(y, "lowpass", 2500.0, sr)
    elif inst in ("organ", "electric piano"):
        t = np.arange(y.size) / sr
        if inst == "organ":
            rate, depth = params["leslie_rate"], params["leslie_depth"]
        else:
            rate, depth = params["trem_rate"], params["trem_depth"]
        y = y * (1.0 + depth * np.sin(_TWO_PI * rate * t))
    elif inst == "acoustic guitar":
        y = _filt(y, "highpass", 80.0, sr)
    return y


def _impulse_response(seconds, sr, rng):
    """Reverb impulse response: decaying noise, high frequencies decaying
    twice as fast, after a short pre-delay; unit energy."""
    m = int(min(seconds * 1.2, 4.0) * sr)
    t = np.arange(m) / sr
    nz = rng.standard_normal(m)
    low = _one_pole(nz, 1500.0, sr)
    high = nz - low
    ir = low * 2.0 * np.exp(-6.91 * t / seconds) + high * np.exp(-6.91 * t / (0.5 * seconds))
    ir = np.concatenate([np.zeros(int(0.012 * sr)), ir])
    return ir / np.sqrt(np.sum(ir ** 2))


def _master(dry, send, mix, sr, rng):
    n = dry.size
    y = dry
    if mix.reverb > 0:
        ir = _impulse_response(mix.reverb_time, sr, rng)
        y = y + mix.reverb * signal.oaconvolve(send, ir)[:n]
    # spectral tilt around 700 Hz
    low = _one_pole(y, 700.0, sr)
    g = 10.0 ** (mix.tilt / 40.0)
    y = low / g + (y - low) * g
    # recording bandwidth and age
    bw = 16000.0 * (1.0 - 0.72 * mix.lofi)
    y = _filt(y, "lowpass", bw, sr, order=4)
    y = _filt(y, "highpass", 30.0 + 120.0 * mix.lofi, sr)
    # compression: ratio up to 5:1 above the mean level
    if mix.compression > 0:
        env = np.sqrt(np.maximum(_one_pole(y ** 2, 5.0, sr), 1e-12))
        thr = np.sqrt(np.mean(y ** 2)) * 0.8
        ratio = 1.0 + 4.0 * mix.compression
        y = y * np.where(env > thr, (env / thr) ** (1.0 / ratio - 1.0), 1.0)
    rms = np.sqrt(np.mean(y ** 2))
    target = 10.0 ** (mix.loudness / 20.0)
    y = y * (target / rms)
    # tape hiss and vinyl crackle grow with the recording's age
    hiss = _one_pole(rng.standard_normal(n), bw, sr)
    hiss *= target * 10.0 ** ((-62.0 + 35.0 * mix.lofi) / 20.0) / (np.std(hiss) + 1e-12)
    y = y + hiss
    if mix.lofi > 0.5:
        clicks = np.zeros(n)
        count = int((mix.lofi - 0.5) * 30 * n / sr)
        pos = rng.integers(0, n, count)
        clicks[pos] = rng.normal(0, 1, count) * target * 2.0
        y = y + _one_pole(clicks, 3000.0, sr)
    peak = np.max(np.abs(y))
    if peak > 0.99:
        y = 0.99 * np.tanh(y / 0.99)
    return y


# ---------------------------------------------------------------------------
# Rendering and labels
# ---------------------------------------------------------------------------

def _check_sr(sr):
    ok = isinstance(sr, (int, np.integer)) and not isinstance(sr, bool)
    if not ok or not _SR_RANGE[0] <= sr <= _SR_RANGE[1]:
        raise ParameterError(f"sr={sr!r}: expected an integer sample rate in "
                             f"[{_SR_RANGE[0]}, {_SR_RANGE[1]}] Hz")
    return int(sr)


def render(score, *, sr=22050):
    """Render a score to audio, with labels taken from what was rendered.

    Parameters
    ----------
    score : Score
        From :meth:`World.compose`.
    sr : int in [4000, 192000]
        Sample rate in Hz.

    Returns
    -------
    y : np.ndarray, float32, shape (round(duration * sr),)
        Mono audio, peak <= 0.99, never silent.
    labels : dict
        ``genre``, ``artist`` (name), ``artist_id``, ``title``, ``key`` (int
        0-11, 0 = C), ``mode``, ``key_name`` (``'F# minor'``), ``tempo``
        (bpm used), ``time_signature``, ``beats`` and ``downbeats`` (np.ndarray
        of times in s within the clip), ``instruments`` (sorted list of the
        instruments audible in the mix), ``vocal`` (bool), ``tags`` (sorted
        list of the true tags, from :data:`TAGS`), ``loudness_db`` (RMS level
        of ``y`` in dBFS), ``sections`` (names heard, in order).

    Notes
    -----
    An instrument is audible when, for at least 0.25 s (or a tenth of a
    short clip), its part is within 20 dB of the whole mix. The tags follow
    from the rendered clip:

    - each audible instrument, and the genre;
    - ``'beat'`` if drums or percussion are audible, else ``'no beat'``;
      ``'drum machine'`` if the drums are electronic;
    - ``'vocal'`` if a voice or choir is audible (``'male vocal'`` or
      ``'female vocal'`` for a lead voice), else ``'no vocals'``;
    - ``'fast'`` from :data:`FAST_BPM`, ``'slow'`` up to :data:`SLOW_BPM`;
      ``'loud'`` from :data:`LOUD_DB`, ``'quiet'`` up to :data:`QUIET_DB`;
    - ``'acoustic'`` without electric instruments or drum machine;
      ``'electronic'`` with a synthesiser or drum machine, or in the
      electronic genre;
    - ``'heavy'`` with an audible distorted guitar driven hard; ``'dark'``
      in minor with a dark mix or heavy; ``'happy'`` in major from 100 bpm,
      not heavy; ``'sad'`` in minor below 95 bpm, not heavy; ``'energetic'``
      with a beat from 118 bpm and above -17 dBFS; ``'calm'`` without a beat
      (or below 80 bpm) and below -17 dBFS; ``'mellow'`` with a dark tilt
      below 110 bpm, not heavy; ``'soft'`` below -20 dBFS, not heavy;
      ``'dance'`` with a dance drum pattern between 100 and 135 bpm;
      ``'solo'`` when one pitched instrument is audible.

    Examples
    --------
    >>> w = World(0, artists_per_genre=1, genres=("rock",))
    >>> y, labels = render(w.compose(w.artists[0], seed=0, duration=1.5), sr=12000)
    >>> len(y), "rock" in labels["tags"]
    (18000, True)
    """
    if not isinstance(score, Score):
        raise ParameterError(f"score={type(score).__name__}: expected a Score from World.compose")
    sr = _check_sr(sr)
    n = int(round(score.duration * sr))
    if n < 1:
        raise ParameterError(f"duration={score.duration!r} s at sr={sr}: expected at least one sample")
    mix = score.mix
    stems = {}
    for inst in INSTRUMENTS:
        if inst in score.notes:
            rng = _rng(*score.entropy, 30, sr, INSTRUMENTS.index(inst))
            params = dict(score.timbre[inst])
            if inst == "voice":
                params.update(female=score.voice == "female", style=_GENRE_SPECS[score.genre].vocal_style)
                consonants = (_filt(rng.standard_normal(int(0.06 * sr)), "highpass", 4000.0, sr)
                              * np.exp(-np.arange(int(0.06 * sr)) / (0.02 * sr)),
                              _filt(rng.standard_normal(int(0.015 * sr)), "highpass", 2000.0, sr))
                consonants = tuple(c / (np.max(np.abs(c)) + 1e-9) for c in consonants)
            else:
                consonants = None
            y = _render_part(inst, score.notes[inst], params, sr, n, rng, consonants)
            stems[inst] = _stem_effects(inst, y, params, mix, sr)
        elif inst in score.hits:
            rng = _rng(*score.entropy, 30, sr, INSTRUMENTS.index(inst))
            stems[inst] = _render_hits(score.hits[inst], score.timbre["kit"], sr, n, rng)
    hop = max(1, int(0.05 * sr))
    dry = np.zeros(n)
    send = np.zeros(n)
    for inst, y in stems.items():
        level = _active_rms(y, hop)
        if level <= 0:
            continue
        y *= 0.1 * 10.0 ** (mix.gains.get(inst, -6.0) / 20.0) / level
        dry += y
        send += mix.sends.get(inst, 1.0) * y
    rng = _rng(*score.entropy, 40, sr)
    if not np.any(dry):  # never silent: a soft tonic drone
        t = np.arange(n) / sr
        dry = 0.05 * np.sin(_TWO_PI * _midi_hz(48 + score.key) * t) * _attack(n, sr, 0.05)
        send = dry.copy()
    # what is audible
    mix_rms = _frame_rms(dry, hop)
    need = max(1, int(round(min(0.25, 0.1 * score.duration) * sr / hop)))
    audible = []
    for inst, y in stems.items():
        loud_enough = _frame_rms(y, hop) >= 0.1 * mix_rms
        if int(np.sum(loud_enough & (mix_rms > 0))) >= min(need, len(mix_rms)):
            audible.append(inst)
    if not audible and stems:
        audible = [max(stems, key=lambda i: float(np.sum(stems[i] ** 2)))]
    y = _master(dry, send, mix, sr, rng).astype(np.float32)
    loudness_db = float(20.0 * np.log10(np.sqrt(np.mean(y.astype(np.float64) ** 2)) + 1e-12))
    labels = _labels(score, sorted(audible), loudness_db)
    return y, labels


def _labels(score, audible, loudness_db):
    tags = set(audible)
    tags.add(score.genre)
    beat = "drums" in audible or "percussion" in audible
    tags.add("beat" if beat else "no beat")
    if "drums" in audible and score.drum_kit == "electronic":
        tags.add("drum machine")
    vocal = "voice" in audible or "choir" in audible
    tags.add("vocal" if vocal else "no vocals")
    if "voice" in audible and score.voice:
        tags.add(f"{score.voice} vocal")
    tempo, mix = score.tempo, score.mix
    if tempo >= FAST_BPM:
        tags.add("fast")
    if tempo <= SLOW_BPM:
        tags.add("slow")
    if loudness_db >= LOUD_DB:
        tags.add("loud")
    if loudness_db <= QUIET_DB:
        tags.add("quiet")
    electric = [i for i in audible if _INSTRUMENT_INFO[i][3]]
    if not electric and "drum machine" not in tags:
        tags.add("acoustic")
    if any(i in audible for i in _ELECTRONIC_INSTRUMENTS) or "drum machine" in tags:
        tags.add("electronic")
    heavy = "distorted guitar" in audible and mix.distortion >= 0.35
    if heavy:
        tags.add("heavy")
    minor = score.mode == "minor"
    if minor and (mix.tilt <= -1.0 or heavy):
        tags.add("dark")
    if not minor and tempo >= 100 and not heavy:
        tags.add("happy")
    if minor and tempo < 95 and not heavy:
        tags.add("sad")
    if "drums" in audible and tempo >= 118 and loudness_db >= -17:
        tags.add("energetic")
    if (not beat or tempo < 80) and loudness_db < -17 and not heavy:
        tags.add("calm")
    if mix.tilt < 0 and tempo < 110 and not heavy:
        tags.add("mellow")
    if loudness_db <= -20 and not heavy:
        tags.add("soft")
    if "drums" in audible and score.drum_pattern in _DANCE_PATTERNS and 100 <= tempo <= 135:
        tags.add("dance")
    if len([i for i in audible if i not in ("drums", "percussion")]) == 1:
        tags.add("solo")
    a = score.artist
    return {
        "genre": score.genre, "artist": a.name, "artist_id": a.artist_id, "title": score.title,
        "key": int(score.key), "mode": score.mode, "key_name": key_name(score.key, score.mode),
        "tempo": float(score.tempo), "time_signature": int(score.time_signature),
        "beats": score.beats.copy(), "downbeats": score.downbeats.copy(),
        "instruments": list(audible), "vocal": bool(vocal),
        "tags": sorted(t for t in tags if t in TAGS), "loudness_db": loudness_db,
        "sections": [s.name for s in score.sections],
    }


def noisy_tags(tags, *, rng, p_miss=0.35, p_false=0.01, vocabulary=TAGS):
    """Crowd-like tag noise: true tags go missing, a few false ones appear.

    Parameters
    ----------
    tags : iterable of str
        The true tags.
    rng : numpy.random.Generator or int
        Random generator (or a seed for one).
    p_miss : float in [0, 1]
        Probability that each true tag is left out.
    p_false : float in [0, 1]
        Probability that each tag of ``vocabulary`` not in ``tags`` is added.
    vocabulary : sequence of str
        Tags that may be added falsely.

    Returns
    -------
    list of str
        Sorted noisy tags.

    Examples
    --------
    >>> noisy_tags(["rock", "guitar"], rng=0, p_miss=0.0, p_false=0.0)
    ['guitar', 'rock']
    """
    p_miss = _check.fraction("p_miss", p_miss, closed=True)
    p_false = _check.fraction("p_false", p_false, closed=True)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        rng = np.random.default_rng(int(rng))
    if not isinstance(rng, np.random.Generator):
        raise ParameterError(f"rng={rng!r}: expected a numpy Generator or an integer seed")
    true = sorted(set(tags))
    true_set = set(true)
    vocab = [t for t in dict.fromkeys(vocabulary) if t not in true_set]
    kept = [t for t, r in zip(true, rng.random(len(true))) if r >= p_miss]
    added = [t for t, r in zip(vocab, rng.random(len(vocab))) if r < p_false]
    return sorted(kept + added)
