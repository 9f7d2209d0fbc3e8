"""Per-clip cost of feature extraction: mirnb.features.extract against a librosa loop.

Writes ``benchmarks/results/features.json``. Not run by the tests.

For each of log_mel (Choi et al.'s 12 kHz front end), mfcc (20 coefficients,
librosa's defaults) and dft_frames (Hamel & Eck's 1024-sample frames), on
synthetic 10 s clips written as WAV files (white noise plus random tones):

- ``librosa_loop``: load each file with :func:`librosa.load` and compute the
  same feature with librosa, one clip after another in this process (warm:
  one clip is computed first and not timed); ``librosa_loop_1_blas_thread``
  is the same loop with BLAS limited to one thread, as ``extract`` runs;
- ``extract_n_jobs_1``: :func:`mirnb.features.extract` in this process, cold
  cache (every clip computed, hashed and written);
- ``extract_n_jobs_2``: the same over two worker processes, cold cache (the
  workers are started and warmed beforehand; that start-up is reported
  separately as ``worker_start_s``);
- ``extract_cached``: the n_jobs=2 call again, every clip read from the cache
  (looked up in this process: no worker runs).

Each number is the best of ``--repeats`` runs, per clip (the machine may be
shared). It also records which worker processes did the work, and the CPU
seconds they used per wall second during the parallel run (2.0 would be both
cores busy all the time).

Usage::

    python benchmarks/features.py [--n-clips 40] [--seconds 10]
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
SR_FILE = 22050


def write_clips(folder, n_clips, seconds, seed=0):
    """Write ``n_clips`` WAV files of noise plus a few random tones; return (id, path) pairs."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR_FILE)
    t = np.arange(n) / SR_FILE
    items = []
    for i in range(n_clips):
        y = 0.05 * rng.standard_normal(n)
        for _ in range(rng.integers(1, 5)):
            f0 = rng.uniform(80, 2000)
            env = np.clip(np.sin(2 * np.pi * rng.uniform(0.2, 2.0) * t), 0, None)
            y += rng.uniform(0.05, 0.3) * env * np.sin(2 * np.pi * f0 * t)
        y /= max(1.0, np.abs(y).max() / 0.9)
        path = Path(folder) / f"clip{i:03d}.wav"
        sf.write(path, y.astype(np.float32), SR_FILE, subtype="PCM_16")
        items.append((f"clip{i:03d}", path))
    return items


def _librosa_log_mel(path):
    import librosa

    y, sr = librosa.load(path, sr=12000)
    M = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=512, hop_length=256, n_mels=96)
    return librosa.power_to_db(M, ref=1.0, amin=1e-10, top_db=None)


def _librosa_mfcc(path):
    import librosa

    y, sr = librosa.load(path, sr=22050)
    return librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20)


def _librosa_dft_frames(path):
    import librosa

    y, _ = librosa.load(path, sr=22050)
    X = np.abs(librosa.stft(y, n_fft=1024, hop_length=512, center=False)).T
    m = X.max(axis=1, keepdims=True)
    return np.divide(X, m, out=np.zeros_like(X), where=m > 0)


CASES = {
    "log_mel": dict(sr=12000, params=dict(n_fft=512, hop_length=256, n_mels=96),
                    librosa=_librosa_log_mel),
    "mfcc": dict(sr=22050, params=dict(n_mfcc=20), librosa=_librosa_mfcc),
    "dft_frames": dict(sr=22050, params=dict(n_fft=1024, hop_length=512, norm="max"),
                       librosa=_librosa_dft_frames),
}


def worker_pid(y, *, sr):
    """A trivial feature that reports which process computed it."""
    time.sleep(0.02)
    return np.array([os.getpid()])


def _children_cpu_s():
    try:
        import psutil
    except ImportError:
        return None
    total = 0.0
    for child in psutil.Process().children(recursive=True):
        try:
            ct = child.cpu_times()
            total += ct.user + ct.system
        except psutil.Error:
            pass
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-clips", type=int, default=40)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--repeats", type=int, default=3,
                    help="best of this many runs per measurement (the machine is shared)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "features.json")
    args = ap.parse_args(argv)

    import librosa
    from threadpoolctl import threadpool_limits

    import mirnb
    from mirnb.cache import Cache
    from mirnb.features import extract

    result = {
        "n_clips": args.n_clips,
        "clip_seconds": args.seconds,
        "file_sr": SR_FILE,
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "python": sys.version.split()[0], "numpy": np.__version__,
                    "librosa": librosa.__version__, "mirnb": mirnb.__version__},
        "note": "wall-clock seconds on a machine shared with other jobs; expect noise",
        "per_clip_s": {},
        "speedup": {},
    }
    with tempfile.TemporaryDirectory(prefix="mirnb-bench-") as tmp:
        tmp = Path(tmp)
        audio_dir = tmp / "audio"
        audio_dir.mkdir()
        t0 = time.perf_counter()
        items = write_clips(audio_dir, args.n_clips, args.seconds)
        result["write_clips_s"] = round(time.perf_counter() - t0, 3)
        n = len(items)

        # start the loky workers once (and warm them): the cost of the first call
        t0 = time.perf_counter()
        extract(items[:2], "log_mel", sr=22050, n_jobs=2, cache=None, verbose=False)
        result["worker_start_s"] = round(time.perf_counter() - t0, 3)

        pids, _ = extract(items, worker_pid, sr=22050, n_jobs=2, cache=None, verbose=False)
        result["workers"] = {"n_jobs": 2,
                             "distinct_pids": len({int(v[0]) for v in pids.values()}),
                             "main_pid_used": any(int(v[0]) == os.getpid()
                                                  for v in pids.values())}

        for name, case in CASES.items():
            print(f"{name}:", flush=True)
            lib = case["librosa"]
            kw = dict(sr=case["sr"], verbose=False, **case["params"])
            lib(items[0][1])  # warm-up in this process, not timed
            extract(items[:1], name, n_jobs=1, cache=None, **kw)
            extract(items[:4], name, n_jobs=2, cache=None, **kw)  # warm the workers
            runs = {k: [] for k in ("librosa_loop", "librosa_loop_1_blas_thread",
                                    "extract_n_jobs_1", "extract_n_jobs_2",
                                    "extract_cached", "workers_cpu_s_per_wall_s")}
            for r in range(args.repeats):
                t0 = time.perf_counter()
                for _, path in items:
                    lib(path)
                runs["librosa_loop"].append(time.perf_counter() - t0)
                with threadpool_limits(limits=1):
                    t0 = time.perf_counter()
                    for _, path in items:
                        lib(path)
                    runs["librosa_loop_1_blas_thread"].append(time.perf_counter() - t0)

                cache1 = Cache(tmp / f"cache-{name}-1-{r}")
                t0 = time.perf_counter()
                extract(items, name, n_jobs=1, cache=cache1, **kw)
                runs["extract_n_jobs_1"].append(time.perf_counter() - t0)

                cache2 = Cache(tmp / f"cache-{name}-2-{r}")
                cpu0 = _children_cpu_s()
                t0 = time.perf_counter()
                feats, skipped = extract(items, name, n_jobs=2, cache=cache2, **kw)
                wall = time.perf_counter() - t0
                cpu1 = _children_cpu_s()
                runs["extract_n_jobs_2"].append(wall)
                assert len(feats) == n and not skipped and cache2.stats.misses == n
                if cpu0 is not None:
                    runs["workers_cpu_s_per_wall_s"].append((cpu1 - cpu0) / wall)

                t0 = time.perf_counter()
                extract(items, name, n_jobs=2, cache=cache2, **kw)
                runs["extract_cached"].append(time.perf_counter() - t0)
                assert cache2.stats.hits == n
            # best of the repeats, per clip (CPU ratio: of the fastest parallel run)
            cpu = runs.pop("workers_cpu_s_per_wall_s")
            per = {k: min(v) / n for k, v in runs.items()}
            if cpu:
                per["workers_cpu_s_per_wall_s"] = cpu[int(np.argmin(runs["extract_n_jobs_2"]))]
            shape = list(next(iter(feats.values())).shape)
            result["per_clip_s"][name] = {k: round(v, 5) for k, v in per.items()}
            result["per_clip_s"][name]["output_shape"] = shape
            result["speedup"][name] = {
                "n_jobs_1_vs_librosa": round(per["librosa_loop"] / per["extract_n_jobs_1"], 2),
                "n_jobs_2_vs_librosa": round(per["librosa_loop"] / per["extract_n_jobs_2"], 2),
                "n_jobs_1_vs_librosa_1_blas_thread": round(
                    per["librosa_loop_1_blas_thread"] / per["extract_n_jobs_1"], 2),
                "n_jobs_2_vs_n_jobs_1": round(per["extract_n_jobs_1"] / per["extract_n_jobs_2"],
                                              2),
                "cached_vs_cold_n_jobs_2": round(per["extract_n_jobs_2"] / per["extract_cached"],
                                                 1),
            }
            print(json.dumps(result["per_clip_s"][name]), flush=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["speedup"], indent=2))
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
