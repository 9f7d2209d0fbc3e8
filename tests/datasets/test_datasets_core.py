"""The dataset core: audio loading, splits, the split vocabulary and map_tracks."""

import logging

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from mirnb import audio
from mirnb.datasets import map_tracks
from mirnb.datasets.core import TaggedDataset
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


# -- the strict table reader and the duplicate check ---------------------------------

def test_read_table_accepts_bom_crlf_quotes_and_blank_lines(tmp_path):
    from mirnb.datasets.tables import read_table

    p = tmp_path / "t.tsv"
    p.write_bytes(b'\xef\xbb\xbf"id"\t"name"\r\n"1"\t"a\tb"\r\n\r\n2\tc\r\n')
    t = read_table(p, sep="\t", what="id, name", columns=("id",))
    assert list(t.columns) == ["id", "name"] and t["name"].tolist() == ["a\tb", "c"]
    assert t.attrs["lines"] == [2, 4]
    p.write_bytes("id,name\n1,x\n".encode("utf-16"))
    assert read_table(p, sep=",", what="x")["name"].tolist() == ["x"]


def test_read_table_reads_latin1_with_a_warning(tmp_path, caplog):
    from mirnb.datasets.tables import read_table

    p = tmp_path / "t.csv"
    p.write_bytes(b"id,artist\n1,Bj\xf6rk\n")
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        t = read_table(p, sep=",", what="x")
    assert t["artist"].tolist() == ["Bj\u00f6rk"]
    assert "line 2: byte 0xf6 is not UTF-8" in caplog.text


@pytest.mark.parametrize("content, message", [
    (b"", r"is empty \(0 bytes\); expected id, name"),
    (b"  \n\n", r"is empty \(4 bytes\)"),
    (b"id,name\n", "holds a header but no rows"),
    (b"id,name\n1\n", "line 2: 1 fields where the header has 2"),
    (b"id,name\n1,a,b\n", "line 2: 3 fields where the header has 2"),
    (b"id,id\n1,2\n", "names the column 'id' twice"),
    (b"id,\n1,2\n", "column 2 of the header has no name"),
    (b"id;name\n1;a\n", "has no column 'id'.*looks semicolon-separated, not comma"),
    (b"id,name\n1,a\x00b\n", "line 2: a NUL byte"),
    (b'id,name\n1,"a\n2,b\n3,c\n', "line 2: a quoted field runs on to line 4"),
    (b"\xff\xfei\x00d\x00\x00\xd8", "UTF-16 byte-order mark but is not UTF-16"),
])
def test_read_table_errors_name_the_file_and_line(tmp_path, content, message):
    from mirnb.datasets.tables import read_table

    p = tmp_path / "t.csv"
    p.write_bytes(content)
    with pytest.raises(DataError, match=message) as err:
        read_table(p, sep=",", what="id, name", columns=("id",))
    assert str(p) in str(err.value)


def test_check_unique_names_both_places(tmp_path):
    from mirnb.datasets.tables import check_unique

    check_unique(["a", "b"], where="f.csv")
    with pytest.raises(DataError, match="f.csv: id 'a' appears twice, on lines 2 and 4"):
        check_unique(["a", "b", "a"], where="f.csv", lines=[2, 3, 4], what="id")
    with pytest.raises(DataError, match="two files give the clip 'x': d/x.wav and d/x.au"):
        check_unique(["x", "x"], where=["d/x.wav", "d/x.au"], what="clip")


def test_datasets_with_a_known_length_declare_it():
    from mirnb.datasets import Dataset, gtzan, majorminer, msd_previews, mtat

    assert Dataset.expected_duration is None
    assert gtzan.GTZAN.expected_duration == 30.0 and mtat.MTAT.expected_duration == 29.1
    assert majorminer.MajorMiner.expected_duration == 10.0
    assert msd_previews.MSDPreviews.expected_duration == 30.0


class _Tagged(TaggedDataset):
    """Three tracks and three tags, in memory."""

    name = folder = "tagged"

    def _index(self):
        return pd.DataFrame({"genre": ["x", "y", "z"]}, index=["a", "b", "c"])

    def _track(self, track_id, row):
        raise NotImplementedError

    def _load_tag_matrix(self):
        return pd.DataFrame({"rock": [1, 1, 0], "jazz": [0, 0, 1], "pop": [0, 1, 1]},
                            index=["a", "b", "c"]).astype(bool)


def test_top_tags_count_over_the_tracks_given(tmp_path, caplog):
    (tmp_path / "tagged").mkdir()
    ds = _Tagged(tmp_path)
    assert ds.top_tags(2) == ["rock", "pop"]  # ties in tag_names order
    assert ds.top_tags(3, track_ids=["b", "c"]) == ["pop", "rock", "jazz"]
    with caplog.at_level(logging.WARNING):
        assert ds.top_tags(3, track_ids=["c"]) == ["jazz", "pop"]  # rock unused there
    assert "only 2 tags" in caplog.text
    with pytest.raises(ParameterError, match="unknown track ids"):
        ds.top_tags(2, track_ids=["z"])
