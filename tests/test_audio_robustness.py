"""Non-finite, truncated and short audio: loading, Dataset.validate() and extract()."""

import logging

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from mirnb import DataError, ParameterError, audio
from mirnb import features as F
from mirnb.cache import Cache
from mirnb.datasets import Dataset, Track

SR = 22050


def _tone(seconds, sr=SR, amp=0.3):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


class Clips(Dataset):
    """A dataset of every audio file in its folder (the tests' stand-in for GTZAN)."""

    name = "clips"
    folder = "clips"

    def _index(self):
        paths = sorted(p for p in self.root.iterdir() if p.suffix in (".wav", ".mp3"))
        return pd.DataFrame({"path": paths}, index=pd.Index([p.stem for p in paths]))

    def _track(self, track_id, row):
        return Track(track_id, row["path"])


def _nan_wav(path, seconds=1.0, where=1000, value=np.nan):
    y = _tone(seconds)
    y[where] = value
    sf.write(path, y, SR, subtype="FLOAT")
    return path


def _cut(path, fraction=5):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // fraction])
    return path


# -- 1. NaN or infinite samples -----------------------------------------------------------
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_loading_non_finite_samples_raises_a_data_error_naming_the_file(tmp_path, value):
    path = _nan_wav(tmp_path / "bad.wav", value=value)
    with pytest.raises(DataError, match=r"bad\.wav.*NaN or infinite.*sample 1000"):
        audio.load(path, sr=SR)
    with pytest.raises(DataError, match=r"bad\.wav"):
        Track("bad", path).audio(sr=16000)          # and through Track, resampling
    with pytest.raises(DataError, match=r"bad\.wav.*NaN"):
        audio.check_file(path)


def test_extract_skips_a_nan_file_and_keeps_the_good_one(tmp_path, caplog):
    good = tmp_path / "good.wav"
    sf.write(good, _tone(1.0), SR)
    bad = _nan_wav(tmp_path / "bad.wav")
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        feats, skipped = F.extract([Track("good", good), Track("bad", bad)], "log_mel",
                                   sr=SR, n_jobs=1, cache=False, verbose=False)
    assert list(feats) == ["good"] and np.isfinite(feats["good"]).all()
    (s,) = skipped
    assert s.track_id == "bad" and "bad.wav" in s.reason and "NaN" in s.reason
    assert "bad.wav" in caplog.text


def test_validate_reports_a_nan_file(tmp_path):
    root = tmp_path / "clips"
    root.mkdir()
    sf.write(root / "good.wav", _tone(1.0), SR)
    _nan_wav(root / "bad.wav", seconds=3.0, where=2 * SR + 7)   # past the first second
    report = Clips(tmp_path).validate()
    assert not report.ok and not report.missing
    (s,) = report.invalid
    assert s.track_id == "bad" and "bad.wav" in s.reason and "NaN" in s.reason


def test_far_over_full_scale_is_rejected_but_clipped_pcm_is_kept(tmp_path):
    sf.write(tmp_path / "unscaled.wav", _tone(1.0, amp=20000.0), SR, subtype="FLOAT")
    with pytest.raises(DataError, match=r"unscaled\.wav.*full scale"):
        audio.load(tmp_path / "unscaled.wav", sr=SR)
    sf.write(tmp_path / "over.wav", _tone(1.0, amp=1.5), SR, subtype="FLOAT")
    y, _ = audio.load(tmp_path / "over.wav", sr=SR)       # float overs are kept as they are
    assert 1.49 < np.abs(y).max() < 1.51


def test_a_folder_named_like_audio_is_named_as_such(tmp_path):
    (tmp_path / "x.wav").mkdir()
    with pytest.raises(DataError, match="not a regular file"):
        audio.load(tmp_path / "x.wav")


# -- 2. truncated and short audio ---------------------------------------------------------
@pytest.mark.parametrize("fmt", ["WAV", "MP3"])
def test_validate_reports_truncated_clips_against_expected_duration(tmp_path, fmt):
    root = tmp_path / "clips"
    root.mkdir()
    ext = fmt.lower()
    sf.write(root / f"full.{ext}", _tone(10.0), SR, format=fmt)
    sf.write(root / f"cut.{ext}", _tone(10.0), SR, format=fmt)
    _cut(root / f"cut.{ext}")
    if fmt == "MP3":   # the MP3 header still claims the full length
        assert sf.info(str(root / "cut.mp3")).duration > 9.9
    ds = Clips(tmp_path)
    assert ds.validate().ok                     # no expected duration declared: fine
    ds.expected_duration = 10.0
    report = ds.validate()
    (s,) = report.invalid
    assert s.track_id == "cut" and f"cut.{ext}" in s.reason
    assert "shorter than the 9.00 s expected" in s.reason and "truncated" in s.reason
    ds.duration_tolerance = 0.0
    with pytest.raises(ParameterError, match="duration_tolerance"):
        ds.validate()


def test_validate_decodes_past_the_first_second(tmp_path):
    root = tmp_path / "clips"
    root.mkdir()
    y = _tone(4.0)
    y[: SR + 100] = 0.0                        # a quiet intro is not a silent file
    sf.write(root / "intro.wav", y, SR)
    sf.write(root / "flac.wav", _tone(4.0), SR)
    ok = Clips(tmp_path)
    assert ok.validate().ok


def _short_and_full(tmp_path):
    full, short = tmp_path / "full.wav", tmp_path / "short.wav"
    sf.write(full, _tone(3.0), SR)
    sf.write(short, _tone(3.0), SR)
    _cut(short)                                 # about 0.6 s left
    return [Track("full", full), Track("short", short)]


def test_extract_reports_padding_and_applies_min_duration(tmp_path, caplog):
    tracks = _short_and_full(tmp_path)
    kw = dict(sr=SR, n_jobs=1, verbose=False, n_mels=32)
    cache = Cache(tmp_path / "cache")
    for _ in range(2):                          # computed, then read from the cache
        with caplog.at_level(logging.WARNING, logger="mirnb.features"):
            feats, skipped = F.extract(tracks, "log_mel", duration=2.9, cache=cache, **kw)
        assert set(feats) == {"full", "short"} and list(skipped) == []
        (p,) = skipped.padded
        assert p.track_id == "short" and 0.5 < p.seconds < 0.7 and p.duration == 2.9
        assert p.fraction_padded > 0.75
        assert "zero-padded 1 of 2" in caplog.text and "short" in caplog.text
        assert "zero-padded: 1: short" in skipped.summary()
        caplog.clear()
    assert cache.stats.hits == 2
    for c in (cache, False):                    # min_duration, on hits and on misses
        feats, skipped = F.extract(tracks, "log_mel", duration=2.9, min_duration=2.0,
                                   cache=c, **kw)
        assert list(feats) == ["full"] and skipped.padded == []
        (s,) = skipped
        assert s.track_id == "short" and "min_duration=2" in s.reason
    # the old behaviour on request: short clips returned as they are
    feats, skipped = F.extract(tracks, "log_mel", duration=2.9, cache=False,
                               load_kwargs={"policy": "trim"}, **kw)
    assert feats["short"].shape[1] < feats["full"].shape[1] and skipped.padded == []
    feats, skipped = F.extract(tracks, "log_mel", duration=2.9, cache=False,
                               load_kwargs={"policy": "error"}, **kw)
    assert list(feats) == ["full"] and [s.track_id for s in skipped] == ["short"]


def test_extract_min_duration_parameters(tmp_path):
    tracks = _short_and_full(tmp_path)
    with pytest.raises(ParameterError, match="longer than duration"):
        F.extract(tracks, "log_mel", sr=SR, duration=1.0, min_duration=2.0, cache=False)
    with pytest.raises(ParameterError, match="twice"):
        F.extract(tracks, "log_mel", sr=SR, min_duration=1.0, cache=False,
                  load_kwargs={"min_duration": 1.0})
    with pytest.raises(ParameterError, match="min_duration"):
        F.extract(tracks, "log_mel", sr=SR, min_duration=-1, cache=False)
    # min_duration in load_kwargs is taken as extract's own
    feats, skipped = F.extract(tracks, "log_mel", sr=SR, n_jobs=1, cache=False,
                               verbose=False, load_kwargs={"min_duration": 2.0})
    assert list(feats) == ["full"] and [s.track_id for s in skipped] == ["short"]


def test_extract_stacked_passes_the_policy_through(tmp_path):
    tracks = _short_and_full(tmp_path)
    X, ids, skipped = F.extract_stacked(tracks, "log_mel", sr=SR, duration=2.9, n_jobs=1,
                                        verbose=False, cache=False, n_mels=16)
    assert ids == ["full", "short"] and [p.track_id for p in skipped.padded] == ["short"]
    assert not X[1, :, -10:].any() or X[1, :, -10:].min() == X[1].min()  # padded tail
    X, ids, skipped = F.extract_stacked(tracks, "log_mel", sr=SR, duration=2.9,
                                        min_duration=1.0, n_jobs=1, verbose=False,
                                        cache=False, n_mels=16)
    assert ids == ["full"] and [s.track_id for s in skipped] == ["short"]
    # whole files of different lengths: the resized result is reported, not hidden
    X, ids, skipped = F.extract_stacked(tracks, "log_mel", sr=SR, n_jobs=1, verbose=False,
                                        cache=False, n_mels=16)
    assert [(r.track_id, r.n_frames) for r in skipped.resized] == [("short", X.shape[2])]
