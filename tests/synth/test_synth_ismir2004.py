"""The synthetic ISMIR2004 view: generated alone, read back through the real loader."""

import json

import pytest
import soundfile as sf

from mirnb import synth
from mirnb.datasets import ismir2004, load
from mirnb.synth import views
from mirnb.synth.vocabulary import GENRES

#: Manifest entries of the other views, written before the ISMIR2004 view is made.
SENTINELS = {v: {"key": f"sentinel-{v}", "params": {}, "n_tracks": 7, "seconds": 0.0}
             for v in synth.VIEWS if v != "ismir2004"}


@pytest.fixture(scope="module")
def ismir_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("ismir_home")
    base = synth.root("smoke", home)
    base.mkdir(parents=True)
    (base / "manifest.json").write_text(json.dumps({"views": SENTINELS}))
    synth.generate("smoke", views=["ismir2004"], data_home=home, n_jobs=2, verbose=False)
    return home


def test_every_family_has_one_class():
    families = [f for fams in views.ISMIR2004_FAMILIES.values() for f in fams]
    assert sorted(families) == sorted(GENRES)
    assert tuple(views.ISMIR2004_FAMILIES) == ismir2004.CLASSES


def test_counts_keep_the_real_proportions():
    assert views.ismir2004_counts(729) == ismir2004.CLASS_COUNTS
    for per_half in (48, 120, 300):
        counts = views.ismir2004_counts(per_half)
        assert sum(counts.values()) == per_half
        for cls, n in counts.items():
            assert abs(n - per_half * ismir2004.CLASS_COUNTS[cls] / 729) < 1
    assert views.ismir2004_counts(12)["jazz_blues"] == 2  # never fewer than two


def test_view_reads_back_with_the_unbalanced_classes(ismir_home):
    ds = synth.load("ismir2004", "smoke", data_home=ismir_home, make=False)
    assert isinstance(ds, ismir2004.ISMIR2004) and ds.is_synthetic
    size = synth.SIZES["smoke"]["ismir2004"]
    want = views.ismir2004_counts(size["per_half"])
    assert len(ds) == 2 * size["per_half"]
    counts = ds.labels.groupby(["part", "genre"]).size()
    for part in ("train", "development"):
        assert {c: int(counts[(part, c)]) for c in want} == want
    # the rendered family belongs to the class, and the training folder to both
    for tid, row in ds.labels.iterrows():
        assert row.family in views.ISMIR2004_FAMILIES[row.genre], tid
        if row.part == "train":
            assert ismir2004.FOLDER_GENRES[row.folder_genre] == row.genre
            assert row.artist and row.album and row.title
        else:
            assert row.folder_genre == "" and row.artist.startswith("artist_")
    split = ds.splits("official")
    assert len(split["train"]) == len(split["test"]) == size["per_half"]
    path = ds.track(split["test"][0]).audio_path
    assert path.parent == ds.root / "audio" / "development" and path.suffix == ".mp3"
    info = sf.info(path)
    assert info.samplerate == size["sr"] and abs(info.duration - size["seconds"]) < 0.2
    assert ds.validate().ok
    assert len(load("ismir2004", synth="smoke", data_home=ismir_home)) == len(ds)


def test_generating_one_view_leaves_the_others_alone(ismir_home):
    base = synth.root("smoke", ismir_home)
    manifest = json.loads((base / "manifest.json").read_text())
    assert {v: e for v, e in manifest["views"].items() if v != "ismir2004"} == SENTINELS
    assert manifest["views"]["ismir2004"]["params"]["code"] == views._code_hash("ismir2004")
    assert sorted(p.name for p in base.iterdir() if p.is_dir()) == ["ismir2004"]
    mp3 = next((base / "ismir2004" / "audio").rglob("*.mp3"))
    before = mp3.stat().st_mtime_ns
    synth.generate("smoke", views=["ismir2004"], data_home=ismir_home, verbose=False)
    assert mp3.stat().st_mtime_ns == before  # up to date: not written again


def test_jobs_are_deterministic(tmp_path):
    size = synth.SIZES["smoke"]
    assert views._ismir2004_jobs(size, tmp_path) == views._ismir2004_jobs(size, tmp_path)
    seeds = [job["clip_seed"] for _, job in views._ismir2004_jobs(size, tmp_path)]
    assert len(set(seeds)) == len(seeds)


def _edited(func):
    def edited(job):
        return func(job)
    return edited


def test_its_key_follows_its_own_code_and_class_map(monkeypatch):
    keys = {v: views._code_hash(v) for v in synth.VIEWS}
    jobs, make, finish = views._VIEW["ismir2004"]
    monkeypatch.setitem(views._VIEW, "ismir2004", (jobs, _edited(make), finish))
    after = {v: views._code_hash(v) for v in synth.VIEWS}
    assert after.pop("ismir2004") != keys.pop("ismir2004") and after == keys
    monkeypatch.setitem(views._VIEW, "ismir2004", (jobs, make, finish))
    before = views._code_hash("ismir2004")
    monkeypatch.setitem(views.ISMIR2004_FAMILIES, "world", ("world", "reggae"))
    assert views._code_hash("ismir2004") != before
    assert {v: views._code_hash(v) for v in synth.VIEWS if v != "ismir2004"} == keys
