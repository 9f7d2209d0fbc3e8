"""Training throughput of the book's models on one GPU, under Keras's JAX backend.

Writes ``benchmarks/results/gpu.json`` (``--out``). Not run by the tests,
except its ``--dry-run`` (``tests/test_gpu_bench.py``). README.md beside this
file says how to run it on the lent H200, whose Python has JAX but no Keras.

For each model, on synthetic random input of the paper's shape:

- a correctness check first, once per model, in float32 (top-level
  ``checks`` of the JSON): the forward pass on a batch of two, on JAX's
  default device and on the CPU, with the same weights; the largest
  absolute difference, relative to the largest CPU output, must stay under
  ``--tol`` (a GPU may compute float32 convolutions and matrix products
  in TF32, JAX's default there, so the two need not agree to float32's
  precision);
- the compile time of the training step (trace, lower and compile);
- training steps per second and examples (clips, songs, bags or blocks)
  per second, at the paper's batch size, in float32 and, for the Keras
  models, under the ``mixed_bfloat16`` policy;
- the model's FLOPs per example, counted from its layers' shapes (two per
  multiply-add of every convolution and dense layer, the training step
  three times the forward pass), with XLA's own count of the compiled step
  beside it where XLA gives one;
- the FLOP rate this gives, as a fraction of the H200's dense bf16 peak
  (989 TFLOP/s, the data sheet) and of what an 8192^3 bf16 matrix product
  reached there (about 790 TFLOP/s). The script also times that product on
  the device it runs on.

The models (one example is a clip, a song, a bag or a block):

- ``fcn4``, ``fcn7``: :func:`mirnb.models.fcn.build_fcn` on 96 x 1366
  log-mel clips, 50 tags, Adam, batch 32 (Choi et al. 2016);
- ``kcnn``: :func:`mirnb.models.kcnn.build_kcnn` at Table 1's sizes
  (:data:`~mirnb.models.kcnn.TABLE1`), 512 audio words of width 64, 161
  words per song, 10 genres, SGD at 0.02; batch 1 (the paper's) and 64;
- ``dnn``: :func:`mirnb.models.dbof.build_tagger`, Nam et al.'s song-level
  DNN: a 1024-wide bag of features, 3 x 512 ReLU units, 160 tags, AdaDelta,
  batch 128;
- ``rbm``: :class:`mirnb.models.rbm.RBM`, Nam et al.'s sparse
  Gaussian-binary RBM, 1024 visible units (an upper bound on the PCA
  dimension) x 1024 hidden, CD-1, batch 100, trained by its own ``fit``
  (Keras's loop, batches from host memory), float32 only;
- ``logmel``: :class:`mirnb.layers.LogMelSpectrogram` on 29.12 s clips at
  12 kHz (the FCNs' 1366 frames: the paper's 29.1 s give 1365; the
  authors' code and the choi2016 chapter load 29.12 s), forward only (it
  has no weights), float32 only (the layer computes in float32 under any
  policy).

The Keras models train through a jitted step built from Keras's stateless
API (``stateless_call``, ``stateless_apply``) on one batch that stays on
the device, so the rate is the device's, with one Python dispatch per step
and no input pipeline. A timed run starts after one warm-up step; its
length aims at ``--seconds``, between ``--min-steps`` and ``--max-steps``,
and ends with ``block_until_ready``. The RBM's rate is that of
:meth:`~mirnb.models.rbm.RBM.fit` over its epochs after the first, whose
extra time (setup and compile) is its ``compile_s``; its check runs on the
fitted model.

Usage::

    KERAS_BACKEND=jax python benchmarks/gpu/bench.py [--out PATH] [--only fcn4,rbm]
        [--seconds 2] [--dry-run]

``--dry-run`` shrinks every size (small inputs, batch 2, two timed steps) so
that every code path runs on a CPU in seconds; its FLOP fractions mean
nothing. The exit status is 1 when a row failed or a check did not pass.
"""

import argparse
import inspect
import json
import math
import os
import platform
import sys
import time
import traceback
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "src"))  # mirnb from the working tree, installed or not

#: NVIDIA H200 (SXM) dense bf16 tensor-core peak, FLOP/s (data sheet; 2x with sparsity).
BF16_SPEC = 989e12
#: An 8192^3 bf16 matrix product on the H200 lent to this project (769-798 TFLOP/s seen).
MATMUL_MEASURED = 790e12
MODELS = ("fcn4", "fcn7", "kcnn", "dnn", "rbm", "logmel")

#: Sizes: the papers' (``paper``) and the tiny ones of ``--dry-run`` (``dry``).
SIZES = {
    "paper": {
        "fcn": dict(input_shape=(96, 1366, 1), width=1.0, n_tags=50, batches=(32,)),
        "kcnn": dict(n_words=512, embedding_dim=64, seq_len=161, filters=500, hidden=300,
                     n_classes=10, batches=(1, 64)),
        "dnn": dict(n_features=1024, n_tags=160, layers=3, units=512, batches=(128,)),
        "rbm": dict(n_visible=1024, n_hidden=1024, batch=100, n_blocks=20000, epochs=3),
        "logmel": dict(sr=12000, seconds=29.12, batches=(32,)),
        "matmul": 8192,
        "steps": (5, 2000),
    },
    "dry": {
        "fcn": dict(input_shape=(16, 48, 1), width=0.125, n_tags=8, batches=(2,)),
        "kcnn": dict(n_words=32, embedding_dim=8, seq_len=12, filters=16, hidden=8,
                     n_classes=4, batches=(1, 2)),
        "dnn": dict(n_features=32, n_tags=8, layers=3, units=16, batches=(2,)),
        "rbm": dict(n_visible=16, n_hidden=16, batch=10, n_blocks=40, epochs=2),
        "logmel": dict(sr=12000, seconds=0.25, batches=(2,)),
        "matmul": 128,
        "steps": (2, 2),
    },
}


# ----------------------------------------------------------------------------
# the machine
# ----------------------------------------------------------------------------
def machine():
    """The host, the device and the versions, as a dict."""
    import jax
    import jaxlib
    import keras

    import mirnb

    dev = jax.devices()[0]
    return {"host": platform.node(), "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "python": platform.python_version(),
            "backend": keras.backend.backend(), "device": getattr(dev, "device_kind", str(dev)),
            "device_platform": dev.platform, "n_devices": jax.device_count(),
            "jax": jax.__version__, "jaxlib": jaxlib.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "mirnb": mirnb.__version__,
            "matmul_precision": str(jax.config.jax_default_matmul_precision),
            "xla_flags": os.environ.get("XLA_FLAGS", "")}


def matmul_rate(n, reps=10):
    """FLOP/s of an ``n x n x n`` bf16 matrix product on the default device."""
    import jax
    import jax.numpy as jnp

    k1, k2 = jax.random.split(jax.random.PRNGKey(0))
    a = jax.random.normal(k1, (n, n), jnp.bfloat16)
    b = jax.random.normal(k2, (n, n), jnp.bfloat16)
    f = jax.jit(jnp.matmul)
    for _ in range(3):
        c = f(a, b)
    c.block_until_ready()
    t = time.perf_counter()
    for _ in range(reps):
        c = f(a, b)
    c.block_until_ready()
    return 2.0 * n ** 3 * reps / (time.perf_counter() - t)


# ----------------------------------------------------------------------------
# FLOPs
# ----------------------------------------------------------------------------
def layer_flops(model):
    """Forward FLOPs per example of a Keras model's convolution and dense layers.

    Two per multiply-add: ``2 * kernel size * output positions`` for a
    convolution, ``2 * kernel size * input positions`` for a dense layer.
    Normalisation, pooling, activations and lookups are left out.
    """
    import keras

    total = 0
    for layer in model.layers:
        kernel = getattr(layer, "kernel", None)
        if kernel is None:
            continue
        if isinstance(layer, keras.layers.Dense):
            where = layer.input.shape[1:-1]
        else:
            where = layer.output.shape[1:-1]
        total += 2 * math.prod(kernel.shape) * math.prod(where)
    return int(total)


def logmel_flops(layer, n_samples):
    """Forward FLOPs per clip of a log-mel layer: real FFTs, power, filter bank."""
    n, frames = layer.n_fft, 1 + n_samples // layer.hop_length
    bins = n // 2 + 1
    fft = 2.5 * n * math.log2(n)                    # a real FFT of length n
    return int(frames * (fft + 3 * bins + 2 * bins * layer.n_bins))


def xla_flops(compiled):
    """FLOPs of a compiled JAX computation by XLA's cost analysis, or None."""
    try:
        cost = compiled.cost_analysis()
    except Exception:  # not every backend and version gives one
        return None
    if isinstance(cost, (list, tuple)):
        cost = cost[0] if cost else None
    flops = (cost or {}).get("flops")
    return float(flops) if flops is not None and flops > 0 else None


# ----------------------------------------------------------------------------
# models on synthetic input
# ----------------------------------------------------------------------------
def build(name, sz, batch, rng):
    """One model of the table, its synthetic batch, loss and optimizer.

    Returns
    -------
    dict
        ``model``, ``x``, ``y`` (None for the forward-only log-mel layer),
        ``loss``, ``opt``, ``flops`` (forward, per example), ``unit``,
        ``shape`` (of one example).
    """
    import keras

    if name.startswith("fcn"):
        from mirnb.models.fcn import build_fcn

        s = sz["fcn"]
        model = build_fcn(int(name[3:]), input_shape=s["input_shape"], n_tags=s["n_tags"],
                          width=s["width"])
        x = rng.standard_normal((batch, *s["input_shape"]), dtype=np.float32)
        y = (rng.random((batch, s["n_tags"])) < 0.1).astype(np.float32)
        loss, opt = keras.losses.BinaryCrossentropy(), keras.optimizers.Adam(1e-3)
        unit, shape = "clip", s["input_shape"]
    elif name == "kcnn":
        from mirnb.models.kcnn import TABLE1, build_kcnn

        s = sz["kcnn"]
        model = build_kcnn(n_words=s["n_words"], embedding_dim=s["embedding_dim"],
                           seq_len=s["seq_len"], window=TABLE1["window"], k=TABLE1["k"],
                           filters=s["filters"], hidden=s["hidden"], n_classes=s["n_classes"],
                           l2=TABLE1["l2"])
        x = rng.integers(0, s["n_words"], (batch, s["seq_len"])).astype(np.int32)
        y = rng.integers(0, s["n_classes"], batch).astype(np.int32)
        loss = keras.losses.SparseCategoricalCrossentropy()
        opt = keras.optimizers.SGD(TABLE1["learning_rate"])
        unit, shape = "song", (s["seq_len"],)
    elif name == "dnn":
        from mirnb.models.dbof import build_tagger, tag_crossentropy

        s = sz["dnn"]
        model = build_tagger(s["n_features"], s["n_tags"], layers=s["layers"],
                             units=s["units"], random_state=0)
        x = rng.random((batch, s["n_features"]), dtype=np.float32)
        y = (rng.random((batch, s["n_tags"])) < 0.05).astype(np.float32)
        loss = tag_crossentropy
        opt = keras.optimizers.Adadelta(learning_rate=1.0, rho=0.99, epsilon=1e-8)
        unit, shape = "bag", (s["n_features"],)
    elif name == "logmel":
        from mirnb.layers import LogMelSpectrogram

        s = sz["logmel"]
        n = int(round(s["seconds"] * s["sr"]))
        layer = LogMelSpectrogram(sr=s["sr"])
        model = keras.Sequential([keras.Input((n,)), layer], name="logmel")
        x = rng.standard_normal((batch, n), dtype=np.float32) * 0.1
        return dict(model=model, x=x, y=None, loss=None, opt=None, unit="clip",
                    flops=logmel_flops(layer, n), shape=(n,))
    else:
        raise ValueError(f"unknown model {name!r}")
    return dict(model=model, x=x, y=y, loss=loss, opt=opt, unit=unit,
                flops=layer_flops(model), shape=shape)


def state_of(model, opt=None):
    """The values of a model's (and its optimizer's) variables, for the stateless API."""
    tv = [v.value for v in model.trainable_variables]
    ntv = [v.value for v in model.non_trainable_variables]
    if opt is None:
        return tv, ntv
    opt.build(model.trainable_variables)
    return tv, ntv, [v.value for v in opt.variables]


def forward_fn(model):
    """A jitted inference pass ``(tv, ntv, x) -> y`` in float32."""
    import jax
    from keras import ops

    # the RBM's call takes no ``training``: it has no dropout or normalisation
    kw = {"training": False} if "training" in inspect.signature(model.call).parameters else {}

    def fwd(tv, ntv, x):
        return ops.cast(model.stateless_call(tv, ntv, x, **kw)[0], "float32")

    return jax.jit(fwd)


def train_fn(model, loss, opt):
    """One training step ``(state, x, y) -> (state, loss)``, state ``(tv, ntv, opt)``."""
    import jax
    from keras import ops

    def step(state, x, y):
        tv, ntv, ov = state

        def objective(tv):
            pred, new_ntv, losses = model.stateless_call(tv, ntv, x, training=True,
                                                         return_losses=True)
            value = ops.mean(loss(y, ops.cast(pred, "float32")))
            for extra in losses:                      # the KCNN's L2 penalties
                value = value + ops.cast(extra, "float32")
            return value, new_ntv

        (value, ntv), grads = jax.value_and_grad(objective, has_aux=True)(tv)
        tv, ov = opt.stateless_apply(ov, grads, tv)
        return (tv, ntv, ov), value

    return step


def check(model, x, tol):
    """Forward output on the default device against the CPU's, same weights.

    Returns
    -------
    dict
        ``devices``, ``max_abs_diff``, ``scale`` (largest CPU output),
        ``rel_diff`` and ``passed`` (``rel_diff <= tol`` and all finite).
    """
    import jax

    cpu = jax.devices("cpu")[0]
    fwd = forward_fn(model)
    tv, ntv = state_of(model)
    xs = x[:2]
    here = np.asarray(fwd(tv, ntv, jax.device_put(xs)))
    there = np.asarray(fwd(jax.device_put(tv, cpu), jax.device_put(ntv, cpu),
                           jax.device_put(xs, cpu)))
    diff = float(np.max(np.abs(here - there)))
    scale = float(max(np.max(np.abs(there)), 1e-6))
    finite = bool(np.all(np.isfinite(here)) and np.all(np.isfinite(there)))
    return {"devices": [str(jax.devices()[0]), str(cpu)], "batch": len(xs),
            "max_abs_diff": diff, "scale": scale, "rel_diff": diff / scale, "tol": tol,
            "passed": finite and diff / scale <= tol}


def timed(call, state, args, steps):
    """Run ``call`` a warm-up step, a probe step and then a timed run.

    ``call(state, *args) -> (state, out)``. The run's length aims at
    ``steps['seconds']`` within ``steps['lo']..steps['hi']`` steps.

    Returns
    -------
    (int, float, float)
        Steps timed, their seconds, seconds of the first (warm-up) step.
    """
    import jax

    t = time.perf_counter()
    state, out = call(state, *args)
    jax.block_until_ready(out)
    first = time.perf_counter() - t
    t = time.perf_counter()
    state, out = call(state, *args)
    jax.block_until_ready((state, out))
    probe = max(time.perf_counter() - t, 1e-6)
    n = int(min(max(steps["seconds"] / probe, steps["lo"]), steps["hi"]))
    t = time.perf_counter()
    for _ in range(n):
        state, out = call(state, *args)
    jax.block_until_ready((state, out))
    return n, time.perf_counter() - t, first


def keras_row(name, sz, batch, precision, steps, tol, rng, checks):
    """Check (once per model, into ``checks``), compile and time a Keras model.

    Returns
    -------
    dict
        The model's row of the JSON at this batch size and precision.
    """
    import jax
    import keras

    keras.config.set_dtype_policy("float32" if precision == "float32" else precision)
    try:
        keras.utils.set_random_seed(0)
        m = build(name, sz, batch, rng)
    finally:
        keras.config.set_dtype_policy("float32")
    model = m["model"]
    row = {"model": name, "precision": precision, "batch": batch, "unit": m["unit"],
           "example_shape": list(m["shape"]), "params": int(model.count_params()),
           "flops_fwd_per_example": m["flops"]}
    if name not in checks and precision == "float32":
        checks[name] = check(model, m["x"], tol)
    x = jax.device_put(m["x"])
    donate = (0,) if jax.devices()[0].platform != "cpu" else ()
    t = time.perf_counter()                           # trace and lower, then compile
    if m["opt"] is None:                              # forward only
        tv, ntv = state_of(model)
        lowered = forward_fn(model).lower(tv, ntv, x)
        lower_s = time.perf_counter() - t
        compiled = lowered.compile()
        compile_s = time.perf_counter() - t - lower_s
        n, dt, first = timed(lambda s, x: (s, compiled(*s, x)), (tv, ntv), (x,), steps)
        row["flops_per_example"] = m["flops"]
        row["mode"] = "forward"
    else:
        y = jax.device_put(m["y"])
        # copies: the step donates its state on a GPU, and the model keeps its variables
        state = jax.tree_util.tree_map(jax.numpy.copy, state_of(model, m["opt"]))
        lowered = jax.jit(train_fn(model, m["loss"], m["opt"]),
                          donate_argnums=donate).lower(state, x, y)
        lower_s = time.perf_counter() - t
        compiled = lowered.compile()
        compile_s = time.perf_counter() - t - lower_s
        n, dt, first = timed(compiled, state, (x, y), steps)
        row["flops_per_example"] = 3 * m["flops"]
        row["mode"] = "train"
    xf = xla_flops(compiled)
    row.update(lower_s=lower_s, compile_s=compile_s, first_step_s=first, steps_timed=n,
               seconds_timed=dt, steps_per_s=n / dt, examples_per_s=n * batch / dt,
               xla_flops_per_example=None if xf is None else xf / batch)
    return row


def rbm_row(sz, tol, rng, checks):
    """CD-1 throughput of the sparse Gaussian-binary RBM under its own ``fit``.

    Its check (into ``checks``) runs on the fitted model.
    """
    import keras

    from mirnb.models.rbm import RBM

    s = sz["rbm"]
    n_blocks = s["n_blocks"] - s["n_blocks"] % s["batch"]
    X = rng.standard_normal((n_blocks, s["n_visible"]), dtype=np.float32)

    class Clock(keras.callbacks.Callback):
        # epoch ends, not batch ends: under JAX, Keras dispatches batch callbacks
        # asynchronously and late, while each epoch's logs wait for the device
        def on_epoch_end(self, epoch, logs=None):
            ends.append(time.perf_counter())

    ends = []
    rbm = RBM(s["n_hidden"], visible="gaussian", learning_rate=0.007,
              learning_rate_decay=0.99, min_learning_rate=0.003, n_iter=s["epochs"],
              batch_size=s["batch"], momentum=0.5, weight_cost=0.001, sparsity="linear",
              sparsity_target=0.02, sparsity_cost=3.0, init_visible_bias=False,
              random_state=0)
    start = time.perf_counter()
    rbm.fit(X, callbacks=[Clock()])
    blocks = (s["epochs"] - 1) * n_blocks
    dt = ends[-1] - ends[0]                    # every epoch after the first
    epoch_s = dt / (s["epochs"] - 1)
    flops = 12 * s["n_visible"] * s["n_hidden"]  # v0 W, h0 W' (reconstruction), h0s W', v1 W, two outer products
    checks["rbm"] = check(rbm.model_, X, tol)
    return {"model": "rbm", "precision": "float32", "batch": s["batch"], "unit": "block",
            "example_shape": [s["n_visible"]], "params": int(rbm.model_.count_params()),
            "mode": "train (RBM.fit, CD-1)",
            "flops_fwd_per_example": 2 * s["n_visible"] * s["n_hidden"],
            "flops_per_example": flops, "xla_flops_per_example": None,
            "lower_s": None, "compile_s": max(ends[0] - start - epoch_s, 0.0),
            "first_step_s": None,
            "steps_timed": blocks // s["batch"], "seconds_timed": dt,
            "steps_per_s": blocks / s["batch"] / dt, "examples_per_s": blocks / dt,
            "finite": bool(np.all(np.isfinite(rbm.components_)))}


def rows_for(name, sz):
    """(batch, precision) pairs of a model: float32 at each batch, bf16 at the largest."""
    if name == "logmel":
        return [(b, "float32") for b in sz["logmel"]["batches"]]
    batches = sz["fcn" if name.startswith("fcn") else name]["batches"]
    return [(b, "float32") for b in batches] + [(max(batches), "mixed_bfloat16")]


def rates(row, peak_here):
    """Add the FLOP rate and its fractions of the peaks to a row."""
    rate = row["flops_per_example"] * row["examples_per_s"]
    row.update(flops_per_s=rate, frac_bf16_spec=rate / BF16_SPEC,
               frac_measured_matmul=rate / MATMUL_MEASURED,
               frac_matmul_here=rate / peak_here if peak_here else None)
    return row


def write(out, path):
    """Write the JSON atomically (after every row: a run cut short keeps its rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(out, indent=2, default=float))
    os.replace(tmp, path)


def summary(row, checks):
    """One line of the console report."""
    if "error" in row:
        return f"{row['model']:7s} {row.get('precision', ''):15s} ERROR {row['error']}"
    c = checks.get(row["model"])
    ok = "none" if c is None else f"{'ok' if c['passed'] else 'FAIL'} ({c['rel_diff']:.1e})"
    return (f"{row['model']:7s} {row['precision']:15s} b={row['batch']:<4d} "
            f"{row['steps_per_s']:9.1f} steps/s {row['examples_per_s']:11.1f} "
            f"{row['unit']}s/s  {row['flops_per_s'] / 1e12:7.2f} TFLOP/s "
            f"({100 * row['frac_bf16_spec']:5.1f}% of bf16 peak)  compile "
            f"{row['compile_s']:6.2f} s  check {ok}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(HERE.parent / "results" / "gpu.json"))
    p.add_argument("--only", default=",".join(MODELS),
                   help=f"comma-separated models, of {', '.join(MODELS)}")
    p.add_argument("--seconds", type=float, default=2.0,
                   help="target length of each timed run (default 2)")
    p.add_argument("--min-steps", type=int, default=None)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--bf16", default="all",
                   help="models that also get a mixed_bfloat16 row: 'all', 'none' or a "
                        "comma-separated list (default all)")
    p.add_argument("--tol", type=float, default=1e-2,
                   help="largest relative device-vs-CPU difference that passes")
    p.add_argument("--dry-run", action="store_true",
                   help="tiny sizes and two steps: every code path, on a CPU, in seconds")
    args = p.parse_args(argv)
    only = [m.strip() for m in args.only.split(",") if m.strip()]
    if not only or any(m not in MODELS for m in only):
        p.error(f"--only {args.only!r}: expected names among {', '.join(MODELS)}")
    bf16 = [] if args.bf16 in ("all", "none") else [m.strip() for m in args.bf16.split(",")]
    if any(m not in MODELS for m in bf16):
        p.error(f"--bf16 {args.bf16!r}: expected 'all', 'none' or names among "
                f"{', '.join(MODELS)}")

    import keras

    if keras.backend.backend() != "jax":
        p.error(f"Keras runs on {keras.backend.backend()!r}: set KERAS_BACKEND=jax")
    sz = SIZES["dry" if args.dry_run else "paper"]
    lo, hi = sz["steps"]
    steps = {"seconds": 0.0 if args.dry_run else args.seconds,
             "lo": args.min_steps or lo, "hi": args.max_steps or hi}
    path = Path(args.out)
    peak_here = matmul_rate(sz["matmul"])
    out = {"machine": machine(), "dry_run": args.dry_run,
           "peaks": {"bf16_dense_spec": BF16_SPEC, "measured_matmul_peak": MATMUL_MEASURED,
                     "matmul_here": {"n": sz["matmul"], "dtype": "bfloat16",
                                     "flops_per_s": peak_here}},
           "sizes": sz, "steps": steps, "tol": args.tol,
           "note": "flops_per_example: counted from layer shapes (2 per multiply-add of "
                   "convolutions and dense layers; a training step is 3 forward passes; "
                   "the RBM's CD-1 12 V H: four matrix products and two outer products); xla_flops_per_example: XLA's cost analysis of "
                   "the compiled step, where given. Rates: wall clock, after a warm-up step, "
                   "one batch kept on the device.",
           "checks": {}, "rows": []}
    checks = out["checks"]
    print(f"{out['machine']['device']} ({out['machine']['device_platform']}), jax "
          f"{out['machine']['jax']}, keras {out['machine']['keras']}; bf16 matmul "
          f"{sz['matmul']}^3: {peak_here / 1e12:.1f} TFLOP/s", flush=True)
    rng = np.random.default_rng(0)
    failed = False
    for name in only:
        jobs = [(None, "float32")] if name == "rbm" else rows_for(name, sz)
        for batch, precision in jobs:
            if precision != "float32" and args.bf16 != "all" and name not in bf16:
                continue
            try:
                if name == "rbm":
                    row = rbm_row(sz, args.tol, rng, checks)
                else:
                    row = keras_row(name, sz, batch, precision, steps, args.tol, rng, checks)
                rates(row, peak_here)
            except Exception as err:  # one model's failure (out of memory...) ends no run
                row = {"model": name, "precision": precision, "batch": batch,
                       "error": f"{type(err).__name__}: {err}",
                       "traceback": traceback.format_exc(limit=8)}
                failed = True
            finally:
                keras.backend.clear_session()
            out["rows"].append(row)
            write(out, path)
            print(summary(row, checks), flush=True)
    failed |= not all(c["passed"] for c in checks.values())
    print(f"wrote {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
