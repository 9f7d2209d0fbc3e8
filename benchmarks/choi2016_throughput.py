"""Does the input pipeline keep up with training? Clips per second of each, for choi2016.

Writes ``benchmarks/results/choi2016_throughput.json``. Not run by the tests.

On synthetic 29.12 s clips (16 kHz MP3 files of noise and tones: the
MagnaTagATune clip length, rate and format), it measures in clips per second:

- ``front_end_cpu``: decoding, resampling to 12 kHz and the 96 x 1366 log-mel
  spectrogram on the CPU (:func:`mirnb.features.extract`, cold cache), with
  one and with two worker processes, and reading the results back from the
  cache;
- ``batches``: assembling training batches from precomputed spectrograms
  (:class:`mirnb.training.Batches`), from memory and from a memory-mapped
  ``.npy`` file;
- ``front_end_layer``: :class:`mirnb.layers.LogMelSpectrogram` on a batch of
  waveforms, on the Keras backend's device;
- ``train_step``: one Adam step of FCN-4 (forward, backward, update) at the
  paper's size on spectrograms, at the paper's size on waveforms with the
  front end inside the model, and at the default profile's CPU size
  (48 x 118, 1/8 of the width).

The pipeline keeps up when the batches (or the CPU front end, for data not
precomputed) deliver more clips per second than the training step consumes.
Each number is the best of ``--repeats`` runs (the machine may be shared).
GPU numbers appear only when the backend sees a GPU.

Usage::

    python benchmarks/choi2016_throughput.py [--n-clips 16] [--batch-size 8] [--steps 3]
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
SR_FILE = 16000
SECONDS = 29.12


def write_clips(folder, n_clips, seed=0):
    """MP3 clips of noise plus a few tones; return Track objects."""
    from mirnb.datasets import Track

    rng = np.random.default_rng(seed)
    n = int(SECONDS * SR_FILE)
    t = np.arange(n) / SR_FILE
    tracks = []
    for i in range(n_clips):
        y = 0.05 * rng.standard_normal(n)
        for _ in range(3):
            y += rng.uniform(0.05, 0.2) * np.sin(2 * np.pi * rng.uniform(80, 3000) * t)
        path = Path(folder) / f"clip{i:03d}.mp3"
        sf.write(path, (y / max(1.0, np.abs(y).max() / 0.9)).astype(np.float32), SR_FILE,
                 format="MP3", subtype="MPEG_LAYER_III")
        tracks.append(Track(f"clip{i:03d}", path))
    return tracks


def best_rate(fn, repeats):
    """Best clips/s of ``repeats`` calls of ``fn`` (which returns a dict with clips_per_s)."""
    runs = [fn() for _ in range(repeats)]
    return max(runs, key=lambda r: r["clips_per_s"])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n-clips", type=int, default=16)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--out", default=str(HERE / "results" / "choi2016_throughput.json"))
    args = p.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import keras

    from mirnb import __version__, features, training
    from mirnb.cache import Cache
    from mirnb.layers import LogMelSpectrogram
    from mirnb.models import fcn
    from mirnb.warmup import librosa_kernels

    librosa_kernels()
    mel = dict(n_fft=512, hop_length=256, n_mels=96)
    out = {"clip_seconds": SECONDS, "file_sr": SR_FILE, "n_clips": args.n_clips,
           "batch_size": args.batch_size,
           "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                       "python": platform.python_version(), "keras": keras.__version__,
                       "backend": keras.backend.backend(), "mirnb": __version__,
                       "gpu": training.gpu_available()},
           "note": "clips per second, best of repeats, wall clock on a possibly shared "
                   "machine"}
    if not out["machine"]["gpu"]:
        out["gpu_note"] = ("no GPU visible to the Keras backend: every number is CPU "
                           "throughput; GPU throughput was not measured")
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        tracks = write_clips(tmp, args.n_clips)

        def cpu_front_end(n_jobs, cache):
            start = time.perf_counter()
            values, skipped = features.extract(tracks, "log_mel", sr=12000, duration=SECONDS,
                                               n_jobs=n_jobs, cache=cache, verbose=False,
                                               **mel)
            dt = time.perf_counter() - start
            assert not skipped and len(values) == len(tracks)
            return {"clips_per_s": len(values) / dt, "seconds": dt}

        rates["front_end_cpu"] = {
            "n_jobs_1": best_rate(lambda: cpu_front_end(1, False), args.repeats),
            "n_jobs_2": best_rate(lambda: cpu_front_end(2, False), args.repeats)}
        cache = Cache(Path(tmp) / "cache")
        cpu_front_end(2, cache)
        rates["front_end_cpu"]["cached"] = best_rate(lambda: cpu_front_end(2, cache),
                                                     args.repeats)

        X, ids, _ = features.extract_stacked(tracks, "log_mel", sr=12000, duration=SECONDS,
                                             cache=cache, verbose=False, **mel)
        assert X.shape[1:] == fcn.PAPER_INPUT, X.shape
        reps = max(1, 256 // len(X))  # a few hundred clips, repeated rows
        big = np.concatenate([X] * reps)
        y = (np.random.default_rng(0).random((len(big), 50)) < 0.1).astype(np.float32)
        np.save(Path(tmp) / "mel.npy", big)
        mm = np.load(Path(tmp) / "mel.npy", mmap_mode="r")
        rates["batches"] = {
            "memory": best_rate(lambda: training.pipeline_throughput(
                training.Batches(big, y, batch_size=args.batch_size)), args.repeats),
            "memmap": best_rate(lambda: training.pipeline_throughput(
                training.Batches(mm, y, batch_size=args.batch_size)), args.repeats)}

        wave, _, _ = features.extract_stacked(tracks[:args.batch_size], features.waveform,
                                              sr=12000, duration=SECONDS, cache=False,
                                              verbose=False)
        layer = LogMelSpectrogram(sr=12000, **mel)
        layer(wave[:1])

        def layer_rate():
            start = time.perf_counter()
            np.asarray(layer(wave))
            dt = time.perf_counter() - start
            return {"clips_per_s": len(wave) / dt, "seconds": dt}

        rates["front_end_layer"] = best_rate(layer_rate, args.repeats)

        bs = args.batch_size
        steps = {}
        model = training.compile_model(fcn.build_fcn(4))
        steps["fcn4_paper_spectrogram"] = training.step_throughput(
            model, X[:bs], y[:bs], n_steps=args.steps)
        keras.backend.clear_session()
        model = training.compile_model(fcn.build_fcn(
            4, input_shape=(wave.shape[1],), front_end=LogMelSpectrogram(sr=12000, **mel)))
        steps["fcn4_paper_waveform_front_end_in_model"] = training.step_throughput(
            model, wave[:bs], y[:bs], n_steps=args.steps)
        keras.backend.clear_session()
        small = np.random.default_rng(0).standard_normal((16, 48, 118, 1)).astype(np.float32)
        model = training.compile_model(fcn.build_fcn(4, input_shape=(48, 118, 1),
                                                      width=1 / 8, dropout=0.1))
        steps["fcn4_default_profile_48x118"] = training.step_throughput(
            model, small, y[:16], n_steps=max(args.steps, 10))
        rates["train_step"] = steps
    fastest_step = max(s["clips_per_s"] for k, s in rates["train_step"].items()
                       if "paper" in k)
    out["rates"] = rates
    out["keeps_up"] = {
        "precomputed_batches_vs_paper_step": rates["batches"]["memmap"]["clips_per_s"]
        > fastest_step,
        "cpu_front_end_2_jobs_vs_paper_step": rates["front_end_cpu"]["n_jobs_2"]["clips_per_s"]
        > fastest_step}
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=float))
    json.dump({k: {kk: round(vv["clips_per_s"], 1) if "clips_per_s" in vv else
                   {a: round(b["clips_per_s"], 1) for a, b in vv.items()}
                   for kk, vv in v.items()} if "clips_per_s" not in v
               else round(v["clips_per_s"], 1) for k, v in rates.items()},
              sys.stdout, indent=1)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
