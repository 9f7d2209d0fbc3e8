"""Saved models with cards, ``mirnb tag`` and ``mirnb models``, end to end on tiny models."""

import json
import shutil
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

from mirnb import cli, tagging
from mirnb.errors import DataError, ParameterError

SR, N_FFT, HOP_LENGTH, N_MELS, N_FRAMES = 12000, 512, 512, 32, 32
FRONT_END = {"kind": "log_mel", "sr": SR, "n_fft": N_FFT, "hop_length": HOP_LENGTH,
             "n_mels": N_MELS, "top_db": 80.0, "n_frames": N_FRAMES}
#: Seconds one input covers: shorter files cannot be tagged.
MIN_SECONDS = (N_FRAMES - 1) * HOP_LENGTH / SR


def _inputs(tracks):
    """One random window of N_FRAMES log-mel frames per track: (n, N_MELS, N_FRAMES, 1)."""
    from mirnb import features

    rng = np.random.default_rng(0)
    out = []
    for t in tracks:
        y, _ = t.audio(sr=SR)
        S = features.log_mel(y, sr=SR, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS,
                             top_db=80.0)
        s = rng.integers(0, S.shape[1] - N_FRAMES + 1)
        out.append(S[:, s:s + N_FRAMES])
    return np.stack(out).astype("float32")[..., None]


def _card(name, task, labels, **kw):
    return tagging.ModelCard(
        name=name, chapter="choi2016" if task == "tags" else "comparison",
        paper="Choi et al. 2016", task=task, labels=labels, profile="smoke",
        data_kind="synthetic", dataset="synthetic smoke corpus (test)", dataset_version="t",
        split="first clips", seed=0, metrics={"AUC-T": 0.5, "P@3": 0.25},
        front_end=dict(FRONT_END), **kw)


@pytest.fixture(scope="module")
def home(smoke_home, tmp_path_factory, keras_eagerly):
    """``path``: a data home with a tiny tagger (choi2016/fcn4) and genre model (comparison/fcn4);
    ``clips``: three smoke MTAT clips they did not see; ``tags``, ``genres``: their labels."""
    from mirnb import synth, training
    from mirnb.models import fcn

    home = tmp_path_factory.mktemp("models_home")
    mtat = synth.load("mtat", "smoke", data_home=smoke_home, make=False)
    gtzan = synth.load("gtzan", "smoke", data_home=smoke_home, make=False)
    tags = mtat.top_tags(5)
    ids = mtat.track_ids[:8]
    x = _inputs([mtat.track(t) for t in ids])
    y = mtat.tag_matrix(tags=tags, track_ids=ids).to_numpy().astype("float32")
    gids = gtzan.track_ids[::6][:8]
    genres = list(tagging_genres())
    xg = _inputs([gtzan.track(t) for t in gids])
    yg = np.array([genres.index(gtzan.track(t).genre) for t in gids])
    training.set_seed(0)
    with keras_eagerly():
        tagger = training.compile_model(fcn.build_fcn(
            4, input_shape=(N_MELS, N_FRAMES, 1), n_tags=5, width=1 / 32, dropout=0.1))
        tagger.fit(x, y, epochs=1, batch_size=8, verbose=0)
        genre = training.compile_model(fcn.build_fcn(
            4, input_shape=(N_MELS, N_FRAMES, 1), n_tags=10, width=1 / 32, dropout=0.1,
            head="softmax"), loss="sparse_categorical_crossentropy")
        genre.fit(xg, yg, epochs=1, batch_size=8, verbose=0)
    tagging.save_model(tagger, _card("fcn4", "tags", tags), data_home=home)
    tagging.save_model(genre, _card("fcn4", "genre", genres), data_home=home)
    clips = [mtat.track(t).audio_path for t in mtat.track_ids[8:11]]
    return SimpleNamespace(path=home, clips=clips, tags=tags, genres=genres)


def tagging_genres():
    from mirnb.datasets.gtzan import GENRES

    return GENRES


def _tag(capsys, *argv):
    status = cli.main(["tag", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


def _wav(path, seconds, sr=SR, channels=1, silent=False):
    rng = np.random.default_rng(1)
    t = np.arange(int(seconds * sr)) / sr
    y = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.05 * rng.standard_normal(len(t))
    y = np.zeros_like(t) if silent else y
    sf.write(str(path), np.stack([y] * channels, axis=1) if channels > 1 else y, sr)
    return path


# ---------------------------------------------------------------------------
# saved models and cards
# ---------------------------------------------------------------------------
def test_saved_models_are_folders_with_model_and_card(home):
    folder = home.path / "mirnb_runs" / "models" / "choi2016" / "fcn4"
    assert sorted(p.name for p in folder.iterdir()) == ["card.json", "card.md", "model.keras"]
    table = tagging.list_models(home.path)
    assert list(table.columns) == tagging.LIST_COLUMNS
    assert table.model.tolist() == ["choi2016/fcn4", "comparison/fcn4"]
    assert table.task.tolist() == ["tags", "genre"]
    assert table.n_labels.tolist() == [5, 10]
    assert table["main metric"].tolist() == ["AUC-T 0.5", "AUC-T 0.5"]
    # no temporary folders left behind
    assert not list((home.path / "mirnb_runs" / "models").glob("*/.*"))


def test_saving_again_replaces_the_model(home, tmp_path):
    model, card = tagging.load_model("choi2016/fcn4", data_home=home.path)
    card2 = tagging.ModelCard.from_dict({**card.to_dict(), "profile": "again"})
    path = tagging.save_model(model, card2, data_home=tmp_path)
    path = tagging.save_model(model, card, data_home=tmp_path)
    assert tagging.load_model("choi2016/fcn4", data_home=tmp_path)[1].profile == "smoke"
    assert sorted(p.name for p in path.parent.iterdir()) == ["fcn4"]


def test_save_model_checks_the_card_against_the_model(home, tmp_path):
    model, card = tagging.load_model("choi2016/fcn4", data_home=home.path)
    bad = tagging.ModelCard.from_dict({**card.to_dict(), "labels": ["a", "b"]})
    with pytest.raises(ParameterError, match="2 labels"):
        tagging.save_model(model, bad, data_home=tmp_path)
    wide = tagging.ModelCard.from_dict(
        {**card.to_dict(), "front_end": {**FRONT_END, "n_frames": 40}})
    with pytest.raises(ParameterError, match="front end"):
        tagging.save_model(model, wide, data_home=tmp_path)
    assert tagging.list_models(tmp_path).empty


def test_card_round_trips_and_warns_about_synthetic_data(home):
    _, card = tagging.load_model("choi2016/fcn4", data_home=home.path)
    again = tagging.ModelCard.from_dict(json.loads(json.dumps(card.to_dict())))
    assert again == card
    md = (home.path / "mirnb_runs" / "models" / "choi2016" / "fcn4" / "card.md").read_text()
    assert md == card.markdown()
    assert md.startswith("# Model card: choi2016/fcn4")
    assert "**This model was trained on the book's synthetic corpus" in md
    assert "it will not tag real music well.**" in md
    for part in ("## Test metrics", "| AUC-T | 0.5 |", "## Front end", "n_fft 512",
                 "## Limits", "Choi et al. 2016", "| seed | 0 |"):
        assert part in md
    real = tagging.ModelCard.from_dict({**card.to_dict(), "data_kind": "real"})
    assert "synthetic corpus" not in real.markdown() and "## Limits" in real.markdown()


@pytest.mark.parametrize("change, match", [
    ({"task": "mood"}, "task"), ({"data_kind": "fake"}, "data_kind"),
    ({"labels": []}, "labels"), ({"labels": ["a", "a"]}, "more than once"),
    ({"name": "../x"}, "name"), ({"front_end": {"kind": "log_mel"}}, "front_end lacks"),
    ({"metrics": {"AUC": "high"}}, "metrics"), ({"seed": "zero"}, "seed"),
])
def test_bad_cards_are_refused(change, match):
    card = _card("m", "tags", ["a", "b"])
    with pytest.raises(ParameterError, match=match):
        tagging.ModelCard.from_dict({**card.to_dict(), **change})


def test_models_lists_the_models_or_says_what_to_run(home, tmp_path, capsys):
    assert cli.main(["models", "--data-home", str(home.path)]) == 0
    out = capsys.readouterr().out
    assert "choi2016/fcn4" in out and "comparison/fcn4" in out and "genre" in out
    assert cli.main(["models", "--data-home", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "no trained model yet: run `mirnb run choi2016`" in out


# ---------------------------------------------------------------------------
# mirnb tag
# ---------------------------------------------------------------------------
def test_tag_prints_json_with_the_cards_labels(home, capsys):
    status, out, err = _tag(capsys, home.clips[0], "--model", "choi2016/fcn4", "--format",
                            "json", "--top-k", "3", "--data-home", home.path)
    assert status == 0, err
    [r] = json.loads(out)
    assert r["path"] == str(home.clips[0]) and r["model"] == "choi2016/fcn4"
    assert r["task"] == "tags" and len(r["top"]) == 3
    assert {t["label"] for t in r["top"]} <= set(home.tags)
    assert set(r["scores"]) == set(home.tags)
    assert all(0 <= s <= 1 for s in r["scores"].values())
    scores = [t["score"] for t in r["top"]]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == max(r["scores"].values())


def test_genre_scores_are_a_posterior(home, capsys):
    status, out, err = _tag(capsys, home.clips[0], "--model", "comparison/fcn4", "--format",
                            "json", "--data-home", home.path)
    assert status == 0, err
    [r] = json.loads(out)
    assert r["task"] == "genre" and set(r["scores"]) == set(home.genres)
    assert abs(sum(r["scores"].values()) - 1) < 1e-4


def test_tag_matches_the_model_on_the_windows(home):
    """The scores are the mean of the model's outputs on the log-mel windows."""
    from mirnb import audio, features

    net, card = tagging.load_model("choi2016/fcn4", data_home=home.path)
    [r] = tagging.tag(home.clips[0], model=(net, card), hop=1.0, verbose=False)
    y, _ = audio.load(home.clips[0], sr=SR)
    S = features.log_mel(y, sr=SR, n_fft=N_FFT, hop_length=HOP_LENGTH, n_mels=N_MELS,
                         top_db=80.0)
    n = S.shape[1] // N_FRAMES
    assert r.windows.shape == (n, 5) and r.scores.shape == (5,)
    np.testing.assert_allclose(r.times, np.arange(n) * N_FRAMES * HOP_LENGTH / SR)
    X = np.stack([S[:, i * N_FRAMES:(i + 1) * N_FRAMES] for i in range(n)])[..., None]
    np.testing.assert_allclose(r.windows, np.asarray(net.predict(X, verbose=0)), atol=1e-5)
    np.testing.assert_allclose(r.scores, r.windows.mean(axis=0))
    [half] = tagging.tag(home.clips[0], model=(net, card), verbose=False)
    assert len(half.times) == 1 + (S.shape[1] - N_FRAMES) // (N_FRAMES // 2)


def test_a_folder_is_tagged_file_by_file_and_any_wav_is_accepted(home, tmp_path, capsys):
    folder = tmp_path / "music"
    (folder / "sub").mkdir(parents=True)
    _wav(folder / "sub" / "b_stereo44k.wav", 2.0, sr=44100, channels=2)
    clip = folder / f"a{home.clips[0].suffix}"
    shutil.copy(home.clips[0], clip)
    (folder / "notes.txt").write_text("not audio")
    status, out, err = _tag(capsys, folder, "--format", "csv", "--top-k", "2",
                            "--data-home", home.path)
    assert status == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "path,label,score,rank"
    paths = [line.split(",")[0] for line in lines[1:]]
    assert paths == [str(clip)] * 2 + [str(folder / "sub" / "b_stereo44k.wav")] * 2
    assert [line.split(",")[3] for line in lines[1:]] == ["1", "2", "1", "2"]


def test_table_output_is_aligned(home, capsys):
    status, out, _ = _tag(capsys, *home.clips[:2], "--data-home", home.path)
    assert status == 0
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 2
    for block, clip in zip(blocks, home.clips):
        head, *rows = block.splitlines()
        assert head.startswith(str(clip)) and "choi2016/fcn4" in head
        assert len(rows) == 5
        assert len({row.rindex(" ") for row in rows}) == 1  # scores in one column


@pytest.mark.parametrize("kind", ["silent", "short", "unreadable", "missing"])
def test_bad_files_are_one_clear_error(home, tmp_path, capsys, kind):
    path = tmp_path / f"{kind}.wav"
    if kind == "silent":
        _wav(path, 2.0, silent=True)
    elif kind == "short":
        _wav(path, 0.5)
    elif kind == "unreadable":
        path.write_text("these are not the bytes of a WAV file\n" * 20)
    status, out, err = _tag(capsys, path, "--data-home", home.path)
    assert status != 0 and out == ""
    assert "Traceback" not in err
    assert err.startswith("mirnb: error:") and len(err.strip().splitlines()) == 1
    assert str(path) in err
    words = {"silent": "silent", "short": f"at least {MIN_SECONDS:.2f} s",
             "unreadable": "cannot read", "missing": "not found"}
    assert words[kind] in err
    if kind == "short":
        assert "0.50 s long" in err


def test_unknown_model_names_the_model_and_the_saved_ones(home, tmp_path, capsys):
    status, _, err = _tag(capsys, home.clips[0], "--model", "nope/model", "--data-home", home.path)
    assert status != 0 and "Traceback" not in err
    assert "'nope/model'" in err and "choi2016/fcn4" in err and "comparison/fcn4" in err
    status, _, err = _tag(capsys, home.clips[0], "--model", "fcn4", "--data-home", home.path)
    assert status != 0 and "ambiguous" in err and "comparison/fcn4" in err
    net, card = tagging.load_model("choi2016/fcn4", data_home=home.path)
    tagging.save_model(net, card, data_home=tmp_path / "one")
    assert tagging.load_model("fcn4", data_home=tmp_path / "one")[1].model == "choi2016/fcn4"
    status, _, err = _tag(capsys, home.clips[0], "--data-home", tmp_path)
    assert status != 0 and "no trained model yet: run `mirnb run choi2016`" in err


def test_taggram_writes_pngs(home, tmp_path, capsys):
    out = tmp_path / "figs" / "tg.png"
    status, _, err = _tag(capsys, home.clips[0], "--taggram", out, "--data-home", home.path)
    assert status == 0, err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    status, _, err = _tag(capsys, *home.clips[:2], "--taggram", out, "--data-home", home.path)
    assert status == 0, err
    for i, clip in enumerate(home.clips[:2], 1):
        assert (out.parent / f"tg-{i}-{clip.stem}.png").stat().st_size > 1000


def test_taggram_draws_labels_over_time(home):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    [r] = tagging.tag(home.clips[0], model="choi2016/fcn4", data_home=home.path, verbose=False)
    ax = tagging.taggram(r, top=3)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [lab for lab, _ in r.top(3)]
    [img] = ax.images
    assert img.get_array().shape == (3, len(r.times))
    assert ax.figure.axes[-1].get_ylabel() == "score"
    plt.close(ax.figure)


def test_bad_parameters_name_the_parameter(home):
    model = tagging.load_model("choi2016/fcn4", data_home=home.path)
    [r] = tagging.tag(home.clips[0], model=model, verbose=False)
    with pytest.raises(ParameterError, match="top_k"):
        tagging.format_results([r], top_k=0)
    with pytest.raises(ParameterError, match="fmt='xml'.*table"):
        tagging.format_results([r], fmt="xml")
    for hop in (0, 1.5, -0.5, "half"):
        with pytest.raises(ParameterError, match=r"hop=.*\(0, 1\]"):
            tagging.tag(home.clips[0], model=model, hop=hop)
    with pytest.raises(ParameterError, match="top_k"):
        tagging.tag(home.clips[0], model=model, top_k=0)
    with pytest.raises(ParameterError, match="model="):
        tagging.tag(home.clips[0], model=42)
    with pytest.raises(DataError, match="no audio files"):
        tagging.tag(home.path / "mirnb_runs", model=model)
