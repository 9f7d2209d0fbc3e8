"""Small argument checks shared by the package (internal)."""

import numbers

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
