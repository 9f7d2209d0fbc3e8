"""What the comparison's methods share: targets, skipped clips, parameter counts."""

import numpy as np

from ...errors import DataError


def _one_hot(y, n):
    """``(n_clips,)`` class indices as ``(n_clips, n)`` float32 one-hot rows."""
    out = np.zeros((len(y), n), dtype=np.float32)
    out[np.arange(len(y)), y] = 1.0
    return out


def _targets(task):
    """Network targets: one-hot genres, or the tag matrix."""
    return task.y.astype(np.float32) if task.multilabel else _one_hot(task.y, len(task.labels))


def _no_skips(skipped, what):
    """Data is never dropped silently: a clip the features skip stops the run."""
    if skipped:
        first = skipped[0]
        raise DataError(f"{what}: {len(skipped)} clip(s) could not be read, e.g. "
                        f"{getattr(first, 'track_id', first)} "
                        f"({getattr(first, 'reason', '')}); run `mirnb data validate` on "
                        "the dataset and fix or remove them")


def _sklearn_params(model):
    """Fitted numbers of a scikit-learn pipeline (coefficients and intercepts)."""
    total = 0
    for step in getattr(model, "steps", [(None, model)]):
        est = step[1]
        inner = getattr(est, "estimators_", [est])
        for e in inner:
            for attr in ("coef_", "intercept_", "mean_", "scale_"):
                v = getattr(e, attr, None)
                if v is not None:
                    total += int(np.size(v))
    return total
