"""Tests of mirnb.features.extract: parallel, cached extraction over a dataset."""

import numpy as np
import pytest
import soundfile as sf

from mirnb import ParameterError
from mirnb import audio
from mirnb import features as F
from mirnb.cache import Cache
from mirnb.datasets import Skipped, Track

SR = 22050


# -- extraction over a dataset -----------------------------------------------------------
CALLS = []


def counting_log_mel(y, *, sr, scale=1.0):
    """A module-level feature that counts its calls (n_jobs=1 runs in-process)."""
    CALLS.append(1)
    return F.log_mel(y, sr=sr, n_fft=512, hop_length=256, n_mels=32) * scale


@pytest.fixture
def wav_tracks(tmp_path):
    rng = np.random.default_rng(6)
    t = np.arange(SR // 2) / SR
    sf.write(tmp_path / "tone.wav", 0.5 * np.sin(2 * np.pi * 330 * t), SR)
    sf.write(tmp_path / "noise.wav", 0.2 * rng.standard_normal(SR // 2), SR,
             subtype="PCM_16")
    sf.write(tmp_path / "silent.wav", np.zeros(SR // 2), SR)
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk")
    return [Track("tone", tmp_path / "tone.wav", {"genre": "a"}),
            ("noise", tmp_path / "noise.wav"),
            Track("silent", tmp_path / "silent.wav"),
            Track("broken", tmp_path / "broken.wav"),
            Track("no-audio", None)]


def test_extract_skips_bad_files_and_hits_the_cache(wav_tracks, tmp_path):
    cache = Cache(tmp_path / "cache")
    CALLS.clear()
    feats, skipped = F.extract(wav_tracks, counting_log_mel, sr=SR, n_jobs=1, cache=cache,
                               verbose=False)
    assert list(feats) == ["tone", "noise"]
    assert len(CALLS) == 2
    assert all(isinstance(s, Skipped) for s in skipped)
    reasons = {s.track_id: s.reason for s in skipped}
    assert set(reasons) == {"silent", "broken", "no-audio"}
    assert "silent" in reasons["silent"]
    assert "cannot read" in reasons["broken"]
    assert "no audio" in reasons["no-audio"]
    y_tone, _ = audio.load(wav_tracks[0].audio_path, sr=SR)
    np.testing.assert_allclose(feats["tone"], counting_log_mel(y_tone, sr=SR), rtol=1e-6)
    # four files could be hashed and looked up (two then failed to load); two written
    assert (cache.stats.hits, cache.stats.misses, cache.stats.writes) == (0, 4, 2)

    CALLS.clear()
    again, skipped2 = F.extract(wav_tracks, counting_log_mel, sr=SR, n_jobs=1, cache=cache,
                                verbose=False)
    assert CALLS == []  # nothing recomputed
    assert cache.stats.hits == 2 and cache.stats.misses == 6 and cache.stats.writes == 2
    assert [s.track_id for s in skipped2] == [s.track_id for s in skipped]
    for k in feats:
        np.testing.assert_array_equal(again[k], feats[k])

    # another parameter value is another key
    F.extract(wav_tracks[:2], counting_log_mel, sr=SR, n_jobs=1, cache=cache,
              verbose=False, scale=2.0)
    assert len(CALLS) == 2 and cache.stats.misses == 8 and cache.stats.writes == 4

    # a corrupted entry is recomputed, not trusted
    for p in cache.root.rglob("*.npz"):
        p.write_bytes(p.read_bytes()[:100])
    CALLS.clear()
    fixed, _ = F.extract(wav_tracks, counting_log_mel, sr=SR, n_jobs=1, cache=cache,
                         verbose=False)
    assert len(CALLS) == 2 and cache.stats.corrupt == 2
    np.testing.assert_array_equal(fixed["noise"], feats["noise"])


def test_extract_named_feature_in_parallel(wav_tracks, tmp_path):
    good = wav_tracks[:3]
    serial, sk1 = F.extract(good, "mfcc", sr=SR, n_jobs=1, cache=None, verbose=False,
                            n_mfcc=13)
    cache = Cache(tmp_path / "c2")
    parallel, sk2 = F.extract(good, "mfcc", sr=SR, n_jobs=2, cache=cache, verbose=False,
                              n_mfcc=13)
    assert list(parallel) == ["tone", "noise"] and [s.track_id for s in sk2] == ["silent"]
    for k in serial:
        # workers may use other BLAS thread counts: float32 summation order differs
        np.testing.assert_allclose(parallel[k], serial[k], rtol=1e-5, atol=1e-4)
        assert parallel[k].shape[0] == 13
    assert cache.stats.misses == 3 and cache.stats.writes == 2 and len(cache) == 2
    F.extract(good, "mfcc", sr=SR, n_jobs=2, cache=cache, verbose=False, n_mfcc=13)
    assert cache.stats.hits == 2


def test_extract_warms_librosa_before_workers(wav_tracks, monkeypatch):
    from mirnb.datasets import core

    seen = {}

    def fake_map_tracks(func, items, **kwargs):
        seen.update(kwargs)
        return {}, []

    monkeypatch.setattr(core, "map_tracks", fake_map_tracks)
    F.extract(wav_tracks[:2], "mfcc", sr=SR, n_jobs=2, cache=None, verbose=False)
    assert seen["uses_librosa"] is True and seen["n_jobs"] == 2


def test_extract_parameter_errors_stop_the_run(wav_tracks):
    with pytest.raises(ParameterError, match="not a feature name"):
        F.extract(wav_tracks, "log_mell", sr=SR, cache=None, verbose=False)
    with pytest.raises(ParameterError, match="takes no parameter"):
        F.extract(wav_tracks, "log_mel", sr=SR, cache=None, verbose=False, n_mel=40)
    with pytest.raises(ParameterError, match="appears twice"):
        F.extract(wav_tracks[:2] * 2, "log_mel", sr=SR, cache=None, verbose=False)
    with pytest.raises(ParameterError, match="sr="):
        F.extract(wav_tracks, "log_mel", sr="fast", cache=None, verbose=False)
    # a parameter the feature rejects is an error of the call, not a skipped track
    with pytest.raises(ParameterError, match="n_mels=0"):
        F.extract(wav_tracks[:2], "log_mel", sr=SR, n_jobs=1, cache=None, verbose=False,
                  n_mels=0)


def test_extract_stacked_writes_a_memory_map_and_reports_skips(tmp_path):
    sr = 12000
    tracks = []
    for i in range(3):
        path = tmp_path / f"c{i}.wav"
        t = np.arange(sr) / sr
        sf.write(path, 0.3 * np.sin(2 * np.pi * (200 + 100 * i) * t), sr)
        tracks.append(Track(f"c{i}", path))
    tracks.append(Track("gone", tmp_path / "gone.wav"))
    X, ids, skipped = F.extract_stacked(
        tracks, "log_mel", sr=sr, path=tmp_path / "mel.npy", chunk_size=2, n_jobs=1,
        verbose=False, cache=False, n_fft=512, hop_length=256, n_mels=16)
    assert ids == ["c0", "c1", "c2"] and [s.track_id for s in skipped] == ["gone"]
    assert X.shape == (3, 16, 1 + sr // 256, 1)
    assert np.load(tmp_path / "mel.npy", mmap_mode="r").shape[0] == 4  # rows for every track
    W, _, _ = F.extract_stacked(tracks[:2], F.waveform, sr=sr, n_frames=sr // 2,
                                n_jobs=1, verbose=False, cache=False)
    assert W.shape == (2, sr // 2)
