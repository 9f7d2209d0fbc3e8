"""Mixing and rendering: a :class:`~mirnb.synth.score.Score` becomes audio and labels.

Production: per-instrument gains, guitar distortion, reverb (convolution
with a decaying noise impulse response), spectral tilt, recording bandwidth
and hiss, compression, and a normalisation to the clip's loudness under a
soft peak limit. The labels are taken from what was rendered: the
instruments that are audible, the tempo and beat times actually used, the
loudness measured on the output, and the tags that follow from them
(:data:`~mirnb.synth.vocabulary.TAGS`). :func:`noisy_tags` adds crowd-like
noise. A 10 s clip at 22050 Hz renders in roughly 0.1 s on one core.
"""

import numpy as np
from scipy import signal

from .. import _check
from ..errors import ParameterError
from .composer import _DANCE_PATTERNS
from .genres import _GENRE_SPECS, _rng
from .instruments import (_TWO_PI, _attack, _filt, _midi_hz, _one_pole, _render_hits,
                          _render_part)
from .score import Score
from .vocabulary import (_ELECTRONIC_INSTRUMENTS, _INSTRUMENT_INFO, FAST_BPM, INSTRUMENTS,
                         LOUD_DB, QUIET_DB, SLOW_BPM, TAGS, key_name)

__all__ = ["render", "noisy_tags"]

_SR_RANGE = (4000, 192000)


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
        From :meth:`mirnb.synth.World.compose`.
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
        list of the true tags, from :data:`~mirnb.synth.TAGS`), ``loudness_db`` (RMS level
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
    - ``'fast'`` from :data:`~mirnb.synth.FAST_BPM`, ``'slow'`` up to
      :data:`~mirnb.synth.SLOW_BPM`; ``'loud'`` from :data:`~mirnb.synth.LOUD_DB`,
      ``'quiet'`` up to :data:`~mirnb.synth.QUIET_DB`;
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
    >>> from mirnb.synth import World
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
