"""Training throughput of mirnb's RBM against scikit-learn's BernoulliRBM.

Writes ``benchmarks/results/rbm_throughput.json``. Not run by the tests.

Two settings, each measured side by side with scikit-learn in one run:

``issue14``
    The setting of issue 14: 20,000 x 513 binary examples (513 is the size of
    the DFT frames of Hamel & Eck 2010), 500 hidden units, one epoch of CD-1
    at learning rate 0.05, batch 10 and batch 100. mirnb's
    :class:`mirnb.models.rbm.RBM` keeps its other defaults (momentum 0.5,
    visible biases from the data, sampled hidden states, mean-field
    reconstruction, the reconstruction error recorded). The issue's target is
    mirnb >= 2x BernoulliRBM at both batch sizes. BernoulliRBM computes in
    the dtype it is given, so it runs twice: on the data as float64 (how the
    issue describes it) and as float32 (mirnb's dtype).
``nam``
    The local feature learner of Nam et al. (2015, Sec. III-B-2): a
    Gaussian-binary RBM with 1024 hidden units trained on PCA-whitened
    multi-frame mel blocks, batch 100 (300 epochs on 200k blocks in the
    paper): its speed decides whether the chapter's paper profile is
    feasible. mirnb runs ``visible='gaussian'``, ``sparsity='linear'`` (the
    authors' running-average rule), weight cost, momentum and learning-rate
    decay; BernoulliRBM (binary visible units) runs at the same sizes on the
    same float32 data, as the plain CPU reference. The data are random
    standard-normal blocks standing in for whitened ones (the speed does not
    depend on the values). ``--n-visible 1024`` is the unwhitened block size
    (8 frames x 128 mel bands); the PCA dimension that keeps 90 % of the
    variance is smaller (the paper does not give it), so this is an upper
    bound on the real cost per block.

How it is timed. Every fit runs in a fresh Python process of its own (this
script with ``--worker``), one after another, the libraries taking turns
repeat by repeat: TensorFlow's, JAX's and OpenBLAS's thread pools never
share a process, and a busy spell of a shared machine hits both sides
alike. mirnb compiles its training functions before training begins: the
time from ``fit`` to the ``on_train_begin`` callback (checks, model,
tracing, compilation and one undone warm-up step) is reported as
``compile_s`` and is not in the rate, which counts every example of every
epoch over the time from ``on_train_begin`` to the end of ``fit`` (the
weights read back: all work done). mirnb before issue 14 compiled inside
its first Keras step instead; for such a run (the first
``on_train_batch_end`` comes after batch 0 of several) the first batch is
counted as the compile and left out of the rate, so the script measures old
and new code alike. BernoulliRBM compiles nothing: its rate is all examples
over the whole ``fit``. Each rate is the best of ``--repeats`` runs, with
every run's rate kept in the JSON.

The JSON holds one entry per Keras backend (``results[backend]``): a run
replaces its own backend's entry and keeps the others, so the TensorFlow and
JAX numbers sit side by side (scikit-learn is measured again in each run).
``--key`` files a run under another name and ``--note`` says what it ran,
e.g. older code on ``PYTHONPATH`` for a before-and-after comparison.

Usage::

    python benchmarks/rbm_throughput.py [--sections issue14,nam] [--repeats 3]
        [--nam-repeats 2] [--n-visible 1024] [--n-hidden 1024] [--n-blocks 20000]
        [--epochs 2] [--batch-size 100] [--key NAME] [--note TEXT]
    KERAS_BACKEND=jax python benchmarks/rbm_throughput.py ...
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

#: The setting of issue 14.
ISSUE = {"n_examples": 20000, "n_visible": 513, "n_hidden": 500, "epochs": 1,
         "learning_rate": 0.05, "batch_sizes": (10, 100), "p_on": 0.2}


def device_name():
    """The device the Keras backend computes on, in words."""
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "jax":
            import jax

            d = jax.devices()[0]
            return f"{d.platform}: {getattr(d, 'device_kind', d)}"
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            if gpus:
                details = tf.config.experimental.get_device_details(gpus[0])
                return f"gpu: {details.get('device_name', gpus[0].name)}"
            return "cpu"
        if backend == "torch":
            import torch

            return f"gpu: {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "cpu"
    except Exception as err:  # a description only: never fail the benchmark on it
        return f"unknown ({err})"
    return "cpu"


# ----------------------------------------------------------------------------
# one fit (in a worker process)
# ----------------------------------------------------------------------------
def issue_data():
    s = ISSUE
    return (np.random.default_rng(0).random((s["n_examples"], s["n_visible"]))
            < s["p_on"]).astype(np.float32)


def nam_data(args):
    n_blocks = args.n_blocks - args.n_blocks % args.batch_size
    return np.random.default_rng(0).standard_normal((n_blocks, args.n_visible),
                                                    dtype=np.float32)


def timed_mirnb_fit(rbm, X):
    """Fit ``rbm`` on ``X``; examples per second of training and the compile time apart."""
    import keras

    class Clock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.begin = time.perf_counter()
            self.first = self.first_batch = None

        def on_train_batch_end(self, batch, logs=None):
            if self.first is None:
                self.first, self.first_batch = time.perf_counter(), batch

    clock = Clock()
    start = time.perf_counter()
    rbm.fit(X, callbacks=[clock])  # returns after the weights are read back: all work done
    end = time.perf_counter()
    n_batches = -(-len(X) // rbm.batch_size)
    total = rbm.n_iter * len(X)
    if clock.first_batch == 0 and n_batches > 1:
        # one Keras step per batch, compiled inside the first one (mirnb before issue 14)
        compiled_at, timed = clock.first, total - min(rbm.batch_size, len(X))
    else:
        # compiled before on_train_begin; every example is timed
        compiled_at, timed = clock.begin, total
    assert np.all(np.isfinite(rbm.components_))
    return {"examples_per_s": timed / (end - compiled_at), "train_s": end - compiled_at,
            "compile_s": compiled_at - start, "examples_timed": timed,
            "recon_error": rbm.history_["recon_error"][-1]}


def timed_sklearn_fit(rbm, X):
    """Fit a BernoulliRBM; examples per second over the whole fit."""
    start = time.perf_counter()
    rbm.fit(X)
    dt = time.perf_counter() - start
    total = rbm.n_iter * len(X)
    return {"examples_per_s": total / dt, "train_s": dt, "examples_timed": total,
            "dtype": str(rbm.components_.dtype)}


def worker(args):
    """One fit of the kind ``args.worker``; its record as a JSON line on stdout."""
    kind, seed, s = args.worker, args.seed, ISSUE
    if kind == "mirnb":
        from mirnb.models.rbm import RBM

        rbm = RBM(s["n_hidden"], learning_rate=s["learning_rate"], n_iter=s["epochs"],
                  batch_size=args.batch_size, random_state=seed)
        out = timed_mirnb_fit(rbm, issue_data())
    elif kind.startswith("sklearn-"):
        from sklearn.neural_network import BernoulliRBM

        rbm = BernoulliRBM(n_components=s["n_hidden"], learning_rate=s["learning_rate"],
                           batch_size=args.batch_size, n_iter=s["epochs"], random_state=seed)
        out = timed_sklearn_fit(rbm, issue_data().astype(kind.split("-")[1]))
    elif kind == "nam-mirnb":
        from mirnb.models.rbm import RBM

        rbm = RBM(args.n_hidden, visible="gaussian", learning_rate=0.007,
                  learning_rate_decay=0.99, min_learning_rate=0.003, n_iter=args.epochs,
                  batch_size=args.batch_size, momentum=0.5, weight_cost=0.001,
                  sparsity="linear", sparsity_target=0.02, sparsity_cost=3.0,
                  init_visible_bias=False, random_state=seed)
        out = timed_mirnb_fit(rbm, nam_data(args))
    elif kind == "nam-sklearn":
        from sklearn.neural_network import BernoulliRBM

        rbm = BernoulliRBM(n_components=args.n_hidden, learning_rate=0.007,
                           batch_size=args.batch_size, n_iter=args.epochs, random_state=seed)
        out = timed_sklearn_fit(rbm, nam_data(args))
    else:
        raise SystemExit(f"unknown worker {kind!r}")
    print(json.dumps(out, default=float))
    return 0


def run_worker(kind, batch_size, seed, args):
    """Run one fit in a fresh process (same interpreter, environment and arguments)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind,
           "--batch-size", str(batch_size), "--seed", str(seed),
           "--n-visible", str(args.n_visible), "--n-hidden", str(args.n_hidden),
           "--n-blocks", str(args.n_blocks), "--epochs", str(args.epochs)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} (batch {batch_size}, seed {seed}) failed:\n"
                           f"{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def best(runs):
    """The run with the highest rate, plus every run's rate (and compile time)."""
    top = dict(max(runs, key=lambda r: r["examples_per_s"]))
    top["all_examples_per_s"] = [round(r["examples_per_s"], 1) for r in runs]
    if "compile_s" in runs[0]:
        top["all_compile_s"] = [round(r["compile_s"], 3) for r in runs]
    return top


# ----------------------------------------------------------------------------
# the sections
# ----------------------------------------------------------------------------
def issue14(args):
    """The issue's setting at batch 10 and 100: mirnb against BernoulliRBM (float64, float32)."""
    s = ISSUE
    kinds = ("mirnb", "sklearn-float64", "sklearn-float32")
    runs = {(bs, k): [] for bs in s["batch_sizes"] for k in kinds}
    for seed in range(args.repeats):
        for bs in s["batch_sizes"]:
            for kind in kinds:
                runs[bs, kind].append(run_worker(kind, bs, seed, args))
    out = {"setting": {k: (list(v) if isinstance(v, tuple) else v) for k, v in s.items()},
           "repeats": args.repeats,
           "note": "binary data (p_on: fraction of ones), 1 epoch of CD-1; mirnb: "
                   "RBM(n_hidden, learning_rate, n_iter=epochs, batch_size) with its other "
                   "defaults; sklearn: BernoulliRBM(n_hidden, learning_rate, batch_size, "
                   "n_iter=epochs) on the same data as float64 and as float32",
           "by_batch_size": {}}
    for bs in s["batch_sizes"]:
        row = {"mirnb": best(runs[bs, "mirnb"])}
        for dtype in ("float64", "float32"):
            row[f"sklearn_{dtype}"] = best(runs[bs, f"sklearn-{dtype}"])
            row[f"mirnb_over_sklearn_{dtype}"] = (row["mirnb"]["examples_per_s"]
                                                  / row[f"sklearn_{dtype}"]["examples_per_s"])
        out["by_batch_size"][str(bs)] = row
        print(f"  issue 14, batch {bs:3d}: mirnb {row['mirnb']['examples_per_s']:8.0f} ex/s "
              f"(compile {row['mirnb']['compile_s']:.2f} s); sklearn float64 "
              f"{row['sklearn_float64']['examples_per_s']:8.0f} ex/s -> "
              f"{row['mirnb_over_sklearn_float64']:.2f}x; float32 "
              f"{row['sklearn_float32']['examples_per_s']:8.0f} ex/s -> "
              f"{row['mirnb_over_sklearn_float32']:.2f}x", flush=True)
    return out


def nam(args):
    """Nam et al.'s sparse Gaussian-binary RBM against BernoulliRBM at the same sizes."""
    n_blocks = args.n_blocks - args.n_blocks % args.batch_size
    out = {"n_visible": args.n_visible, "n_hidden": args.n_hidden, "n_blocks": n_blocks,
           "epochs": args.epochs, "batch_size": args.batch_size, "repeats": args.nam_repeats}
    kinds = ("nam-mirnb",) if args.skip_sklearn else ("nam-mirnb", "nam-sklearn")
    runs = {k: [] for k in kinds}
    for seed in range(args.nam_repeats):
        for kind in kinds:
            runs[kind].append(run_worker(kind, args.batch_size, seed, args))
    rates = {"mirnb": best(runs["nam-mirnb"])}
    if not args.skip_sklearn:
        rates["sklearn"] = best(runs["nam-sklearn"])
        rates["mirnb_over_sklearn"] = (rates["mirnb"]["examples_per_s"]
                                       / rates["sklearn"]["examples_per_s"])
    out["rates"] = rates
    line = (f"  nam: {args.n_visible} x {args.n_hidden}, batch {args.batch_size}, "
            f"{n_blocks} blocks x {args.epochs} epochs: mirnb (sparse, Gaussian) "
            f"{rates['mirnb']['examples_per_s']:8.0f} blocks/s "
            f"(compile {rates['mirnb']['compile_s']:.2f} s)")
    if "sklearn" in rates:
        line += (f"; sklearn {rates['sklearn']['examples_per_s']:8.0f} blocks/s -> "
                 f"{rates['mirnb_over_sklearn']:.2f}x")
    print(line, flush=True)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sections", default="issue14,nam",
                   help="comma-separated: issue14 (the issue's setting), nam (Nam et al.'s)")
    p.add_argument("--repeats", type=int, default=3, help="repeats of the issue14 runs")
    p.add_argument("--nam-repeats", type=int, default=2, help="repeats of the nam runs")
    p.add_argument("--n-visible", type=int, default=1024, help="nam")
    p.add_argument("--n-hidden", type=int, default=1024, help="nam")
    p.add_argument("--n-blocks", type=int, default=20000, help="nam")
    p.add_argument("--epochs", type=int, default=2, help="nam")
    p.add_argument("--batch-size", type=int, default=100, help="nam")
    p.add_argument("--skip-sklearn", action="store_true", help="nam: measure mirnb only")
    p.add_argument("--out", default=str(HERE / "results" / "rbm_throughput.json"))
    p.add_argument("--key", help="name of this run in results (default: the Keras backend)")
    p.add_argument("--note", help="what this run measured, kept with it")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if args.worker:
        return worker(args)
    sections = [s for s in args.sections.split(",") if s]
    if not sections or set(sections) - {"issue14", "nam"}:
        p.error(f"--sections {args.sections!r}: choose from issue14, nam")
    for name in ("repeats", "nam_repeats", "n_visible", "n_hidden", "n_blocks", "epochs",
                 "batch_size"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.n_blocks - args.n_blocks % args.batch_size < 2 * args.batch_size:
        p.error("--n-blocks must hold at least two batches")

    import keras
    import sklearn

    from mirnb import __version__, training

    backend = keras.backend.backend()
    import mirnb

    entry = {"backend": backend, "keras": keras.__version__, "device": device_name(),
             "gpu": training.gpu_available(), "measured": time.strftime("%Y-%m-%d %H:%M"),
             "mirnb_imported_from": str(Path(mirnb.__file__).parent)}
    if args.note:
        entry["note"] = args.note
    print(f"Keras {keras.__version__} on {backend} ({entry['device']}), "
          f"{os.cpu_count()} CPUs", flush=True)
    if "issue14" in sections:
        entry["issue14"] = issue14(args)
    if "nam" in sections:
        entry["nam"] = nam(args)

    path = Path(args.out)
    try:
        out = json.loads(path.read_text())
    except (OSError, ValueError):
        out = {}
    if "results" not in out:  # a file in the format before issue 14 is replaced
        out = {"results": {}}
    out["machine"] = {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                      "python": platform.python_version(), "sklearn": sklearn.__version__,
                      "numpy": np.__version__, "mirnb": __version__}
    out["note"] = ("examples (blocks) per second of training, best of repeats, each fit in a "
                   "fresh process, wall clock on a possibly shared machine; mirnb's compile "
                   "time is compile_s, outside the rate; results[backend] per Keras backend")
    key = args.key or backend
    old = out["results"].get(key, {})
    out["results"][key] = {**{k: v for k, v in old.items() if k in ("issue14", "nam")},
                           **entry}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=float) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
