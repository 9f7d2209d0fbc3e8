"""The calibration of the synthetic corpus (mirnb.synth.calibrate) on the smoke corpus."""

import json

import numpy as np
import pytest

from mirnb import synth
from mirnb.errors import ParameterError
from mirnb.models import baselines


@pytest.fixture(scope="module")
def calibration(smoke_home):
    return synth.calibrate("smoke", data_home=smoke_home, seed=0, min_tag_count=1,
                           n_jobs=1, verbose=False)


def test_calibrate_gives_one_record_per_task(calibration, smoke_home):
    assert [r.method.split(":")[0] for r in calibration] == ["genre", "artist",
                                                             "key (24 classes)", "tags"]
    assert [r.metric for r in calibration] == ["accuracy"] * 3 + ["AUC-T"]
    manifest = json.loads((synth.root("smoke", smoke_home) / "manifest.json").read_text())
    for r, view in zip(calibration, ["gtzan"] * 3 + ["mtat"]):
        assert r.data_kind == "synthetic" and r.profile == "smoke" and r.seeds == (0,)
        assert r.experiment == "calibration" and r.chapter == "00_data"
        assert r.dataset_version == manifest["views"][view]["key"]
        assert 0.0 <= r.value <= 1.0
    genre, artist, key, tags = calibration
    assert genre.extra["classes"] == 10 and genre.extra["chance"] < 0.2
    assert artist.extra["classes"] == 20
    # simple features carry genre and tag information on this corpus
    assert genre.value > 2 * genre.extra["chance"]
    assert tags.value > 0.5 and tags.extra["chance"] == 0.5
    assert 0.5 < tags.extra["AUC-T against true tags"] <= 1.0


def test_calibrate_does_what_the_baselines_do(calibration, smoke_home):
    gtzan = synth.load("gtzan", "smoke", data_home=smoke_home, make=False)
    X, _ = baselines.clip_features([gtzan.track(t) for t in gtzan.track_ids], "mfcc",
                                   sr=22050, n_mfcc=20, n_fft=2048, hop_length=512, n_jobs=1,
                                   verbose=False)
    r = baselines.holdout_accuracy(X, gtzan.labels.genre, test_size=0.5, seed=0, C=1.0)
    assert calibration[0].value == pytest.approx(r["accuracy"])
    assert calibration[0].split == f"stratified 50/50 ({r['n_train']}/{r['n_test']})"
    # the tags scored: those with a positive clip in train (with valid) and in test
    mtat = synth.load("mtat", "smoke", data_home=smoke_home, make=False)
    split = mtat.splits("folder")
    train = mtat.tag_matrix(track_ids=list(split["train"]) + list(split["valid"])).sum()
    test = mtat.tag_matrix(track_ids=list(split["test"])).sum()
    usable = int(((train >= 1) & (test >= 1)).sum())
    assert calibration[3].extra["tags"] == usable
    assert calibration[3].extra["tags left out"] == len(mtat.tag_names) - usable


def test_calibrate_over_seeds_and_views(calibration, smoke_home):
    one = synth.calibrate("smoke", data_home=smoke_home, seed=1, tasks=["genre"], n_jobs=1,
                          verbose=False)[0]
    both = synth.calibrate("smoke", data_home=smoke_home, seed=[0, 1], tasks="genre",
                           n_jobs=1, verbose=False)[0]
    assert both.n_seeds == 2 and both.seeds == (0, 1)
    assert both.value == pytest.approx(np.mean([calibration[0].value, one.value]))
    assert both.spread == pytest.approx(np.std([calibration[0].value, one.value], ddof=1))
    gtzan = synth.load("gtzan", "smoke", data_home=smoke_home, make=False)
    key = synth.calibrate({"gtzan": gtzan}, tasks=["key"], n_jobs=1, verbose=False,
                          profile="default", config={"why": "test"})[0]
    assert key.value == calibration[2].value and key.dataset_version == calibration[2].dataset_version
    assert key.profile == "default" and key.config == {"why": "test"}


def test_calibration_table(calibration):
    table = synth.calibration_table(calibration)
    assert len(table) == 4
    assert list(table.columns[-3:]) == ["Chance", "Classes / tags", "Left out"]
    assert table["Chance"].iloc[3] == 0.5
    assert table["Classes / tags"].tolist()[:2] == [10, 20]
    assert table["Left out"].iloc[3] == calibration[3].extra["tags left out"]


def test_calibrate_bad_arguments(smoke_home):
    with pytest.raises(ParameterError, match="task="):
        synth.calibrate("smoke", data_home=smoke_home, tasks=["tempo"], verbose=False)
    with pytest.raises(ParameterError, match="seed="):
        synth.calibrate("smoke", data_home=smoke_home, seed=-1, verbose=False)
    with pytest.raises(ParameterError, match="seed="):
        synth.calibrate("smoke", data_home=smoke_home, seed=0.5, verbose=False)
    with pytest.raises(ParameterError, match="profile"):
        synth.calibrate("huge", verbose=False)
    with pytest.raises(ParameterError, match="lacks the views"):
        synth.calibrate({}, tasks=["tags"], verbose=False)
    with pytest.raises(ParameterError, match="test_size="):
        synth.calibrate("smoke", data_home=smoke_home, test_size=1.0, verbose=False)
