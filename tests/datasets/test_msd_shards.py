"""Beat features of an MSD copy as a Dask job, in resumable shards (mirnb.datasets.msd.shards)."""

import inspect
import json
import math
import shutil

import h5py
import numpy as np
import pytest
from msd_helpers import REAL, needs_fixtures

from mirnb import synth
from mirnb.analysis import beat_features
from mirnb.cache import file_checksum
from mirnb.datasets.msd import MSD, BeatShards, write_beat_shards
from mirnb.errors import DataError, MissingDataError, ParameterError

SHARD = 7  # tracks per shard in most tests


@pytest.fixture(scope="module")
def msd(smoke_home):
    return synth.load("msd", "smoke", data_home=smoke_home, make=False, verbose=False)


@pytest.fixture(scope="module")
def reference(msd):
    feats, skipped = msd.beat_features(chroma_norm="max", verbose=False)
    assert not skipped and len(feats) == len(msd) > 6 * SHARD
    return feats


@pytest.fixture(scope="module")
def job(msd, tmp_path_factory):
    """One uninterrupted job on a 2-worker LocalCluster (the default scheduler)."""
    out = tmp_path_factory.mktemp("shards") / "beats"
    report = write_beat_shards(msd, out, shard_size=SHARD, n_workers=2, verbose=False)
    return out, report


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as c:
            yield c


def _mtimes(out):
    return {p.name: p.stat().st_mtime_ns for p in sorted(out.glob("shard-*"))}


def _same_features(a, b, ids):
    ca, ta = a.load(ids)
    cb, tb = b.load(ids)
    return all(np.array_equal(x, y) for x, y in zip(ca + ta, cb + tb))


def test_a_local_cluster_job_reproduces_msd_beat_features(job, msd, reference):
    out, report = job
    n, n_shards = len(msd), math.ceil(len(msd) / SHARD)
    assert (report.n_shards, report.written, report.reused, report.n_tracks) == (
        n_shards, n_shards, 0, n)
    assert report.failed == [] and report.tracks_per_second > 0
    shards = BeatShards(out)
    assert len(shards) == n and sorted(shards.track_ids) == sorted(msd.track_ids)
    chroma, timbre = shards.load(msd.track_ids)
    for tid, c, t in zip(msd.track_ids, chroma, timbre):
        assert c.dtype == t.dtype == np.float32 and c.shape[1] == t.shape[1] == 12
        assert np.array_equal(c, reference[tid][0].astype(np.float32)), tid
        assert np.array_equal(t, reference[tid][1].astype(np.float32)), tid
    assert report.n_beats == sum(len(c) for c in chroma) == sum(shards.lengths.values())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["n_shards"] == n_shards and not manifest["skipped"]
    assert manifest["parameters"]["chroma_norm"] == "max"
    assert manifest["parameters"]["shard_size"] == SHARD
    for i, entry in enumerate(manifest["shards"]):
        path = out / entry["file"]
        assert entry["index"] == i and entry["size"] == path.stat().st_size
        assert entry["sha256"] == file_checksum(path) and entry["failed"] == []
        with np.load(path, allow_pickle=False) as z:  # a plain np.load reads a shard
            assert list(z["track_ids"]) == entry["track_ids"]
            assert z["offsets"][-1] == len(z["chroma"]) == len(z["timbre"]) == entry["n_beats"]
    sizes = [len(e["track_ids"]) for e in manifest["shards"]]
    assert sizes == [SHARD] * (n // SHARD) + ([n % SHARD] if n % SHARD else [])


def test_a_float64_job_in_process_keeps_the_values_exactly(msd, reference, tmp_path):
    ids = msd.track_ids[:5]
    write_beat_shards(msd, tmp_path, track_ids=ids, shard_size=2, dtype="float64",
                      scheduler="synchronous", verbose=False)
    chroma, timbre = BeatShards(tmp_path).load(ids)
    for tid, c, t in zip(ids, chroma, timbre):
        assert np.array_equal(c, reference[tid][0]) and np.array_equal(t, reference[tid][1])


def test_an_interrupted_job_redoes_only_its_missing_shards(job, msd, client, tmp_path):
    out, n = tmp_path / "beats", math.ceil(len(msd) / SHARD)
    (out / "shard-000002.npz").mkdir(parents=True)  # shard 2 cannot be written
    with pytest.raises(DataError, match=rf"1 of {n} beat shards.*shard 2 .*same arguments") as e:
        write_beat_shards(msd, out, shard_size=SHARD, scheduler=client, verbose=False)
    assert (e.value.report.written, e.value.report.reused) == (n - 1, 0)
    manifest = json.loads((out / "manifest.json").read_text())
    assert not manifest["complete"]
    assert [s["index"] for s in manifest["shards"]] == [i for i in range(n) if i != 2]
    with pytest.raises(DataError, match=f"has not finished.*{n - 1} of {n}"):
        BeatShards(out)
    assert len(BeatShards(out, partial=True)) == len(msd) - SHARD

    (out / "shard-000002.npz").rmdir()
    (out / "shard-000000.npz").unlink()                       # a shard lost
    four = out / "shard-000004.npz"
    four.write_bytes(four.read_bytes()[:1000])                # a shard cut short
    (out / "shard-000005.json").write_text('{"index": 5, "tru')  # a torn entry
    (out / ".shard-000001.npz.abc.npz").write_bytes(b"debris")  # a dead writer's temp file
    before = _mtimes(out)
    report = write_beat_shards(msd, out, shard_size=SHARD, scheduler=client, verbose=False)
    assert (report.written, report.reused, report.failed) == (4, n - 4, [])
    after = _mtimes(out)
    redone = {n for n in after if before.get(n) != after[n]}
    assert redone == {f"shard-00000{i}.{x}" for i in (0, 2, 4, 5) for x in ("npz", "json")}
    ref, got = BeatShards(job[0]), BeatShards(out)
    assert got.track_ids == ref.track_ids and got.lengths == ref.lengths
    assert _same_features(got, ref, msd.track_ids)
    # nothing missing: a third run reuses every shard and writes nothing
    report = write_beat_shards(msd, out, shard_size=SHARD, scheduler=client, verbose=False)
    assert (report.written, report.reused) == (0, n) and _mtimes(out) == after


def test_a_rerun_with_other_parameters_is_refused(job, msd, tmp_path):
    out = job[0]
    before = _mtimes(out)
    for kwargs, says in [({"chroma_norm": None}, "chroma_norm: 'max' there, None now"),
                         ({"shard_size": 8}, "shard_size: 7 there, 8 now"),
                         ({"track_ids": msd.track_ids[:-1]},
                          f"n_tracks: {len(msd)} there, {len(msd) - 1} now"),
                         ({"dtype": "float64"}, "dtype: 'float32' there")]:
        kw = {"shard_size": SHARD, **kwargs}
        with pytest.raises(ParameterError, match=f"other parameters.*{says}.*overwrite=True"):
            write_beat_shards(msd, out, scheduler="synchronous", verbose=False, **kw)
    assert _mtimes(out) == before
    if "method" in inspect.signature(beat_features).parameters:  # the keywords pass through
        default = inspect.signature(beat_features).parameters["method"].default
        assert BeatShards(out).parameters["method"] == default  # recorded though not given
        report = write_beat_shards(msd, out, shard_size=SHARD, method=default,
                                   scheduler="synchronous", verbose=False)
        assert report.written == 0 and _mtimes(out) == before
        with pytest.raises(ParameterError, match=f"method: {default!r} there, 'nope' now"):
            write_beat_shards(msd, out, shard_size=SHARD, method="nope", verbose=False)
    # shards of another job are refused even without a manifest
    small = tmp_path / "small"
    write_beat_shards(msd, small, track_ids=msd.track_ids[:4], shard_size=2,
                      scheduler="synchronous", verbose=False)
    (small / "manifest.json").unlink()
    with pytest.raises(ParameterError, match="2 shard.s. of another job"):
        write_beat_shards(msd, small, track_ids=msd.track_ids[:4], shard_size=3,
                          scheduler="synchronous", verbose=False)
    report = write_beat_shards(msd, small, track_ids=msd.track_ids[:4], shard_size=3,
                               scheduler="synchronous", overwrite=True, verbose=False)
    assert report.written == 2 and sorted(p.name for p in small.glob("shard-*.npz")) == [
        "shard-000000.npz", "shard-000001.npz"]
    assert BeatShards(small).parameters["shard_size"] == 3


def test_corrupt_track_files_are_reported_with_their_reason(msd, reference, tmp_path):
    ids = msd.track_ids[:6]
    home = tmp_path / "home"
    for tid in ids:
        src = msd.labels.loc[tid, "path"]
        dst = home / "msd" / src.relative_to(msd.root)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dst)
    cut, nan = (home / "msd" / msd.labels.loc[t, "path"].relative_to(msd.root) for t in ids[:2])
    cut.write_bytes(cut.read_bytes()[:5000])
    with h5py.File(nan, "r+") as h:
        d = h["analysis/segments_timbre"]
        a = d[...]
        a[1, 3] = np.nan
        d[...] = a
    out = tmp_path / "beats"
    report = write_beat_shards(MSD(home, verbose=False), out, shard_size=2,
                               scheduler="synchronous", verbose=False)
    reasons = {s.track_id: s.reason for s in report.failed}
    assert set(reasons) == set(ids[:2])
    assert "truncated" in reasons[ids[0]] and str(cut) in reasons[ids[0]]
    assert "segments_timbre" in reasons[ids[1]] and "NaN" in reasons[ids[1]]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["track_id"] for s in manifest["skipped"]] == [ids[0]]  # not even indexable
    failed = [f for e in manifest["shards"] for f in e["failed"]]
    assert [f["track_id"] for f in failed] == [ids[1]] and "NaN" in failed[0]["reason"]
    shards = BeatShards(out)
    assert sorted(shards.track_ids) == sorted(ids[2:]) and len(shards.failed) == 2
    # the damaged file is replaced: retry_failed redoes only the shard that held it
    shutil.copy(msd.labels.loc[ids[1], "path"], nan)
    before = _mtimes(out)
    report = write_beat_shards(MSD(home, verbose=False), out, shard_size=2,
                               scheduler="synchronous", retry_failed=True, verbose=False)
    assert (report.written, report.reused) == (1, 2)
    assert [s.track_id for s in report.failed] == [ids[0]]
    assert sum(before[n] != m for n, m in _mtimes(out).items()) == 2  # one .npz, one .json
    chroma, _ = BeatShards(out).load([ids[1]])
    assert np.array_equal(chroma[0], reference[ids[1]][0].astype(np.float32))


@needs_fixtures
def test_the_real_fixture_files_give_finite_beat_features(tmp_path):
    for f in REAL:
        d = tmp_path / "msd" / "data" / f.stem[2] / f.stem[3] / f.stem[4]
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, d / f.name)
    ds = MSD(tmp_path, verbose=False)
    report = write_beat_shards(ds, tmp_path / "beats", shard_size=3, scheduler="synchronous",
                               verbose=False)
    assert (report.n_shards, report.n_tracks, report.failed) == (2, len(REAL), [])
    shards = BeatShards(tmp_path / "beats")
    chroma, timbre = shards.load(ds.track_ids)
    for tid, c, t in zip(ds.track_ids, chroma, timbre):
        n = len(ds.track(tid).record()["beats_start"])
        assert c.shape == t.shape == (n, 12) and n > 100
        assert np.isfinite(c).all() and np.isfinite(t).all()
        assert np.allclose(c.max(axis=1), 1.0)  # chroma_norm='max'


def test_batches_stream_every_track_once_shard_by_shard(job, msd):
    shards = BeatShards(job[0])
    full = dict(zip(msd.track_ids, zip(*shards.load(msd.track_ids))))
    n_shards = shards.shard_loads
    assert n_shards == math.ceil(len(msd) / SHARD)

    shards = BeatShards(job[0])
    stream = shards.batches(3, seed=1)
    ids, chroma, timbre = next(stream)
    assert shards.shard_loads == 1 and len(ids) == len(chroma) == len(timbre) == 3
    batches = [(ids, chroma, timbre)] + list(stream)
    assert shards.shard_loads == n_shards  # each shard read once in a pass
    seen = [t for b in batches for t in b[0]]
    assert sorted(seen) == sorted(msd.track_ids) and len(batches) == math.ceil(len(msd) / 3)
    for b_ids, b_chroma, b_timbre in batches:
        for t, c, tm in zip(b_ids, b_chroma, b_timbre):
            assert np.array_equal(c, full[t][0]) and np.array_equal(tm, full[t][1])
    assert seen != msd.track_ids  # shuffled
    assert [b[0] for b in shards.batches(3, seed=1)] == [b[0] for b in batches]
    assert [b[0] for b in shards.batches(3, seed=2)] != [b[0] for b in batches]
    plain = [t for b in shards.batches(4, shuffle=False) for t in b[0]]
    assert plain == shards.track_ids

    chunk = 4
    long_enough = {t for t, n in shards.lengths.items() if n >= chunk}
    assert 0 < len(long_enough)
    exclude = msd.track_ids[:10] + ["TRNOTINTHESHARDS0"]
    seen = []
    for b_ids, c, tm in shards.batches(5, chunk=chunk, exclude=exclude, seed=3,
                                       drop_remainder=True):
        assert c.shape == tm.shape == (5, chunk, 12) and c.dtype == np.float32
        for t, ci, ti in zip(b_ids, c, tm):
            fc, ft = full[t]
            starts = [s for s in range(len(fc) - chunk + 1) if np.array_equal(
                fc[s:s + chunk], ci) and np.array_equal(ft[s:s + chunk], ti)]
            assert starts, t  # a run of consecutive beats of that track
        seen += b_ids
    wanted = long_enough - set(exclude)
    assert set(seen) <= wanted and len(seen) == len(set(seen)) == len(wanted) // 5 * 5

    one_shard = shards._shards[1]["track_ids"][:4]
    shards = BeatShards(job[0])
    assert sorted(t for b in shards.batches(2, track_ids=one_shard) for t in b[0]) == sorted(
        one_shard)
    assert shards.shard_loads == 1  # only the shard that holds them


def test_bad_arguments_and_missing_shards_raise_clear_errors(job, msd, tmp_path):
    for kwargs, says in [({"shard_size": 0}, "shard_size=0"),
                         ({"scheduler": 42}, "scheduler=42"),
                         ({"track_ids": ["TRNOPE000000000000"]}, "1 are not in the dataset"),
                         ({"track_ids": msd.track_ids[:1] * 2}, "given twice"),
                         ({"dtype": "float16"}, "dtype='float16'"),
                         ({"method": object()}, "must be JSON values")]:
        with pytest.raises(ParameterError, match=says):
            write_beat_shards(msd, tmp_path / "x", verbose=False, **kwargs)
    with pytest.raises(ParameterError, match="expected an MSD dataset"):
        write_beat_shards(str(tmp_path), tmp_path / "x", verbose=False)
    with pytest.raises(MissingDataError, match="write_beat_shards"):
        BeatShards(tmp_path / "nothing")
    shards = BeatShards(job[0])
    with pytest.raises(ParameterError, match="no beat features"):
        shards.load(["TRNOPE000000000000"])
    with pytest.raises(ParameterError, match="batch_size=0"):
        next(shards.batches(0))
    copy = tmp_path / "copy"
    shutil.copytree(job[0], copy)
    (copy / "shard-000003.npz").write_bytes(b"not a zip")
    garbled = copy / "shard-000001.npz"
    data = bytearray(garbled.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: caught by the zip CRC when read
    garbled.write_bytes(bytes(data))
    shards = BeatShards(copy)
    for k, says in [(3, "shard-000003.npz is missing or damaged"), (1, "Bad CRC")]:
        with pytest.raises(DataError, match=f"{says}.*delete it"):
            shards.load(shards._shards[k]["track_ids"])
