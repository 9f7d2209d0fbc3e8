"""The ISMIR2004Genre loader and its splits, on a small layout written by the tests."""

import logging

import numpy as np
import pytest
import soundfile as sf

from mirnb.datasets import ismir2004, load
from mirnb.datasets.ismir2004 import ISMIR2004, class_of, read_metadata
from mirnb.errors import DataError, MissingDataError, ParameterError

SR = 22050

#: The fake copy: tracks per class in each half (training folders by genre).
TRAIN = {"classical": ["classical"] * 4, "electronic": ["electronic"] * 3,
         "jazz_blues": ["jazz"] * 2, "metal_punk": ["metal", "punk"],
         "rock_pop": ["rock", "rock", "pop"], "world": ["world"] * 2}
DEV = {c: len(g) for c, g in TRAIN.items()}


def _tone(freq, seconds=0.3):
    t = np.arange(int(seconds * SR)) / SR
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _write(path, freq):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, _tone(freq), SR, format="WAV", subtype="PCM_16")


@pytest.fixture
def home(tmp_path):
    """A small copy in the archive's layout (wav files named .wav keep it fast)."""
    root = tmp_path / "ismir2004"
    lines, freq = [], 110
    for cls, folders in TRAIN.items():
        for i, folder in enumerate(folders):
            freq += 7
            artist = f"{cls} player {i % 2}"
            rel = f"{folder}/{cls}_player_{i % 2}/album_one/{i + 1}-song_{i}.wav"
            _write(root / "audio/training" / rel, freq)
            if (cls, i) == ("classical", 0):
                continue  # not listed: its class comes from its folder
            if (cls, i) == ("world", 1):  # listed with a ', as some archive rows are
                (root / "audio/training" / rel).rename(
                    root / "audio/training" / rel.replace("song_1", "don_t_song_1"))
                rel = rel.replace("song_1", "don't_song_1")
            lines.append(f'{cls},"{artist}",album one,"song {i}, live",{i + 1},{rel}')
    meta = root / "metadata"
    (meta / "training").mkdir(parents=True)
    (meta / "training/tracklist.csv").write_text("\n".join(lines) + "\n")
    dev, truth, k = [], [], 0
    for cls, n in DEV.items():
        for i in range(n):
            k += 1
            name = f"artist_{k}_album_1_track_{i + 1}.wav"
            _write(root / "audio/development" / name, 300 + 5 * k)
            dev.append(f"{cls},artist_{k},album_1,track_{i + 1},{i + 1},{name}")
            truth.append(f"{name},{cls.replace('_', '-')}")
    (meta / "development").mkdir(parents=True)
    (meta / "development/tracklist.csv").write_text("\n".join(dev) + "\n")
    (meta / "development/ground_truth.csv").write_text("\n".join(truth[:5]) + "\n")
    return tmp_path


def test_reads_the_layout_with_its_labels(home):
    ds = load("ismir2004", data_home=home)
    assert isinstance(ds, ISMIR2004) and not ds.is_synthetic
    n = sum(DEV.values())
    assert len(ds) == 2 * n
    counts = ds.labels.groupby(["part", "genre"]).size()
    for cls, k in DEV.items():
        assert counts[("train", cls)] == k and counts[("development", cls)] == k
    assert set(ds.labels.genre) == set(ismir2004.CLASSES)
    tid = "training/punk/metal_punk_player_1/album_one/2-song_1"
    tr = ds.track(tid)
    assert (tr.genre, tr.part, tr.folder_genre) == ("metal_punk", "train", "punk")
    assert (tr.artist, tr.title, tr.track_number) == ("metal_punk player 1", "song 1, live",
                                                      "2")
    y, sr = tr.audio()
    assert sr == SR and y.shape == (int(0.3 * SR),)
    # unlisted: the class of its folder; a name listed with ' matches the file's _
    assert ds.track("training/classical/classical_player_0/album_one/1-song_0").genre == \
        "classical"
    assert ds.track("training/world/world_player_1/album_one/2-don_t_song_1").title == \
        "song 1, live"
    dev = ds.track("development/artist_1_album_1_track_1")
    assert (dev.genre, dev.part, dev.folder_genre, dev.artist) == (
        "classical", "development", "", "artist_1")
    assert ds.expected_duration is None and "ISMIR} 2004" in ds.cite()
    with pytest.raises(ParameterError, match="not in ISMIR2004"):
        ds.track("development/artist_99")


def test_official_split_is_training_vs_development(home):
    ds = ISMIR2004(data_home=home)
    split = ds.splits()  # the default is the official split
    assert split.name == "official" and split["valid"] == []
    lab = ds.labels
    assert (lab.loc[split["train"]].part == "train").all()
    assert (lab.loc[split["test"]].part == "development").all()
    for part in ("train", "test"):
        assert lab.loc[split[part]].genre.value_counts().to_dict() == DEV
    held = ds.splits("official", valid_fraction=0.5, seed=3)
    assert not set(held["train"]) & set(held["valid"]) and held["test"] == split["test"]
    assert sorted(held["train"] + held["valid"]) == split["train"]
    assert set(lab.loc[held["valid"]].genre) == set(ismir2004.CLASSES)  # stratified
    with pytest.raises(ParameterError, match="valid_fraction"):
        ds.splits("official", valid_fraction=1.0)
    with pytest.raises(ParameterError, match=r"'official', 'kfold', 'files'"):
        ds.splits("random")


def test_kfold_is_stratified_and_disjoint(home):
    ds = ISMIR2004(data_home=home)
    folds = ds.splits("kfold", n_folds=2, seed=1)
    assert len(folds) == 2
    tests = [set(f["test"]) for f in folds]
    assert not tests[0] & tests[1] and tests[0] | tests[1] == set(ds.track_ids)
    for f in folds:
        assert not set(f["train"]) & set(f["test"])
        per_class = ds.labels.loc[f["test"]].genre.value_counts()
        for cls, k in DEV.items():
            assert abs(per_class[cls] - k) <= 1  # half of the 2k tracks of each class
    assert ds.splits("kfold", n_folds=2, seed=1, fold=1) == folds[1]
    with pytest.raises(DataError, match="too few tracks"):
        ds.splits("kfold", n_folds=9)  # no class has 9 tracks


def test_missing_data_says_what_is_expected_where(tmp_path):
    with pytest.raises(MissingDataError) as err:
        ISMIR2004(data_home=tmp_path).track_ids
    msg = str(err.value)
    assert str(tmp_path / "ismir2004") in msg and "ismir04_genre" in msg
    assert "audio/training/<genre>/<artist>/<album>/<n>-<title>.mp3" in msg
    assert "metadata/development/tracklist.csv" in msg and "mirnb data synth" in msg
    (tmp_path / "ismir2004/audio/training").mkdir(parents=True)
    with pytest.raises(MissingDataError, match=r"absent: audio/development/, metadata/"):
        ISMIR2004(data_home=tmp_path).track_ids


def test_hidden_files_and_folders_are_ignored(home):
    before = ISMIR2004(data_home=home).track_ids
    root = home / "ismir2004/audio"
    (root / "training/classical/._x.wav").write_bytes(b"AppleDouble junk")
    (root / "training/.DS_Store").write_bytes(b"junk")
    _write(root / "development/.trash/artist_9_album_9_track_9.wav", 440)
    (root / "training/classical/classical_player_0/album_one/notes.txt").write_text("hi")
    ds = ISMIR2004(data_home=home)
    assert ds.track_ids == before
    assert ds.validate(check_audio=True).missing == []


def test_one_track_in_two_files_names_both(home):
    rel = "audio/development/artist_1_album_1_track_1"
    _write(home / "ismir2004" / f"{rel}.flac", 500)
    with pytest.raises(DataError) as err:
        ISMIR2004(data_home=home).labels
    msg = str(err.value)
    assert f"{rel}.wav" in msg and f"{rel}.flac" in msg and "keep one" in msg


def test_unlabelled_and_conflicting_tracks_are_errors(home):
    root = home / "ismir2004"
    extra = root / "audio/development/artist_77_album_1_track_1.wav"
    _write(extra, 520)
    with pytest.raises(DataError, match=r"artist_77_album_1_track_1.wav has no class.*"
                                        r"ground_truth.csv"):
        ISMIR2004(data_home=home).labels
    extra.unlink()
    truth = root / "metadata/development/ground_truth.csv"
    truth.write_text(truth.read_text() + "artist_1_album_1_track_1.wav,world\n")
    with pytest.raises(DataError, match="listed with two classes"):
        ISMIR2004(data_home=home).labels


def test_validate_reports_absent_listed_tracks_and_counts(home, caplog):
    (home / "ismir2004/audio/development/artist_2_album_1_track_2.wav").unlink()
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        ds = ISMIR2004(data_home=home)
        assert len(ds) == 2 * sum(DEV.values()) - 1
    assert "have no audio file" in caplog.text and "class counts differ" in caplog.text
    report = ds.validate()
    assert report.missing == ["development/artist_2_album_1_track_2.wav"]
    bad = {s.track_id: s.reason for s in report.invalid}
    assert bad["train/classical"].endswith("4 tracks, expected 320")
    assert bad["development/classical"].endswith("3 tracks, expected 320")
    assert not report.ok


def test_metadata_reader_is_strict_and_lenient_where_it_should_be(tmp_path):
    assert [class_of(n) for n in ("Jazz & Blues", "jazz-blues", "punk", "pop", "folk")] == \
        ["jazz_blues", "jazz_blues", "metal_punk", "rock_pop", None]
    f = tmp_path / "tracklist.csv"
    f.write_text("class,artist,album,track,track number,file path\n"
                 "world,a,b,c,1,world/a/b/1-c.mp3\n")
    (row,) = read_metadata(f)
    assert (row["class"], row["key"], row["artist"]) == ("world", "world/a/b/1-c", "a")
    f.write_text("world,a,b,c,1,world/a/b/1-c.mp3\nrock,no file here\n")
    with pytest.raises(DataError, match="line 2: no audio file path"):
        read_metadata(f)
    f.write_text("")
    with pytest.raises(DataError, match="is empty"):
        read_metadata(f)
