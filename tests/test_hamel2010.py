"""The hamel2010 chapter's package side: paper-sized DBN, frames, SVM pipeline,
MajorMiner (real layout and synthetic view), and clear errors on bad input."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from mirnb import configs, features, run
from mirnb.datasets import load, synth
from mirnb.datasets.majorminer import MajorMiner
from mirnb.errors import DataError, MissingDataError, ParameterError
from mirnb.models import dbn_svm

SR = 22050


def _tone(freq, seconds=0.5, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


# ----------------------------------------------------------------------------
# the paper profile's network
# ----------------------------------------------------------------------------
def test_paper_profile_dbn_has_the_paper_sizes_and_trains_one_step_each():
    from mirnb.models import rbm

    cfg = configs.profile(configs.Hamel2010, "paper")
    assert (cfg.sr, cfg.n_fft, cfg.hidden) == (22050, 1024, (50, 50, 50))
    assert (cfg.pretrain_lr, cfg.pretrain_epochs, cfg.finetune_lr) == (0.001, 5, 0.1)
    assert (cfg.svm_frames, cfg.window_seconds, cfg.window_hop_seconds) == (10000, 5.0, 2.5)
    assert (cfg.n_tags, cfg.min_votes, cfg.split_fractions) == (25, 2, (0.5, 0.2, 0.3))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 1 + cfg.n_fft // 2)).astype(np.float32)
    y = rng.integers(10, size=32)
    dbn = rbm.DBN(cfg.hidden, visible="gaussian", learning_rate=cfg.pretrain_lr, n_epochs=1,
                  batch_size=32, momentum=cfg.momentum, k=cfg.cd_k, random_state=0).fit(X)
    assert [int(r.model_.optimizer.iterations) for r in dbn.rbms_] == [1, 1, 1]
    model = dbn.to_keras(10, head="softmax")
    shapes = [tuple(layer.get_weights()[0].shape) for layer in model.layers[1:]]
    assert shapes == [(513, 50), (50, 50), (50, 50), (50, 10)]
    assert model.output_shape == (None, 10)
    hist = rbm.finetune(model, X, y, validation_data=(X, y), learning_rate=cfg.finetune_lr,
                        epochs=1, batch_size=32, patience=cfg.finetune_patience)
    assert hist["epochs_run"] == 1 and int(model.optimizer.iterations) == 1


def test_profiles_derive_from_the_paper_values():
    paper = configs.profile(configs.Hamel2010, "paper")
    default = configs.profile(configs.Hamel2010, "default")
    assert paper == configs.Hamel2010()
    assert default.hidden == paper.hidden and default.n_seeds >= 3
    assert dataclasses.replace(default, hop_length=1024).n_fft == 1024


# ----------------------------------------------------------------------------
# frames and bad input
# ----------------------------------------------------------------------------
def test_frames_have_the_paper_shape_and_align_with_mfccs():
    y = _tone(440, seconds=1.0)
    out = features.dft_mfcc_frames(y, sr=SR)
    n = 1 + (len(y) - 1024) // 1024
    assert out["dft"].shape == (n, 513) and out["mfcc"].shape == (n, 20)
    assert out["dft"].dtype == np.float32
    peak = np.argmax(out["dft"][3])
    assert abs(peak * SR / 1024 - 440) < SR / 1024
    raw = features.dft_mfcc_frames(y, sr=SR, compression="none")["dft"]
    np.testing.assert_allclose(out["dft"], np.log1p(100 * raw), rtol=1e-5)


def test_too_short_and_silent_clips_raise_clear_errors(tmp_path):
    with pytest.raises(DataError, match="fewer than one frame of n_fft=1024"):
        features.dft_mfcc_frames(_tone(440, seconds=0.02), sr=SR)
    with pytest.raises(DataError, match="silent"):
        features.dft_mfcc_frames(np.zeros(SR, np.float32), sr=SR)
    with pytest.raises(DataError, match="silent"):
        features.timbral_temporal(np.zeros(SR, np.float32), sr=SR)
    with pytest.raises(ParameterError, match="compression"):
        features.dft_mfcc_frames(_tone(440), sr=SR, compression="cube")
    # over a dataset, such clips are skipped and reported, the others kept
    sf.write(tmp_path / "ok.wav", _tone(440), SR)
    sf.write(tmp_path / "short.wav", _tone(440, seconds=0.02), SR)
    frames, skipped = dbn_svm.extract_frames(
        [("ok", tmp_path / "ok.wav"), ("short", tmp_path / "short.wav")], n_jobs=1,
        cache=False, verbose=False)
    assert list(frames) == ["ok"]
    assert [s.track_id for s in skipped] == ["short"] and "one frame" in skipped[0].reason


def test_timbral_temporal_has_its_documented_size():
    y = _tone(220, seconds=2.0) * (1 + (np.arange(2 * SR) // (SR // 4)) % 2)
    v = features.timbral_temporal(y.astype(np.float32), sr=SR)
    assert v.shape == (2 * 20 + 12 + 2 + 8 + 2,) and np.all(np.isfinite(v))


# ----------------------------------------------------------------------------
# the SVM pipeline on toy frames
# ----------------------------------------------------------------------------
def _toy_frames(n_tracks=30, n_frames=12, d=5, seed=0):
    rng = np.random.default_rng(seed)
    labels = {f"t{i:02d}": ["a", "b", "c"][i % 3] for i in range(n_tracks)}
    centers = {"a": 0.0, "b": 1.5, "c": 3.0}
    frames = {t: {"dft": (centers[g] + rng.normal(size=(n_frames, d))).astype(np.float32),
                  "mfcc": rng.normal(size=(n_frames, 3)).astype(np.float32)}
              for t, g in labels.items()}
    return frames, pd.Series(labels)


def test_vote_svm_windows_and_selection():
    frames, labels = _toy_frames()
    ids = list(labels.index)
    split = {"train": ids[:15], "valid": ids[15:21], "test": ids[21:]}
    data = dbn_svm.prepare(frames, labels, split)
    assert data.counts["train"] == {"tracks": 15, "frames": 180, "left out": 0}
    np.testing.assert_allclose(data.dft["train"].X.mean(axis=0), 0, atol=1e-5)
    svm, scores = dbn_svm.select_svm(data.dft["train"], data.dft["valid"], C_grid=(0.1, 10),
                                     n_train=100, random_state=0)
    assert set(scores) == {0.1, 10.0} and svm.n_train_ == 100
    assert svm.track_accuracy(data.dft["test"]) > 0.8  # informative frames
    noise, _ = dbn_svm.select_svm(data.mfcc["train"], data.mfcc["valid"], C_grid=(1.0,),
                                  n_train=None, random_state=0)
    assert noise.n_train_ == 180 and noise.track_accuracy(data.mfcc["test"]) < 0.8
    W = dbn_svm.windows(data.dft["test"], size=5, hop=3)
    assert W.X.shape == (9 * 3, 10)  # 1 + (12 - 5) // 3 = 3 windows per track
    assert list(dict.fromkeys(W.track)) == data.dft["test"].tracks
    assert len(data.dft["test"].every(4)) == 9 * 4


def test_tag_svms_train_on_balanced_clips_and_score_per_tag():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    Y = pd.DataFrame({"easy": X[:, 0] > 0.8, "rare": np.arange(120) < 2,
                      "noise": rng.random(120) < 0.5})
    model = dbn_svm.TagSVMs(1.0, min_clips=3, random_state=0).fit(X[:80], Y.iloc[:80])
    assert model.left_out_ == ["rare"]
    acc = model.score_tags(X[80:], Y.iloc[80:])
    assert np.isnan(acc["rare"]) and acc["easy"] > 0.8
    assert 0.2 < acc["noise"] < 0.8
    split = {"train": list(range(72)), "valid": list(range(72, 96)),
             "test": list(range(96, 120))}
    res = dbn_svm.tagging({"f": pd.DataFrame(X)}, Y[["easy", "noise"]], split,
                          C_grid=(1.0,), min_clips=2)
    assert res["f"]["tags"] == 2 and res["f"]["stderr"] > 0


def _fake_run(seed, dbn_acc, mfcc_acc):
    names = list(dbn_svm.FEATURE_SETS)
    tables = {level: pd.DataFrame({"C": 1.0, "valid accuracy": 0.5,
                                   "test accuracy": [dbn_acc] * 4 + [mfcc_acc],
                                   "training rows": 10, "seconds": 0.1},
                                  index=pd.Index(names, name="features"))
              for level in ("frames", "windows")}
    tagging = {"DBN all layers": {"mean": 0.7, "stderr": 0.02, "tags": 25},
               "timbral + temporal": {"mean": 0.6, "stderr": 0.03, "tags": 25}}
    return dbn_svm.SeedRun(seed, "random 50/20/30", None, None, None,
                           {"epochs_run": 3, "best_epoch": 2}, 0.5, tables, tagging)


def test_the_verdict_and_the_records_come_from_the_numbers():
    better = [_fake_run(s, 0.8 + 0.01 * s, 0.6) for s in range(3)]
    worse = [_fake_run(s, 0.5 + 0.01 * s, 0.6) for s in range(3)]
    text = dbn_svm.dbn_vs_mfcc(better)
    assert "**beat** MFCCs" in text and "**beat** the baseline" in text
    for r in worse:
        r.tagging["DBN all layers"]["mean"] = 0.5
    text = dbn_svm.dbn_vs_mfcc(worse)
    assert "**lose to** MFCCs" in text and "do not beat MFCCs" in text
    assert "**lose to** the baseline" in text and "do not beat the timbral" in text
    cfg = configs.profile(configs.Hamel2010, "smoke")
    info = {"data_kind": "synthetic", "gtzan": "synthetic GTZAN view", "gtzan_version": "k",
            "majorminer": "synthetic MajorMiner view", "majorminer_version": "m"}
    recs = dbn_svm.results_records(better, cfg, profile="smoke", info=info)
    with_paper = {r.experiment: r.paper_value for r in recs if r.paper_value is not None}
    assert with_paper == {"Table 1: fine-tuned DBN, mean of frame predictions": 0.737,
                          "Best SVM configuration (chosen on validation)": 0.843}
    t2 = [r for r in recs if r.experiment.startswith("Table 2")]
    assert [r.method for r in t2] == list(dbn_svm.FEATURE_SETS)
    assert all(r.n_seeds == 3 and r.spread is not None for r in recs)
    assert {r.data_kind for r in recs} == {"synthetic"}


# ----------------------------------------------------------------------------
# MajorMiner: the layout, the two-player rule, the synthetic view
# ----------------------------------------------------------------------------
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
    assert all(set(t) <= truth[c] | set(t) for c, t in ds.labels.tags.items())
    assert ds.validate().ok


# ----------------------------------------------------------------------------
# the notebook on real data that is not there
# ----------------------------------------------------------------------------
@pytest.mark.notebook
def test_chapter_on_missing_real_data_fails_with_the_loaders_message(tmp_path):
    outcome = run.execute("hamel2010", profile="smoke",
                          parameters={"dataset": "real", "data_home": str(tmp_path)},
                          output_dir=tmp_path / "out", build_dir=tmp_path / "build",
                          progress=False, raise_error=False)
    assert not outcome.ok
    assert "MissingDataError: GTZAN not found under" in outcome.error
    assert "gtzan/genres/<genre>/<genre>.NNNNN.wav" in outcome.error
