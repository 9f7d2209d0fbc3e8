"""MajorMiner through the tagged-dataset API, with its two-player rule."""

import numpy as np
import pytest
import soundfile as sf

from mirnb import synth
from mirnb.datasets import TaggedDataset, load
from mirnb.datasets.majorminer import MajorMiner
from mirnb.errors import DataError, MissingDataError, ParameterError

SR = 22050


def _tone(freq, seconds=0.5, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)

VOTES = [("c1", "ann", "rock"), ("c1", "bob", "Rock "), ("c1", "ann", "rock"),  # repeat
         ("c1", "cat", "guitar"),                                               # one player
         ("c2", "ann", "jazz"), ("c2", "bob", "jazz"), ("c2", "cat", "jazz"),
         ("c2", "ann", "guitar"), ("c2", "dan", "guitar"),
         ("c3", "bob", "rock"), ("c3", "dan", "rock"), ("c3", "eve", "banjo")]


@pytest.fixture
def mm_home(tmp_path):
    root = tmp_path / "majorminer"
    root.mkdir()
    lines = ["clip_id\tuser\ttag"] + ["\t".join(v) for v in VOTES]
    (root / "votes.tsv").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_majorminer_uses_the_shared_tag_api(mm_home):
    assert isinstance(MajorMiner(mm_home), TaggedDataset)
    assert MajorMiner(mm_home).top_tags(2) == ["rock", "guitar"]  # fresh instance
    counts = MajorMiner(mm_home).tag_counts()
    assert counts.to_dict() == {"rock": 2, "guitar": 1, "jazz": 1, "banjo": 0}
    ds = MajorMiner(mm_home)
    assert ds.tag_names == ["banjo", "guitar", "jazz", "rock"]
    assert ds.top_tags() == ["rock", "guitar", "jazz"]  # default 25; unused tags left out
    Y = ds.tag_matrix(["rock", "guitar"], track_ids=["c1", "c2"])
    assert Y.to_numpy().tolist() == [[True, False], [False, True]]
    assert ds.vote_counts().loc["c1", "guitar"] == 1 and ds.vote_counts().loc["c2", "jazz"] == 3
    assert ds.labels.loc["c1", "tags"] == ["rock"]
    with pytest.raises(ParameterError, match="unknown track ids"):
        ds.tag_matrix(track_ids=["c9"])


def test_min_votes_changes_the_tags(mm_home):
    ds = MajorMiner(mm_home, min_votes=1)
    assert ds.tag_counts().to_dict() == {"guitar": 2, "rock": 2, "banjo": 1, "jazz": 1}
    assert ds.tag_matrix(["guitar"], track_ids=["c1"]).iloc[0, 0]
    with pytest.raises(ParameterError, match="min_votes"):
        MajorMiner(mm_home, min_votes=0)


def test_majorminer_splits(mm_home):
    ds = MajorMiner(mm_home)
    s = ds.splits("random", seed=0, fractions=(1 / 3, 1 / 3, 1 / 3))
    assert sorted(sum(s.values(), [])) == ["c1", "c2", "c3"] and s.name == "random"
    assert ds.splits(seed=0, fractions=(1 / 3, 1 / 3, 1 / 3)) == s
    folder = ds.root / "splits"
    folder.mkdir()
    for part, ids in (("train", "c1\nc2\n"), ("valid", "c3\n"), ("test", "c3\n")):
        (folder / f"{part}.txt").write_text(ids)
    with pytest.raises(DataError, match="listed in both 'valid' and 'test'"):
        ds.splits("files")
    with pytest.raises(ParameterError, match=r"\['random', 'files'\]"):
        ds.splits("kfold")


def _write_majorminer(root, rows, audio=("c1", "c2", "c3")):
    mm = root / "majorminer"
    (mm / "audio").mkdir(parents=True)
    lines = ["clip_id\tuser\ttag"] + ["\t".join(r) for r in rows]
    (mm / "votes.tsv").write_text("\n".join(lines) + "\n")
    for i, c in enumerate(audio):
        sf.write(mm / "audio" / f"{c}.wav", _tone(200 + 100 * i, seconds=1.0), SR)
    return mm


def test_majorminer_counts_a_tag_given_by_two_players(tmp_path):
    rows = [("c1", "ann", "rock"), ("c1", "bob", "Rock "), ("c1", "ann", "rock"),
            ("c1", "ann", "guitar"), ("c2", "ann", "jazz"), ("c2", "cid", "jazz"),
            ("c2", "bob", "jazz"), ("c2", "bob", "piano"), ("c3", "cid", "rock"),
            ("c3", "dee", "rock"), ("c3", "dee", "guitar"), ("c4", "ann", "pop")]
    _write_majorminer(tmp_path, rows)
    ds = load("majorminer", data_home=tmp_path)
    assert isinstance(ds, MajorMiner) and ds.track_ids == ["c1", "c2", "c3", "c4"]
    assert ds.labels.loc["c1", "tags"] == ["rock"]  # duplicate vote counts once
    assert ds.labels.loc["c2", "tags"] == ["jazz"] and ds.labels.loc["c4", "tags"] == []
    assert ds.vote_counts().loc["c2", "jazz"] == 3
    assert ds.top_tags(2) == ["rock", "jazz"]
    Y = ds.tag_matrix(["rock", "guitar"])
    assert Y["rock"].tolist() == [True, False, True, False] and not Y["guitar"].any()
    assert MajorMiner(tmp_path, min_votes=1).labels.loc["c1", "tags"] == ["guitar", "rock"]
    y, sr = ds.track("c2").audio()
    assert sr == SR and len(y) == SR
    report = ds.validate()
    assert report.missing == ["c4"]
    split = ds.splits("random", seed=0, fractions=(0.5, 0.25, 0.25))
    assert sorted(sum(split.values(), [])) == ds.track_ids
    with pytest.raises(ParameterError, match="unknown tags"):
        ds.tag_matrix(["polka"])


def test_majorminer_missing_or_malformed_data_says_what_to_do(tmp_path):
    with pytest.raises(MissingDataError) as err:
        MajorMiner(data_home=tmp_path).track_ids
    msg = str(err.value)
    assert "votes.tsv" in msg and "clip_id<TAB>user<TAB>tag" in msg and "mirnb data synth" in msg
    mm = tmp_path / "majorminer"
    mm.mkdir()
    (mm / "votes.tsv").write_text("clip\tplayer\tlabel\nc1\tann\trock\n")
    with pytest.raises(DataError, match="no column"):
        MajorMiner(data_home=tmp_path).labels
    (mm / "votes.tsv").write_text("clip_id\tuser\ttag\nc1\t\trock\n")
    with pytest.raises(DataError, match="line 2"):
        MajorMiner(data_home=tmp_path).labels


def test_synthetic_majorminer_view_needs_the_two_player_rule(smoke_home):
    ds = synth.load("majorminer", "smoke", data_home=smoke_home, make=False)
    size = synth.SIZES["smoke"]["majorminer"]
    assert isinstance(ds, MajorMiner) and ds.is_synthetic and len(ds) == size["clips"]
    assert ds.labels.n_users.between(*size["users"]).all()
    info = sf.info(ds.track(ds.track_ids[0]).audio_path)
    assert info.samplerate == size["sr"] and abs(info.duration - size["seconds"]) < 0.2
    counts = ds.vote_counts().stack()
    counts = counts[counts > 0]
    truth = ds.labels.true_tags.str.split(";").apply(set)
    true = np.array([t in truth[c] for c, t in counts.index])
    once, twice = (counts == 1).to_numpy(), (counts >= 2).to_numpy()
    assert once.sum() > 0 and twice.sum() > 0
    assert true[twice].mean() > true[once].mean()  # the rule filters false tags
    assert true[twice].mean() > 0.95
    # the tags a clip keeps under the rule are the ones given by two or more players
    for c, tags in ds.labels.tags.items():
        assert set(tags) == {t for t, n in ds.vote_counts().loc[c].items() if n >= 2}
    kept = [(c, t) for c, tags in ds.labels.tags.items() for t in tags]
    assert np.mean([t in truth[c] for c, t in kept]) > 0.95
    assert ds.validate().ok


# -- malformed folders (regressions) ------------------------------------------------

def test_majorminer_empty_or_header_only_votes(mm_home):
    votes = mm_home / "majorminer" / "votes.tsv"
    votes.write_bytes(b"")
    with pytest.raises(DataError, match=r"votes.tsv is empty \(0 bytes\); expected the tab"):
        MajorMiner(data_home=mm_home).labels
    votes.write_text("clip_id\tuser\ttag\n")
    with pytest.raises(DataError, match="votes.tsv holds a header but no rows"):
        MajorMiner(data_home=mm_home).labels
    votes.write_text("clip_id,user,tag\nc1,ann,rock\n")
    with pytest.raises(DataError, match="looks comma-separated, not tab-separated"):
        MajorMiner(data_home=mm_home).labels
    votes.write_text("clip_id\tuser\ttag\nc1\tann\n")
    with pytest.raises(DataError, match=r"votes.tsv, line 2: 2 fields where the header has 3"):
        MajorMiner(data_home=mm_home).labels


@pytest.mark.parametrize("clip", ["../../etc/passwd", "a/b", "..\\x", ".hidden"])
def test_majorminer_clip_ids_cannot_leave_the_audio_folder(mm_home, clip):
    (mm_home / "majorminer" / "votes.tsv").write_text(f"clip_id\tuser\ttag\n{clip}\tann\trock\n")
    with pytest.raises(DataError, match="line 2: clip_id .* is not a plain file name"):
        MajorMiner(data_home=mm_home).labels


def test_majorminer_audio_debris(mm_home):
    audio = mm_home / "majorminer" / "audio"
    audio.mkdir()
    for c in ("c1", "c2", "c3"):
        sf.write(audio / f"{c}.wav", _tone(300, 0.1), SR)
    (audio / "._c1.wav").write_bytes(b"\x00\x05\x16\x07")
    (audio / ".c9.mp3").write_bytes(b"")
    ds = MajorMiner(data_home=mm_home)
    assert ds.track("c1").audio_path.name == "c1.wav"
    assert ds.expected_duration == 10.0 and not ds.validate(check_audio=False).missing
    sf.write(audio / "c2.flac", _tone(300, 0.1), SR)
    with pytest.raises(DataError) as err:
        MajorMiner(data_home=mm_home).labels
    assert "c2.flac" in str(err.value) and "c2.wav" in str(err.value)
