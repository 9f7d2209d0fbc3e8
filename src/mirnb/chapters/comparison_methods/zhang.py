"""Comparison adapters for Zhang et al. (2015): the KCNN over audio words.

Two methods share one preparation (the chapter's MEL/SFM/SCF frames) and,
per run, one codebook and one trained network, as the chapter's
:func:`mirnb.chapters.zhang2015.run_fold` does (one network per fold, read
by its softmax and by an SVM on its hidden layer):

- :class:`KCNN` ("KCNN (k = 5)"): the network's own output layer.
- :class:`KCNNSVM` ("KCNN (k = 5) + SVM"): an RBF SVM on the network's
  hidden layer (genre: the chapter's :class:`mirnb.models.svm.VoteSVM`;
  tags: :class:`mirnb.models.svm.TagSVMs`).

Whichever of the two is fitted first on a run trains the codebook and the
network; the other finds them in a small module-level cache keyed by the
task, the run and the config (``state['reused']`` says which happened, and
``state['seconds']`` splits the time into codebook, network and SVM).

For tags the network has a sigmoid output trained with binary
cross-entropy (:func:`mirnb.models.kcnn.fit_kcnn` with ``multilabel=True``).

References
----------
.. [1] Zhang, P. et al. (2015). A deep neural network for modeling music.
   ICMR, Sec. 3-4, Tables 1-2.
"""

import hashlib
import time
from collections import OrderedDict

import numpy as np

from ... import features
from .. import zhang2015
from ...models import kcnn, svm

__all__ = ["KCNN", "KCNNSVM"]

#: Fitted codebooks and networks, shared by the two methods: {key: dict}. Small (one
#: entry per task and run); the oldest entries go first.
_SHARED = OrderedDict()
_SHARED_MAX = 8
#: Prepared frames, shared by the two methods: {key: dict}.
_FRAMES = OrderedDict()
_FRAMES_MAX = 2


def _remember(cache, key, value, size):
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)


def _digest(*parts):
    """A short fingerprint of arrays and plain values (for the shared caches)."""
    h = hashlib.sha1()
    for p in parts:
        h.update(np.ascontiguousarray(p).tobytes() if isinstance(p, np.ndarray)
                 else repr(p).encode())
    return h.hexdigest()


def _codebook_params(cb):
    """Numbers of a fitted codebook: PCA components, mean and whitening scales, centroids."""
    books = cb.codebooks_.values() if hasattr(cb, "codebooks_") else [cb]
    return int(sum(b.pca_.components_.size + b.pca_.mean_.size
                   + b.pca_.explained_variance_.size + b.centroids_.size for b in books))


def _svc_params(pipeline):
    """Numbers of a StandardScaler + SVC pipeline: scaler mean and scale, support vectors
    x dims, dual coefficients and intercepts."""
    scaler, svc = pipeline[0], pipeline[-1]
    return int(scaler.mean_.size + scaler.scale_.size + svc.support_vectors_.size
               + svc.dual_coef_.size + svc.intercept_.size)


class _ZhangBase:
    """What both methods share: config, frames, codebook and network per run."""

    paper = "Zhang et al. 2015"
    chapter = "zhang2015"

    def __init__(self, profile, *, column=None):
        """Take the chapter's ``config(profile)`` unchanged.

        Parameters
        ----------
        profile : {'smoke', 'default'}
        column : str or None
            The chapter's feature column (``'MEL'``, ``'SFM'``, ``'SCF'``,
            ``'ALL'``); None: the first the chapter's profile runs
            (``'MEL'`` in smoke and default).
        """
        self.profile = profile
        self.cfg = zhang2015.config(profile)
        self.column = column or self.cfg.columns[0]
        if self.column not in zhang2015.COLUMNS:
            raise ValueError(f"column={self.column!r}: expected one of "
                             f"{list(zhang2015.COLUMNS)}")

    def _net_adaptation(self, task):
        if task.multilabel:
            return ("a sigmoid output layer (one unit per tag) trained with binary "
                    "cross-entropy replaces the softmax over genres; the rest of the network "
                    "(audio words, lookup table, convolution, k-max pooling, hidden layer, "
                    "L2 penalty) is the chapter's")
        return ""

    # -- preparation ------------------------------------------------------------------
    def prepare(self, task):
        """The chapter's MEL, SFM and SCF frames of every clip (cached by content).

        Returns
        -------
        dict
            ``{'frames': {track_id: {'mel', 'sfm', 'scf'}}, 'ids': list}``.
        """
        cfg = self.cfg
        key = _digest(task.name, task.profile, tuple(task.ids), cfg.sr, cfg.n_fft,
                      cfg.hop_length, cfg.n_mels)
        if key in _FRAMES:
            return _FRAMES[key]
        frames, skipped = features.extract(task.clips, "frame_features", sr=cfg.sr, kind="all",
                                           n_fft=cfg.n_fft, hop_length=cfg.hop_length,
                                           n_mels=cfg.n_mels, verbose=False)
        missing = [t for t in task.ids if t not in frames]
        if missing:
            raise RuntimeError(f"zhang: no frames for {len(missing)} clips "
                               f"({missing[:3]}...): {skipped.summary()}")
        prep = {"frames": frames, "ids": list(task.ids)}
        _remember(_FRAMES, key, prep, _FRAMES_MAX)
        return prep

    # -- the shared network ----------------------------------------------------------
    def _network(self, feats, task, run):
        """Codebook and KCNN of this run, fitted once and shared by both methods."""
        cfg, ids = self.cfg, feats["ids"]
        train = np.asarray(run.train)
        key = _digest(task.name, task.profile, tuple(ids), self.column, repr(cfg), run.seed,
                      train, np.asarray(run.valid))
        if key in _SHARED:
            return _SHARED[key], True
        tr_ids = [ids[i] for i in train]
        t0 = time.perf_counter()
        # the codebook sees the training clips only (run.train; not run.valid)
        cb = zhang2015.codebook(feats["frames"], tr_ids, self.column, cfg, seed=run.seed)
        Xtr = zhang2015.encode(cb, feats["frames"], tr_ids, self.column)
        t1 = time.perf_counter()
        valid = None
        if cfg.patience is not None and len(run.valid):
            Xva = zhang2015.encode(cb, feats["frames"], [ids[i] for i in run.valid],
                                   self.column, length=Xtr.shape[1])
            valid = (Xva, task.y[np.asarray(run.valid)])
        ytr = np.asarray(task.y)[train]
        model, _ = kcnn.fit_kcnn(
            cb.centroids_, Xtr, ytr, n_classes=len(task.labels), k=cfg.k, window=cfg.window,
            filters=cfg.filters, hidden=cfg.hidden, l2=cfg.l2, trainable_table=True,
            optimizer=cfg.optimizer, learning_rate=cfg.learning_rate,
            batch_size=cfg.batch_size, epochs=cfg.epochs, patience=cfg.patience, valid=valid,
            seed=run.seed, multilabel=task.multilabel)
        net = {"codebook": cb, "model": model, "length": int(Xtr.shape[1]),
               "words": {int(i): x for i, x in zip(train, Xtr)},
               "seconds": {"codebook": t1 - t0, "network": time.perf_counter() - t1}}
        _remember(_SHARED, key, net, _SHARED_MAX)
        return net, False

    def _words(self, net, feats, rows):
        """Audio words of ``rows`` (the training codebook, the training length), memoised."""
        rows = [int(r) for r in rows]
        todo = [r for r in rows if r not in net["words"]]
        if todo:
            X = zhang2015.encode(net["codebook"], feats["frames"],
                                 [feats["ids"][r] for r in todo], self.column,
                                 length=net["length"])
            net["words"].update(zip(todo, X))
        return np.stack([net["words"][r] for r in rows])

    def represent(self, state, feats, task, rows):
        """The KCNN's hidden layer (sigmoid units over the k-max pooled convolution)."""
        net = state["net"]
        X = self._words(net, feats, rows)
        if "features" not in net:  # kcnn.kcnn_features's sub-model, built (and traced) once
            import keras

            model = net["model"]
            net["features"] = keras.Model(model.inputs, model.get_layer("hidden").output)
        return np.asarray(net["features"].predict(X, batch_size=256, verbose=0),
                          dtype="float32")

    def _net_params(self, net, *, head):
        """Trainable numbers of the network (with or without its output layer) + codebook."""
        model = net["model"]
        n = model.count_params()
        if not head:
            n -= model.layers[-1].count_params()
        return int(n) + _codebook_params(net["codebook"])


    def train_seconds(self, state, measured):
        """Seconds of the whole fit: a network shared with the other method counts for both."""
        return measured + (sum(state["net"]["seconds"].values()) if state["reused"] else 0.0)


class KCNN(_ZhangBase):
    """Zhang et al.'s KCNN (k = 5) with its own output layer."""

    key = "kcnn"
    name = "Zhang: KCNN (k = 5)"

    def adaptation(self, task):
        """What changed from the paper's KCNN for ``task`` ('' for genre)."""
        return self._net_adaptation(task) + ("." if task.multilabel else "")

    def fit(self, feats, task, run):
        """Codebook on the training clips, then the KCNN (shared with :class:`KCNNSVM`)."""
        t0 = time.perf_counter()
        net, reused = self._network(feats, task, run)
        return {"net": net, "reused": reused, "seconds": dict(net["seconds"]),
                "fit_seconds": time.perf_counter() - t0}

    def predict(self, state, feats, task, rows):
        """Softmax posteriors (genre) or sigmoid tag probabilities (tags)."""
        net = state["net"]
        X = self._words(net, feats, rows)
        return np.asarray(net["model"].predict(X, batch_size=256, verbose=0), dtype=float)

    def n_params(self, state):
        """Network weights (table, convolution, hidden, output) + codebook (PCA and
        centroids)."""
        return self._net_params(state["net"], head=True)


class KCNNSVM(_ZhangBase):
    """Zhang et al.'s "KCNN (k = 5) + SVM": an RBF SVM on the KCNN's hidden layer."""

    key = "kcnn_svm"
    name = "Zhang: KCNN + SVM"

    def adaptation(self, task):
        """What changed from the paper's KCNN + SVM for ``task`` ('' for genre)."""
        if not task.multilabel:
            return ""
        return (self._net_adaptation(task) + "; the SVM is one balanced RBF SVM per tag "
                "(mirnb.models.svm.TagSVMs) on the hidden layer, scored by its decision "
                "value.")

    def fit(self, feats, task, run):
        """The shared codebook and KCNN, then the SVM(s) on the training clips' hidden
        layer. With several ``cfg.svm_C`` (paper profile), C is chosen on ``run.valid``."""
        cfg = self.cfg
        t0 = time.perf_counter()
        net, reused = self._network(feats, task, run)
        t1 = time.perf_counter()
        train, valid = np.asarray(run.train), np.asarray(run.valid)
        Ftr = self.represent({"net": net}, feats, task, train)
        several = len(cfg.svm_C) > 1 and len(valid)
        Fva = self.represent({"net": net}, feats, task, valid) if several else None
        if task.multilabel:
            import pandas as pd

            def Y(rows):
                return pd.DataFrame(np.asarray(task.y)[rows], columns=list(task.labels))

            if several:
                head, _ = svm.select_tag_svms((Ftr, Y(train)), (Fva, Y(valid)),
                                              C_grid=cfg.svm_C, random_state=run.seed)
            else:
                head = svm.TagSVMs(cfg.svm_C[0], random_state=run.seed).fit(Ftr, Y(train))
        else:
            y = np.asarray(task.y)
            if several:
                head, _ = svm.select_svm((Ftr, y[train]), (Fva, y[valid], valid),
                                         C_grid=cfg.svm_C, n_train=None,
                                         random_state=run.seed)
            else:
                head = svm.VoteSVM(cfg.svm_C[0], n_train=None,
                                   random_state=run.seed).fit(Ftr, y[train])
        seconds = dict(net["seconds"], svm=time.perf_counter() - t1)
        return {"net": net, "svm": head, "reused": reused, "seconds": seconds,
                "fit_seconds": time.perf_counter() - t0}

    def predict(self, state, feats, task, rows):
        """SVM decision values: one per genre (one-vs-rest shape of SVC's votes), or one
        per tag (0 for a tag too rare in the training clips to train its SVM)."""
        F = self.represent(state, feats, task, rows)
        head = state["svm"]
        out = np.zeros((len(F), len(task.labels)))
        if task.multilabel:
            for j, tag in enumerate(task.labels):
                model = head.models_.get(str(tag))
                if model is not None:
                    out[:, j] = model.decision_function(F)
            return out
        d = np.asarray(head.pipeline_.decision_function(F), dtype=float)
        if d.ndim == 1:  # two classes: SVC gives the second class's score
            d = np.stack([-d, d], axis=1)
        out[:] = d.min() - 1.0  # classes absent from the training clips never win
        out[:, np.asarray(head.classes_, dtype=int)] = d
        return out

    def n_params(self, state):
        """Network below the output layer (table, convolution, hidden) + codebook + SVM(s):
        scaler mean and scale, support vectors x dims, dual coefficients, intercepts."""
        head = state["svm"]
        pipes = head.models_.values() if hasattr(head, "models_") else [head.pipeline_]
        return self._net_params(state["net"], head=False) + sum(_svc_params(p) for p in pipes)
