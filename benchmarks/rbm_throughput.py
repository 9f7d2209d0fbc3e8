"""Training throughput of the sparse Gaussian-binary RBM: mirnb's RBM against scikit-learn's.

Writes ``benchmarks/results/rbm_throughput.json``. Not run by the tests.

The local feature learner of Nam et al. (2015, Sec. III-B-2) is a
Gaussian-binary RBM with 1024 hidden units trained on PCA-whitened
multi-frame mel blocks, batch 100, for 300 epochs on 200k blocks: its
training speed decides whether the chapter's paper profile is feasible. This
measures, in blocks per second of training:

- ``mirnb``: :class:`mirnb.models.rbm.RBM` with ``visible='gaussian'``,
  ``sparsity='linear'`` (the authors' running-average rule), weight cost,
  momentum and learning-rate decay, trained by CD-1 under Keras's ``fit``
  on the Keras backend's device (set ``KERAS_BACKEND=jax`` to measure JAX).
  Every fit traces and compiles its train step; the time from the start of
  training to the end of the first batch (the compile plus one step) is
  reported apart as ``compile_s`` and is not in the rate, which counts the
  blocks of all the other batches. The momentum stays constant: a switch
  would retrace the step once, a one-off cost, not throughput.
- ``sklearn``: :class:`sklearn.neural_network.BernoulliRBM` (NumPy on the
  CPU, binary visible units, persistent CD-1) at the same number of visible
  and hidden units and the same batch size: the plain CPU reference. It
  compiles nothing.

The data are random standard-normal blocks standing in for whitened ones
(the speed does not depend on the values). The default ``--n-visible 1024``
is the unwhitened block size (8 frames x 128 mel bands); the PCA dimension
that keeps 90 % of the variance is smaller (it is never reported in the
paper), so this is an upper bound on the real cost per block. The number of
blocks is cut to a multiple of the batch size, so every batch has one shape
(a smaller last batch would compile the step a second time under JAX). Each
rate is the best of ``--repeats`` runs (the machine may be shared). The JSON
records the Keras backend and the device it trains on.

Usage::

    python benchmarks/rbm_throughput.py [--n-visible 1024] [--n-hidden 1024]
        [--n-blocks 20000] [--epochs 2] [--batch-size 100] [--repeats 2]
    KERAS_BACKEND=jax python benchmarks/rbm_throughput.py ...
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


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


def mirnb_run(X, args, seed):
    """One fit of mirnb's sparse Gaussian-binary RBM; its compile and training times."""
    import keras

    from mirnb.models.rbm import RBM

    class Clock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()
            self.first = None

        def on_train_batch_end(self, batch, logs=None):
            if self.first is None:
                self.first = time.perf_counter()

    clock = Clock()
    rbm = RBM(args.n_hidden, visible="gaussian", learning_rate=0.007,
              learning_rate_decay=0.99, min_learning_rate=0.003, n_iter=args.epochs,
              batch_size=args.batch_size, momentum=0.5, weight_cost=0.001,
              sparsity="linear", sparsity_target=0.02, sparsity_cost=3.0,
              init_visible_bias=False, random_state=seed)
    rbm.fit(X, callbacks=[clock])  # returns after the weights are read back: all work done
    end = time.perf_counter()
    blocks = args.epochs * len(X) - args.batch_size
    assert np.all(np.isfinite(rbm.components_))
    return {"blocks_per_s": blocks / (end - clock.first), "train_s": end - clock.first,
            "compile_s": clock.first - clock.start, "blocks_timed": blocks,
            "recon_error": rbm.history_["recon_error"][-1]}


def sklearn_run(X, args, seed):
    """One fit of scikit-learn's BernoulliRBM with the same sizes."""
    from sklearn.neural_network import BernoulliRBM

    rbm = BernoulliRBM(n_components=args.n_hidden, learning_rate=0.007,
                       batch_size=args.batch_size, n_iter=args.epochs, random_state=seed)
    start = time.perf_counter()
    rbm.fit(X)
    dt = time.perf_counter() - start
    blocks = args.epochs * len(X)
    return {"blocks_per_s": blocks / dt, "train_s": dt, "blocks_timed": blocks}


def best(runs):
    """The run with the highest rate, plus every run's rate (and compile time)."""
    top = dict(max(runs, key=lambda r: r["blocks_per_s"]))
    top["all_blocks_per_s"] = [round(r["blocks_per_s"], 1) for r in runs]
    if "compile_s" in runs[0]:
        top["all_compile_s"] = [round(r["compile_s"], 3) for r in runs]
    return top


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n-visible", type=int, default=1024)
    p.add_argument("--n-hidden", type=int, default=1024)
    p.add_argument("--n-blocks", type=int, default=20000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--skip-sklearn", action="store_true",
                   help="measure mirnb only (e.g. a second backend)")
    p.add_argument("--out", default=str(HERE / "results" / "rbm_throughput.json"))
    args = p.parse_args(argv)
    for name in ("n_visible", "n_hidden", "n_blocks", "epochs", "batch_size", "repeats"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    n_blocks = args.n_blocks - args.n_blocks % args.batch_size
    if n_blocks < 2 * args.batch_size:
        p.error("--n-blocks must hold at least two batches")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    import keras
    import sklearn

    from mirnb import __version__, training

    X = np.random.default_rng(0).standard_normal((n_blocks, args.n_visible),
                                                 dtype=np.float32)
    out = {"n_visible": args.n_visible, "n_hidden": args.n_hidden, "n_blocks": n_blocks,
           "epochs": args.epochs, "batch_size": args.batch_size, "repeats": args.repeats,
           "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                       "python": platform.python_version(), "keras": keras.__version__,
                       "backend": keras.backend.backend(), "device": device_name(),
                       "gpu": training.gpu_available(), "sklearn": sklearn.__version__,
                       "mirnb": __version__},
           "note": "blocks per second of training, best of repeats, wall clock on a "
                   "possibly shared machine; mirnb's compile time (and first step) is "
                   "compile_s, outside the rate"}
    rates = {"mirnb": best([mirnb_run(X, args, seed) for seed in range(args.repeats)])}
    keras.backend.clear_session()
    if not args.skip_sklearn:
        rates["sklearn"] = best([sklearn_run(X, args, seed) for seed in range(args.repeats)])
        rates["mirnb_over_sklearn"] = (rates["mirnb"]["blocks_per_s"]
                                       / rates["sklearn"]["blocks_per_s"])
    out["rates"] = rates
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=float))
    m = out["machine"]
    print(f"{args.n_visible} visible x {args.n_hidden} hidden, batch {args.batch_size}, "
          f"{n_blocks} blocks x {args.epochs} epochs; Keras {m['keras']} on "
          f"{m['backend']} ({m['device']})")
    print(f"  mirnb RBM (sparse, Gaussian): {rates['mirnb']['blocks_per_s']:10.0f} blocks/s "
          f"(compile {rates['mirnb']['compile_s']:.2f} s)")
    if "sklearn" in rates:
        print(f"  sklearn BernoulliRBM:         {rates['sklearn']['blocks_per_s']:10.0f} "
              f"blocks/s  -> mirnb / sklearn = {rates['mirnb_over_sklearn']:.2f}")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
