"""Small argument checks shared by the package (internal)."""

import numbers

import numpy as np

from .errors import ParameterError


def positive_int(name, value):
    """Return ``value`` as an int, or raise ParameterError if it is not > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ParameterError(f"{name}={value!r}: expected a positive integer")
    return int(value)


def positive(name, value):
    """Return ``value`` as a float, or raise ParameterError if it is not > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ParameterError(f"{name}={value!r}: expected a positive number")
    return float(value)


def choice(name, value, allowed):
    """Return ``value`` if it is one of ``allowed``, else raise ParameterError."""
    try:
        ok = value in allowed
    except TypeError:  # an unhashable value is never in a set of choices
        ok = False
    if not ok:
        shown = sorted(allowed, key=repr)
        raise ParameterError(f"{name}={value!r}: expected one of {shown}")
    return value


def fraction(name, value, *, closed=False):
    """Return ``value`` as a float in (0, 1) (or [0, 1] if ``closed``)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        ok = 0 <= value <= 1 if closed else 0 < value < 1
    if not ok:
        rng = "[0, 1]" if closed else "(0, 1)"
        raise ParameterError(f"{name}={value!r}: expected a number in {rng}")
    return float(value)



def rate(name, value):
    """Return ``value`` as a float in [0, 1) (a momentum, a dropout rate)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value < 1
    if not ok:
        raise ParameterError(f"{name}={value!r}: expected a number in [0, 1)")
    return float(value)


def nonneg(name, value):
    """Return ``value`` as a float, or raise ParameterError if it is not >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ParameterError(f"{name}={value!r}: expected a number >= 0")
    return float(value)


def number(name, value, *, optional=False):
    """Return ``value`` as a float (any real number; None too if ``optional``)."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        allowed = "a number or None" if optional else "a number"
        raise ParameterError(f"{name}={value!r}: expected {allowed}")
    return float(value)


def int_range(name, value, low, high=None):
    """Return ``value`` as an int in ``[low, high]`` (``high=None``: no upper bound)."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        allowed = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ParameterError(f"{name}={value!r}: expected an integer {allowed}")
    return int(value)


def boolean(name, value):
    """Return ``value`` as a bool, or raise ParameterError if it is not True or False."""
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name}={value!r}: expected True or False")
    return bool(value)


def function(name, value, *, example=None):
    """Return ``value`` if it is callable, else raise ParameterError."""
    if not callable(value):
        such = f" such as {example}" if example else ""
        raise ParameterError(f"{name}={value!r}: expected a callable{such}")
    return value


def axis(name, value, ndim, *, array="the array"):
    """Return ``value`` as a non-negative axis index of an ``ndim``-dimensional array."""
    ok = (isinstance(value, numbers.Integral) and not isinstance(value, bool)
          and -ndim <= value < ndim)
    if not ok:
        raise ParameterError(f"{name}={value!r} is out of range for {array} with {ndim} "
                             f"dimensions: expected an integer in [{-ndim}, {ndim - 1}]")
    return int(value) % ndim


def freq_range(fmin, fmax, sr):
    """Check ``0 <= fmin < fmax <= sr / 2`` and return (fmin, fmax); ``fmax=None`` is sr / 2."""
    fmin = nonneg("fmin", fmin)
    nyquist = sr / 2.0
    if fmax is None:
        fmax = nyquist
    else:
        fmax = positive("fmax", fmax)
        if fmax > nyquist:
            raise ParameterError(f"fmax={fmax!r} Hz is above the Nyquist frequency "
                                 f"{nyquist:g} Hz of sr={sr}")
    if fmin >= fmax:
        raise ParameterError(f"fmin={fmin!r} must be below fmax={fmax!r}")
    return fmin, fmax
