"""The GPU benchmark's dry run (``benchmarks/gpu/bench.py --dry-run``) on the CPU.

The benchmark runs under Keras's JAX backend only (the lent GPU machine has no
TensorFlow), so the test runs it in a subprocess with ``KERAS_BACKEND=jax``,
whatever backend this session uses. It is not marked ``jax``: the JAX pass of
``make test`` does not repeat it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks" / "gpu" / "bench.py"
MODELS = {"fcn4", "fcn7", "kcnn", "dnn", "rbm", "logmel"}

pytest.importorskip("jax")


def test_dry_run_writes_a_checked_row_per_model(tmp_path):
    out = tmp_path / "gpu.json"
    # XLA's cheapest CPU code generation: the dry run checks code paths, not speed,
    # and most of its time is XLA compiling the FCNs' training steps
    flags = "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu",
               XLA_FLAGS=f"{os.environ.get('XLA_FLAGS', '')} {flags}".strip())
    # bf16 rows for the two small models only: the FCNs' would double the
    # test's XLA compile time, and the policy's code path is the same
    proc = subprocess.run([sys.executable, str(BENCH), "--dry-run", "--bf16", "kcnn,dnn",
                           "--out", str(out)], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["dry_run"] is True
    assert data["machine"]["backend"] == "jax"
    assert data["peaks"]["bf16_dense_spec"] == 989e12
    assert data["peaks"]["measured_matmul_peak"] == 790e12
    assert set(data["checks"]) == MODELS
    for name, c in data["checks"].items():
        assert c["passed"], (name, c)
        assert 0 <= c["max_abs_diff"] <= c["tol"] * c["scale"]
    rows = data["rows"]
    assert {r["model"] for r in rows} == MODELS
    assert {(r["model"], r["precision"]) for r in rows} >= {("kcnn", "mixed_bfloat16"),
                                                           ("dnn", "mixed_bfloat16")}
    for r in rows:
        assert "error" not in r, r
        assert r["steps_per_s"] > 0 and r["examples_per_s"] > 0, r
        assert r["flops_per_example"] > 0 and r["flops_per_s"] > 0, r
        assert r["compile_s"] >= 0, r
    assert [r["batch"] for r in rows if r["model"] == "kcnn"] == [1, 2, 2]
