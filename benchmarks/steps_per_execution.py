"""Keras training steps per compiled call: 1 (Keras's default) against the book's.

Writes ``benchmarks/results/steps_per_execution.json``. Not run by the tests.

Most of the book's models are small: on a CPU, TensorFlow spends more time
dispatching a training step than computing it. ``training.STEPS_PER_EXECUTION``
runs several steps per call of the compiled train function. This benchmark
trains the same models, on the same batches (:class:`mirnb.training.Batches`,
as the chapters do), both ways, in one process, and reports milliseconds per
training step (epoch overhead included) and the ratio:

- ``mlp_adadelta``: a 3 x 256 sigmoid net on 768 inputs, 50 sigmoid outputs,
  AdaDelta, batches of 32 (the size of nam2015's default DNN);
- ``mlp_sgd``: the same net with SGD (hamel2010's and dieleman2011's optimizer);
- ``fcn4``: FCN-4 at the default profile's size (48 x 118 log-mel, 1/8 of the
  width, batches of 16), Adam: a model whose arithmetic dominates.

Each number is the best of ``--repeats`` runs (the machine may be shared).

Usage::

    python benchmarks/steps_per_execution.py [--epochs 5] [--repeats 3]
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _mlp(keras):
    return keras.Sequential([keras.Input((768,))]
                            + [keras.layers.Dense(256, activation="sigmoid") for _ in range(3)]
                            + [keras.layers.Dense(50, activation="sigmoid")])


def _fcn4(keras):
    from mirnb.models import fcn

    return fcn.build_fcn(4, input_shape=(48, 118, 1), n_tags=50, width=1 / 8, dropout=0.1)


CASES = {
    # name: (model builder, optimizer, input shape per clip, clips, batch size)
    "mlp_adadelta": (_mlp, "adadelta", (768,), 1536, 32),
    "mlp_sgd": (_mlp, "sgd", (768,), 1536, 32),
    "fcn4": (_fcn4, "adam", (48, 118, 1), 456, 16),
}


def measure(case, steps_per_execution, epochs, repeats):
    """Best milliseconds per training step over ``repeats`` fits of ``epochs`` epochs."""
    import keras

    from mirnb import training

    build, optimizer, shape, n, batch_size = CASES[case]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, *shape)).astype("float32")
    y = (rng.random((n, 50)) < 0.1).astype("float32")
    batches = training.Batches(x, y, batch_size=batch_size, seed=0)
    best = np.inf
    for _ in range(repeats):
        keras.utils.set_random_seed(0)
        model = build(keras)
        model.compile(optimizer=optimizer, loss="binary_crossentropy",
                      steps_per_execution=steps_per_execution)
        model.fit(batches, epochs=1, verbose=0)  # traces the train function
        start = time.perf_counter()
        model.fit(batches, epochs=epochs, verbose=0)
        best = min(best, (time.perf_counter() - start) / (epochs * len(batches)))
    return 1000 * best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(HERE / "results" / "steps_per_execution.json"))
    args = parser.parse_args(argv)

    import keras

    from mirnb import training

    book = training.STEPS_PER_EXECUTION
    results = {}
    for case in CASES:
        ms = {spe: measure(case, spe, args.epochs, args.repeats) for spe in (1, book)}
        results[case] = {"ms_per_step": {str(k): round(v, 3) for k, v in ms.items()},
                         "speedup": round(ms[1] / ms[book], 2)}
        print(f"{case:14s} 1: {ms[1]:7.2f} ms/step   {book}: {ms[book]:7.2f} ms/step   "
              f"x{ms[1] / ms[book]:.2f}", flush=True)
    out = {"benchmark": "steps_per_execution", "book_steps_per_execution": book,
           "epochs": args.epochs, "repeats": args.repeats,
           "measured": time.strftime("%Y-%m-%d %H:%M"),
           "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                       "python": platform.python_version(), "keras": keras.__version__,
                       "backend": keras.backend.backend()},
           "note": "best of the repeats; ms per training step, epoch overhead included; "
                   "speedup = ms at 1 / ms at the book's setting",
           "results": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
