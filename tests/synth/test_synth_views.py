"""The synthetic corpus: its three views read back through the real loaders."""

import json
import time
from pathlib import Path

import pytest
import soundfile as sf

from mirnb import synth
from mirnb.synth import views
from mirnb.errors import ParameterError


def test_gtzan_view_reads_as_gtzan(smoke_home):
    ds = synth.load("gtzan", "smoke", data_home=smoke_home, make=False)
    size = synth.SIZES["smoke"]["gtzan"]
    assert len(ds) == 10 * size["per_genre"] and ds.is_synthetic
    assert ds.labels.genre.value_counts().nunique() == 1  # balanced
    for col in ("artist", "key_name", "tempo", "tags", "instruments"):
        assert col in ds.labels
    path = ds.track(ds.track_ids[0]).audio_path
    info = sf.info(path)
    assert (info.samplerate, info.channels, info.subtype) == (22050, 1, "PCM_16")
    assert abs(info.duration - size["seconds"]) < 0.01
    assert path.relative_to(ds.root).parts[0] == "genres"
    assert ds.validate().ok


def test_mtat_view_reads_as_mtat_and_keeps_songs_in_one_folder(smoke_home):
    ds = synth.load("mtat", "smoke", data_home=smoke_home, make=False)
    size = synth.SIZES["smoke"]["mtat"]
    assert len(ds) == size["songs"] * size["clips_per_song"]
    assert ds.tag_names == list(synth.TAGS)
    assert ds.labels.groupby("song").folder.nunique().max() == 1
    assert ds.labels.groupby("song").size().eq(size["clips_per_song"]).all()
    y, sr = ds.track(ds.track_ids[0]).audio(sr=None)
    assert sr == 16000 and abs(len(y) / sr - size["seconds"]) < 0.2
    split = ds.splits("folder")
    assert sum(map(len, split.values())) == len(ds) and split.moved == []
    truth = (ds.root / "synth_labels.csv").read_text()
    assert "true_tags" in truth


def test_msd_view_reads_as_msd(smoke_home):
    ds = synth.load("msd", "smoke", data_home=smoke_home, make=False)
    spec = synth.SIZES["smoke"]["msd"]
    assert len(ds) == 20 * spec["per_genre"]
    assert set(ds.labels.genre.dropna()) == set(synth.GENRES)
    assert ds.labels.mbtags.map(len).eq(1).all()  # the family's name, nothing else
    tid = ds.track_ids[0]
    assert ds.track(tid).record().track_id == tid
    assert (ds.root / "data" / tid[2] / tid[3] / tid[4] / f"{tid}.h5").is_file()
    # each genre's tracks come from its first spec['artists'] artists, in turn
    per_artist = ds.labels.groupby("artist_id").size()
    assert len(per_artist) == 20 * spec["artists"] >= 20
    assert per_artist.eq(spec["per_genre"] // spec["artists"]).all()
    assert per_artist.min() >= 2
    assert ds.labels.groupby("genre").artist_id.nunique().eq(spec["artists"]).all()


def test_msd_view_sizes_carry_the_dieleman_tasks(tmp_path):
    """Default: 20 genres x 30 tracks of 30 s by 3 artists each: 60 artists of 10 tracks."""
    size = synth.SIZES["default"]
    assert size["artists_per_genre"] == 6  # the World the other views share
    spec = size["msd"]
    assert (spec["per_genre"], spec["artists"], spec["seconds"]) == (30, 3, 30.0)
    jobs = views._msd_jobs(size, tmp_path)
    assert len(jobs) == 600 and len({tid for tid, _ in jobs}) == 600
    artists = [j["artist"] for _, j in jobs]
    counts = {a: artists.count(a) for a in set(artists)}
    assert len(counts) == 60 and set(counts.values()) == {10}
    w = synth.world("default")
    for genre in synth.GENRES:  # the genre's first three artists
        mine = {j["artist"] for _, j in jobs if w.artists[j["artist"]].genre == genre}
        assert mine == {w.artists.index(a) for a in w.artists_of(genre)[:3]}
    assert {j["seconds"] for _, j in jobs} == {30.0}
    smoke = synth.SIZES["smoke"]["msd"]
    assert smoke["per_genre"] // smoke["artists"] >= 2
    assert smoke["per_genre"] * smoke["seconds"] <= 3 * 6.0  # small, as before
    bad = {**size, "msd": {**spec, "artists": 7}}
    with pytest.raises(ParameterError, match="artists"):
        views._msd_jobs(bad, tmp_path)


def test_msd_view_key_follows_its_spec(monkeypatch):
    key = views._view_params("default", "msd")
    assert key["artists"] == 3 and key["seconds"] == 30.0  # in the manifest's key
    others = {v: views._view_params("default", v) for v in synth.VIEWS if v != "msd"}
    sizes = {**views.SIZES, "default": {**views.SIZES["default"],
                                        "msd": {**views.SIZES["default"]["msd"], "artists": 2}}}
    monkeypatch.setattr(views, "SIZES", sizes)
    assert views._view_params("default", "msd") != key
    assert {v: views._view_params("default", v) for v in others} == others


def test_generation_is_cached_by_manifest(smoke_home):
    manifest = json.loads((synth.root("smoke", smoke_home) / "manifest.json").read_text())
    assert set(manifest["views"]) == set(synth.VIEWS)
    wav = next((synth.root("smoke", smoke_home) / "gtzan" / "genres").rglob("*.wav"))
    before = wav.stat().st_mtime_ns
    start = time.perf_counter()
    again = synth.generate("smoke", data_home=smoke_home, verbose=False)
    assert time.perf_counter() - start < 5
    assert wav.stat().st_mtime_ns == before
    assert again["views"]["gtzan"]["key"] == manifest["views"]["gtzan"]["key"]


def test_generation_is_deterministic(smoke_home, tmp_path):
    synth.generate("smoke", views=["gtzan"], data_home=tmp_path, n_jobs=1, verbose=False)
    a = synth.root("smoke", smoke_home) / "gtzan" / "genres" / "metal" / "metal.00001.wav"
    b = synth.root("smoke", tmp_path) / "gtzan" / "genres" / "metal" / "metal.00001.wav"
    assert a.read_bytes() == b.read_bytes()
    la = (synth.root("smoke", smoke_home) / "gtzan" / "synth_labels.csv").read_text()
    lb = (synth.root("smoke", tmp_path) / "gtzan" / "synth_labels.csv").read_text()
    assert la == lb


def test_bad_profile_and_view():
    with pytest.raises(ParameterError, match="profiles"):
        synth.root("huge")
    with pytest.raises(ParameterError, match="view="):
        synth.generate("smoke", views=["gtzan2"])


def test_cli_data_commands(smoke_home, tmp_path, capsys):
    from mirnb import cli

    assert cli.main(["data", "info", "mtat", "--synth", "smoke",
                     "--data-home", str(smoke_home)]) == 0
    out = capsys.readouterr().out
    assert "MagnaTagATune at" in out and "tracks: 48" in out
    assert cli.main(["data", "validate", "gtzan", "--synth", "smoke",
                     "--data-home", str(smoke_home)]) == 0
    assert "0 missing, 0 invalid" in capsys.readouterr().out
    assert cli.main(["data", "validate", "gtzan", "--data-home", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "GTZAN not found" in err and "genres/<genre>" in err
    assert cli.main(["data", "synth", "--profile", "smoke", "--views", "gtzan",
                     "--data-home", str(smoke_home)]) == 0
    assert "gtzan: 60 tracks" in capsys.readouterr().out


def test_concurrent_generators_keep_every_view_in_the_manifest(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    def make(view):
        return synth.generate("smoke", views=[view], data_home=tmp_path, n_jobs=1,
                              verbose=False)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(make, ["gtzan", "mtat"]))
    manifest = json.loads((synth.root("smoke", tmp_path) / "manifest.json").read_text())
    assert set(manifest["views"]) == {"gtzan", "mtat"}


def _edited(func):
    """A copy of ``func`` with other source code: what an edit of its body looks like."""
    def edited(job):
        return func(job)
    return edited


def test_view_keys_depend_on_their_own_code_only(monkeypatch):
    keys = {v: views._code_hash(v) for v in synth.VIEWS}
    assert keys == {v: views._code_hash(v) for v in synth.VIEWS}  # stable
    assert keys["mtat"] == keys["mtat_large"] != keys["gtzan"]  # same code, other code
    # editing one view's make function changes its key and no other
    jobs, make, finish = views._VIEW["majorminer"]
    monkeypatch.setitem(views._VIEW, "majorminer", (jobs, _edited(make), finish))
    after = {v: views._code_hash(v) for v in synth.VIEWS}
    assert after["majorminer"] != keys["majorminer"]
    assert {v: k for v, k in after.items() if v != "majorminer"} == \
        {v: k for v, k in keys.items() if v != "majorminer"}


def test_view_keys_cover_the_code_that_renders(monkeypatch, tmp_path):
    # every view's key changes with any module that composes or renders
    keys = {v: views._code_hash(v) for v in synth.VIEWS}
    here = tmp_path / "synth"
    here.mkdir()
    for name in views._RENDER_MODULES:
        text = (Path(views.__file__).parent / f"{name}.py").read_text()
        (here / f"{name}.py").write_text(text)
    (here / "views.py").write_text("")
    monkeypatch.setattr(views, "__file__", str(here / "views.py"))
    assert {v: views._code_hash(v) for v in synth.VIEWS} == keys  # same code, same keys
    with open(here / "renderer.py", "a") as f:
        f.write("\n# an edit\n")
    assert all(views._code_hash(v) != keys[v] for v in synth.VIEWS)
