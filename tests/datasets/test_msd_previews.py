"""The MSD previews loader: tags, previews and split lists, on a folder written by the tests."""

import logging

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from mirnb.datasets import Split
from mirnb.datasets.msd_previews import MSDPreviews
from mirnb.errors import DataError, MissingDataError, ParameterError

IDS = [f"TRAAA{i:02d}128F0000000" for i in range(6)]


@pytest.fixture
def previews_home(tmp_path):
    """msd_previews/ in the README's layout: tags.csv, splits/*.txt, previews/**/<id>.mp3."""
    root = tmp_path / "msd_previews"
    (root / "splits").mkdir(parents=True)
    tags = pd.DataFrame({"track_id": IDS, "rock": [1, 0, 1, 1, 0, 1],
                         "jazz": [0, 1, 0, 0, 1, 1], "chill": [0, 0, 0, 1, 0, 0],
                         "polka": [0] * 6})
    tags.to_csv(root / "tags.csv", index=False)
    sr = 16000
    t = np.arange(sr // 2) / sr
    for i, tid in enumerate(IDS[:5]):  # the last track's preview is missing
        folder = root / "previews" / tid[2] / tid[3] / tid[4]
        folder.mkdir(parents=True, exist_ok=True)
        y = (0.2 * np.sin(2 * np.pi * (220 + 40 * i) * t)).astype(np.float32)
        sf.write(folder / f"{tid}.mp3", y, sr, format="MP3")
    (root / "splits" / "train.txt").write_text("\n".join(IDS[:3] + ["TRNOTINTAGS0000000"]) + "\n")
    (root / "splits" / "valid.txt").write_text(IDS[3] + "\n")
    (root / "splits" / "test.txt").write_text("\n".join(IDS[4:]) + "\n")
    return tmp_path


def test_tag_methods_work_on_a_fresh_instance(previews_home):
    # regression: top_tags() and tag_counts() raised AttributeError ('_matrix')
    # on an instance whose labels had not been built yet
    assert MSDPreviews(previews_home).top_tags(2) == ["rock", "jazz"]
    counts = MSDPreviews(previews_home).tag_counts()
    # counted over tracks with a preview: the last track (rock, jazz) has none
    assert counts.to_dict() == {"rock": 3, "jazz": 2, "chill": 1, "polka": 0}
    assert list(counts.index) == ["rock", "jazz", "chill", "polka"]
    all_counts = MSDPreviews(previews_home).tag_counts(with_preview=False)
    assert all_counts.to_dict() == {"rock": 4, "jazz": 3, "chill": 1, "polka": 0}
    assert MSDPreviews(previews_home).tag_names == ["rock", "jazz", "chill", "polka"]
    m = MSDPreviews(previews_home).tag_matrix(tags=["jazz", "rock"], track_ids=IDS[:2])
    assert m.to_numpy().tolist() == [[False, True], [True, False]]


def test_top_tags_leaves_out_unused_tags(previews_home, caplog):
    ds = MSDPreviews(previews_home)
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        assert ds.top_tags() == ["rock", "jazz", "chill"]  # 'polka' tags no track
    assert "only 3 tags" in caplog.text
    with pytest.raises(ParameterError, match="n=0"):
        ds.top_tags(0)


def test_files_split_returns_what_it_skipped(previews_home, caplog):
    ds = MSDPreviews(previews_home)
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        split = ds.splits("files")
    assert isinstance(split, Split) and split == ds.splits()
    assert dict(split) == {"train": IDS[:3], "valid": [IDS[3]], "test": [IDS[4]]}
    assert {s.track_id: s.reason for s in split.skipped} == {
        "TRNOTINTAGS0000000": "train: not in tags.csv", IDS[5]: "test: no preview file"}
    assert "left 2 listed tracks out" in caplog.text
    assert not hasattr(ds, "skipped_")
    y, sr = ds.track(IDS[0]).audio(sr=16000)
    assert sr == 16000 and abs(len(y) - 8000) < 2000
    with pytest.raises(ParameterError, match=r"accepted names are \['files'\]"):
        ds.splits("random")


def test_a_split_of_previewless_tracks_is_empty_not_an_error(previews_home):
    root = previews_home / "msd_previews"
    (root / "splits" / "test.txt").write_text(IDS[5] + "\n")
    assert MSDPreviews(previews_home).splits("files")["test"] == []
    (root / "splits" / "test.txt").write_text("TRSOMETHINGELSE000\n")
    with pytest.raises(DataError, match="none of the 1 tracks listed for 'test'"):
        MSDPreviews(previews_home).splits("files")


@pytest.fixture
def previews(tmp_path):
    root = tmp_path / "msd_previews"
    (root / "previews" / "A" / "B").mkdir(parents=True)
    (root / "splits").mkdir()
    ids = [f"TR{i:016d}" for i in range(6)]
    tags = pd.DataFrame({"track_id": ids, "rock": [1, 0, 1, 1, 0, 1],
                         "jazz": [0, 1, 0, 0, 1, 0], "chill": [0, 0, 0, 1, 0, 0]})
    tags.to_csv(root / "tags.csv", index=False)
    t = np.arange(8000) / 8000
    for tid in ids[:5]:  # the last one's preview is missing
        sf.write(root / "previews" / "A" / "B" / f"{tid}.wav", 0.2 * np.sin(2 * np.pi * 300 * t),
                 8000)
    (root / "splits" / "train.txt").write_text("\n".join(ids[:3] + ["TRNOTINTAGS00000"]) + "\n")
    (root / "splits" / "valid.txt").write_text(ids[3] + "\n")
    (root / "splits" / "test.txt").write_text("\n".join(ids[4:]) + "\n")
    return tmp_path, ids


def test_msd_previews_reports_missing_previews_never_silently(previews, caplog):
    home, ids = previews
    ds = MSDPreviews(home)
    with caplog.at_level("WARNING", logger="mirnb.datasets"):
        assert len(ds) == 6
    assert "1 of 6 tracks" in caplog.text
    assert ds.missing_previews() == [ids[5]]
    assert ds.track(ids[0]).audio_path.name == f"{ids[0]}.wav"
    assert ds.track(ids[5]).audio_path is None
    split = ds.splits()
    assert split == {"train": ids[:3], "valid": [ids[3]], "test": [ids[4]]}
    reasons = {s.track_id: s.reason for s in split.skipped}
    assert reasons == {"TRNOTINTAGS00000": "train: not in tags.csv",
                       ids[5]: "test: no preview file"}
    assert ds.top_tags(2) == ["rock", "jazz"]  # counted over tracks with previews
    assert ds.tag_matrix(tags=["jazz"], track_ids=[ids[1]]).iloc[0, 0]
    report = ds.validate()
    assert report.missing == [ids[5]] and not report.ok
    y, sr = ds.track(ids[0]).audio(sr=8000)
    assert sr == 8000 and len(y) == 8000


def test_msd_previews_says_what_it_expects(tmp_path):
    with pytest.raises(MissingDataError, match="tags.csv"):
        MSDPreviews(tmp_path).labels  # noqa: B018
    root = tmp_path / "msd_previews"
    root.mkdir()
    pd.DataFrame({"track_id": ["TR1"], "rock": [2]}).to_csv(root / "tags.csv", index=False)
    (root / "previews").mkdir()
    with pytest.raises(DataError, match="0 or 1"):
        MSDPreviews(tmp_path).labels  # noqa: B018


# -- malformed folders (regressions) ------------------------------------------------

def test_msd_previews_empty_header_only_and_ragged_tags(previews_home):
    tags = previews_home / "msd_previews" / "tags.csv"
    tags.write_bytes(b"")
    with pytest.raises(DataError, match=r"tags.csv is empty \(0 bytes\); expected the comma"):
        MSDPreviews(previews_home).labels
    tags.write_text("track_id,rock\n")
    with pytest.raises(DataError, match="tags.csv holds a header but no rows"):
        MSDPreviews(previews_home).labels
    tags.write_text(f"track_id,rock,jazz\n{IDS[0]},1,0\n{IDS[1]},1\n")
    with pytest.raises(DataError, match=r"tags.csv, line 3: 2 fields where the header has 3"):
        MSDPreviews(previews_home).labels
    tags.write_text(f"track_id,rock\n{IDS[0]},1\n{IDS[0]},0\n")
    with pytest.raises(DataError, match=r"track_id '\w+' appears twice, on lines 2 and 3"):
        MSDPreviews(previews_home).labels


def test_msd_previews_tag_values_are_read_as_numbers(previews_home):
    tags = previews_home / "msd_previews" / "tags.csv"
    tags.write_bytes(f"\ufefftrack_id,rock\r\n{IDS[0]},1.0\r\n{IDS[1]},0.0\r\n".encode())
    ds = MSDPreviews(previews_home)
    assert ds.labels.loc[IDS[0], "tags"] == ["rock"] and ds.labels.loc[IDS[1], "tags"] == []
    assert ds.expected_duration == 30.0
    for bad in ("2", "0.5", "yes", ""):
        tags.write_text(f"track_id,rock\n{IDS[0]},1\n{IDS[1]},{bad}\n")
        with pytest.raises(DataError, match=r"line 3: tag column 'rock' holds .* 0 or 1"):
            MSDPreviews(previews_home).labels


def test_msd_previews_folder_debris(previews_home):
    previews = previews_home / "msd_previews" / "previews"
    (previews / "A" / "A" / "A" / f"._{IDS[0]}.mp3").write_bytes(b"\x00\x05\x16\x07")
    (previews / ".cache").mkdir()
    (previews / ".cache" / f"{IDS[5]}.mp3").write_bytes(b"")
    (previews / "loop").symlink_to(previews, target_is_directory=True)
    ds = MSDPreviews(previews_home)
    assert ds.missing_previews() == [IDS[5]]
    assert ds.track(IDS[0]).audio_path.name == f"{IDS[0]}.mp3"
    (previews / f"{IDS[1]}.wav").write_bytes(b"RIFF")
    with pytest.raises(DataError) as err:
        MSDPreviews(previews_home).labels
    assert f"{IDS[1]}.wav" in str(err.value) and f"A/A/A/{IDS[1]}.mp3" in str(err.value)
