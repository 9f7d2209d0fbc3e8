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
    assert keys.loc[0, "tracks"] == len(msd)
    assert 0 <= keys.loc[0, "key and mode right"] <= keys.loc[0, "key right"] <= 1
