"""The methods of the closing chapter, each behind one interface.

:mod:`mirnb.chapters.comparison` runs every paper's method on two common
tasks (genre on the synthetic GTZAN view, tagging on the synthetic MTAT
view). Each method here is a small class that reuses its chapter's code
(the one place besides ``comparison`` allowed to import chapter modules)
and gives the comparison five calls:

- ``prepare(task)``: the features of every clip, computed once per task
  (through the extraction cache, with the chapter's parameters, so that a
  chapter run has already filled it);
- ``fit(feats, task, run)``: unsupervised stages and the head, on the run's
  training clips only (validation clips for early stopping or model
  selection), seeded by ``run.seed``;
- ``predict(state, feats, task, rows)``: scores of shape
  ``(len(rows), len(task.labels))``, a posterior or decision score per genre
  or one score per tag;
- ``represent(state, feats, task, rows)``: the clip-level representation the
  head sees, for the t-SNE maps;
- ``n_params(state)``: the fitted model's numbers.

``adaptation(task)`` says exactly what changed from the paper's method to
run it on that task ('' where nothing did). Each method keeps its chapter's
``default`` profile sizes (architecture, units, codebook, k); where the
comparison's budget cut epochs or iterations, the class says so.
"""

from ... import _check
from .choi import FCN
from .dieleman import Dieleman
from .hamel import Hamel
from .mfcc import MFCC
from .nam import Nam
from .zhang import KCNN, KCNNSVM

__all__ = ["METHODS", "method", "MFCC", "Hamel", "Dieleman", "KCNN", "KCNNSVM", "Nam", "FCN"]

#: The methods in the book's order: the baseline, then the papers chronologically.
METHODS = ("mfcc", "hamel", "dieleman", "kcnn", "kcnn_svm", "nam", "fcn4", "fcn5")

_CLASSES = {"mfcc": MFCC, "hamel": Hamel, "dieleman": Dieleman, "kcnn": KCNN,
            "kcnn_svm": KCNNSVM, "nam": Nam}


def method(key, profile="default"):
    """The method ``key`` (one of :data:`METHODS`), sized by a chapter profile."""
    _check.choice("method", key, METHODS)
    if key.startswith("fcn"):
        return FCN(int(key[3:]), profile)
    return _CLASSES[key](profile)
