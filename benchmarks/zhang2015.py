"""The zhang2015 chapter's stages at the default profile, and KCNN's training throughput.

Writes ``benchmarks/results/zhang2015.json``. Not run by the tests. Needs the
default synthetic corpus under ``MIRNB_DATA`` (``mirnb data synth``).

``stages``
    The default profile on the synthetic GTZAN view, as the chapter runs
    it: frame features of every song (MEL, SFM, SCF) into an empty cache
    (the extraction's own cold cost), then one fold of :func:`run_fold`:
    per column, the codebook (whitening, K-means, encoding), each network
    with its RBF SVM (KCNN k = 5, the frozen-table ULT, k = 1) and each
    competitor (sparse coding, DBN) into the same SVM. Seconds per stage;
    the chapter's Table 2 runs ``n_folds x n_runs`` such folds.
``throughput``
    KCNN training on random audio-word songs, in songs per second over
    epochs after a first one that compiles: mirnb's KCNN with its
    order-preserving :class:`mirnb.layers.KMaxPooling1D` (k = 5 and k = 1)
    beside a peer built from Keras's own layers only (Embedding, Conv1D,
    GlobalMaxPooling1D, Dense: the k = 1 network without mirnb's layer), at
    the default profile's sizes and at Table 1's (500 convolution units,
    300 hidden units, w = 5, 161 words per song).

Usage::

    MIRNB_DATA=... python benchmarks/zhang2015.py [--sections stages,throughput]
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "results" / "zhang2015.json"


def stages():
    os.environ["MIRNB_CACHE"] = tempfile.mkdtemp(prefix="zhang-bench-cache-")
    from mirnb.chapters import zhang2015

    cfg = zhang2015.config("default")
    t0 = time.perf_counter()
    ds, _ = zhang2015.load(cfg, "synthetic", verbose=False)
    frames, labels = zhang2015.extract(ds, cfg, verbose=False)
    features_s = time.perf_counter() - t0
    fold = zhang2015.folds(labels, cfg, seed=0)[0]
    t0 = time.perf_counter()
    out = zhang2015.run_fold(frames, labels, fold, cfg, seed=0)
    fold_s = time.perf_counter() - t0
    return {"songs": len(labels), "columns": list(cfg.columns),
            "folds_in_table2": cfg.n_folds * cfg.n_runs,
            "features_s (cold cache)": round(features_s, 2), "one_fold_s": round(fold_s, 2),
            "per_stage_s": {f"{c} / {s}": round(v, 2) for (c, s), v in out.seconds.items()},
            "one_fold_accuracy": {f"{c} / {m}": round(float(a), 3)
                                  for (c, m), a in out.acc.items()}}


def _peer(n_words, dim, window, filters, hidden, n_classes, l2):
    import keras

    reg = keras.regularizers.L2(l2 / 2)
    return keras.Sequential([
        keras.layers.Embedding(n_words, dim, embeddings_regularizer=reg),
        keras.layers.Conv1D(filters, window, padding="same", kernel_regularizer=reg),
        keras.layers.GlobalMaxPooling1D(),
        keras.layers.Dense(hidden, activation="sigmoid", kernel_regularizer=reg),
        keras.layers.Dense(n_classes, activation="softmax", kernel_regularizer=reg),
    ])


def throughput(epochs=3):
    import keras
    import numpy as np

    from mirnb.chapters import zhang2015
    from mirnb.models import kcnn

    default = zhang2015.config("default")
    sizes = {"default": dict(n_words=default.n_words, dim=24, seq=160, filters=default.filters,
                             hidden=default.hidden, batch=default.batch_size),
             "paper (Table 1)": dict(n_words=512, dim=64, seq=161, filters=500, hidden=300,
                                     batch=default.batch_size)}
    rng = np.random.default_rng(0)
    rows = {}
    for size, s in sizes.items():
        n = 400
        X = rng.integers(0, s["n_words"], size=(n, s["seq"]))
        y = rng.integers(0, 10, size=n)
        centroids = rng.normal(size=(s["n_words"], s["dim"])).astype("float32")
        models = {
            "mirnb KCNN, k = 5": lambda: kcnn.build_kcnn(
                embedding=centroids, seq_len=s["seq"], k=5, filters=s["filters"],
                hidden=s["hidden"], n_classes=10),
            "mirnb KCNN, k = 1": lambda: kcnn.build_kcnn(
                embedding=centroids, seq_len=s["seq"], k=1, filters=s["filters"],
                hidden=s["hidden"], n_classes=10),
            "Keras layers only (global max)": lambda: _peer(
                s["n_words"], s["dim"], 5, s["filters"], s["hidden"], 10, 1e-4),
        }
        for name, build in models.items():
            keras.utils.set_random_seed(0)
            model = build()
            model.compile(optimizer=keras.optimizers.SGD(0.02),
                          loss="sparse_categorical_crossentropy")
            model.fit(X, y, batch_size=s["batch"], epochs=1, verbose=0)  # compiles
            t0 = time.perf_counter()
            model.fit(X, y, batch_size=s["batch"], epochs=epochs, verbose=0)
            secs = time.perf_counter() - t0
            rows[f"{size} / {name}"] = {"songs_per_s": round(n * epochs / secs, 1),
                                        "batch": s["batch"], "params": model.count_params()}
            keras.backend.clear_session()
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sections", default="stages,throughput")
    args = ap.parse_args(argv)
    import keras

    result = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "python": platform.python_version(), "backend": keras.backend.backend()}}
    for section in args.sections.split(","):
        t0 = time.perf_counter()
        result[section] = {"stages": stages, "throughput": throughput}[section]()
        print(f"{section}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
