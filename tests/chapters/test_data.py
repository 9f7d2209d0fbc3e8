"""The data chapter module (chapter 0): its config and the tables it computes
from the smoke corpus."""

import pytest

from mirnb import synth
from mirnb.chapters import data
from mirnb.errors import ParameterError


def test_profiles():
    assert data.config("paper") == data.config("default") == data.Config()
    smoke = data.config("smoke")
    assert smoke.synth_profile == "smoke" and smoke.n_listen == 2
    assert data.PAPER == ()
    with pytest.raises(ParameterError, match="profile"):
        data.config("tiny")


def test_tables_of_the_smoke_corpus(smoke_home):
    manifest = synth.generate("smoke", data_home=smoke_home, verbose=False)
    views = data.views_table(manifest)
    assert set(views.index) == set(manifest["views"])
    assert (views["tracks"] > 0).all()
    artists = data.artists_table(synth.world("smoke"))
    assert artists["artists"].str.len().gt(0).all()
    mtat = synth.load("mtat", "smoke", data_home=smoke_home, make=False)
    noise = data.tag_noise(mtat)
    assert noise["clips"] == len(mtat) and 0 < noise["kept"] < 1
    assert noise["false_per_clip"] >= 0
    msd = synth.load("msd", "smoke", data_home=smoke_home, make=False)
    keys = data.key_accuracy(msd)
    assert list(keys.index) == ["all tracks", "more confident half"]
    assert keys["tracks"].tolist() == [len(msd), len(msd) // 2]
    assert (0 <= keys["tonic and mode right"]).all()
    assert (keys["tonic and mode right"] <= keys["tonic right"]).all()
    assert (keys["tonic right"] + keys["relative key"] + keys["tonic a fifth away"] <= 1).all()
    conf = msd.labels["key_confidence"]
    assert keys.loc["more confident half", "mean key confidence"] == \
        round(conf.nlargest(len(msd) // 2).mean(), 3)
    spec = synth.SIZES["smoke"]["msd"]
    per_artist = data.tracks_per_artist(msd, at_least=spec["per_genre"] // spec["artists"])
    assert per_artist.iloc[0].tolist()[:4] == [20 * spec["artists"]] + \
        [spec["per_genre"] // spec["artists"]] * 3
    assert per_artist.iloc[0, 4] == 20 * spec["artists"]
    with pytest.raises(ParameterError, match="at_least"):
        data.tracks_per_artist(msd, at_least=0)
    genres = data.genre_mapping(msd)
    assert len(genres) == 22 and genres["tracks"].sum() == len(msd)
    assert genres.set_index("synthetic family").loc["hiphop", "Dieleman et al. 2011"] == \
        "hip hop"


def test_key_accuracy_counts_against_the_rendered_keys(tmp_path):
    import pandas as pd

    class View:  # the two things key_accuracy reads from an MSD view
        root = tmp_path
        labels = pd.DataFrame({"key": [0, 9, 7, 2], "mode": [1, 0, 1, 1],
                               "key_confidence": [0.9, 0.8, 0.1, 0.2]},
                              index=["A", "B", "C", "D"])

    pd.DataFrame({"track_id": ["A", "B", "C", "D"], "key": [0, 0, 0, 0],
                  "mode": ["major", "major", "minor", "minor"]}).to_csv(
        tmp_path / "synth_labels.csv", index=False)
    keys = data.key_accuracy(View())
    # A right; B the relative minor of C major; C a fifth up; D wrong
    assert keys.loc["all tracks"].tolist() == [4, 0.25, 0.25, 0.25, 0.25, 0.5]
    assert keys.loc["more confident half"].tolist() == [2, 0.5, 0.5, 0.5, 0.0, 0.85]
