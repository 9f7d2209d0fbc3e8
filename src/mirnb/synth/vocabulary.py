"""The vocabularies of the synthetic corpus: genres, pitch classes, instruments, tags.

Every other module of :mod:`mirnb.synth` draws its names from here. The ten
GTZAN genres are GTZAN's own list, :data:`mirnb.datasets.gtzan.GENRES` (one
definition for the book); the other ten families complete the genre list of
Dieleman et al. (2011).
"""

import numpy as np

from .. import _check
from ..datasets import gtzan
from ..errors import ParameterError

__all__ = ["GTZAN_GENRES", "OTHER_GENRES", "GENRES", "PITCH_CLASSES", "INSTRUMENTS", "TAGS",
           "FAST_BPM", "SLOW_BPM", "LOUD_DB", "QUIET_DB", "key_name"]

#: The ten families that play GTZAN's genres, in GTZAN's order: the very
#: tuple :data:`mirnb.datasets.gtzan.GENRES`.
GTZAN_GENRES = gtzan.GENRES
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
#: The rules that make a tag true are in :func:`mirnb.synth.render`.
TAGS = tuple(sorted(set(INSTRUMENTS) | set(GENRES) | set(_DESCRIPTOR_TAGS)))

#: Tempo (bpm) from which a clip is tagged 'fast', and up to which 'slow'.
FAST_BPM, SLOW_BPM = 135.0, 85.0
#: RMS level (dBFS) from which a clip is tagged 'loud', and up to which 'quiet'.
LOUD_DB, QUIET_DB = -13.0, -21.0


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
# Words for artist names and song titles
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
