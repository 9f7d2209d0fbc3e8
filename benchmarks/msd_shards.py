"""Tracks per second of the MSD beat-feature job: Dask LocalCluster against a plain loop.

Writes ``benchmarks/results/msd_shards.json``. Not run by the tests.

The job is :func:`mirnb.datasets.msd.write_beat_shards` (beat-aligned chroma
and timbre of every track into ``.npz`` shards plus a manifest). On the
synthetic MSD view (the ``default`` profile when it is in the data home,
else ``smoke``, generated if missing: the JSON says which), copied
``--replicate`` times under new track ids so that there are enough tracks
to spread over workers, it measures in tracks per second:

- ``loop``: :meth:`MSD.beat_features` in this process (``n_jobs=1``), the
  plain loop without Dask and without writing anything (the peer);
- ``joblib_2``: the same with ``n_jobs=2`` (the package's joblib path);
- ``synchronous``: ``write_beat_shards(scheduler='synchronous')``, the loop
  plus writing the shards (the cost of the files);
- ``dask_N_cold``: ``write_beat_shards`` on its own LocalCluster of N worker
  processes (N = 1, 2), cluster start-up and shutdown included: what one
  call costs;
- ``dask_N_warm``: the same on a LocalCluster started beforehand (a
  ``Client`` passed as ``scheduler``): the steady-state rate of a long job;
- ``read_tracks`` / ``read_chunks``: :meth:`BeatShards.batches` over every
  track, whole or as ``--chunk``-beat chunks (synthetic tracks are short).

When the real MSD files of the development workspace are found
(``../shared/fixtures/msd``), the same is measured on them, replicated:
real tracks have some 900 segments and 500 beats, far more than the
synthetic ones, so their per-track cost is the one to scale to the real
MSD. Each number is the best of ``--repeats`` runs (the machine may be shared).

Usage::

    python benchmarks/msd_shards.py [--replicate 10] [--shard-size 25] [--data-home DIR]
"""

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parents[1] / "shared" / "fixtures" / "msd"


def replicate(files, root, copies):
    """Write ``copies`` copies of each MSD file under new track ids into ``root/msd/data``."""
    from mirnb.datasets.msd import h5_path, read_h5, write_h5

    for f in files:
        rec = read_h5(f)
        for k in range(copies):
            tid = f"{rec.track_id}R{k:02d}"
            write_h5(h5_path(root / "msd", tid), rec, **{**rec.write_kwargs(), "track_id": tid})


def best(fn, repeats):
    """Best wall time of ``fn()`` over ``repeats`` runs, and its last result."""
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def measure(ds, tmp, shard_size, chunk, repeats):
    """Tracks per second of every way of computing the beat shards of ``ds``."""
    from dask.distributed import Client, LocalCluster

    from mirnb.datasets.msd import BeatShards, write_beat_shards

    n = len(ds)
    runs = iter(range(10**6))

    def job(**kw):
        out = tmp / f"shards{next(runs)}"
        report = write_beat_shards(ds, out, shard_size=shard_size, verbose=False, **kw)
        assert report.written == report.n_shards and not report.failed
        return out

    rate = {}
    ds.beat_features(ds.track_ids[:2], chroma_norm="max", verbose=False)  # warm this process
    s, _ = best(lambda: ds.beat_features(chroma_norm="max", verbose=False), repeats)
    rate["loop"] = n / s
    s, _ = best(lambda: ds.beat_features(chroma_norm="max", n_jobs=2, verbose=False), repeats)
    rate["joblib_2"] = n / s
    s, out = best(lambda: job(scheduler="synchronous"), repeats)
    rate["synchronous"] = n / s
    for workers in (1, 2):
        s, _ = best(lambda: job(n_workers=workers), repeats)
        rate[f"dask_{workers}_cold"] = n / s
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            job(scheduler=client)  # warm the workers (imports), not timed
            s, _ = best(lambda: job(scheduler=client), repeats)
        rate[f"dask_{workers}_warm"] = n / s
    shards = BeatShards(out)
    s, _ = best(lambda: sum(len(b[0]) for b in shards.batches(64)), repeats)
    rate["read_tracks"] = n / s
    n_long = sum(v >= chunk for v in shards.lengths.values())
    s, _ = best(lambda: sum(len(b[0]) for b in shards.batches(64, chunk=chunk)), repeats)
    rate["read_chunks"] = n_long / s if n_long else None
    beats = sum(shards.lengths.values())
    size = sum(p.stat().st_size for p in out.glob("shard-*.npz"))
    return {"n_tracks": n, "n_shards": len(list(out.glob("shard-*.npz"))),
            "beats_per_track": round(beats / n, 1), "shard_bytes_per_track": round(size / n),
            "tracks_per_second": {k: (round(v, 1) if v else v) for k, v in rate.items()},
            "speedup_vs_loop": {k: round(v / rate["loop"], 2) for k, v in rate.items()
                                if k.startswith(("dask", "joblib", "sync"))}}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicate", type=int, default=10,
                    help="copies of each synthetic track (new track ids)")
    ap.add_argument("--fixture-copies", type=int, default=50,
                    help="copies of each real fixture file")
    ap.add_argument("--shard-size", type=int, default=25)
    ap.add_argument("--chunk", type=int, default=8, help="beats per chunk of read_chunks")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--data-home", type=Path, default=None,
                    help="data home holding (or to receive) the synthetic corpus")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "msd_shards.json")
    args = ap.parse_args(argv)

    import dask
    import distributed
    import h5py
    import numpy as np

    import mirnb
    from mirnb import synth
    from mirnb.datasets import data_home
    from mirnb.datasets.msd import MSD

    home = data_home(args.data_home)
    profile = "default" if (synth.root("default", home) / "msd").is_dir() else "smoke"
    source = synth.load("msd", profile, data_home=home, make=profile == "smoke", verbose=True)
    result = {
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "python": sys.version.split()[0], "numpy": np.__version__,
                    "dask": dask.__version__, "distributed": distributed.__version__,
                    "h5py": h5py.__version__, "mirnb": mirnb.__version__},
        "note": ("wall-clock seconds on a machine shared with other jobs; expect noise. "
                 f"Synthetic data: the {profile} profile's MSD view "
                 f"({len(source)} tracks), each track copied {args.replicate} times."),
        "job": {"shard_size": args.shard_size, "chroma_norm": "max", "dtype": "float32",
                "repeats": args.repeats, "threads_per_worker": 1, "read_chunk": args.chunk,
                "read_batch_size": 64},
        "datasets": {},
    }
    sets = {f"synthetic_{profile}": (list(source.labels["path"]), args.replicate)}
    if sorted(FIXTURES.glob("*.h5")):
        sets["real_fixtures"] = (sorted(FIXTURES.glob("*.h5")), args.fixture_copies)
    for name, (files, copies) in sets.items():
        with tempfile.TemporaryDirectory(prefix="mirnb-bench-shards-") as tmp:
            tmp = Path(tmp)
            t0 = time.perf_counter()
            replicate(files, tmp / "home", copies)
            ds = MSD(tmp / "home", verbose=False)
            ds.labels  # index once, not timed
            print(f"{name}: {len(ds)} tracks written in {time.perf_counter() - t0:.1f} s",
                  flush=True)
            result["datasets"][name] = measure(ds, tmp, args.shard_size, args.chunk, args.repeats)
            print(json.dumps(result["datasets"][name], indent=2), flush=True)
            shutil.rmtree(tmp / "home")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
