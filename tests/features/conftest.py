"""Signals shared by the feature tests."""

import numpy as np
import pytest

SR = 22050


@pytest.fixture(scope="module")
def y():
    """2 s of a harmonic tone on A3 plus noise, float32."""
    rng = np.random.default_rng(0)
    t = np.arange(2 * SR) / SR
    tone = sum(np.sin(2 * np.pi * 220 * k * t) / k for k in range(1, 8))
    sig = 0.3 * tone / np.abs(tone).max() + 0.05 * rng.standard_normal(t.size)
    return sig.astype(np.float32)


@pytest.fixture(scope="module")
def noise():
    return (0.3 * np.random.default_rng(1).standard_normal(2 * SR)).astype(np.float32)
