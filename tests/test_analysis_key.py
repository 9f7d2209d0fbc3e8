"""Key finding of mirnb.analysis: audio key profiles and the key chroma of analyze.

How well analyze's key agrees with the synthetic corpus's rendered key is measured
by benchmarks/key_agreement.py (too slow and too statistical for a unit test).
"""

import warnings

import numpy as np
import pytest

from mirnb import analysis
from mirnb.analysis import echonest
from mirnb.analysis import analyze, estimate_key
from mirnb.errors import ParameterError

SR = 22050
CHORDS = {"I": [0, 4, 7], "IV": [5, 9, 0], "V": [7, 11, 2]}


def _with_harmonics(notes, decay=0.8):
    """The chroma of pitch-class weights ``notes`` sounded as harmonic tones."""
    t = echonest._harmonic_template(decay)
    return np.array([np.dot(notes[(i - np.arange(12)) % 12], t) for i in range(12)])


def _progression(names, tonic=0):
    h = np.zeros(12)
    for name in names:
        for pc in CHORDS[name]:
            h[(pc + tonic) % 12] += 1.0
    return h


def test_harmonics_pull_plain_profiles_a_fifth_up_and_audio_profiles_undo_it():
    for tonic in (0, 3, 10):
        notes = _progression(["I", "I", "IV", "V"], tonic)
        assert estimate_key(notes)[::2][:2] == (tonic, 1)      # the notes: right key
        heard = _with_harmonics(notes)
        key, _, mode, _, _ = estimate_key(heard)
        assert (key, mode) == ((tonic + 7) % 12, 1)           # the sound: a fifth up
        key, conf, mode, _, _ = estimate_key(heard, harmonic_decay=0.8)
        assert (key, mode) == (tonic, 1) and conf > 0.9


def test_audio_profiles_match_their_own_chroma_exactly():
    for profile, mode in ((analysis.MAJOR_PROFILE, 1), (analysis.MINOR_PROFILE, 0)):
        chroma = np.roll(_with_harmonics(profile, 0.6), 4)
        key, _, m, _, r = estimate_key(chroma, harmonic_decay=0.6)
        assert (key, m) == (4, mode)
        assert r[mode, 4] == pytest.approx(1.0, abs=1e-12)


def test_zero_decay_is_the_plain_estimator():
    c = np.random.default_rng(0).random(12)
    a, b = estimate_key(c), estimate_key(c, harmonic_decay=0.0)
    assert a[:4] == b[:4]
    np.testing.assert_array_equal(a[4], b[4])


@pytest.mark.parametrize("bad", [1.0, -0.1, float("nan"), "0.8", None])
def test_harmonic_decay_is_checked(bad):
    with pytest.raises(ParameterError, match="harmonic_decay="):
        estimate_key(np.ones(12), harmonic_decay=bad)


def _tone(midi, seconds=2.0, sr=SR, n_harmonics=1):
    t = np.arange(int(seconds * sr)) / sr
    f = 440.0 * 2 ** ((midi - 69) / 12)
    y = sum(np.sin(2 * np.pi * f * h * t) / h for h in range(1, n_harmonics + 1)
            if f * h < sr / 2)
    return (0.3 * y / np.abs(y).max()).astype(np.float32)


def test_key_chroma_resolves_low_notes_and_is_flat_for_noise():
    # C2 (65.4 Hz) is 3.9 Hz from C#2: the long window still peaks at C
    # (the 93 ms window of the segment chroma has 10.8 Hz bins)
    c = echonest._key_chroma(_tone(36), SR)
    assert int(np.argmax(c)) == 0 and c[0] > 1.5 * max(c[1], c[11])
    c = echonest._key_chroma(_tone(60), SR)
    assert c[0] > 5 * max(c[1], c[11])
    a4 = echonest._key_chroma(_tone(69, sr=44100), 44100)
    assert int(np.argmax(a4)) == 9
    noise = 0.1 * np.random.default_rng(0).standard_normal(3 * SR).astype(np.float32)
    c = echonest._key_chroma(noise, SR)
    assert c.max() / c.min() < 1.1                            # no tilt toward B
    assert not echonest._key_chroma(np.zeros(SR, np.float32), SR).any()


def test_key_chroma_of_short_and_low_rate_audio():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        c = echonest._key_chroma(_tone(69, seconds=0.15), SR)   # shorter than the window
    assert c.shape == (12,) and int(np.argmax(c)) == 9
    c = echonest._key_chroma(_tone(64, sr=4000), 4000)
    assert int(np.argmax(c)) == 4


def _chords(progression, *, tonic, seconds=0.5, repeats=5, n_harmonics=10):
    """Sawtooth-like triads over a bass note, with an attack and a decay."""
    t = np.arange(int(seconds * SR)) / SR
    env = np.minimum(1.0, t / 0.01) * np.exp(-1.5 * t)
    out = []
    for name in progression * repeats:
        root = 48 + (tonic + CHORDS[name][0]) % 12
        pitches = [root - 12] + [root + (pc - CHORDS[name][0]) % 12 for pc in CHORDS[name]]
        y = np.zeros_like(t)
        for m in pitches:
            f = 440.0 * 2 ** ((m - 69) / 12)
            y += sum(np.sin(2 * np.pi * f * h * t) / h for h in range(1, n_harmonics + 1))
        out.append(y * env)
    y = np.concatenate(out)
    return (0.3 * y / np.abs(y).max()).astype(np.float32)


@pytest.mark.parametrize("tonic", [0, 2, 9])
def test_analyze_finds_the_key_of_bright_harmonic_chords(tonic):
    a = analyze(_chords(["I", "I", "IV", "V"], tonic=tonic), sr=SR)
    assert (a.key, a.mode) == (tonic, 1)
    assert a.key_confidence > 0.5
