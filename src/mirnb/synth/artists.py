"""The artists of the synthetic corpus, and the :class:`World` that holds them.

Each genre has several :class:`Artist` s; an artist fixes a signature drawn
from its genre (timbre set, tempo centre, key preferences, mix colouring).
A :class:`World` holds the artists and composes clips
(:meth:`World.compose`) into a :class:`~mirnb.synth.score.Score`, which
:func:`~mirnb.synth.render` turns into audio and labels.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from .. import _check
from ..errors import ParameterError
from .composer import _Composer
from .genres import _GENRE_INDEX, _GENRE_SPECS, _normal, _pick, _rng, _subset
from .instruments import _draw_kit, _draw_timbre
from .vocabulary import _CODAS, _ONSETS, _VOWELS, _WORDS_B, GENRES, INSTRUMENTS

__all__ = ["Artist", "World"]

_MAX_DURATION = 600.0


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
        Mix colouring (see :class:`~mirnb.synth.Genre`).
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


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------

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
# Making an artist
# ---------------------------------------------------------------------------

#: How far an artist's mix colouring strays from its genre's mean, in units
#: of the genre's standard deviation (the rest of the spread is per clip).
_ARTIST_SPREAD = 0.45


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
# The world
# ---------------------------------------------------------------------------

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
    >>> from mirnb.synth import World, render
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
        """Return the :class:`~mirnb.synth.Genre` called ``name``.

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

