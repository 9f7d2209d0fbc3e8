"""Comparison adapter for Choi et al. (2016): FCN-4 and FCN-5 on log-mel spectrograms."""

import dataclasses

import numpy as np

from ... import _check, features, training
from ...models import fcn
from .. import choi2016
from ._common import _no_skips, _targets


class FCN:
    """Choi et al. (2016): a fully convolutional network on log-mel spectrograms.

    The ``choi2016`` chapter's default input (12 kHz, 512-point frames, hop
    1024, 48 mel bands; a 10 s clip is 48 x 118) and network (every layer 1/8
    of the paper's width, dropout 0.1), trained with Adam, stopped early on
    the validation ROC-AUC, at most ``max_epochs`` epochs.

    Parameters
    ----------
    depth : {4, 5}
    profile : {'smoke', 'default', 'paper'}
        The ``choi2016`` profile whose input and network sizes are taken.
    """

    paper = "Choi et al. 2016"
    chapter = "choi2016"

    def __init__(self, depth=4, profile="default"):
        self.depth = _check.choice("depth", depth, (4, 5))
        self.key = f"fcn{depth}"
        self.name = f"Choi: FCN-{depth}"
        self.cfg = dataclasses.replace(choi2016.config(profile), checkpoints=False,
                                       front_end="precomputed")

    def adaptation(self, task):
        if task.multilabel:
            return ""
        return ("a softmax over the genres in place of the sigmoid per tag, trained with "
                "categorical cross-entropy; early stopping still on the validation ROC-AUC")

    def prepare(self, task):
        func, kw = choi2016.input_feature("mel", self.cfg)
        X, ids, skipped = features.extract_stacked(task.clips, func, sr=self.cfg.sr,
                                                   duration=self.cfg.duration, verbose=False,
                                                   **kw)
        _no_skips(skipped, f"log-mel of {task.name}")
        row = {t: r for r, t in enumerate(ids)}
        return np.asarray(X)[[row[t] for t in task.ids]]

    def _data(self, feats, task, run):
        parts = {"train": run.train, "valid": run.valid, "test": run.test}
        return training.TaggingData(x=feats, y=_targets(task), ids=list(task.ids),
                                    tags=list(task.labels), parts=parts)

    def fit(self, feats, task, run):
        import keras

        data = self._data(feats, task, run)
        cfg = self.cfg
        head = "sigmoid" if task.multilabel else "softmax"

        def build():
            return fcn.build_fcn(self.depth, input_shape=data.input_shape,
                                 n_tags=len(task.labels), width=cfg.width,
                                 dropout=cfg.dropout, head=head)

        loss = "binary_crossentropy" if task.multilabel else "categorical_crossentropy"
        run_ = training.train_tagger(build, data, epochs=cfg.max_epochs, patience=cfg.patience,
                                     batch_size=cfg.batch_size, learning_rate=cfg.learning_rate,
                                     loss=loss, seed=run.seed, verbose=0,
                                     name=f"FCN-{self.depth}")
        keras.backend.clear_session()
        return run_

    def predict(self, state, feats, task, rows):
        return training.predict(state.model, feats[rows], batch_size=self.cfg.batch_size)

    def represent(self, state, feats, task, rows):
        import keras

        inner = keras.Model(state.model.inputs, state.model.get_layer("flatten").output)
        return training.predict(inner, feats[rows], batch_size=self.cfg.batch_size)

    def n_params(self, state):
        return int(state.n_params)
