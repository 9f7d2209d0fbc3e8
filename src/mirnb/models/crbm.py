"""Convolutional RBMs over time (Lee et al. 2009), for Dieleman et al. (2011).

:class:`ConvRBM` is a 1-D convolutional RBM over time, without
probabilistic max-pooling: ``K`` filters of ``width`` steps cover all ``C``
input channels, a valid convolution up and a full (transposed) convolution
down, one hidden bias per map and one visible bias per channel. Binary
(mean-field) or unit-variance Gaussian visible units; CD-1 with the Goh et
al. (2010) sparsity bias. :class:`ConvContrastiveDivergence` is the
:class:`keras.Model` that runs it under Keras's ``fit``. The two-branch
network built from them is :mod:`mirnb.models.convdbn`.

CD-1 as the gradient of a free-energy gap
-----------------------------------------
As in :mod:`mirnb.models.cd`, one CD-1 update is the gradient of a
loss whose negative sample is held constant, so Keras's own ``fit`` (and
SGD) runs it compiled under any backend. With ``z_{k,t}(v)`` the hidden
input of map ``k`` at position ``t``, ``p0 = sigmoid(z(v0))`` and the
negative sample ``v1 = E[v | h0]``, ``h0 ~ B(p0)`` (spec steps 1-5: the
data is used as probabilities, only ``h0`` is sampled),

.. math::

    L = \\frac{1}{N_h}\\sum_{n,t,k} [\\mathrm{sp}(z_{kt}(v_1)) - \\mathrm{sp}(z_{kt}(v_0))]
      + \\frac{1}{N_v}\\sum_{n,t,c} b_c (v_1 - v_0)_{tc}
      - \\frac{\\lambda}{N_h}\\sum_{n,t,k} [\\rho - p_{0,kt}]_{\\mathrm{const}}\\, z_{kt}(v_0)

(sp = softplus). Its negative gradient is ``dW_k[tau, c] = sum_t (pt0 v0[t +
tau, c] - p1 v1[t + tau, c]) / N_h``, ``dc_k = sum_t (pt0 - p1) / N_h`` and
``db_c = sum_t (v0 - v1) / N_v`` with the sparsity-biased positive statistic
``pt0 = (1 - lambda) p0 + lambda rho`` (Goh et al. 2010 as ``benanne/morb``
applies it: in the W and the hidden-bias updates, per example and
position). :meth:`ConvContrastiveDivergence.cd_statistics` computes these
sums explicitly and the tests check that both agree.

Gradient scale (spec Sec. 5 item 4, the paper is silent): the sums are
**averaged** over the examples and the positions, ``N_h`` = valid hidden
positions of the batch, ``N_v`` = valid visible positions. With a track as
long as the filter this is the dense RBM's mean over the batch.

Chunks and masks
----------------
Pretraining cuts every track into chunks of ``chunk`` beats that overlap by
``width - 1``, so each window of ``width`` beats (each hidden position) is
seen exactly once per pass (the ``width - 1`` overlap beats enter the
visible-bias statistic twice); the chunk grid gets a random phase each pass.
Chunks shorter than ``chunk`` (short tracks, track ends) are zero-padded at
the end and masked: padded hidden positions are zeroed before the
reconstruction and every statistic counts only valid positions; empty
chunks round each pass up to whole batches, so one shape is compiled.

Streaming
---------
For data that does not fit in memory (the MSD), :meth:`ConvRBM.partial_fit`
takes one CD-1 step per minibatch of full chunks ``(B, L, C)``, in Keras's
compiled ``train_on_batch``; a short batch is padded with masked empty
chunks to the rows already compiled, which leaves its update unchanged.

References
----------
.. [1] Dieleman, S., Brakel, P. & Schrauwen, B. (2011). Audio-based music
   classification with a pretrained convolutional network. ISMIR, Sec. 5-6,
   Fig. 3, Table 1.
.. [2] Lee, H., Grosse, R., Ranganath, R. & Ng, A. Y. (2009). Convolutional
   deep belief networks for scalable unsupervised learning of hierarchical
   representations. ICML.
.. [3] Goh, H., Thome, N. & Cord, M. (2010). Biasing restricted Boltzmann
   machines to manipulate latent selectivity and sparsity. NIPS Workshop on
   Deep Learning and Unsupervised Feature Learning.
.. [4] Hinton, G. E. (2010). A practical guide to training restricted
   Boltzmann machines. UTML TR 2010-003 (mean field, Sec. 3-4; init, Sec. 8).
"""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError

import keras
from keras import ops

from .. import _check
from ..errors import ParameterError
from ..training import STEPS_PER_EXECUTION, Batches
from .rbm import _order_seed, _seed, _verbose

__all__ = ["ConvContrastiveDivergence", "ConvRBM", "pad_tracks", "rbm_table"]


def _tracks(X, name="X", *, n_channels=None, min_len=1, why="width"):
    """``X`` as a list of finite float32 (T_i, C) arrays, checked."""
    if isinstance(X, np.ndarray) and X.ndim == 3:
        X = list(X)
    if isinstance(X, np.ndarray) or not isinstance(X, (list, tuple)):
        raise ParameterError(f"{name}: expected a list of (T_i, C) arrays or a 3-D array "
                             f"(n_tracks, T, C), got {type(X).__name__}")
    if not X:
        raise ParameterError(f"{name} is empty: expected at least one track")
    out = []
    for i, x in enumerate(X):
        try:
            a = np.asarray(x, dtype=np.float32)
        except (TypeError, ValueError) as err:
            raise ParameterError(f"{name}[{i}]: expected a numeric array ({err})") from None
        if a.ndim != 2:
            raise ParameterError(f"{name}[{i}] has shape {a.shape}: expected (T, C), beats "
                                 "by channels")
        want = out[0].shape[1] if n_channels is None and out else n_channels
        if want is not None and a.shape[1] != want:
            fitted = "" if n_channels is None else " (the model was fitted on that many)"
            raise ParameterError(f"{name}[{i}] has {a.shape[1]} channels: expected "
                                 f"{want}{fitted}")
        if a.shape[0] < min_len:
            raise ParameterError(f"{name}[{i}] has {a.shape[0]} beats, fewer than the "
                                 f"{min_len} the {why} needs: drop shorter tracks "
                                 "(and count them) or use smaller widths")
        if not np.all(np.isfinite(a)):
            raise ParameterError(f"{name}[{i}] holds NaN or infinite values")
        out.append(np.ascontiguousarray(a))
    return out


def pad_tracks(tracks, *, length=None, multiple=1, value=0.0):
    """Stack variable-length tracks into one array, padded at the end.

    Parameters
    ----------
    tracks : list of array_like, shape (T_i, C)
    length : int or None
        Padded length (default: the longest track), rounded up to ``multiple``.
    multiple : int > 0
        Round the length up to a multiple of this (fewer distinct shapes to
        compile).
    value : float
        Fill value of the padding (the models' valid outputs never read it).

    Returns
    -------
    np.ndarray, shape (n_tracks, length, C), float32
    """
    tracks = [np.asarray(t, dtype=np.float32) for t in tracks]
    longest = max(len(t) for t in tracks)
    n = longest if length is None else _check.int_range("length", length, longest)
    m = _check.positive_int("multiple", multiple)
    n = -(-n // m) * m
    out = np.full((len(tracks), n, tracks[0].shape[1]), value, dtype=np.float32)
    for i, t in enumerate(tracks):
        out[i, :len(t)] = t
    return out


# ----------------------------------------------------------------------------
# the Keras model that runs CD-1 on a convolutional RBM
# ----------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="mirnb")
class ConvContrastiveDivergence(keras.Model):
    """A 1-D convolutional RBM's parameters, and one CD-1 update per batch of ``fit``.

    ``fit(x, mask)``: ``x`` is a batch of chunks ``(B, L, C)`` and the
    target is their mask ``(B, L)`` (1 on beats, 0 on end padding).

    Parameters
    ----------
    n_channels, n_filters, width : int > 0
        ``C`` visible channels, ``K`` maps, filter width ``w`` (beats).
    visible : {'bernoulli', 'gaussian'}
        Binary units used as probabilities (mean field, never sampled) or
        unit-variance Gaussian units.
    sample_hidden : bool
        Sample the hidden states that drive the reconstruction (True, CD-1)
        or use their probabilities (False, full mean field; for tests).
    sparsity_target : float in (0, 1) or None
    sparsity_cost : float >= 0
        Goh et al.'s relative cost ``lambda``: ``pt0 = (1 - lambda) p0 +
        lambda rho``.
    seed : int or None

    Attributes
    ----------
    W : keras.Variable, shape (width, n_channels, n_filters)
        Keras ``Conv1D`` kernel layout; N(0, 0.01^2) (Hinton 2010, Sec. 8).
    b : keras.Variable, shape (n_channels,)
        Visible bias per channel, shared over time.
    c : keras.Variable, shape (n_filters,)
        Hidden bias per map, shared over time.
    """

    def __init__(self, n_channels, n_filters, width, *, visible="bernoulli",
                 sample_hidden=True, sparsity_target=None, sparsity_cost=0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.n_channels = _check.positive_int("n_channels", n_channels)
        self.n_filters = _check.positive_int("n_filters", n_filters)
        self.width = _check.positive_int("width", width)
        self.visible = _check.choice("visible", visible, ("bernoulli", "gaussian"))
        self.sample_hidden = bool(sample_hidden)
        self.sparsity_target = (None if sparsity_target is None
                                else _check.fraction("sparsity_target", sparsity_target))
        self.sparsity_cost = _check.nonneg("sparsity_cost", sparsity_cost)
        self.seed = seed
        self.W = self.add_weight(
            shape=(self.width, self.n_channels, self.n_filters), name="W",
            initializer=keras.initializers.RandomNormal(stddev=0.01, seed=seed))
        self.b = self.add_weight(shape=(self.n_channels,), name="visible_bias",
                                 initializer="zeros")
        self.c = self.add_weight(shape=(self.n_filters,), name="hidden_bias",
                                 initializer="zeros")
        self.seed_generator = keras.random.SeedGenerator(seed)
        # batch statistics, measured inside the compiled step (Keras logs them)
        self.recon_tracker = keras.metrics.Mean(name="recon_error")
        self.hidden_tracker = keras.metrics.Mean(name="mean_hidden")
        self.built = True

    def get_config(self):
        return {"n_channels": self.n_channels, "n_filters": self.n_filters,
                "width": self.width, "visible": self.visible,
                "sample_hidden": self.sample_hidden, "sparsity_target": self.sparsity_target,
                "sparsity_cost": self.sparsity_cost, "seed": self.seed, "name": self.name}

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    # -- conditionals -----------------------------------------------------
    def hidden_input(self, v):
        """``z_{k,t} = sum_{tau,c} W[tau, c, k] v[t + tau, c] + c_k``: (B, T - w + 1, K)."""
        return ops.conv(v, self.W, strides=1, padding="valid") + self.c

    def hidden_probs(self, v):
        """``p(h_{k,t} = 1 | v) = sigmoid(z_{k,t})``, shape (B, T - w + 1, K)."""
        return ops.sigmoid(self.hidden_input(v))

    def visible_input(self, h):
        """``u[t, c] = b_c + sum_{k,tau} W[tau, c, k] h[t - tau, k]``: (B, T_h + w - 1, C).

        The full (transposed) convolution: ``h`` zero-padded by ``w - 1`` on
        both sides, convolved with the time-flipped kernel.
        """
        w = self.width
        hp = ops.pad(h, [[0, 0], [w - 1, w - 1], [0, 0]])
        kernel = ops.transpose(ops.flip(self.W, axis=0), (0, 2, 1))
        return ops.conv(hp, kernel, strides=1, padding="valid") + self.b

    def visible_mean(self, h):
        """``E[v | h]``: ``sigmoid(u)`` (binary) or ``u`` (Gaussian, unit variance)."""
        u = self.visible_input(h)
        return ops.sigmoid(u) if self.visible == "bernoulli" else u

    def _masks(self, v, mask):
        if mask is None:
            mask = ops.ones(ops.shape(v)[:2], dtype=v.dtype)
        mask = ops.cast(mask, v.dtype)
        return mask[:, :, None], mask[:, self.width - 1:, None]

    def _hidden_sample(self, p):
        if not self.sample_hidden:
            return p
        u = keras.random.uniform(ops.shape(p), seed=self.seed_generator)
        return ops.cast(u < p, p.dtype)

    def negative_phase(self, v0, mask=None, h0=None):
        """Spec Sec. 2.2 steps 2-4: ``v1 = E[v | h0]`` and ``p1 = p(h | v1)``.

        ``v0`` (B, T, C); ``mask`` (B, T), 1 on beats and 0 on end padding
        (default all 1); ``h0`` (B, T - w + 1, K), default a sample of
        ``p(h | v0)`` (its probabilities if ``sample_hidden`` is False).
        Returns ``v1`` (B, T, C) and ``p1`` (B, T - w + 1, K).
        """
        v0 = ops.convert_to_tensor(v0, dtype=self.W.dtype)
        _, hm = self._masks(v0, mask)
        if h0 is None:
            h0 = self._hidden_sample(self.hidden_probs(v0))
        v1 = self.visible_mean(ops.cast(h0, v0.dtype) * hm)
        return v1, self.hidden_probs(v1)

    def cd_statistics(self, v0, mask=None, h0=None):
        """The CD-1 update direction, written out (spec Sec. 2.2 step 5, with sparsity).

        Returns
        -------
        dict of np.ndarray
            ``'W'`` (w, C, K), ``'b'`` (C,), ``'c'`` (K,): the ascent
            directions, averaged over the valid positions of the batch.
            :meth:`compute_loss`'s gradient is minus these.
        """
        v0 = ops.convert_to_tensor(v0, dtype=self.W.dtype)
        vm, hm = self._masks(v0, mask)
        p0 = self.hidden_probs(v0)
        v1, p1 = self.negative_phase(v0, mask, h0)
        if self.sparsity_target is not None:
            p0 = p0 + self.sparsity_cost * (self.sparsity_target - p0)
        p0, p1 = p0 * hm, p1 * hm
        n_h, n_v = ops.maximum(ops.sum(hm), 1.0), ops.maximum(ops.sum(vm), 1.0)
        t_h = ops.shape(p0)[1]
        dW = ops.stack([ops.einsum("btc,btk->ck", v0[:, s:s + t_h], p0)
                        - ops.einsum("btc,btk->ck", v1[:, s:s + t_h], p1)
                        for s in range(self.width)]) / n_h
        out = {"W": dW, "b": ops.sum(vm * (v0 - v1), axis=(0, 1)) / n_v,
               "c": ops.sum(p0 - p1, axis=(0, 1)) / n_h}
        return {k: ops.convert_to_numpy(v) for k, v in out.items()}

    # -- Keras hooks -----------------------------------------------------
    def call(self, v):
        """Mean-field reconstruction ``E[v | p(h | v)]``, shape (B, T, C)."""
        return self.visible_mean(self.hidden_probs(v))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The masked free-energy gap whose gradient is the CD-1 update (``y`` = mask).

        Also logs, before the update, ``recon_error`` (mean squared error of
        the mean-field reconstruction ``E[v | p(h | v0)]`` over valid
        entries) and ``mean_hidden`` (mean of ``p(h | v0)`` over valid
        positions) of the batch.
        """
        v0 = ops.cast(x, self.W.dtype)
        vm, hm = self._masks(v0, y)
        n_h, n_v = ops.maximum(ops.sum(hm), 1.0), ops.maximum(ops.sum(vm), 1.0)
        z0 = self.hidden_input(v0)
        p0 = ops.sigmoid(z0)
        h0 = ops.stop_gradient(self._hidden_sample(p0))
        v1 = ops.stop_gradient(self.visible_mean(h0 * hm))
        rec = ops.stop_gradient(self.visible_mean(p0 * hm))
        self.recon_tracker.update_state(
            ops.sum(vm * ops.square(rec - v0)) / (n_v * self.n_channels), sample_weight=n_v)
        self.hidden_tracker.update_state(
            ops.stop_gradient(ops.sum(hm * p0)) / (n_h * self.n_filters), sample_weight=n_h)

        def neg_free_energy(v, z):
            return (ops.sum(hm * ops.softplus(z)) / n_h
                    + ops.sum(vm * v * self.b) / n_v)

        loss = neg_free_energy(v1, self.hidden_input(v1)) - neg_free_energy(v0, z0)
        if self.sparsity_target is not None and self.sparsity_cost > 0:
            bias = ops.stop_gradient(self.sparsity_target - p0)
            loss = loss - self.sparsity_cost * ops.sum(hm * bias * z0) / n_h
        return loss


# ----------------------------------------------------------------------------
# the estimator
# ----------------------------------------------------------------------------
def _chunks(tracks, length, width, rng, multiple=1):
    """Cut tracks into chunks overlapping by ``width - 1`` (each window once).

    Returns ``x`` (n, length, C) zero-padded and ``mask`` (n, length); ``n``
    is rounded up to ``multiple`` with empty (fully masked) chunks, so that
    every batch has one shape (one compilation).
    """
    hop = length - width + 1
    pieces = []
    for v in tracks:
        n_win = len(v) - width + 1
        shift = int(rng.integers(hop)) if n_win > hop else 0
        for start in range(-shift, n_win, hop):
            pieces.append(v[max(start, 0):min(start + length, len(v))])
    n = -(-len(pieces) // multiple) * multiple
    x = np.zeros((n, length, tracks[0].shape[1]), dtype=np.float32)
    mask = np.zeros((n, length), dtype=np.float32)
    for i, p in enumerate(pieces):
        x[i, :len(p)] = p
        mask[i, :len(p)] = 1.0
    return x, mask


def _per_track(tracks, fn, out_len, batch_size=64, multiple=16):
    """Apply ``fn(v, mask)`` to padded batches of tracks; slice each track's valid output."""
    order = np.argsort([len(t) for t in tracks], kind="stable")
    out = [None] * len(tracks)
    for i in range(0, len(order), batch_size):
        rows = order[i:i + batch_size]
        x = pad_tracks([tracks[r] for r in rows], multiple=multiple)
        mask = np.zeros(x.shape[:2], dtype=np.float32)
        for j, r in enumerate(rows):
            mask[j, :len(tracks[r])] = 1.0
        res = ops.convert_to_numpy(fn(ops.convert_to_tensor(x), ops.convert_to_tensor(mask)))
        for j, r in enumerate(rows):
            out[r] = res[j, :out_len(len(tracks[r]))].copy()
    return out


class ConvRBM(BaseEstimator, TransformerMixin):
    """1-D convolutional RBM over time, trained by CD-1 with sparsity.

    A scikit-learn style estimator over :class:`ConvContrastiveDivergence`.

    Parameters
    ----------
    n_filters : int > 0
        Feature maps ``K`` (the paper: 100).
    width : int > 0
        Filter width in time steps (the paper: 8 beats, then 8 pooled steps).
    visible : {'bernoulli', 'gaussian'}
        ``'bernoulli'`` for values in [0, 1] used as probabilities (chroma,
        pooled hidden probabilities); ``'gaussian'`` for z-scored input
        (timbre), unit variance.
    learning_rate : float > 0
        SGD step (the paper: 0.005 binary, 0.0001 Gaussian visible units).
    sparsity_target : float in (0, 1) or None
        ``rho`` (the paper: 0.05 for 1a and 1b, 0.1 for 3).
    sparsity_cost : float >= 0
        Relative sparsity cost ``lambda`` (the paper: 0.1).
    n_iter : int > 0
        Passes over the data (the paper: one).
    batch_size : int > 0
        Chunks per update (ours: the paper is silent).
    chunk : int >= width or None
        Train on chunks of this many steps cut from the tracks, overlapping
        by ``width - 1`` so that every window is seen once per pass (ours;
        spec Sec. 5 item 5 suggests 64 beats). Shorter chunks (short tracks,
        track ends) are padded and masked. None: whole tracks, padded to
        the longest.
    momentum : float in [0, 1)
        SGD momentum (ours: the paper is silent; default 0).
    init_visible_bias : bool
        Visible biases from the data before training: logit of each
        channel's mean (binary), its mean (Gaussian) (Hinton 2010, Sec. 8);
        the mean of all tracks (:meth:`fit`) or of the first batch
        (:meth:`partial_fit`).
    random_state : int, numpy Generator or None
        Seeds the weights, the hidden samples, the chunk phases and order.
    verbose : {0, 1, 2} or bool

    Attributes
    ----------
    components_ : np.ndarray, shape (n_filters, width, n_channels)
        One filter per map.
    intercept_hidden_ : np.ndarray, shape (n_filters,)
    intercept_visible_ : np.ndarray, shape (n_channels,)
    history_ : dict of lists
        ``'loss'`` (the free-energy gap), ``'recon_error'`` (mean squared
        error of the mean-field reconstruction over valid entries),
        ``'mean_hidden'`` (mean hidden probability, to compare with
        ``sparsity_target``) and ``'n_chunks'``. :meth:`fit`: one entry per
        pass, the last two measured after the pass on up to 2048 of its
        chunks. :meth:`partial_fit`: one entry per call (appended), measured
        on its batch in the step, before the update.
    model_ : ConvContrastiveDivergence
    n_features_in_ : int
        Channels ``C``.

    Examples
    --------
    >>> import numpy as np
    >>> X = [np.random.default_rng(i).random((30 + i, 12)) for i in range(4)]
    >>> crbm = ConvRBM(5, 8, chunk=16, random_state=0).fit(X)
    >>> [h.shape for h in crbm.transform(X[:2])]
    [(23, 5), (24, 5)]

    References
    ----------
    .. [1] Dieleman et al. (2011), Sec. 5.2 (CD-1, mean field, sparsity,
       learning rates, one pass).
    .. [2] Lee et al. (2009), ICML (convolutional RBM).
    .. [3] Goh, Thome & Cord (2010) (sparsity bias of the hidden statistic).
    """

    def __init__(self, n_filters=100, width=8, *, visible="bernoulli", learning_rate=0.005,
                 sparsity_target=0.05, sparsity_cost=0.1, n_iter=1, batch_size=32, chunk=64,
                 momentum=0.0, init_visible_bias=True, random_state=None, verbose=0):
        self.n_filters = n_filters
        self.width = width
        self.visible = visible
        self.learning_rate = learning_rate
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.chunk = chunk
        self.momentum = momentum
        self.init_visible_bias = init_visible_bias
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        _check.positive_int("n_filters", self.n_filters)
        _check.positive_int("width", self.width)
        _check.choice("visible", self.visible, ("bernoulli", "gaussian"))
        _check.positive("learning_rate", self.learning_rate)
        if self.sparsity_target is not None:
            _check.fraction("sparsity_target", self.sparsity_target)
        _check.nonneg("sparsity_cost", self.sparsity_cost)
        _check.positive_int("n_iter", self.n_iter)
        _check.positive_int("batch_size", self.batch_size)
        if self.chunk is not None and _check.positive_int("chunk", self.chunk) < self.width:
            raise ParameterError(f"chunk={self.chunk} is shorter than width={self.width}: "
                                 "a chunk must hold at least one window")
        _check.rate("momentum", self.momentum)

    def _init_model(self, n_channels, mean):
        """A fresh compiled model, its visible biases from the channel means ``mean``."""
        seed = _seed(self.random_state)
        model = ConvContrastiveDivergence(
            n_channels, self.n_filters, self.width, visible=self.visible,
            sparsity_target=self.sparsity_target, sparsity_cost=self.sparsity_cost,
            seed=seed)
        if self.init_visible_bias:
            if self.visible == "bernoulli":
                mean = np.clip(mean, 1e-3, 1 - 1e-3)
                mean = np.log(mean / (1 - mean))
            model.b.assign(np.asarray(mean, dtype=np.float32))
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=self.learning_rate,
                                                     momentum=self.momentum),
                      steps_per_execution=STEPS_PER_EXECUTION)
        self.model_, self.n_features_in_ = model, n_channels
        self.history_ = {"loss": [], "recon_error": [], "mean_hidden": [], "n_chunks": []}
        self._n_rows = int(self.batch_size)
        return seed

    def _check_values(self, lo, hi, name):
        if self.visible == "bernoulli" and (lo < 0 or hi > 1):
            raise ParameterError(
                f"{name} holds values in [{lo:.3g}, {hi:.3g}]: binary visible units need "
                "values in [0, 1]; use visible='gaussian' on z-scored data")

    def fit(self, X, y=None):
        """Train by CD-1 on chunks of the tracks.

        Parameters
        ----------
        X : list of array_like (T_i, C), or array_like (n_tracks, T, C)
            Every track at least ``width`` steps long.
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        tracks = _tracks(X, min_len=self.width, why=f"filter width={self.width}")
        allx = np.concatenate(tracks)
        self._check_values(allx.min(), allx.max(), "X")
        seed = self._init_model(allx.shape[1], allx.mean(axis=0))
        model, hist = self.model_, self.history_
        length = max(len(t) for t in tracks)
        length = length if self.chunk is None else min(int(self.chunk), length)
        order = _order_seed(seed)
        verbose = _verbose(self.verbose)
        for p in range(int(self.n_iter)):
            rng = np.random.default_rng([order, p])
            bs = int(self.batch_size)
            x, mask = _chunks(tracks, length, self.width, rng, multiple=bs)
            batches = Batches(x, mask, batch_size=bs, shuffle=True, seed=order)
            batches.set_epoch(p)
            h = model.fit(batches, epochs=1, shuffle=False, verbose=verbose)
            pick = np.sort(rng.permutation(len(x))[:max(2048 // bs, 1) * bs])
            err, act = self._chunk_stats(model, x[pick], mask[pick], bs)
            n_chunks = int(mask.any(axis=1).sum())
            hist["loss"].append(float(h.history["loss"][-1]))
            hist["recon_error"].append(err)
            hist["mean_hidden"].append(act)
            hist["n_chunks"].append(n_chunks)
            if verbose:
                print(f"ConvRBM pass {p + 1}/{self.n_iter}: {n_chunks} chunks, recon error "
                      f"{err:.4g}, mean hidden {act:.3g}", flush=True)
        return self

    def partial_fit(self, X, y=None):
        """One CD-1 update on a minibatch of full chunks: training on a stream.

        The first call (or the first after construction) initialises the
        model as :meth:`fit` does (the same seeds, ``W ~ N(0, 0.01^2)``),
        but the visible biases come from the mean of this first batch; later
        calls continue, after :meth:`fit` too. Chunks are full (no padding):
        cut them from the tracks as you stream them. Every call runs Keras's
        compiled ``train_on_batch``; a batch of fewer rows than any before it
        (and than ``batch_size``) is padded with masked empty chunks, which
        leaves its update unchanged and reuses the compiled step. ``chunk``
        and ``n_iter`` are not used.

        Parameters
        ----------
        X : array_like, shape (B, L, C)
            ``B`` chunks of ``L >= width`` consecutive steps. Keep ``L``
            fixed (each new shape compiles the step again).
        y : ignored

        Returns
        -------
        self
            With one more entry in each list of ``history_``.
        """
        try:
            x = np.asarray(X, dtype=np.float32)
        except (TypeError, ValueError) as err:
            raise ParameterError(f"X: expected a numeric array (B, L, C) ({err})") from None
        if x.ndim != 3 or min(x.shape) == 0:
            raise ParameterError(f"X has shape {x.shape}: expected a batch of chunks (B, L, C), "
                                 "B > 0 chunks of L steps by C channels")
        fitted = hasattr(self, "model_")
        if fitted and x.shape[2] != self.n_features_in_:
            raise ParameterError(f"X has {x.shape[2]} channels: expected {self.n_features_in_} "
                                 "(the model was fitted on that many)")
        if x.shape[1] < self.width:
            raise ParameterError(f"X holds chunks of {x.shape[1]} steps, fewer than the "
                                 f"filter width={self.width}: stream longer chunks")
        if not np.all(np.isfinite(x)):
            raise ParameterError("X holds NaN or infinite values")
        self._check_values(x.min(), x.max(), "X")
        if not fitted:
            self._check_params()
            self._init_model(x.shape[2], x.mean(axis=(0, 1)))
        n = len(x)
        rows = self._n_rows = max(n, getattr(self, "_n_rows", 0), int(self.batch_size))
        mask = np.zeros((rows, x.shape[1]), dtype=np.float32)
        mask[:n] = 1.0
        if rows > n:
            x = np.concatenate([x, np.zeros((rows - n,) + x.shape[1:], np.float32)])
        logs = self.model_.train_on_batch(x, mask, return_dict=True)
        for k in ("loss", "recon_error", "mean_hidden"):
            self.history_[k].append(float(logs[k]))
        self.history_["n_chunks"].append(n)
        return self

    def _param(self, name):
        if "model_" not in self.__dict__:
            raise AttributeError(f"{name}: this {type(self).__name__} is not fitted yet")
        return ops.convert_to_numpy(getattr(self.model_, name)).copy()

    components_ = property(lambda self: np.transpose(self._param("W"), (2, 0, 1)).copy(),
                           doc="Filters (n_filters, width, n_channels).")
    intercept_visible_ = property(lambda self: self._param("b"), doc="Visible biases (C,).")
    intercept_hidden_ = property(lambda self: self._param("c"), doc="Hidden biases (K,).")

    @staticmethod
    def _chunk_stats(model, x, mask, batch):
        se = nv = act = nh = 0.0
        for i in range(0, len(x), batch):
            v = ops.convert_to_tensor(x[i:i + batch])
            vm, hm = model._masks(v, ops.convert_to_tensor(mask[i:i + batch]))
            p0 = model.hidden_probs(v) * hm
            r = model.visible_mean(p0)
            se += float(ops.convert_to_numpy(ops.sum(vm * ops.square(r - v))))
            act += float(ops.convert_to_numpy(ops.sum(p0)))
            nv += float(mask[i:i + batch].sum()) * x.shape[2]
            nh += float(mask[i:i + batch, model.width - 1:].sum()) * model.n_filters
        return se / max(nv, 1.0), act / max(nh, 1.0)

    def _fitted(self):
        if not hasattr(self, "model_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call "
                                 "fit(X) first")

    def _checked(self, X):
        self._fitted()
        return _tracks(X, n_channels=self.n_features_in_, min_len=self.width,
                       why=f"filter width={self.width}")

    def transform(self, X):
        """Hidden probabilities of each track.

        Parameters
        ----------
        X : list of array_like (T_i, C), or array_like (n_tracks, T, C)

        Returns
        -------
        list of np.ndarray, shape (T_i - width + 1, n_filters), float32
        """
        tracks = self._checked(X)
        return _per_track(tracks, lambda v, m: self.model_.hidden_probs(v),
                          lambda n: n - self.width + 1)

    def reconstruct(self, X):
        """Mean-field reconstructions ``E[v | p(h | v)]``: list of (T_i, C) arrays."""
        tracks = self._checked(X)
        model = self.model_

        def fn(v, mask):
            _, hm = model._masks(v, mask)
            return model.visible_mean(model.hidden_probs(v) * hm)

        return _per_track(tracks, fn, lambda n: n)

    def reconstruction_error(self, X):
        """Mean squared error of :meth:`reconstruct` over every entry of every track."""
        tracks = self._checked(X)
        rec = self.reconstruct(tracks)
        return float(np.mean(np.concatenate([(r - t).ravel() ** 2
                                             for r, t in zip(rec, tracks)])))


def rbm_table(rbms):
    """Each fitted :class:`ConvRBM`'s settings, training record and weight moments.

    Parameters
    ----------
    rbms : mapping of str to ConvRBM
        Fitted RBMs by name, e.g. a :class:`mirnb.models.convdbn.ConvDBN`'s
        ``{'1a': rbm_chroma_, '1b': rbm_timbre_, '3': rbm_top_}`` (Dieleman et
        al. 2011, Sec. 5.2).

    Returns
    -------
    pandas.DataFrame
        One row per RBM (index ``'RBM'``): ``'visible'``, ``'filters'``,
        ``'width'``, ``'learning rate'``, the reconstruction error of the
        first and last record of ``history_`` (a pass of :meth:`ConvRBM.fit`
        or a batch of :meth:`ConvRBM.partial_fit`), the last mean hidden
        activation beside the ``'sparsity target'``, and the mean and SD of
        the weights (the moments a moment-matched random start is drawn with).
    """
    import pandas as pd

    rows = []
    for name, rbm in rbms.items():
        rbm._fitted()
        hist = rbm.history_
        rows.append({"RBM": name, "visible": rbm.visible, "filters": rbm.n_filters,
                     "width": rbm.width, "learning rate": rbm.learning_rate,
                     "reconstruction error, first": hist["recon_error"][0],
                     "reconstruction error, last": hist["recon_error"][-1],
                     "mean hidden activation": hist["mean_hidden"][-1],
                     "sparsity target": rbm.sparsity_target,
                     "weight mean": float(rbm.components_.mean()),
                     "weight SD": float(rbm.components_.std())})
    return pd.DataFrame(rows).set_index("RBM")
