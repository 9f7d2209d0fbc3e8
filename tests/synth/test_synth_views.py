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
    assert len(ds) == 20 * synth.SIZES["smoke"]["msd"]["per_genre"]
    assert set(ds.labels.genre.dropna()) == set(synth.GENRES)
    tid = ds.track_ids[0]
    assert ds.track(tid).record().track_id == tid
    assert (ds.root / "data" / tid[2] / tid[3] / tid[4] / f"{tid}.h5").is_file()


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
