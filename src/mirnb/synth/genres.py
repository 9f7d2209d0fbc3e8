"""The twenty style families of the synthetic corpus, and drawing from them.

A :class:`Genre` is a set of overlapping distributions over tempo, metre,
swing, drum patterns, bass style, chord-progression templates, mode,
instrumentation, brightness, distortion, reverb, loudness and dynamics; the
table ``_GENRE_SPECS`` holds one per name of
:data:`~mirnb.synth.vocabulary.GENRES`. The helpers ``_rng``, ``_pick``,
``_subset`` and ``_normal`` draw from such distributions, deterministically
from integer seed material.
"""

from dataclasses import dataclass

import numpy as np

from .vocabulary import GENRES

__all__ = ["Genre"]


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
