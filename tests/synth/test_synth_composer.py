"""The procedural composer and renderer of the synthetic corpus (mirnb.synth)."""

import dataclasses
import re

import numpy as np
import pytest

from mirnb import plotting, synth
from mirnb.datasets import gtzan
from mirnb.errors import ParameterError


@pytest.fixture(scope="module")
def world():
    return synth.World(0, artists_per_genre=2)


def _clip(world, genre, *, seed=0, duration=3.0, sr=16000, artist=0):
    score = world.compose(world.artists_of(genre)[artist], seed=seed, duration=duration)
    return (score,) + synth.render(score, sr=sr)


# -- vocabularies and the world ----------------------------------------------

def test_vocabularies():
    assert synth.GENRES == synth.GTZAN_GENRES + synth.OTHER_GENRES
    assert len(synth.GENRES) == 20 and len(set(synth.GENRES)) == 20
    assert synth.GTZAN_GENRES[0] == "blues" and synth.GTZAN_GENRES[-1] == "rock"
    # one definition of GTZAN's names for the book, one genre list for the figures
    assert synth.GTZAN_GENRES is gtzan.GENRES
    assert plotting.GENRES is synth.GENRES
    assert list(synth.TAGS) == sorted(set(synth.TAGS)) and len(synth.TAGS) >= 55
    assert set(synth.GENRES) <= set(synth.TAGS)
    assert set(synth.INSTRUMENTS) <= set(synth.TAGS)
    for tag in ("fast", "slow", "happy", "sad", "dark", "calm", "energetic", "loud", "quiet",
                "acoustic", "electronic", "vocal", "no vocals", "beat", "no beat"):
        assert tag in synth.TAGS
    assert {"piano", "distorted guitar", "voice", "drums", "strings", "organ"} <= set(synth.INSTRUMENTS)


def test_world_artists_are_stable_and_independent_of_the_genre_list(world):
    assert len(world.artists) == 2 * 20
    ids = [a.artist_id for a in world.artists]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"AR[0-9A-F]{16}", i) for i in ids)
    assert all(a.name and a.name[0].isupper() for a in world.artists)
    assert [a.genre for a in world.artists_of("jazz")] == ["jazz", "jazz"]
    jazz_only = synth.World(0, artists_per_genre=3, genres=("jazz",))
    assert jazz_only.artists[:2] == tuple(world.artists_of("jazz"))
    assert [g.name for g in jazz_only.genres] == ["jazz"]
    other = synth.World(1, artists_per_genre=2)
    assert not set(ids) & {a.artist_id for a in other.artists}
    assert world.genre("metal").name == "metal"
    assert world.artist(ids[5]) is world.artists[5]


def test_genre_distributions_overlap():
    # neighbouring families share tempo ranges and instruments
    g = {name: synth.World(0, artists_per_genre=1, genres=(name,)).genres[0]
         for name in ("rock", "punk", "pop", "metal")}
    for a, b in (("rock", "punk"), ("rock", "pop"), ("rock", "metal")):
        (ma, sa), (mb, sb) = g[a].tempo, g[b].tempo
        assert abs(ma - mb) < 2 * (sa + sb)
    assert {i for i, _ in g["rock"].harmony} & {i for i, _ in g["metal"].harmony}


# -- determinism and shape ----------------------------------------------------

def test_render_is_deterministic_and_seed_dependent(world):
    a = world.artists_of("pop")[0]
    y1, l1 = synth.render(world.compose(a, seed=7, duration=2.0), sr=16000)
    again = synth.World(0, artists_per_genre=2)
    y2, l2 = synth.render(again.compose(a.artist_id, seed=7, duration=2.0), sr=16000)
    assert np.array_equal(y1, y2)
    assert {k: v for k, v in l1.items() if k not in ("beats", "downbeats")} == \
        {k: v for k, v in l2.items() if k not in ("beats", "downbeats")}
    assert np.array_equal(l1["beats"], l2["beats"])
    y3, _ = synth.render(world.compose(a, seed=8, duration=2.0), sr=16000)
    assert not np.allclose(y1, y3)


@pytest.mark.parametrize("sr,duration", [(22050, 1.0), (16000, 2.5), (12000, 3.3), (44100, 1.2),
                                         (22050, 0.77)])
def test_exact_length_peak_and_not_silent(world, sr, duration):
    _, y, labels = _clip(world, "rock", duration=duration, sr=sr, seed=3)
    assert y.dtype == np.float32 and y.shape == (round(duration * sr),)
    assert np.all(np.isfinite(y))
    assert np.max(np.abs(y)) <= 0.99
    assert np.sqrt(np.mean(y.astype(float) ** 2)) > 1e-3
    assert labels["loudness_db"] == pytest.approx(20 * np.log10(np.sqrt(np.mean(y.astype(float) ** 2))),
                                                  abs=1e-3)


def test_longer_clip_extends_shorter(world):
    a = world.artists_of("funk")[1]
    short, long = world.compose(a, seed=4, duration=2.0), world.compose(a, seed=4, duration=5.0)
    assert (short.key, short.mode, short.tempo, short.title) == (long.key, long.mode, long.tempo, long.title)
    assert np.allclose(short.beats, long.beats[long.beats < 2.0])
    for inst, notes in short.notes.items():
        assert set(notes) <= set(long.notes[inst])


# -- labels -------------------------------------------------------------------

@pytest.mark.parametrize("genre", ["blues", "jazz", "reggae", "metal", "classical", "electronic",
                                   "gospel", "hiphop"])
def test_labels_are_consistent(world, genre):
    score, y, lab = _clip(world, genre, duration=4.0, seed=11)
    assert lab["genre"] == genre and lab["artist_id"] == score.artist.artist_id
    assert lab["key_name"] == f"{synth.PITCH_CLASSES[lab['key']]} {lab['mode']}"
    assert 0 <= lab["key"] <= 11 and lab["mode"] in ("major", "minor")
    assert lab["time_signature"] in (3, 4)
    beats, period = lab["beats"], 60.0 / lab["tempo"]
    assert len(beats) >= 2 and np.all(np.diff(beats) > 0)
    assert beats[0] >= 0 and beats[-1] < 4.0 and beats[0] < period + 1e-9
    assert np.allclose(np.diff(beats), period, rtol=1e-6)
    bars = lab["downbeats"]
    assert set(np.round(bars, 9)) <= set(np.round(beats, 9))
    if len(bars) > 1:
        assert np.allclose(np.diff(bars), period * lab["time_signature"], rtol=1e-6)
    tags = lab["tags"]
    assert tags == sorted(tags) and set(tags) <= set(synth.TAGS)
    assert genre in tags
    assert lab["instruments"] and set(lab["instruments"]) <= set(synth.INSTRUMENTS)
    assert lab["instruments"] == sorted(lab["instruments"])
    assert set(lab["instruments"]) <= set(tags)
    assert set(lab["instruments"]) <= set(score.instruments)
    assert ("beat" in tags) != ("no beat" in tags)
    assert ("vocal" in tags) != ("no vocals" in tags)
    assert lab["vocal"] == ("vocal" in tags)
    assert ("fast" in tags) == (lab["tempo"] >= synth.FAST_BPM)
    assert ("loud" in tags) == (lab["loudness_db"] >= synth.LOUD_DB)


def test_classical_has_no_drums(world):
    for artist in range(2):
        for seed in range(3):
            score, _, lab = _clip(world, "classical", seed=seed, artist=artist, duration=2.0, sr=12000)
            assert "drums" not in score.instruments and "drums" not in lab["instruments"]
            assert "drums" not in lab["tags"]


def test_instruments_label_what_is_audible(world):
    score = world.compose(world.artists_of("rock")[0], seed=2, duration=3.0)
    _, lab = synth.render(score, sr=12000)
    victim = next(i for i in lab["instruments"] if i != "drums")
    gains = dict(score.mix.gains, **{victim: -90.0})
    quiet = dataclasses.replace(score, mix=dataclasses.replace(score.mix, gains=gains))
    _, lab2 = synth.render(quiet, sr=12000)
    assert victim not in lab2["instruments"] and victim not in lab2["tags"]
    assert set(lab2["instruments"]) == set(lab["instruments"]) - {victim}


def test_onsets_align_with_labelled_beats(world):
    librosa = pytest.importorskip("librosa")
    sr, hop, ratios = 16000, 256, []
    for genre, artist in (("rock", 0), ("rock", 1), ("country", 0)):
        for seed in range(2):
            _, y, lab = _clip(world, genre, seed=seed, artist=artist, duration=6.0, sr=sr)
            if "drums" not in lab["instruments"]:
                continue
            env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop)

            def strength(times):
                frames = np.round(np.asarray(times) * sr / hop).astype(int)
                frames = frames[(frames >= 1) & (frames < len(env) - 1)]
                return np.mean([env[f - 1:f + 2].max() for f in frames])

            period = 60.0 / lab["tempo"]
            ratios.append(strength(lab["beats"]) / strength(lab["beats"] + 0.25 * period))
    assert len(ratios) >= 3
    assert np.median(ratios) > 2.0 and np.mean(np.array(ratios) > 1.2) >= 0.75


def test_chroma_follows_the_key(world):
    librosa = pytest.importorskip("librosa")
    tonic_up, scale_up = [], []
    for genre in ("pop", "rock", "folk", "classical", "country", "electronic"):
        _, y, lab = _clip(world, genre, seed=5, duration=5.0, sr=22050)
        chroma = librosa.feature.chroma_stft(y=y, sr=22050).mean(axis=1)
        steps = (0, 2, 4, 5, 7, 9, 11) if lab["mode"] == "major" else (0, 2, 3, 5, 7, 8, 10)
        in_scale = np.zeros(12, bool)
        in_scale[(lab["key"] + np.array(steps)) % 12] = True
        tonic_up.append(chroma[lab["key"]] > chroma.mean())
        scale_up.append(chroma[in_scale].mean() > chroma[~in_scale].mean())
    assert sum(tonic_up) >= 4
    assert sum(scale_up) >= 5


# -- crowd noise on tags --------------------------------------------------------

def test_noisy_tags_rates():
    rng = np.random.default_rng(0)
    true = ["rock", "guitar", "drums", "fast", "loud", "male vocal", "vocal", "beat"]
    others = [t for t in synth.TAGS if t not in true]
    kept = added = 0
    draws = 2000
    for _ in range(draws):
        noisy = synth.noisy_tags(true, rng=rng, p_miss=0.35, p_false=0.02)
        assert noisy == sorted(noisy) and set(noisy) <= set(synth.TAGS)
        kept += len(set(noisy) & set(true))
        added += len(set(noisy) - set(true))
    assert kept / (draws * len(true)) == pytest.approx(0.65, abs=0.02)
    assert added / (draws * len(others)) == pytest.approx(0.02, abs=0.004)
    assert synth.noisy_tags(true, rng=1, p_miss=0.0, p_false=0.0) == sorted(true)
    assert synth.noisy_tags(true, rng=1, p_miss=1.0, p_false=0.0) == []


# -- errors ---------------------------------------------------------------------

def test_parameter_errors(world):
    score = world.compose(world.artists[0], seed=0, duration=1.0)
    for sr in (0, -16000, 1000, 22050.5, "22050", True):
        with pytest.raises(ParameterError, match="sr="):
            synth.render(score, sr=sr)
    for duration in (0, -1.0, 601, float("nan"), "10"):
        with pytest.raises(ParameterError, match="duration="):
            world.compose(world.artists[0], seed=0, duration=duration)
    with pytest.raises(ParameterError, match="seed="):
        world.compose(world.artists[0], seed=-1, duration=1.0)
    with pytest.raises(ParameterError, match="genre="):
        world.genre("polka")
    with pytest.raises(ParameterError, match="genre="):
        world.artists_of("polka")
    with pytest.raises(ParameterError, match="genre="):
        synth.World(0, genres=("rock", "polka"))
    with pytest.raises(ParameterError, match="artists_per_genre="):
        synth.World(0, artists_per_genre=0)
    with pytest.raises(ParameterError, match="seed="):
        synth.World(-3)
    with pytest.raises(ParameterError, match="artist"):
        world.compose("AR0000000000000000", seed=0, duration=1.0)
    other = synth.World(5, artists_per_genre=1)
    with pytest.raises(ParameterError, match="artist="):
        world.compose(other.artists[0], seed=0, duration=1.0)
    with pytest.raises(ParameterError, match="p_miss="):
        synth.noisy_tags(["rock"], rng=0, p_miss=1.5)
    with pytest.raises(ParameterError, match="rng="):
        synth.noisy_tags(["rock"], rng="seed")
    with pytest.raises(ParameterError, match="key="):
        synth.key_name(12, "major")
    with pytest.raises(ParameterError, match="score="):
        synth.render("not a score")
