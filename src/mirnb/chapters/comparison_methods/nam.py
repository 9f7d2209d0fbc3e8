"""Comparison adapter for Nam, Herrera & Lee (2015): the deep bag-of-features DNN.

The chain is the chapter's final model (:func:`mirnb.chapters.nam2015.final_model`,
as :class:`mirnb.models.dbof.Workbench` runs it): AGC-ed log-mel frames
(``deepbof_frames``), training blocks sampled at onsets, PCA whitening and a
sparse Gaussian-binary RBM (:class:`mirnb.models.dbof.LocalFeatures`), bags
of features max-pooled over ``pooling_final`` windows and averaged over the
clip, and a song-level ReLU DNN pretrained with ReLU RBMs
(:func:`mirnb.models.dbof.pretrain`) and fine-tuned with AdaDelta and
dropout, keeping the epoch of best validation AUC.

The DNN is applied to the clip's bag (already the mean over the clip's
pooling windows), so its output is the clip score: there are no
window-level predictions to average, exactly as in the chapter.

The steps are those of ``Workbench.stage1`` / ``pretrained`` / ``net``,
called at the concern level because the workbench also scores the test part
while training (for its figures) and builds sigmoid heads only.
"""

import time

import numpy as np

import keras

from ... import features, training
from .. import nam2015
from ...errors import DataError
from ...models import dbof
from ...models.dbn import layer_outputs

__all__ = ["Nam"]


class Nam:
    """Nam et al. (2015) in the comparison's interface.

    Parameters
    ----------
    profile : {'smoke', 'default'}
        The chapter's config of that profile, unchanged: its block length,
        sampling, dictionary size, sparsity, final pooling window, depth
        (the deepest of ``cfg.layers``), units, weight costs and epochs.
    """

    key = "nam"
    name = "Nam: deep bag-of-features DNN"
    paper = "Nam et al. 2015"
    chapter = "nam2015"

    #: Config changes for the comparison's time budget: none. Cutting epochs
    #: saves little (about 9 s per default run is fixed overhead) and costs
    #: a lot (genre fold 0: 0.66 -> 0.29-0.45 accuracy with any one of
    #: local_epochs 5, pretrain_epochs 5 or epochs 15).
    CUTS = {"smoke": {}, "default": {}}

    def __init__(self, profile):
        self.profile = profile
        self.cfg = nam2015.config(profile, **self.CUTS.get(profile, {}))
        # the chapter's final model: the deepest net, pretrained, at pooling_final
        self.layers = max(self.cfg.layers)
        self.window = features.window_frames(self.cfg.pooling_final, sr=self.cfg.sr,
                                             hop_length=self.cfg.hop_length)
        self.timings = {}

    # ------------------------------------------------------------------
    def adaptation(self, task):
        """What changed from the chapter's final model for ``task``."""
        if task.name == "genre":
            return ("Same bag-of-features pipeline and pretrained DNN, but the sigmoid "
                    "tag outputs and their summed binary cross-entropy are replaced by a "
                    "10-way softmax head trained with categorical cross-entropy; the best "
                    "epoch is picked on validation one-vs-rest AUC over the genres.")
        return ""

    def prepare(self, task):
        """Front end of every clip (the chapter's cached ``deepbof_frames``).

        Returns
        -------
        dict
            ``mel``: list of (n_mels, T) arrays and ``novelty``: list of (T,)
            arrays, in ``task.ids`` order.
        """
        cfg = self.cfg
        t0 = time.perf_counter()
        frames, skipped = features.extract(
            task.clips, "deepbof_frames", sr=cfg.sr, n_fft=cfg.n_fft,
            hop_length=cfg.hop_length, n_mels=cfg.n_mels, gain=cfg.gain, agc=cfg.agc,
            verbose=False)
        missing = [i for i in task.ids if i not in frames]
        if missing:
            raise DataError(f"no front end for {len(missing)} clip(s) ({skipped}): "
                            f"{missing[:5]}")
        self.timings[f"prepare {task.name}"] = time.perf_counter() - t0
        return {"mel": [frames[i]["mel"] for i in task.ids],
                "novelty": [frames[i]["novelty"] for i in task.ids]}

    # ------------------------------------------------------------------
    def _targets(self, task, rows):
        """Training targets: the tag matrix, or one-hot genres."""
        if task.multilabel:
            return np.asarray(task.y[rows], np.float32)
        return np.eye(len(task.labels), dtype=np.float32)[np.asarray(task.y)[rows]]

    def fit(self, feats, task, run):
        """Stage 1 and the DNN on ``run.train`` (best epoch on ``run.valid``).

        Returns
        -------
        dict
            ``local`` (LocalFeatures), ``dbn``, ``model``, ``bags`` (memo of
            bags by row), ``fit`` (the FitResult) and ``seconds``.
        """
        cfg, seed = self.cfg, int(run.seed)
        keras.utils.set_random_seed(seed)
        t0 = time.perf_counter()
        train, valid = np.asarray(run.train), np.asarray(run.valid)
        # stage 1 (Workbench.stage1): blocks of training clips only
        clips = {int(r): (feats["mel"][r], feats["novelty"][r]) for r in train}
        X, _ = features.sample_blocks(clips, n_frames=cfg.n_frames, n_samples=cfg.n_samples,
                                      method=cfg.sampling, segment=cfg.segment,
                                      random_state=seed)
        local = dbof.LocalFeatures(
            cfg.n_frames, variance=cfg.variance, eps=cfg.eps, n_components=cfg.n_hidden_local,
            sparsity_target=cfg.sparsity, learning_rate=cfg.local_lr,
            min_learning_rate=cfg.local_min_lr, n_iter=cfg.local_epochs,
            random_state=seed).fit(X)
        state = {"local": local, "bags": {}}
        t1 = time.perf_counter()
        B_train, B_valid = self._bags(state, feats, train), self._bags(state, feats, valid)
        t2 = time.perf_counter()
        # stage 2 (Workbench.pretrained / net): ReLU-RBM pretraining on training bags
        wc = tuple(cfg.weight_costs)[:self.layers]
        dbn = dbof.pretrain(B_train, layers=self.layers, units=cfg.units, weight_costs=wc,
                            n_iter=cfg.pretrain_epochs, batch_size=cfg.pretrain_batch,
                            random_state=seed)
        t3 = time.perf_counter()
        Y_train, Y_valid = self._targets(task, train), self._targets(task, valid)
        head, loss = (("sigmoid", dbof.tag_crossentropy) if task.multilabel
                      else ("softmax", "categorical_crossentropy"))
        model = dbof.build_tagger(B_train.shape[1], Y_train.shape[1], layers=self.layers,
                                  units=cfg.units, dropout=cfg.dropout,
                                  input_dropout=cfg.input_dropout, dbn=dbn, biases=cfg.biases,
                                  head=head, random_state=seed)
        fit = dbof.finetune(model, B_train, Y_train, validation_data=(B_valid, Y_valid),
                            epochs=cfg.epochs, batch_size=cfg.batch_size, rho=cfg.rho,
                            epsilon=cfg.epsilon, loss=loss, random_state=seed)
        t4 = time.perf_counter()
        state.update(dbn=dbn, model=fit.model, fit=fit,
                     seconds={"stage 1 fit": t1 - t0, "encode train+valid": t2 - t1,
                              "pretrain": t3 - t2, "finetune": t4 - t3},
                     stats={"PCA dims": local.whitener_.n_components_, "blocks": len(X),
                            "best epoch": fit.best_epoch, "valid AUC": fit.best_auc})
        return state

    def _bags(self, state, feats, rows):
        """Bags of features of ``rows`` (encoded once per fitted state)."""
        memo, local = state["bags"], state["local"]
        todo = [int(r) for r in rows if int(r) not in memo]
        if todo:
            new = local.bags([feats["mel"][r] for r in todo], [self.window])[self.window]
            memo.update(zip(todo, new))
        return np.stack([memo[int(r)] for r in rows]).astype(np.float32)

    # ------------------------------------------------------------------
    def predict(self, state, feats, task, rows):
        """Clip scores: the DNN's sigmoid (tags) or softmax (genre) outputs on the bags."""
        B = self._bags(state, feats, rows)
        return training.predict(state["model"], B, batch_size=max(1, len(B))).astype(
            np.float64)

    def represent(self, state, feats, task, rows):
        """The DNN's last hidden layer on each clip's bag (as the chapter's t-SNE)."""
        B = self._bags(state, feats, rows)
        return layer_outputs(state["model"], B, f"hidden_{self.layers}")

    def n_params(self, state):
        """Learned numbers of the fitted chain.

        PCA whitening (mean ``d`` + kept axes ``k x d`` + scales ``k``), the
        sparse RBM (``k x H`` weights + ``k`` visible and ``H`` hidden
        biases) and the Keras DNN (its hidden layers hold the pretrained RBM
        weights and hidden biases, so those are counted once; the ReLU RBMs'
        visible biases, dropped at the transfer, are not).
        """
        wh, rbm = state["local"].whitener_, state["local"].rbm_
        pca = wh.mean_.size + wh.components_.size + wh.scale_.size
        local = rbm.components_.size + rbm.intercept_visible_.size + rbm.intercept_hidden_.size
        return int(pca + local + state["model"].count_params())
