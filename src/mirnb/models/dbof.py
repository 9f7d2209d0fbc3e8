"""The deep bag-of-features tagger (Nam, Herrera & Lee 2015).

Two stages, as in the paper's Fig. 1:

1. :class:`LocalFeatures`, unsupervised and local: multi-frame blocks of a
   log-mel spectrogram (:func:`mirnb.features.blocks`), PCA-whitened
   (:class:`mirnb.features.PCAWhitener`) and encoded by a sparse
   Gaussian-binary RBM (:class:`mirnb.models.rbm.RBM` with the authors'
   linear sparsity rule); :meth:`LocalFeatures.bags` max-pools every clip's
   block activations over short windows and averages the windows, the
   *bag of features* (:func:`mirnb.features.pool_bag`).
2. A song-level DNN on the bags: ReLU hidden layers and sigmoid outputs
   (:func:`build_tagger`), pretrained greedily with ReLU RBMs
   (:func:`pretrain`) and fine-tuned with cross-entropy, AdaDelta and
   dropout, keeping the epoch with the best validation AUC-T
   (:func:`finetune`).

The defaults are the paper's values where it gives them and the authors'
code's (``juhannam/deepbof``) where it does not, each marked in the
docstrings; ``../shared/specs/nam2015.md`` lists them all.

The chapter that uses this module is ``notebooks/04_nam2015.py``
(:mod:`mirnb.chapters.nam2015`).

References
----------
.. [1] Nam, J., Herrera, J. & Lee, K. (2015). A deep bag-of-features model
   for music auto-tagging. arXiv:1508.04999 (Sec. III: the model; Sec. IV-D:
   the training settings).
"""

import copy
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError

import keras
from keras import ops

from .. import _check, features, metrics, training
from ..errors import ParameterError
from . import dbn as _dbn
from .rbm import RBM

__all__ = ["LocalFeatures", "WC_INC", "pretrain", "first_layers", "build_tagger",
           "tag_crossentropy", "finetune", "Stage1", "Workbench", "weight_cost_strategies"]

#: The "WC Inc" weight costs of a 3-layer net (Sec. V-D): 0.001 for the
#: first layer and non-decreasing above, from {0.001, 0.01, 0.1}.
WC_INC = tuple((0.001, b, c) for b in (0.001, 0.01, 0.1) for c in (0.001, 0.01, 0.1)
               if b <= c)


# ----------------------------------------------------------------------------
# stage 1: local features and the bag
# ----------------------------------------------------------------------------
class LocalFeatures(BaseEstimator, TransformerMixin):
    """PCA whitening and a sparse Gaussian-binary RBM on multi-frame blocks.

    Parameters
    ----------
    n_frames : int > 0
        Frames per block ``P`` (*paper*: 8, Sec. V-A).
    variance : float in (0, 1)
        Variance the PCA keeps (*paper*: 90 %, Sec. IV-D-1).
    eps : float >= 0
        Added to the eigenvalues before whitening (*code*: 0.01).
    n_components : int > 0
        Hidden units of the RBM, the dictionary size (*paper*: 1,024).
    sparsity_target : float in (0, 1)
        Mean activation wanted of every hidden unit (*paper*: best 0.02).
    sparsity_cost : float >= 0
        Rate of the linear bias shift relative to the learning rate (*code*:
        3; the paper prints a squared term, Eq. 10).
    learning_rate : float > 0
        (*paper*: 0.03; the code starts at 0.007.)
    min_learning_rate : float >= 0
        Floor of the per-epoch annealing (*code*: 0.003).
    learning_rate_decay : float in (0, 1]
        Per-epoch factor (*code*: 0.99).
    n_iter : int > 0
        Epochs (*code*: 300).
    batch_size : int > 0
        (*code*: 100.)
    weight_cost : float >= 0
        (*code*: 0.001.)
    momentum, final_momentum : float in [0, 1)
        Momentum before and after epoch ``n_iter // 5`` (*code*: 0.5, 0.9).
    random_state : int or None
    verbose : {0, 1, 2} or bool

    Attributes
    ----------
    whitener_ : mirnb.features.PCAWhitener
    rbm_ : mirnb.models.rbm.RBM
    n_features_in_ : int
        Block dimension, ``n_bands * n_frames``.

    References
    ----------
    .. [1] Nam, Herrera & Lee (2015), Sec. III-B-1 (whitening), III-B-2
       (sparse RBM, Eqs. 1-10), IV-D-1 (the settings).
    """

    def __init__(self, n_frames=8, *, variance=0.9, eps=0.01, n_components=1024,
                 sparsity_target=0.02, sparsity_cost=3.0, learning_rate=0.03,
                 min_learning_rate=0.003, learning_rate_decay=0.99, n_iter=300,
                 batch_size=100, weight_cost=0.001, momentum=0.5, final_momentum=0.9,
                 random_state=None, verbose=0):
        self.n_frames = n_frames
        self.variance = variance
        self.eps = eps
        self.n_components = n_components
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.learning_rate = learning_rate
        self.min_learning_rate = min_learning_rate
        self.learning_rate_decay = learning_rate_decay
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.weight_cost = weight_cost
        self.momentum = momentum
        self.final_momentum = final_momentum
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y=None):
        """Fit the whitening and the RBM on sampled blocks.

        Parameters
        ----------
        X : array_like, shape (n_blocks, n_bands * n_frames)
            Blocks from :func:`mirnb.features.sample_blocks` (training clips
            only).
        y : ignored

        Returns
        -------
        self
        """
        _check.positive_int("n_frames", self.n_frames)
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] % int(self.n_frames):
            raise ParameterError(f"X has shape {X.shape}: expected blocks (n_blocks, "
                                 f"n_bands * {self.n_frames})")
        self.whitener_ = features.PCAWhitener(self.variance, eps=self.eps,
                                              random_state=self.random_state).fit(X)
        Z = self.whitener_.transform(X)
        self.rbm_ = RBM(
            self.n_components, visible="gaussian", learning_rate=self.learning_rate,
            min_learning_rate=self.min_learning_rate,
            learning_rate_decay=self.learning_rate_decay, n_iter=self.n_iter,
            batch_size=self.batch_size, momentum=self.momentum,
            final_momentum=self.final_momentum, weight_cost=self.weight_cost,
            sparsity_target=self.sparsity_target, sparsity_cost=self.sparsity_cost,
            sparsity="linear", init_visible_bias=False, random_state=self.random_state,
            verbose=self.verbose).fit(Z)
        self.n_features_in_ = X.shape[1]
        return self

    def _fitted(self):
        if not hasattr(self, "rbm_"):
            raise NotFittedError("this LocalFeatures is not fitted yet: call fit(blocks) "
                                 "first")

    def transform(self, X):
        """Hidden probabilities of blocks, shape (n_blocks, n_components)."""
        self._fitted()
        return self.rbm_.transform(self.whitener_.transform(np.asarray(X, np.float32)))

    def encode(self, Z):
        """The activations of every block of one clip (stride 1 frame).

        Parameters
        ----------
        Z : np.ndarray, shape (n_bands, n_frames_clip)
            The clip's compressed mel spectrogram.

        Returns
        -------
        np.ndarray, shape (n_frames_clip - n_frames, n_components)
        """
        self._fitted()
        return self.transform(features.blocks(Z, n_frames=int(self.n_frames)))

    def input_filters(self):
        """The RBM's filters mapped back through the whitening, as blocks.

        Filter ``j`` in the input space is row ``j`` of the RBM's weights
        times the inverse of the whitening (without the mean): ``W_j @
        diag(sqrt(lambda + eps)) @ E.T``, a block of ``n_frames`` frames by
        ``n_bands`` bands laid out as :func:`mirnb.features.blocks` reads
        them: the dictionary that Sec. III-B-1 and III-B-2 of Nam, Herrera
        & Lee (2015) learn, seen as spectrogram patches.

        Returns
        -------
        np.ndarray, shape (n_components, n_frames, n_bands)
        """
        self._fitted()
        wh = self.whitener_
        W = self.rbm_.components_ @ (np.sqrt(wh.explained_variance_ + wh.eps)[:, None]
                                     * wh.components_)
        return W.reshape(len(W), int(self.n_frames), -1)

    def bags(self, clips, windows):
        """Bags of features of clips, for several pooling windows at once.

        Every clip's blocks are encoded once; each window then max-pools the
        activations over non-overlapping windows and averages them.

        Parameters
        ----------
        clips : sequence of np.ndarray, each (n_bands, n_frames_clip)
        windows : sequence of int > 0
            Pooling windows in frames (:func:`mirnb.features.window_frames`).

        Returns
        -------
        dict
            ``{window: np.ndarray (n_clips, n_components)}``, values in (0, 1).
        """
        windows = [_check.positive_int("window", w) for w in windows]
        out = {w: [] for w in windows}
        for Z in clips:
            H = self.encode(Z)
            for w in windows:
                out[w].append(features.pool_bag(H, window=w))
        return {w: np.stack(v).astype(np.float32) for w, v in out.items()}


# ----------------------------------------------------------------------------
# stage 2: the song-level DNN
# ----------------------------------------------------------------------------
def pretrain(bags, *, layers=3, units=512, weight_costs=0.001,
             learning_rates=(0.03, 0.003, 0.003), min_learning_rates=(0.01, 0.001, 0.001),
             visible="bernoulli", n_iter=200, batch_size=100, momentum=0.5,
             final_momentum=0.9, learning_rate_decay=0.99, below=None, random_state=None,
             verbose=0):
    """Greedy ReLU-RBM pretraining of the song-level DNN on training bags.

    The bottom RBM has binary visible units (the bags lie in (0, 1)) and
    noisy ReLU hidden units; the RBMs above are ReLU-ReLU (Sec. III-C-1).

    Parameters
    ----------
    bags : array_like, shape (n_clips, n_features)
        Training-split bags of features.
    layers : int in 1..3 or more
    units : int > 0
        Hidden units per layer (*paper*: 512).
    weight_costs : float or sequence of float
        One per layer, or one for all (*paper*: searched over {0.001, 0.01,
        0.1} per layer, Sec. V-D; see :data:`WC_INC`).
    learning_rates, min_learning_rates : sequence of float
        Per layer, bottom first; the last value is repeated for more
        layers (*code*: 0.03 floor 0.01 for the bottom RBM, 0.003 floor
        0.001 above; the paper gives 0.003 for the ReLU-ReLU RBMs).
    visible : {'bernoulli', 'relu'}
        Visible units of the bottom RBM (*paper*, footnote 3, compares both).
    n_iter, batch_size, momentum, final_momentum, learning_rate_decay
        (*code*: 200 epochs, batch 100, momentum 0.5 then 0.9 from epoch
        ``n_iter // 5``, rate x 0.99 per epoch.)
    below : mirnb.models.dbn.DBN, optional
        A pretrained stack of fewer layers, trained with these settings
        and the same first weight costs (as :func:`first_layers` cuts it):
        only the layers above it are trained, on its top layer's output.
        Layer ``i`` is seeded ``random_state + i`` either way, so the
        result is the stack a full pretraining gives; a grid of weight
        costs shares its prefixes.
    random_state : int or None
    verbose : {0, 1, 2} or bool

    Returns
    -------
    mirnb.models.dbn.DBN
        Fitted; :func:`build_tagger` turns it into the DNN.
    """
    layers = _check.positive_int("layers", layers)

    def per_layer(name, values):
        values = (values,) if np.isscalar(values) else tuple(values)
        if not values:
            raise ParameterError(f"{name}=(): expected at least one value")
        return tuple(values[min(i, len(values) - 1)] for i in range(layers))

    wc = _dbn._per_layer("weight_costs", weight_costs, layers)
    X = np.asarray(bags, dtype=np.float32)
    start = 0 if below is None else len(below.rbms_)
    if not 0 <= start < layers:
        raise ParameterError(f"below has {start} layers: expected fewer than layers={layers}")
    if start:
        X = below.transform(X)
    top = _dbn.DBN(
        (units,) * (layers - start), visible=visible if start == 0 else "relu",
        hidden_units="relu",
        learning_rate=per_layer("learning_rates", learning_rates)[start:],
        min_learning_rate=per_layer("min_learning_rates", min_learning_rates)[start:],
        learning_rate_decay=learning_rate_decay, weight_cost=wc[start:], n_iter=n_iter,
        batch_size=batch_size, momentum=momentum, final_momentum=final_momentum,
        init_visible_bias=False,
        random_state=None if random_state is None else random_state + start,
        verbose=verbose).fit(X)
    return top if not start else _stack(below, below.rbms_ + top.rbms_,
                                        below.history_ + top.history_)


def _stack(dbn, rbms, history):
    """A shallow copy of ``dbn`` holding the layers ``rbms`` (shared, not copied)."""
    out = copy.copy(dbn)
    out.rbms_, out.history_ = list(rbms), list(history)
    out.hidden = tuple(r.n_components for r in out.rbms_)
    return out


def first_layers(dbn, n_layers):
    """The pretrained stack cut to its ``n_layers`` bottom layers.

    Greedy pretraining trains layer ``i`` on the layer below only, so the
    first ``L`` RBMs of a deeper stack are exactly an ``L``-layer
    pretraining: the nets of 1 to 3 layers share one stack.

    Parameters
    ----------
    dbn : mirnb.models.dbn.DBN
        Fitted.
    n_layers : int, 1 <= n_layers <= len(dbn.rbms_)

    Returns
    -------
    mirnb.models.dbn.DBN
        A shallow copy holding the first RBMs (the RBMs are shared, not
        copied).
    """
    if not hasattr(dbn, "rbms_"):
        raise NotFittedError("first_layers: the DBN is not fitted yet")
    n_layers = _check.int_range("n_layers", n_layers, 1, len(dbn.rbms_))
    return _stack(dbn, dbn.rbms_[:n_layers], dbn.history_[:n_layers])


def build_tagger(n_features, n_tags, *, layers=3, units=512, dropout=0.5, input_dropout=0.0,
                 dbn=None, biases="hidden", head="sigmoid", random_state=None):
    """The song-level DNN: ReLU hidden layers and one sigmoid output per tag.

    Parameters
    ----------
    n_features : int > 0
        Size of the bag of features (*paper*: 1,024).
    n_tags : int > 0
        (*paper*: 160.)
    layers : int >= 0
        Hidden layers (*paper*: 1 to 3); 0 gives logistic regression.
    units : int > 0
        Units per hidden layer (*paper*: 512).
    dropout : float in [0, 1)
        On the hidden layers (*code*: 0.5).
    input_dropout : float in [0, 1)
        On the input (*code*: 0; the paper's text mentions input layers).
    dbn : mirnb.models.dbn.DBN or None
        Pretrained layers from :func:`pretrain` (their count and sizes must
        match); None initialises at random (Glorot uniform, zero biases).
    biases : {'hidden', 'code'}
        Which RBM biases a pretrained net starts from: the hidden biases
        (standard) or the authors' code's (the visible bias of the RBM
        above; spec Sec. 1.10).
    head : {'sigmoid', 'softmax'}
        One probability per tag (the paper's), or a posterior over
        exclusive classes (the genre task of the book's closing chapter).
    random_state : int or None

    Returns
    -------
    keras.Model
        ``(n, n_features) -> (n, n_tags)``, uncompiled.
    """
    n_features = _check.positive_int("n_features", n_features)
    n_tags = _check.positive_int("n_tags", n_tags)
    layers = _check.int_range("layers", layers, 0)
    _check.choice("head", head, ("sigmoid", "softmax"))
    if dbn is None:
        return _dbn.mlp(n_features, (units,) * layers, n_tags, activation="relu",
                        head=head, dropout=dropout, input_dropout=input_dropout,
                        name=f"dnn{layers}", random_state=random_state)
    sizes = tuple(r.n_components for r in dbn.rbms_)
    if sizes != (units,) * layers or dbn.n_features_in_ != n_features:
        raise ParameterError(f"dbn has layers {sizes} on {dbn.n_features_in_} inputs: "
                             f"expected {layers} x {units} on {n_features}")
    return dbn.to_keras(n_tags, head=head, dropout=dropout, input_dropout=input_dropout,
                        biases=biases, name=f"dnn{layers}_pretrained",
                        random_state=random_state)


@keras.saving.register_keras_serializable(package="mirnb")
def tag_crossentropy(y_true, y_pred):
    """Binary cross-entropy summed over tags, per clip (Eq. 11, as the code sums it)."""
    y_true = ops.cast(y_true, y_pred.dtype)
    p = ops.clip(y_pred, 1e-7, 1 - 1e-7)
    return -ops.sum(y_true * ops.log(p) + (1 - y_true) * ops.log(1 - p), axis=-1)


def finetune(model, X, Y, *, validation_data, epochs=100, batch_size=128, rho=0.99,
             epsilon=1e-8, loss=tag_crossentropy, random_state=0, verbose=0):
    """Fine-tune a tagger with AdaDelta, keeping the best validation AUC-T epoch.

    Parameters
    ----------
    model : keras.Model
        From :func:`build_tagger`.
    X : array_like, shape (n_clips, n_features)
    Y : array_like, shape (n_clips, n_tags)
    validation_data : (X_valid, Y_valid)
    epochs : int > 0
        (*code*: 100; every epoch runs, the best one is kept.)
    batch_size : int > 0
        (*code*: 128.)
    rho, epsilon : float
        AdaDelta's decay and constant (*code*: 0.99, 1e-8), at learning rate
        1 (Zeiler's update has none; Keras's default of 0.001 would be 1000
        times slower).
    loss : callable or str
        :func:`tag_crossentropy` (the paper's); ``'categorical_crossentropy'``
        for a softmax head over one-hot classes (the best epoch is still the
        one of the best validation AUC, one-vs-rest over the classes).
    random_state : int
        Seeds the order of the batches.
    verbose : {0, 2}

    Returns
    -------
    mirnb.training.FitResult
        Its ``model`` holds the best epoch's weights; ``history`` has
        ``val_auc`` (AUC-T on the validation clips) per epoch.

    References
    ----------
    .. [1] Nam, Herrera & Lee (2015), Sec. III-C-2 and IV-D-2.
    .. [2] Zeiler, M. D. (2012). ADADELTA: an adaptive learning rate method.
       arXiv:1212.5701.
    """
    epochs = _check.positive_int("epochs", epochs)
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ParameterError("validation_data: expected a pair (X_valid, Y_valid)")
    model.compile(optimizer=keras.optimizers.Adadelta(learning_rate=1.0, rho=rho,
                                                      epsilon=epsilon),
                  loss=loss, steps_per_execution=training.STEPS_PER_EXECUTION)
    batches = training.Batches(np.asarray(X, np.float32), np.asarray(Y, np.float32),
                               batch_size=batch_size, shuffle=True, seed=int(random_state))
    Xv, Yv = validation_data
    return training.fit_tagger(model, batches, (np.asarray(Xv, np.float32), np.asarray(Yv)),
                               epochs=epochs, patience=epochs, batch_size=len(Xv),
                               verbose=2 if verbose else 0)


# ----------------------------------------------------------------------------
# a workbench for experiments over the pipeline's settings
# ----------------------------------------------------------------------------
@dataclass
class Stage1:
    """The local features of one (P, sampling, sparsity) and every clip's bags.

    Attributes
    ----------
    local : LocalFeatures
    origin : pandas.DataFrame
        Where the training blocks came from (clip, start).
    bags : dict
        ``{window_frames: (n_clips, n_hidden)}``, rows in :attr:`Workbench.ids` order.
    stats : dict
        PCA dimensions kept, mean activation, reconstruction error, times.
    """

    local: object
    origin: object
    bags: dict
    stats: dict


class Workbench:
    """Stage-1 fits, bags and taggers of one split, each computed once.

    The paper's experiments vary one setting at a time over a shared
    pipeline; every experiment asks the workbench for what it needs, and
    anything already computed (a dictionary, a bag, a pretrained stack or
    its prefix, a trained net) is reused.

    Parameters
    ----------
    frames : dict
        ``{clip_id: {'mel': (n_bands, T), 'novelty': (T,)}}``
        (:func:`mirnb.features.deepbof_frames`).
    parts : dict
        ``{'train': ids, 'valid': ids, 'test': ids}``.
    Y : pandas.DataFrame
        Clip x tag, 0/1.
    seconds : sequence of float
        Pooling windows (s) every bag is computed for.
    sr, hop_length : int
    n_samples, segment : int
        Training blocks and the sampling segment
        (:func:`mirnb.features.sample_blocks`).
    min_test_positives : int
        Tags with fewer test positives are left out of the measures.
    local, pretrain, tagger, finetune : dict
        Keyword arguments of :class:`LocalFeatures`, :func:`pretrain`,
        :func:`build_tagger` and :func:`finetune`.
    weight_costs : tuple of float
        Pretraining weight costs when :meth:`net` is given none.
    seed : int
    verbose : bool

    Attributes
    ----------
    ids : list of str
        Train, valid and test clips, in this order (the rows of the bags).
    Y_parts : dict
        The tag matrix of each part, as arrays.
    eval_tags : np.ndarray of bool
        The tags the measures use.
    nets : dict
        Every trained net's measures, by (stage-1 key, window, layers,
        pretrained, weight costs).
    timings : dict
        Seconds spent per stage.
    """

    def __init__(self, frames, parts, Y, *, seconds, sr, hop_length, n_samples, segment,
                 min_test_positives, local, pretrain, tagger, finetune, weight_costs, seed=0,
                 verbose=True):
        self.frames, self.Y = frames, Y
        self.parts = {p: list(parts[p]) for p in ("train", "valid", "test")}
        self.sr, self.hop_length = sr, hop_length
        self.windows = sorted({self.window(s) for s in seconds})
        self.n_samples, self.segment = n_samples, segment
        self.local_kw, self.pretrain_kw = dict(local), dict(pretrain)
        self.tagger_kw, self.finetune_kw = dict(tagger), dict(finetune)
        self.weight_costs, self.seed, self.verbose = tuple(weight_costs), seed, verbose
        self.ids = self.parts["train"] + self.parts["valid"] + self.parts["test"]
        bounds = np.cumsum([0] + [len(self.parts[p]) for p in ("train", "valid", "test")])
        self.rows = {p: np.arange(bounds[i], bounds[i + 1])
                     for i, p in enumerate(("train", "valid", "test"))}
        Yall = Y.loc[self.ids].to_numpy()
        self.Y_parts = {p: Yall[r] for p, r in self.rows.items()}
        self.eval_tags = self.Y_parts["test"].sum(axis=0) >= min_test_positives
        self.stage1s, self.nets, self._pretrained = {}, {}, {}
        self.timings = {"stage 1": 0.0, "logistic regression": 0.0, "pretraining": 0.0,
                        "fine-tuning": 0.0}

    def window(self, seconds):
        """Pooling window in frames for ``seconds``."""
        return features.window_frames(seconds, sr=self.sr, hop_length=self.hop_length)

    def split(self, bags):
        """A bag matrix cut into train / valid / test rows."""
        return {p: bags[r] for p, r in self.rows.items()}

    def stage1(self, n_frames, sampling, sparsity):
        """Sample, whiten, train the sparse RBM and pool every clip (once per key).

        Returns
        -------
        Stage1
        """
        key = (n_frames, sampling, float(sparsity))
        if key in self.stage1s:
            return self.stage1s[key]
        t0 = time.perf_counter()
        clips = {c: (self.frames[c]["mel"], self.frames[c]["novelty"])
                 for c in self.parts["train"]}
        X, origin = features.sample_blocks(clips, n_frames=n_frames, n_samples=self.n_samples,
                                           method=sampling, segment=self.segment,
                                           random_state=self.seed)
        local = LocalFeatures(n_frames, sparsity_target=sparsity, random_state=self.seed,
                              **self.local_kw).fit(X)
        t_fit = time.perf_counter() - t0
        bags = local.bags([self.frames[c]["mel"] for c in self.ids], self.windows)
        stats = {"P": n_frames, "sampling": sampling, "sparsity": sparsity,
                 "blocks": len(X), "PCA dims": local.whitener_.n_components_,
                 "mean activation": round(float(local.transform(X[:2000]).mean()), 4),
                 "recon error": round(local.rbm_.history_["recon_error"][-1], 4),
                 "fit s": round(t_fit, 1),
                 "encode s": round(time.perf_counter() - t0 - t_fit, 1)}
        self.timings["stage 1"] += time.perf_counter() - t0
        if self.verbose:
            print(f"stage 1: {stats}", flush=True)
        self.stage1s[key] = Stage1(local, origin, bags, stats)
        return self.stage1s[key]

    def _key(self, stage1):
        return next(k for k, v in self.stage1s.items() if v is stage1)

    def pretrained(self, stage1, seconds, weight_costs):
        """The pretrained stack for ``weight_costs``, extending the longest one cached."""
        s1, window, wc = self._key(stage1), self.window(seconds), tuple(weight_costs)
        if (s1, window, wc) not in self._pretrained:
            t0 = time.perf_counter()
            below = next((self._pretrained[(s1, window, wc[:k])]
                          for k in range(len(wc) - 1, 0, -1)
                          if (s1, window, wc[:k]) in self._pretrained), None)
            dbn = pretrain(self.split(stage1.bags[window])["train"], layers=len(wc),
                           weight_costs=wc, below=below, random_state=self.seed,
                           **self.pretrain_kw)
            for k in range(1, len(wc) + 1):
                self._pretrained.setdefault((s1, window, wc[:k]), first_layers(dbn, k))
            self.timings["pretraining"] += time.perf_counter() - t0
        return self._pretrained[(s1, window, wc)]

    def net(self, stage1, seconds, *, layers, pretrained, weight_costs=None):
        """Train one tagger on one bag (once per key) and measure it.

        A pretrained ``L``-layer net takes the first ``L`` RBMs of the stack
        pretrained with ``weight_costs`` (default: the workbench's).

        Returns
        -------
        dict
            ``valid AUC-T`` (best epoch), ``best epoch``, the test measures
            of :meth:`measure`, ``scores`` (test), ``history``, ``model``
            and ``key``.
        """
        wc = self.weight_costs if weight_costs is None else tuple(weight_costs)
        window = self.window(seconds)
        key = (self._key(stage1), window, layers, bool(pretrained), wc if pretrained else None)
        if key in self.nets:
            return self.nets[key]
        if pretrained and len(wc) < layers:
            raise ParameterError(f"weight_costs={wc}: expected at least {layers} values")
        dbn = (first_layers(self.pretrained(stage1, seconds, wc), layers)
               if pretrained and layers else None)
        B, Yp = self.split(stage1.bags[window]), self.Y_parts
        t0 = time.perf_counter()
        model = build_tagger(B["train"].shape[1], Yp["train"].shape[1], layers=layers,
                             dbn=dbn, random_state=self.seed, **self.tagger_kw)
        fit = finetune(model, B["train"], Yp["train"], validation_data=(B["valid"], Yp["valid"]),
                       random_state=self.seed, **self.finetune_kw)
        scores = training.predict(fit.model, B["test"], batch_size=len(B["test"]))
        self.timings["fine-tuning"] += time.perf_counter() - t0
        self.nets[key] = {"valid AUC-T": fit.best_auc, "best epoch": fit.best_epoch,
                          **self.measure(scores), "scores": scores, "history": fit.history,
                          "model": fit.model, "key": key}
        return self.nets[key]

    def best_net(self, layers, *, pretrained=True):
        """The net with the best validation AUC-T among those :meth:`net` trained so far.

        Parameters
        ----------
        layers : int
            Hidden layers of the candidates.
        pretrained : bool
            Candidates pretrained, or initialised at random.

        Returns
        -------
        best : dict or None
            As :meth:`net` returns it (``best['key']`` says which net); None
            when no such net was trained. Ties go to the first trained.
        n_candidates : int
        """
        cands = [v for k, v in self.nets.items() if k[2] == layers and k[3] == bool(pretrained)]
        if not cands:
            return None, 0
        return max(cands, key=lambda v: v["valid AUC-T"]), len(cands)

    def logistic(self, stage1, seconds):
        """Logistic regression per tag on one bag (the paper's Fig. 4 classifier).

        scikit-learn's ``LogisticRegression(C=1)``, one per tag (the C is
        ours: the paper gives no settings); a tag with one class in the
        training clips scores 0.

        Returns
        -------
        dict
            ``valid AUC-T`` and the test measures of :meth:`measure`.
        """
        from sklearn.linear_model import LogisticRegression

        B, Yp = self.split(stage1.bags[self.window(seconds)]), self.Y_parts
        t0 = time.perf_counter()
        scores = {p: np.zeros(Yp[p].shape, np.float32) for p in ("valid", "test")}
        for j in np.nonzero(Yp["train"].any(axis=0) & ~Yp["train"].all(axis=0))[0]:
            lr = LogisticRegression(C=1.0, max_iter=500).fit(B["train"], Yp["train"][:, j])
            for p in scores:
                scores[p][:, j] = lr.predict_proba(B[p])[:, 1]
        self.timings["logistic regression"] += time.perf_counter() - t0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            valid = metrics.auc_tag(Yp["valid"], scores["valid"])["AUC-T"]
        return {"valid AUC-T": valid, **self.measure(scores["test"])}

    def tags_per_clip(self):
        """Mean number of true :attr:`eval_tags` per test clip (what caps P@k)."""
        return float(self.Y_parts["test"][:, self.eval_tags].sum(axis=1).mean())

    def measure(self, scores):
        """The paper's measures of test scores, on :attr:`eval_tags`.

        Returns
        -------
        dict
            :func:`mirnb.metrics.tagging_report` (P@k for the k up to the
            number of tags) and ``'Tags left out (few test positives)'``.
        """
        keep = self.eval_tags
        k = [k for k in (3, 6, 9, 12, 15) if k <= keep.sum()]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rep = metrics.tagging_report(self.Y_parts["test"][:, keep], scores[:, keep], k=k)
        rep["Tags left out (few test positives)"] = int((~keep).sum())
        return dict(rep)


# ----------------------------------------------------------------------------
# choosing the weight costs (Fig. 8)
# ----------------------------------------------------------------------------
def weight_cost_strategies(df):
    """Fig. 8's weight-cost strategies: best of all, fixed costs and WC Inc, per sparsity.

    For each sparsity, each strategy's candidates are the nets whose
    per-layer weight costs it allows: all of them (``'Best (all)'``), those
    in :data:`WC_INC` (``'WC Inc'``), and for each first-layer cost ``w``
    those with ``w`` in every layer (``'fixed w'``). A strategy's net is the
    candidate with the best *validation* AUC-T; the value shown is its test
    AUC-T (Nam, Herrera & Lee 2015, Sec. V-D and Fig. 8).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per net: ``sparsity``, ``weight costs`` (a tuple, one cost
        per layer), ``valid AUC-T`` and ``test AUC-T``.

    Returns
    -------
    pandas.DataFrame
        One row per (sparsity, strategy) with candidates: ``sparsity``,
        ``strategy``, ``nets`` (candidates), ``weight costs`` and ``test
        AUC-T`` of the chosen net. Empty (with these columns) for an empty
        ``df``.
    """
    rows = []
    if not len(df):
        return pd.DataFrame(columns=["sparsity", "strategy", "nets", "weight costs",
                                     "test AUC-T"])
    wc_inc = set(WC_INC)
    for rho, g in df.groupby("sparsity"):
        groups = {"Best (all)": g, "WC Inc": g[[tuple(wc) in wc_inc for wc in g["weight costs"]]]}
        for w in sorted({w[0] for w in g["weight costs"]}):
            fixed = g[[all(x == w for x in wc) for wc in g["weight costs"]]]
            groups[f"fixed {w:g}"] = fixed
        for name, sub in groups.items():
            if len(sub):
                best = sub.loc[sub["valid AUC-T"].idxmax()]
                rows.append({"sparsity": rho, "strategy": name,
                             "nets": len(sub), "weight costs": best["weight costs"],
                             "test AUC-T": best["test AUC-T"]})
    return pd.DataFrame(rows)
