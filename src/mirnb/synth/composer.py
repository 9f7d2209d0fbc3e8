"""The composer of the synthetic corpus: one clip of an artist, as a :class:`~mirnb.synth.score.Score`.

How the music is made:

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

``_Composer`` is called by :meth:`mirnb.synth.World.compose`.
"""

import functools
import math
import re

import numpy as np

from ..errors import ParameterError
from .genres import _GENRE_INDEX, _GENRE_SPECS, _pick, _rng
from .instruments import _draw_kit, _draw_timbre
from .score import Chord, DrumHit, Mix, Note, Score, Section
from .vocabulary import _INSTRUMENT_INFO, _WORDS_A, _WORDS_B, INSTRUMENTS

__all__ = []

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
# Per-clip variation of an artist's signature
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# The composer
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


class _Composer:
    """Composes one clip; see :meth:`mirnb.synth.World.compose`."""

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
