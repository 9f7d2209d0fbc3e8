"""The comparison's baseline: MFCC statistics and logistic regression."""

import numpy as np

from ... import _check
from ...models import baselines
from ._common import _no_skips, _sklearn_params


class MFCC:
    """The baseline: MFCC mean and SD per clip, then logistic regression.

    The statistics of :func:`mirnb.models.baselines.mfcc_stats` (20 MFCCs
    at the view's rate, 2048-point frames, hop 512), standardised; genre: one
    multinomial logistic regression; tags: one logistic regression per tag
    (the Choi chapter's baseline).
    """

    key = "mfcc"
    name = "MFCC statistics + logistic regression"
    paper = "baseline (ours)"
    chapter = None

    def __init__(self, profile="default", *, n_mfcc=20, C=1.0):
        self.profile = profile
        self.n_mfcc = _check.positive_int("n_mfcc", n_mfcc)
        self.C = _check.positive("C", C)

    def adaptation(self, task):
        return ""

    def prepare(self, task):
        X, skipped = baselines.clip_features(task.clips, "mfcc", sr=task.sr,
                                             n_mfcc=self.n_mfcc, verbose=False)
        _no_skips(skipped, f"MFCC statistics of {task.name}")
        return X.loc[task.ids].to_numpy()

    def fit(self, feats, task, run):
        make = baselines.linear_tagger if task.multilabel else baselines.linear_classifier
        model = make(C=self.C, random_state=run.seed)
        return model.fit(feats[run.train], task.y[run.train])

    def predict(self, state, feats, task, rows):
        return np.asarray(state.predict_proba(feats[rows]), dtype=np.float64)

    def represent(self, state, feats, task, rows):
        return state[0].transform(feats[rows])

    def n_params(self, state):
        return _sklearn_params(state)
