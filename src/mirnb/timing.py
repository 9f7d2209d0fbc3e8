"""Where a chapter's time goes: wall seconds per phase.

A chapter's steps are marked with :func:`phase`, as a decorator or as a
context manager::

    @timing.phase("training")
    def pretrain(data, cfg): ...

    with timing.phase("evaluation"):
        table = score(model)

The phases are :data:`PHASES`. Nested phases do not count twice: the
inner phase gets its own time, the outer one the rest. :func:`totals` gives
the seconds of the current process. When the environment variable
``MIRNB_TIMINGS`` names a file, every finished phase also appends a JSON line
``{"phase": name, "seconds": own seconds}`` to it; :mod:`mirnb.run` sets it
for each chapter's kernel and sums the lines with :func:`read`. A phase is
meant for the thread that runs the chapter: the phases of one thread nest.
"""

import json
import os
import time
from contextlib import ContextDecorator

from .errors import ParameterError

__all__ = ["PHASES", "ENV", "phase", "totals", "read"]

#: The phases, in the order of a chapter.
PHASES = ("corpus", "features", "training", "evaluation")
#: The environment variable naming the file that finished phases are appended to.
ENV = "MIRNB_TIMINGS"

_totals = dict.fromkeys(PHASES, 0.0)
_open = []  # the phases running now, innermost last: [name, start, seconds of inner phases]


class phase(ContextDecorator):
    """Count the wall time of a block or a function to phase ``name``.

    Parameters
    ----------
    name : {'corpus', 'features', 'training', 'evaluation'}

    Raises
    ------
    ParameterError
        ``name`` is not one of :data:`PHASES` (a ``ValueError``).
    """

    def __init__(self, name):
        if name not in PHASES:
            raise ParameterError(f"phase {name!r}: expected one of {list(PHASES)}")
        self.name = name

    def __enter__(self):
        _open.append([self.name, time.perf_counter(), 0.0])
        return self

    def __exit__(self, *exc):
        name, start, inner = _open.pop()
        elapsed = time.perf_counter() - start
        own = max(elapsed - inner, 0.0)
        _totals[name] += own
        if _open:
            _open[-1][2] += elapsed
        path = os.environ.get(ENV)
        if path:
            with open(path, "a") as f:
                f.write(json.dumps({"phase": name, "seconds": own}) + "\n")
        return False


def totals():
    """Seconds per phase finished in this process so far.

    Returns
    -------
    dict
        ``{phase: seconds}`` for every phase of :data:`PHASES`.
    """
    return dict(_totals)


def read(path):
    """Seconds per phase in a file of ``MIRNB_TIMINGS`` lines.

    Parameters
    ----------
    path : str or Path
        A missing file means that no phase finished.

    Returns
    -------
    dict
        ``{phase: seconds}`` for every phase of :data:`PHASES`.
    """
    out = dict.fromkeys(PHASES, 0.0)
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return out
    for line in lines:
        try:
            record = json.loads(line)
            out[record["phase"]] += float(record["seconds"])
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a killed kernel, or not ours
    return out
