"""The chapter layer: one module per chapter of the book.

Each module ``mirnb.chapters.<name>`` is the home of one chapter, named as
everywhere else (``mirnb run <name>`` -> ``notebooks/NN_<name>.py`` ->
``mirnb/chapters/<name>.py`` -> ``tests/chapters/test_<name>.py``). It holds:

- ``Config``, the chapter's frozen config dataclass, and :func:`config`-style
  ``config(profile)`` giving its ``smoke`` / ``default`` / ``paper`` profiles;
- ``PAPER``, the paper's numbers, each a :class:`PaperNumber` with its table;
- the steps its notebook calls, in the notebook's order;
- ``verdict(...)``, text computed from the results that says only what the
  numbers show.

The dependency rule: a chapter module may import any concern module
(``mirnb.features``, ``mirnb.models``, ...); no concern module imports a
chapter. Only ``chapters.comparison`` (with its methods,
``chapters.comparison_methods``), :mod:`mirnb.run` and :mod:`mirnb.cli`
may import chapter modules (``tests/chapters/test_layout.py`` checks this).
"""

import dataclasses
import importlib
from dataclasses import dataclass

import pandas as pd

from .. import _check
from ..errors import ParameterError

__all__ = ["PROFILES", "CHAPTERS", "PaperNumber", "paper_number", "make_config", "paper_table",
           "module"]

#: The profiles every chapter has.
PROFILES = ("smoke", "default", "paper")

#: The chapter modules, in the book's order.
CHAPTERS = ("data", "hamel2010", "dieleman2011", "zhang2015", "nam2015", "choi2016",
            "comparison")


@dataclass(frozen=True)
class PaperNumber:
    """One number printed in a paper, where it is printed.

    Attributes
    ----------
    paper : str
        ``'Hamel & Eck 2010'``.
    table : str
        Where in the paper: ``'Table 2'``, ``'Sec. 4'``, ...
    row : str
        The row (method, feature set, system) as the chapter names it.
    value : float
    metric : str
        What the number measures (``'accuracy'``, ``'ROC-AUC'``, ...).
    note : str
        What the reader must know to compare with it (the paper's own
        inconsistencies, another protocol, ...).
    """

    paper: str
    table: str
    row: str
    value: float
    metric: str = "accuracy"
    note: str = ""

    @property
    def ref(self):
        """``'<paper>, <table>'``, the reference a results record carries."""
        return f"{self.paper}, {self.table}"


def paper_number(numbers, table, row):
    """The :class:`PaperNumber` of ``numbers`` (a chapter's ``PAPER``) at ``table`` and
    ``row``, or None where the paper prints no number there."""
    return next((n for n in numbers if n.table == table and n.row == row), None)


def make_config(cls, changes, profile, **overrides):
    """A chapter's config for ``profile``, derived with :func:`dataclasses.replace`.

    Parameters
    ----------
    cls : type
        The chapter's ``Config`` dataclass (its defaults are the ``paper``
        profile, or the chapter's own values where it has no paper).
    changes : dict
        ``{profile: {field: value}}``, what each profile changes.
    profile : {'smoke', 'default', 'paper'}
    **overrides
        Further field values (e.g. from notebook parameters).
    """
    _check.choice("profile", profile, PROFILES)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ParameterError(f"{cls.__module__}.{cls.__name__} has no field(s) {unknown}; "
                             f"the fields are {sorted(fields)}")
    return dataclasses.replace(cls(), **{**changes[profile], **overrides})


def paper_table(numbers):
    """The paper's numbers as a table, one row per number.

    Parameters
    ----------
    numbers : sequence of PaperNumber

    Returns
    -------
    pandas.DataFrame
        Columns ``'where'``, ``'row'``, ``'metric'``, ``'value (paper)'``,
        ``'note'``.
    """
    return pd.DataFrame([{"where": n.ref, "row": n.row, "metric": n.metric,
                          "value (paper)": n.value, "note": n.note} for n in numbers])


def module(name):
    """The chapter module ``mirnb.chapters.<name>``."""
    _check.choice("chapter", name, CHAPTERS)
    return importlib.import_module(f"{__name__}.{name}")
