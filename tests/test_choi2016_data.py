"""Data of the choi2016 chapter: the larger synthetic tagging view, the MSD
previews loader, and the chapter's switches."""

import numpy as np
import pandas as pd
import pytest

from mirnb import configs
from mirnb.datasets import synth
from mirnb.datasets.msd_previews import MSDPreviews
from mirnb.datasets.mtat import MTAT
from mirnb.errors import DataError, MissingDataError, ParameterError


def test_mtat_large_view_is_read_by_the_mtat_loader(smoke_home):
    small = synth.load("mtat", "smoke", data_home=smoke_home, make=False)
    large = synth.load("mtat_large", "smoke", data_home=smoke_home, make=False)
    assert isinstance(large, MTAT) and large.root.name == "mtat_large"
    assert len(large) == synth.SIZES["smoke"]["mtat_large"]["songs"] * \
        synth.SIZES["smoke"]["mtat_large"]["clips_per_song"]
    assert large.tag_names == small.tag_names
    split = large.splits("folder")
    assert sum(len(v) for v in split.values()) == len(large)
    assert large.track(large.track_ids[0]).audio_path.is_file()
    # its songs are not the MTAT view's songs
    assert set(large.labels["title"]) != set(small.labels["title"])
    again = MTAT(smoke_home / "mirnb_synth" / "smoke", folder="mtat_large")
    assert again.track_ids == large.track_ids
    with pytest.raises(ParameterError, match="folder"):
        MTAT(folder="a/b")


@pytest.fixture
def previews(tmp_path):
    import soundfile as sf

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
    reasons = {s.track_id: s.reason for s in ds.skipped_}
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


def test_chapter_switches_are_checked():
    cfg = configs.profile(configs.Choi2016, "default")
    plan = cfg.plan(profile="default")
    assert plan["experiments"] == ["I", "II"] and not plan["real"]
    assert plan["depths_i"] == [3, 4, 5] and plan["depths_ii"] == [3, 4, 5, 6, 7]
    plan = cfg.plan(profile="default", depth=6)
    assert plan["experiments"] == ["II"] and plan["depths_ii"] == [6] and not plan["variants"]
    assert configs.profile(configs.Choi2016, "paper").plan(profile="paper")["real"]
    for bad in (dict(experiment="III"), dict(depth=8), dict(dataset="msd"),
                dict(front_end="gpu"), dict(experiment="I", depth=7)):
        with pytest.raises(ParameterError):
            cfg.plan(profile="default", **bad)
    paper = configs.profile(configs.Choi2016, "paper")
    assert (paper.sr, paper.n_fft, paper.hop_length, paper.n_mels) == (12000, 512, 256, 96)
    assert 1 + int(paper.duration * paper.sr) // paper.hop_length == 1366
    assert paper.dropout == 0.5 and paper.width == 1.0 and paper.n_tags == 50
