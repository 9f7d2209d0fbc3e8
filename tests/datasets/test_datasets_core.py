"""The dataset core: audio loading, splits, the split vocabulary and map_tracks."""

import logging

import numpy as np
import pytest
import soundfile as sf

from mirnb import audio
from mirnb.datasets import map_tracks
from mirnb.errors import DataError, MissingDataError, ParameterError

SR = 22050


def _tone(freq, seconds=0.5, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_audio_load_fixes_rate_channels_and_length(tmp_path):
    stereo = np.stack([_tone(440, 1.0, 44100), _tone(660, 1.0, 44100)], axis=1)
    sf.write(tmp_path / "s.wav", stereo, 44100)
    y, sr = audio.load(tmp_path / "s.wav", sr=SR, duration=2.0)
    assert sr == SR and y.shape == (2 * SR,)
    assert np.abs(y[SR + 100:]).max() == 0  # padded with zeros
    y2, _ = audio.load(tmp_path / "s.wav", sr=None, mono=False)
    assert y2.shape == (2, 44100)
    with pytest.raises(DataError, match="shorter than"):
        audio.load(tmp_path / "s.wav", min_duration=5)
    with pytest.raises(DataError, match="fewer than"):
        audio.load(tmp_path / "s.wav", duration=3.0, policy="error")
    with pytest.raises(MissingDataError):
        audio.load(tmp_path / "absent.wav")
    with pytest.raises(ParameterError, match="sr="):
        audio.load(tmp_path / "s.wav", sr=0)


def test_audio_load_rejects_silence_unless_asked(tmp_path):
    sf.write(tmp_path / "z.wav", np.zeros(100, np.float32), SR)
    with pytest.raises(DataError, match="silent"):
        audio.load(tmp_path / "z.wav")
    y, _ = audio.load(tmp_path / "z.wav", allow_silent=True)
    assert y.shape == (100,)


def _fails_on_odd(x):
    if x % 2:
        raise DataError(f"odd {x}")
    return x * 10


def test_map_tracks_skips_and_reports(caplog):
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        res, skipped = map_tracks(_fails_on_odd, [(f"t{i}", i) for i in range(6)], n_jobs=2,
                                  verbose=False)
    assert res == {"t0": 0, "t2": 20, "t4": 40}
    assert [s.track_id for s in skipped] == ["t1", "t3", "t5"]
    assert "odd 1" in skipped[0].reason and "skipped 3 of 6" in caplog.text
    with pytest.raises(DataError):
        map_tracks(_fails_on_odd, [("a", 1)], on_error="raise", verbose=False)


def test_split_is_a_mapping_that_reports_moves_and_skips():
    from mirnb.datasets import Moved, Skipped, Split

    s = Split({"train": ["a", "b"], "valid": [], "test": ["c"]}, name="files",
              moved=[Moved("b", "test", "train")], skipped=[Skipped("z", "test: no audio")])
    assert s["train"] == ["a", "b"] and list(s) == ["train", "valid", "test"] and len(s) == 3
    assert s == {"train": ["a", "b"], "valid": [], "test": ["c"]}
    assert s != {"train": ["a"], "valid": [], "test": ["c"]}
    assert dict(s.items())["test"] == ["c"] and sum(s.values(), []) == ["a", "b", "c"]
    assert s.moved[0].target == "train" and s.skipped[0].track_id == "z"
    assert repr(s) == "Split('files', train: 2, valid: 0, test: 1, 1 moved, 1 skipped)"
    with pytest.raises(KeyError):
        s["holdout"]


def test_every_dataset_speaks_the_same_split_vocabulary():
    from mirnb.datasets import SPLIT_KINDS
    from mirnb.datasets.gtzan import GTZAN
    from mirnb.datasets.majorminer import MajorMiner
    from mirnb.datasets.msd import MSD
    from mirnb.datasets.msd_previews import MSDPreviews
    from mirnb.datasets.mtat import MTAT

    for cls in (GTZAN, MTAT, MSD, MSDPreviews, MajorMiner):
        assert set(cls.split_names) <= set(SPLIT_KINDS), cls
        assert "files" in cls.split_names and "file" not in cls.split_names
        for name in cls.split_names:
            assert callable(getattr(cls, f"_split_{name}")), (cls, name)


def test_one_audio_extensions_tuple():
    from mirnb.datasets import AUDIO_EXTENSIONS, core, majorminer, msd_previews

    assert AUDIO_EXTENSIONS == (".mp3", ".wav", ".flac", ".ogg")
    assert majorminer.AUDIO_EXTENSIONS is core.AUDIO_EXTENSIONS
    assert msd_previews.AUDIO_EXTENSIONS is core.AUDIO_EXTENSIONS


def test_read_split_lists_checks_its_sources(tmp_path):
    from mirnb.datasets.core import read_split_lists

    f = tmp_path / "s.txt"
    f.write_text("a train\nb val\n# c test\nd test\n")
    got = {k: ids for k, (_, ids) in read_split_lists(path=f).items()}
    assert got == {"train": ["a"], "valid": ["b"], "test": ["d"]}
    f.write_text("a train\nb holdout\n")
    with pytest.raises(DataError, match="line 2"):
        read_split_lists(path=f)
    with pytest.raises(ParameterError, match="needs valid=, test="):
        read_split_lists(train=f)
    with pytest.raises(ParameterError, match="give one of"):
        read_split_lists(path=f, directory=tmp_path)
    with pytest.raises(MissingDataError, match="train.txt"):
        read_split_lists(directory=tmp_path)


def test_stratified_helpers_check_their_arguments():
    from mirnb.datasets import stratified_kfold, stratified_split

    ids, y = [f"t{i}" for i in range(12)], [i % 2 for i in range(12)]
    with pytest.raises(ParameterError, match="n_folds"):
        stratified_kfold(ids, y, n_folds=1)
    with pytest.raises(ParameterError, match="sum to 1"):
        stratified_split(ids, y, fractions=(0.5, 0.5))
    with pytest.raises(ParameterError, match="on_error"):
        map_tracks(abs, [("a", 1)], on_error="ignore")
