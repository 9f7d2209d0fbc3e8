"""The instruments of the synthetic corpus: timbre draws and synthesis engines.

Each instrument of :data:`~mirnb.synth.vocabulary.INSTRUMENTS` is played by
an engine: plucked strings (Karplus-Strong [1]_, [2]_), struck (piano:
decaying inharmonic partials [3]_; marimba), FM electric piano [4]_, bowed
(band-limited saw, slow attack, vibrato), blown (sine plus breath), reeds,
brass, drawbar organ, detuned-saw synths through a resonant low-pass, voice
and choir (a sawtooth-like source shaped by vowel formants [5]_), and drum
and percussion sounds. ``_draw_timbre`` and ``_draw_kit`` draw an artist's
synthesis parameters; ``_render_part`` and ``_render_hits`` render a part
by adding note waveforms, each synthesised once per (instrument, pitch,
vowel) and cached for the clip, into a buffer.

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
"""

import functools
import math

import numpy as np
from scipy import signal

from ..errors import ParameterError
from .vocabulary import _INSTRUMENT_INFO

__all__ = []

# ---------------------------------------------------------------------------
# Timbre draws
# ---------------------------------------------------------------------------

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
