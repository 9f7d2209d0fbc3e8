"""Malformed audio thrown at mirnb.features.extract, each beside one good file.

Every case builds its bad input itself. The contract: the good file's
result is always there, and the bad item is either skipped with a reason
that names it, or handled correctly (resampled, mixed down, decoded from
the wrong extension, ...) and then checked against a reference; a clip
shorter than ``duration`` is kept only when it is reported in
``skipped.padded``. Never an uncaught exception, never a silent wrong
result.
"""

import struct

import numpy as np
import pytest
import soundfile as sf

from mirnb import audio
from mirnb import features as F
from mirnb.cache import Cache
from mirnb.datasets import Track

SR = 22050
N_FFT, HOP, N_MELS = 512, 256, 32


def _tone(seconds=1.0, sr=SR, freq=440.0, amp=0.3):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _wav_header(*, channels=1, sr=SR, bits=16, data_bytes=0, fmt_tag=1):
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, sr, sr * block, block, bits)
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE" + b"fmt "
            + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", data_bytes))


# -- the builders: each writes its bad input under `d` and returns the path ------------
def empty_file(d):
    p = d / "empty.flac"
    p.write_bytes(b"")
    return p


def zero_byte_wav(d):
    p = d / "zero.wav"
    p.touch()
    return p


def random_bytes_wav(d):
    p = d / "random.wav"
    p.write_bytes(np.random.default_rng(1).integers(0, 256, 20000, np.uint8).tobytes())
    return p


def random_bytes_mp3(d):
    p = d / "random.mp3"
    p.write_bytes(np.random.default_rng(2).integers(0, 256, 20000, np.uint8).tobytes())
    return p


def header_only_wav(d):
    p = d / "header_only.wav"
    p.write_bytes(_wav_header(data_bytes=0))
    return p


def claims_more_frames_wav(d):
    """Header says 2 s of 16-bit audio; only 0.25 s of data follows."""
    p = d / "claims_more.wav"
    data = (_tone(0.25) * 32767).astype("<i2").tobytes()
    p.write_bytes(_wav_header(data_bytes=2 * SR * 2) + data)
    return p


def nan_samples(d):
    p = d / "nan.wav"
    y = _tone()
    y[1000] = np.nan
    sf.write(p, y, SR, subtype="FLOAT")
    return p


def inf_samples(d):
    p = d / "inf.wav"
    y = _tone()
    y[-5:] = np.inf
    sf.write(p, y, SR, subtype="DOUBLE")
    return p


def all_zero(d):
    p = d / "zeros.wav"
    sf.write(p, np.zeros(SR, np.float32), SR)
    return p


def single_sample(d):
    p = d / "single.wav"
    sf.write(p, np.array([0.5], np.float32), SR)
    return p


def wav_named_mp3(d):
    """WAV content behind an .mp3 name: libsndfile reads the content, not the name."""
    p = d / "really_a_wav.mp3"
    sf.write(p, _tone(), SR, format="WAV")
    return p


def directory_named_wav(d):
    p = d / "folder.wav"
    p.mkdir()
    return p


def missing_file(d):
    return d / "not_there.wav"


def zero_channels_wav(d):
    p = d / "zero_channels.wav"
    p.write_bytes(_wav_header(channels=0, data_bytes=400) + bytes(400))
    return p


def unknown_format_tag_wav(d):
    p = d / "format_tag.wav"
    p.write_bytes(_wav_header(fmt_tag=0x1234, data_bytes=4000) + bytes(range(250)) * 16)
    return p


def pcm_u8(d):
    p = d / "u8.wav"
    sf.write(p, _tone(), SR, subtype="PCM_U8")
    return p


def ulaw(d):
    p = d / "ulaw.wav"
    sf.write(p, _tone(), SR, subtype="ULAW")
    return p


def clipping_pcm16(d):
    """A full-scale square wave: clipped, but valid audio."""
    p = d / "clipping.wav"
    sf.write(p, np.sign(_tone(amp=1.0)) * 1.0, SR, subtype="PCM_16")
    return p


def float_far_over_full_scale(d):
    """int16 values stored as float without scaling (peak 30000)."""
    p = d / "unscaled.wav"
    sf.write(p, _tone(amp=30000.0), SR, subtype="FLOAT")
    return p


def low_rate_8k(d):
    p = d / "8k.wav"
    sf.write(p, _tone(sr=8000), 8000)
    return p


def stereo(d):
    p = d / "stereo.wav"
    y = _tone()
    sf.write(p, np.stack([y, -0.5 * y], axis=1), SR)
    return p


def truncated_mp3(d):
    """A 5 s MP3 cut to a fifth of its bytes: its Xing header still claims 5 s."""
    full = d / "full.mp3"
    sf.write(full, _tone(5.0), SR, format="MP3")
    p = d / "truncated.mp3"
    data = full.read_bytes()
    p.write_bytes(data[: len(data) // 5])
    full.unlink()
    return p


# -- expected outcomes ------------------------------------------------------------------
def skip(*words):
    return ("skip", words)


#: kept: a full 1 s clip, handled correctly; short: kept at its real (shorter) length
#: when whole files are asked for; padded: kept, zero-padded and reported as padded
KEPT, SHORT, PADDED = ("kept", ()), ("short", ()), ("padded", ())

#: name -> (builder, outcome with duration=None, outcome with duration=1, min_duration=0.1)
CASES = {
    "empty_file": (empty_file, skip("cannot read"), skip("cannot read")),
    "zero_byte_wav": (zero_byte_wav, skip("cannot read"), skip("cannot read")),
    "random_bytes_wav": (random_bytes_wav, skip("cannot read"), skip("cannot read")),
    "random_bytes_mp3": (random_bytes_mp3, skip("cannot read"), skip("cannot read")),
    "header_only_wav": (header_only_wav, skip("no samples"), skip("no samples")),
    "claims_more_frames_wav": (claims_more_frames_wav, SHORT, PADDED),
    "nan_samples": (nan_samples, skip("NaN or infinite"), skip("NaN or infinite")),
    "inf_samples": (inf_samples, skip("NaN or infinite"), skip("NaN or infinite")),
    "all_zero": (all_zero, skip("silent"), skip("silent")),
    "single_sample": (single_sample, skip("one frame"), skip("min_duration")),
    "wav_named_mp3": (wav_named_mp3, KEPT, KEPT),
    "directory_named_wav": (directory_named_wav, skip("folder"), skip("folder")),
    "missing_file": (missing_file, skip("not found"), skip("not found")),
    "zero_channels_wav": (zero_channels_wav, skip("cannot read"), skip("cannot read")),
    "unknown_format_tag_wav": (unknown_format_tag_wav, skip("cannot read"),
                               skip("cannot read")),
    "pcm_u8": (pcm_u8, KEPT, KEPT),
    "ulaw": (ulaw, KEPT, KEPT),
    "clipping_pcm16": (clipping_pcm16, KEPT, KEPT),
    "float_far_over_full_scale": (float_far_over_full_scale, skip("full scale"),
                                  skip("full scale")),
    "low_rate_8k": (low_rate_8k, KEPT, KEPT),
    "stereo": (stereo, KEPT, KEPT),
    "truncated_mp3": (truncated_mp3, SHORT, PADDED),
}
POLICIES = {"whole": {}, "fixed": {"duration": 1.0, "min_duration": 0.1}}


def _reference(path, duration):
    """The feature computed by hand from mirnb.audio.load (what 'kept' must equal)."""
    y, _ = audio.load(path, sr=SR, duration=duration)
    return F.log_mel(y, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)


@pytest.fixture
def good(tmp_path):
    p = tmp_path / "good.wav"
    sf.write(p, _tone(freq=330.0), SR)
    return p


def _run(tracks, policy, **kw):
    return F.extract(tracks, "log_mel", sr=SR, n_jobs=1, cache=False, verbose=False,
                     n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, **POLICIES[policy], **kw)


@pytest.mark.parametrize("policy", list(POLICIES))
@pytest.mark.parametrize("case", list(CASES))
def test_malformed_input_beside_a_good_file(case, policy, good, tmp_path):
    build, *outcomes = CASES[case]
    kind, words = outcomes[list(POLICIES).index(policy)]
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    bad = build(bad_dir)
    duration = POLICIES[policy].get("duration")
    feats, skipped = _run([Track("good", good), Track("bad", bad)], policy)
    # the good file's result is always there, and right
    np.testing.assert_allclose(feats["good"], _reference(good, duration), rtol=1e-5,
                               atol=1e-4)
    assert "good" not in {s.track_id for s in skipped}
    assert "good" not in {p.track_id for p in skipped.padded}
    if kind == "skip":
        assert "bad" not in feats
        (s,) = skipped
        assert s.track_id == "bad"
        assert bad.name in s.reason or "'bad'" in s.reason, s.reason
        for w in words:
            assert w in s.reason, s.reason
        assert "Traceback" not in s.reason
        return
    assert not list(skipped), skipped.summary()
    np.testing.assert_allclose(feats["bad"], _reference(bad, duration), rtol=1e-5,
                               atol=1e-4)
    assert np.isfinite(feats["bad"]).all()
    if kind == "padded":
        (p,) = skipped.padded
        assert p.track_id == "bad" and p.seconds < 0.6 and p.duration == 1.0
    elif kind == "short":
        assert skipped.padded == []
        assert feats["bad"].shape[1] < 0.7 * feats["good"].shape[1]   # what is there
    else:
        assert skipped.padded == []
        # a kept 1 s clip gives the frames of 1 s of audio at the asked rate
        assert feats["bad"].shape == feats["good"].shape


def test_specific_fixups_are_right(tmp_path):
    """The 'kept' cases are handled correctly, not merely without an error."""
    y8, sr8 = audio.load(low_rate_8k(tmp_path), sr=SR)
    assert sr8 == SR and y8.shape == (SR,)          # resampled from 8 kHz, not failed
    ref = _tone(freq=440.0)
    assert np.corrcoef(y8[2000:-2000], ref[2000:-2000])[0, 1] > 0.99
    ys, _ = audio.load(stereo(tmp_path), sr=SR)
    np.testing.assert_allclose(ys, 0.25 * _tone(), atol=1e-4)   # mean of y and -y/2
    yc, _ = audio.load(clipping_pcm16(tmp_path), sr=SR)
    assert np.abs(yc).max() <= 1.0 and np.abs(yc).max() > 0.99
    yw, _ = audio.load(wav_named_mp3(tmp_path), sr=SR)
    np.testing.assert_allclose(yw, _tone(), atol=1e-4)          # lossless: read as WAV
    ym, _ = audio.load(claims_more_frames_wav(tmp_path), sr=SR)
    assert ym.shape == (SR // 4,)                   # what is there, not what is claimed


def test_every_case_in_one_parallel_cached_run(good, tmp_path):
    """All malformed inputs at once, in worker processes, through the cache, twice."""
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    tracks = [Track("good", good)] + [Track(name, build(bad_dir))
                                     for name, (build, *_) in CASES.items()]
    cache = Cache(tmp_path / "cache")
    expected_skips = {n for n, (_, _, fixed) in CASES.items() if fixed[0] == "skip"}
    expected_padded = {n for n, (_, _, fixed) in CASES.items() if fixed[0] == "padded"}
    for _ in range(2):  # the second run reads the kept ones back from the cache
        feats, skipped = F.extract(tracks, "log_mel", sr=SR, n_jobs=2, cache=cache,
                                   verbose=False, n_fft=N_FFT, hop_length=HOP,
                                   n_mels=N_MELS, **POLICIES["fixed"])
        assert "good" in feats
        assert {s.track_id for s in skipped} == expected_skips
        assert {p.track_id for p in skipped.padded} == expected_padded
        assert set(feats) == {t.track_id for t in tracks} - expected_skips
        assert "skipped: " in skipped.summary() and "zero-padded: 2" in skipped.summary()
    assert cache.stats.hits == len(feats)


def test_outcome_classes_are_counted():
    """The table covers every outcome class (and says how many inputs it has)."""
    kinds = {}
    for name, (_, whole, fixed) in CASES.items():
        kinds.setdefault((whole[0], fixed[0]), []).append(name)
    assert len(CASES) == 22
    assert set(kinds) == {("skip", "skip"), ("kept", "kept"), ("short", "padded")}
    assert len(kinds["skip", "skip"]) == 14 and len(kinds["kept", "kept"]) == 6
