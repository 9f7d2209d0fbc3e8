"""Restricted Boltzmann machines, deep belief networks, and their conversion to MLPs.

The RBM family of the book:

- :class:`RBM`: binary hidden units and one of three kinds of visible unit,
  ``'bernoulli'`` (binary, or probabilities in [0, 1]), ``'gaussian'``
  (unit variance, for standardised real-valued input) or ``'relu'`` (noisy
  rectified linear units, for non-negative input). Trained by CD-k with
  learning rate, momentum and weight cost (L2 on the weights), an optional
  sparsity target applied through the hidden biases (after Lee et al.
  2008), and mean-field options for the negative phase.
- :class:`DBN`: RBMs stacked and trained greedily, layer by layer (Hinton
  et al. 2006), each on the hidden probabilities of the one below.
- :meth:`DBN.to_keras`: the pretrained stack as a Keras MLP (sigmoid hidden
  layers holding the RBM weights and hidden biases) with a softmax or
  sigmoid head, ready for supervised fine-tuning with :func:`finetune`;
  :func:`layer_outputs` reads its hidden activations back.

How contrastive divergence runs in Keras
----------------------------------------
Contrastive divergence does not follow the gradient of any objective, so
it is not a plain ``fit``: that is why :class:`ContrastiveDivergence`
subclasses :class:`keras.Model` (Convention 4 of the book's design). It still
uses Keras's own ``fit`` loop, and so runs compiled, on a GPU when there is
one, under any Keras backend: the CD-k update of the weights ``W``, visible
biases ``b`` and hidden biases ``c`` is exactly the gradient of the *free
energy difference*

.. math::

    L = \\frac{1}{N}\\sum_n F(v^{(n)}_0) - \\frac{1}{N}\\sum_n F(\\bar v^{(n)}_k),
    \\qquad F(v) = -b^\\top v - \\sum_j \\log(1 + e^{c_j + v^\\top W_{:j}})

with the negative sample :math:`\\bar v_k` (the end of a k-step Gibbs
chain started at the data) held constant. Its gradient is
``-(<v h>_data - <v h>_k)`` for ``W``, ``-(<v>_data - <v>_k)`` for ``b`` and
``-(<h>_data - <h>_k)`` for ``c``, with hidden *probabilities* in both
phases, as Hinton (2010) recommends. (For Gaussian visible units the
quadratic term ``|v - b|^2 / 2`` of the free energy gives the same ``b``
gradient, and its ``|v|^2`` part has no parameter in it.) So
:meth:`ContrastiveDivergence.compute_loss` returns ``L`` plus the weight
cost ``weight_cost * |W|^2 / 2`` and the sparsity term, and Keras's SGD
optimizer with momentum applies the update. The loss Keras prints is that
free-energy gap; the number to watch is ``recon_error``, the mean squared
error of the mean-field reconstruction, reported for every epoch.

The sparsity term is ``sparsity_cost * sum_j (p - q_j)^2``, where ``q_j`` is
the mean activation of hidden unit ``j`` over the batch, and ``p`` the target
(Lee et al. 2008, Eq. 2). As in that paper, it moves only the hidden biases:
the weights are held constant inside it, so its gradient is
``-2 * sparsity_cost * (p - q_j) * mean(h_j (1 - h_j))`` for ``c_j``.

References
----------
.. [1] Hinton, G. E., Osindero, S. & Teh, Y.-W. (2006). A fast learning
   algorithm for deep belief nets. Neural Computation 18(7).
.. [2] Hinton, G. E. (2010). A practical guide to training restricted
   Boltzmann machines. UTML TR 2010-003 (CD-k, momentum, weight cost,
   Gaussian visible units, Sec. 5-13).
.. [3] Lee, H., Ekanadham, C. & Ng, A. Y. (2008). Sparse deep belief net
   model for visual area V2. NIPS (the sparsity target).
.. [4] Nair, V. & Hinton, G. E. (2010). Rectified linear units improve
   restricted Boltzmann machines. ICML (noisy rectified units).
.. [5] Hamel, P. & Eck, D. (2010). Learning features from music audio with
   deep belief networks. ISMIR, Sec. 3-4 (a 3 x 50 DBN on DFT frames).
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

import keras
from keras import ops

from sklearn.exceptions import NotFittedError

from .. import _check
from ..errors import ParameterError
from ..training import Batches

__all__ = ["VISIBLE_UNITS", "ContrastiveDivergence", "RBM", "DBN", "finetune",
           "layer_outputs"]

#: The kinds of visible unit an :class:`RBM` knows.
VISIBLE_UNITS = ("bernoulli", "gaussian", "relu")


# ----------------------------------------------------------------------------
# checks
# ----------------------------------------------------------------------------
def _matrix(X, name="X", n_features=None):
    """Return ``X`` as a finite float32 2-D array, or raise ParameterError."""
    try:
        arr = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError) as err:
        raise ParameterError(f"{name}: expected a numeric array ({err})") from None
    if arr.ndim != 2 or 0 in arr.shape:
        raise ParameterError(f"{name} has shape {arr.shape}: expected a non-empty 2-D "
                             "array (n_samples, n_features)")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{name} holds NaN or infinite values")
    if n_features is not None and arr.shape[1] != n_features:
        raise ParameterError(f"{name} has {arr.shape[1]} features: the model was fitted "
                             f"on {n_features}")
    return np.ascontiguousarray(arr)


def _order_seed(seed):
    """The seed of the order of the examples: ``seed``, or a fresh one for None.

    A fresh seed comes from the operating system's entropy, not from NumPy's
    global stream, which fitting never touches.
    """
    return int(np.random.SeedSequence().entropy % 2**31) if seed is None else seed


def _seed(random_state):
    """An int seed (or None) from ``random_state`` (int, None or a Generator)."""
    if random_state is None:
        return None
    if isinstance(random_state, (bool, np.bool_)):
        raise ParameterError(f"random_state={random_state!r}: expected an int, None or "
                             "a numpy Generator")
    if isinstance(random_state, numbers.Integral):
        return _check.int_range("random_state", random_state, 0)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    raise ParameterError(f"random_state={random_state!r}: expected an int, None or a "
                         "numpy Generator")


def _verbose(verbose):
    """Keras's verbosity: 0 silent, 2 one line per epoch (papermill), 1 a bar."""
    if verbose is True:
        return 2
    if verbose is False or verbose is None:
        return 0
    _check.choice("verbose", verbose, (0, 1, 2))
    return int(verbose)


def _batched(fn, X, batch_size=4096):
    """Apply a keras.ops function to ``X`` in batches and return numpy."""
    out = [ops.convert_to_numpy(fn(ops.convert_to_tensor(X[i:i + batch_size])))
           for i in range(0, X.shape[0], batch_size)]
    return np.concatenate(out, axis=0)


# ----------------------------------------------------------------------------
# the Keras model that runs CD-k
# ----------------------------------------------------------------------------
@keras.saving.register_keras_serializable(package="mirnb")
class ContrastiveDivergence(keras.Model):
    """An RBM's parameters, and one CD-k update per batch of Keras's ``fit``.

    Parameters
    ----------
    n_visible, n_hidden : int > 0
    visible : {'bernoulli', 'gaussian', 'relu'}
        Kind of visible unit (see :class:`RBM`).
    k : int > 0
        Gibbs steps of the negative phase.
    sample_hidden : bool
        Sample binary hidden states to drive each reconstruction (True,
        standard CD) or use their probabilities (False: mean field).
    sample_visible : bool
        Sample the reconstruction (True) or use its mean (False, mean field,
        Hinton 2010's advice for the last step).
    weight_cost : float >= 0
        L2 cost on ``W`` (not on the biases).
    sparsity_target : float in (0, 1) or None
    sparsity_cost : float >= 0
    seed : int or None
        Seed of the weight initialisation and of the Gibbs sampling.

    Attributes
    ----------
    W : keras.Variable, shape (n_visible, n_hidden)
        Initialised from N(0, 0.01^2) (Hinton 2010, Sec. 8).
    b : keras.Variable, shape (n_visible,)
        Visible biases, zero (:class:`RBM` sets them from the data).
    c : keras.Variable, shape (n_hidden,)
        Hidden biases, zero.

    Notes
    -----
    ``call(v)`` returns the mean-field reconstruction ``E[v | p(h | v)]``;
    compile with a ``MeanSquaredError`` metric and fit on ``(X, X)`` to see
    the reconstruction error per epoch, as :meth:`RBM.fit` does.
    """

    def __init__(self, n_visible, n_hidden, *, visible="bernoulli", k=1, sample_hidden=True,
                 sample_visible=False, weight_cost=0.0, sparsity_target=None,
                 sparsity_cost=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.n_visible = _check.positive_int("n_visible", n_visible)
        self.n_hidden = _check.positive_int("n_hidden", n_hidden)
        self.visible = _check.choice("visible", visible, VISIBLE_UNITS)
        self.k = _check.positive_int("k", k)
        self.sample_hidden = bool(sample_hidden)
        self.sample_visible = bool(sample_visible)
        self.weight_cost = _check.nonneg("weight_cost", weight_cost)
        self.sparsity_target = (None if sparsity_target is None
                                else _check.fraction("sparsity_target", sparsity_target))
        self.sparsity_cost = _check.nonneg("sparsity_cost", sparsity_cost)
        self.seed = seed
        self.W = self.add_weight(
            shape=(self.n_visible, self.n_hidden), name="W",
            initializer=keras.initializers.RandomNormal(stddev=0.01, seed=seed))
        self.b = self.add_weight(shape=(self.n_visible,), name="visible_bias",
                                 initializer="zeros")
        self.c = self.add_weight(shape=(self.n_hidden,), name="hidden_bias",
                                 initializer="zeros")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def get_config(self):
        return {"n_visible": self.n_visible, "n_hidden": self.n_hidden,
                "visible": self.visible, "k": self.k, "sample_hidden": self.sample_hidden,
                "sample_visible": self.sample_visible, "weight_cost": self.weight_cost,
                "sparsity_target": self.sparsity_target,
                "sparsity_cost": self.sparsity_cost, "seed": self.seed, "name": self.name}

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    # -- conditionals -----------------------------------------------------
    def hidden_probs(self, v):
        """``p(h_j = 1 | v) = sigmoid(c_j + v W_{:j})``, shape (n, n_hidden)."""
        return ops.sigmoid(ops.matmul(v, self.W) + self.c)

    def visible_input(self, h):
        """The visible units' total input ``b + W h``, shape (n, n_visible)."""
        return ops.matmul(h, ops.transpose(self.W)) + self.b

    def visible_mean(self, h):
        """``E[v | h]``: sigmoid (Bernoulli), identity (Gaussian) or max(0, x) (ReLU)."""
        x = self.visible_input(h)
        if self.visible == "bernoulli":
            return ops.sigmoid(x)
        if self.visible == "relu":
            return ops.relu(x)
        return x

    def sample_visible_given(self, h):
        """One sample of ``v | h``.

        Bernoulli: ``v ~ B(sigmoid(x))``; Gaussian (unit variance):
        ``v = x + N(0, 1)``; noisy ReLU: ``v = max(0, x + N(0, sigmoid(x)))``
        (Nair & Hinton 2010), with ``x = b + W h``.
        """
        x = self.visible_input(h)
        if self.visible == "bernoulli":
            u = keras.random.uniform(ops.shape(x), seed=self.seed_generator)
            return ops.cast(u < ops.sigmoid(x), x.dtype)
        noise = keras.random.normal(ops.shape(x), seed=self.seed_generator)
        if self.visible == "gaussian":
            return x + noise
        return ops.relu(x + noise * ops.sqrt(ops.sigmoid(x)))

    def free_energy(self, v):
        """``F(v) = -b.v - sum_j softplus(c_j + v W_{:j})`` per row (parameter-dependent part)."""
        return (-ops.matmul(v, self.b)
                - ops.sum(ops.softplus(ops.matmul(v, self.W) + self.c), axis=-1))

    def negative_sample(self, v0):
        """The end ``v_k`` of a k-step Gibbs chain started at the data ``v0``."""
        h = self.hidden_probs(v0)
        v = v0
        for _ in range(self.k):
            if self.sample_hidden:
                u = keras.random.uniform(ops.shape(h), seed=self.seed_generator)
                h = ops.cast(u < h, h.dtype)
            v = self.sample_visible_given(h) if self.sample_visible else self.visible_mean(h)
            h = self.hidden_probs(v)
        return v

    # -- Keras hooks -----------------------------------------------------
    def call(self, v):
        """Mean-field reconstruction ``E[v | p(h | v)]``."""
        return self.visible_mean(self.hidden_probs(v))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The free-energy gap whose gradient is the CD-k update, plus the costs."""
        v0 = ops.cast(x, self.W.dtype)
        vk = ops.stop_gradient(self.negative_sample(v0))
        loss = ops.mean(self.free_energy(v0)) - ops.mean(self.free_energy(vk))
        if self.weight_cost > 0:
            loss = loss + 0.5 * self.weight_cost * ops.sum(ops.square(self.W))
        if self.sparsity_target is not None and self.sparsity_cost > 0:
            q = ops.mean(ops.sigmoid(ops.matmul(v0, ops.stop_gradient(self.W)) + self.c),
                         axis=0)
            loss = loss + self.sparsity_cost * ops.sum(ops.square(self.sparsity_target - q))
        return loss


# ----------------------------------------------------------------------------
# the estimators
# ----------------------------------------------------------------------------
class RBM(BaseEstimator, TransformerMixin):
    """Restricted Boltzmann machine with binary hidden units, trained by CD-k.

    A scikit-learn style estimator (``fit``, ``transform``, learned state
    ending in ``_``, ``random_state``) over :class:`ContrastiveDivergence`,
    which runs the training in Keras.

    Parameters
    ----------
    n_components : int > 0
        Hidden units (scikit-learn's name, as in :class:`~sklearn.neural_network.BernoulliRBM`).
    visible : {'bernoulli', 'gaussian', 'relu'}
        ``'bernoulli'`` for binary data or data in [0, 1] (probabilities,
        e.g. the hidden activations of a lower RBM); ``'gaussian'`` for
        real-valued data standardised to zero mean and unit variance per
        feature (the model's visible variance is fixed at 1); ``'relu'``
        for non-negative data (noisy rectified linear units).
    learning_rate : float > 0
        SGD step size (Hamel & Eck use 0.001 for pretraining).
    n_iter : int > 0
        Passes over the data (epochs; scikit-learn's name).
    batch_size : int > 0
        Examples per update.
    momentum : float in [0, 1)
        SGD momentum.
    weight_cost : float >= 0
        L2 cost on the weights.
    k : int > 0
        Steps of the Gibbs chain (CD-k).
    sample_hidden, sample_visible : bool
        Mean-field options of the negative phase; see
        :class:`ContrastiveDivergence`.
    sparsity_target : float in (0, 1) or None
        Wanted mean activation of every hidden unit (None: no sparsity term).
    sparsity_cost : float >= 0
        Weight of the sparsity term.
    init_visible_bias : bool
        Set the visible biases from the data before training: the logit of
        each feature's mean (Bernoulli; Hinton 2010, Sec. 8), its mean
        (Gaussian), zero (ReLU).
    shuffle : bool
        Shuffle the examples every epoch.
    random_state : int, numpy Generator or None
        Seeds the initial weights, the Gibbs sampling and the order of the
        examples (:class:`mirnb.training.Batches`). Only local generators
        are seeded: fitting leaves Python's, NumPy's and the backend's
        global streams alone.
    verbose : {0, 1, 2} or bool
        Keras's progress: 2 (or True) prints one line per epoch, the form
        that reads well in an executed notebook.

    Attributes
    ----------
    components_ : np.ndarray, shape (n_components, n_visible)
        The weights (as scikit-learn's ``BernoulliRBM``: one row per hidden
        unit, a "filter" over the inputs).
    intercept_hidden_ : np.ndarray, shape (n_components,)
    intercept_visible_ : np.ndarray, shape (n_visible,)
    history_ : dict
        Per-epoch ``'recon_error'`` (mean squared error of the mean-field
        reconstruction, measured on each batch before its update) and
        ``'loss'`` (the free-energy gap plus costs).
    model_ : ContrastiveDivergence
        The Keras model holding the parameters.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = (np.random.default_rng(0).random((200, 16)) < 0.3).astype("float32")
    >>> rbm = RBM(8, learning_rate=0.1, n_iter=2, random_state=0).fit(X)
    >>> rbm.transform(X).shape
    (200, 8)

    References
    ----------
    .. [1] Hinton, G. E. (2010). A practical guide to training restricted
       Boltzmann machines. UTML TR 2010-003.
    .. [2] Lee, Ekanadham & Ng (2008), NIPS (sparsity target).
    .. [3] Nair & Hinton (2010), ICML (noisy rectified linear units).
    """

    def __init__(self, n_components=50, *, visible="bernoulli", learning_rate=0.01, n_iter=10,
                 batch_size=100, momentum=0.5, weight_cost=0.0, k=1, sample_hidden=True,
                 sample_visible=False, sparsity_target=None, sparsity_cost=0.0,
                 init_visible_bias=True, shuffle=True, random_state=None, verbose=0):
        self.n_components = n_components
        self.visible = visible
        self.learning_rate = learning_rate
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.momentum = momentum
        self.weight_cost = weight_cost
        self.k = k
        self.sample_hidden = sample_hidden
        self.sample_visible = sample_visible
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.init_visible_bias = init_visible_bias
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        _check.positive("learning_rate", self.learning_rate)
        _check.positive_int("n_iter", self.n_iter)
        _check.positive_int("batch_size", self.batch_size)
        _check.rate("momentum", self.momentum)

    def _check_data(self, X):
        if self.visible == "bernoulli" and (X.min() < 0 or X.max() > 1):
            raise ParameterError(
                f"X holds values in [{X.min():.3g}, {X.max():.3g}]: Bernoulli visible "
                "units need data in [0, 1]; use visible='gaussian' on standardised data")
        if self.visible == "relu" and X.min() < 0:
            raise ParameterError(f"X holds negative values (min {X.min():.3g}): ReLU "
                                 "visible units need non-negative data")

    def _initial_visible_bias(self, X):
        mean = X.mean(axis=0)
        if self.visible == "bernoulli":
            p = np.clip(mean, 1e-3, 1 - 1e-3)
            return np.log(p / (1 - p)).astype(np.float32)
        if self.visible == "gaussian":
            return mean.astype(np.float32)
        return np.zeros_like(mean, dtype=np.float32)

    def fit(self, X, y=None):
        """Train by CD-k on the rows of ``X``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_visible)
        y : ignored

        Returns
        -------
        self
        """
        X = _matrix(X)
        _check.choice("visible", self.visible, VISIBLE_UNITS)
        self._check_params()
        self._check_data(X)
        seed = _seed(self.random_state)
        model = ContrastiveDivergence(
            X.shape[1], self.n_components, visible=self.visible, k=self.k,
            sample_hidden=self.sample_hidden, sample_visible=self.sample_visible,
            weight_cost=self.weight_cost, sparsity_target=self.sparsity_target,
            sparsity_cost=self.sparsity_cost, seed=seed)
        if self.init_visible_bias:
            model.b.assign(self._initial_visible_bias(X))
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=self.learning_rate,
                                                     momentum=self.momentum),
                      metrics=[keras.metrics.MeanSquaredError(name="recon_error")])
        batches = Batches(X, X, batch_size=int(self.batch_size), shuffle=bool(self.shuffle),
                          seed=_order_seed(seed))
        hist = model.fit(batches, epochs=int(self.n_iter), shuffle=False,
                         verbose=_verbose(self.verbose))
        self.model_ = model
        self.history_ = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
        self._read_weights()
        self.n_features_in_ = X.shape[1]
        return self

    def _read_weights(self):
        self.components_ = ops.convert_to_numpy(self.model_.W).T.copy()
        self.intercept_visible_ = ops.convert_to_numpy(self.model_.b).copy()
        self.intercept_hidden_ = ops.convert_to_numpy(self.model_.c).copy()

    def _fitted(self):
        if not hasattr(self, "model_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit(X) "
                                 "first")

    def transform(self, X):
        """Hidden probabilities ``p(h = 1 | v)``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_visible)

        Returns
        -------
        H : np.ndarray, shape (n_samples, n_components), float32
        """
        self._fitted()
        X = _matrix(X, n_features=self.n_features_in_)
        return _batched(self.model_.hidden_probs, X)

    def reconstruct(self, X):
        """Mean-field reconstruction ``E[v | p(h | v)]``, shape (n_samples, n_visible)."""
        self._fitted()
        X = _matrix(X, n_features=self.n_features_in_)
        return _batched(self.model_, X)

    def reconstruction_error(self, X):
        """Mean squared error of :meth:`reconstruct` over all entries of ``X``."""
        X = _matrix(X)
        return float(np.mean((self.reconstruct(X) - X) ** 2))


class DBN(BaseEstimator, TransformerMixin):
    """Deep belief network: RBMs trained greedily, layer by layer.

    The first RBM models the data with ``visible`` units; every RBM above
    it has Bernoulli visible units and is trained on the hidden
    probabilities of the one below (Hinton et al. 2006). The training
    settings are shared by all layers.

    Parameters
    ----------
    hidden : sequence of int > 0
        Hidden units per layer, bottom first. Hamel & Eck: ``(50, 50, 50)``.
    visible : {'bernoulli', 'gaussian', 'relu'}
        Visible units of the first layer (``'gaussian'`` for standardised
        DFT frames).
    learning_rate, n_iter, batch_size, momentum, weight_cost, k,
    sample_hidden, sample_visible, sparsity_target, sparsity_cost
        As in :class:`RBM`; Hamel & Eck pretrain with learning rate 0.001
        for 5 epochs.
    random_state : int, numpy Generator or None
        Layer ``i`` is trained with seed ``random_state + i``.
    verbose : {0, 1, 2} or bool
        Keras's progress for each layer (2 or True: a line per epoch), and a
        line per layer.

    Attributes
    ----------
    rbms_ : list of RBM
        The trained layers, bottom first.
    history_ : list of dict
        Each layer's :attr:`RBM.history_`.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(300, 20)).astype("float32")
    >>> dbn = DBN((8, 4), visible="gaussian", n_iter=1, random_state=0).fit(X)
    >>> dbn.transform(X, layers="all").shape
    (300, 12)

    References
    ----------
    .. [1] Hinton, Osindero & Teh (2006). Neural Computation 18(7).
    .. [2] Hamel & Eck (2010), ISMIR, Sec. 3-4 and Table 1.
    """

    def __init__(self, hidden=(50, 50, 50), *, visible="gaussian", learning_rate=0.001,
                 n_iter=5, batch_size=100, momentum=0.5, weight_cost=0.0, k=1,
                 sample_hidden=True, sample_visible=False, sparsity_target=None,
                 sparsity_cost=0.0, random_state=None, verbose=0):
        self.hidden = hidden
        self.visible = visible
        self.learning_rate = learning_rate
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.momentum = momentum
        self.weight_cost = weight_cost
        self.k = k
        self.sample_hidden = sample_hidden
        self.sample_visible = sample_visible
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.random_state = random_state
        self.verbose = verbose

    def _layers(self):
        hidden = (self.hidden,) if isinstance(self.hidden, numbers.Integral) else self.hidden
        try:
            hidden = tuple(hidden)
        except TypeError:
            raise ParameterError(f"hidden={self.hidden!r}: expected a sequence of positive "
                                 "integers") from None
        if not hidden:
            raise ParameterError("hidden=(): expected at least one layer")
        return tuple(_check.positive_int("hidden units", n) for n in hidden)

    def fit(self, X, y=None):
        """Pretrain the layers greedily on the rows of ``X``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        y : ignored

        Returns
        -------
        self
        """
        X = _matrix(X)
        hidden = self._layers()
        seed = _seed(self.random_state)
        verbose = _verbose(self.verbose)
        self.rbms_, H = [], X
        for i, n in enumerate(hidden):
            if verbose:
                kind = self.visible if i == 0 else "bernoulli"
                print(f"DBN layer {i + 1}/{len(hidden)}: RBM {H.shape[1]} {kind} -> {n} "
                      f"binary, {H.shape[0]} examples", flush=True)
            rbm = RBM(n, visible=self.visible if i == 0 else "bernoulli",
                      learning_rate=self.learning_rate, n_iter=self.n_iter,
                      batch_size=self.batch_size, momentum=self.momentum,
                      weight_cost=self.weight_cost, k=self.k,
                      sample_hidden=self.sample_hidden, sample_visible=self.sample_visible,
                      sparsity_target=self.sparsity_target, sparsity_cost=self.sparsity_cost,
                      random_state=None if seed is None else seed + i, verbose=verbose)
            rbm.fit(H)
            self.rbms_.append(rbm)
            if i + 1 < len(hidden):
                H = rbm.transform(H)
        self.history_ = [r.history_ for r in self.rbms_]
        self.n_features_in_ = X.shape[1]
        return self

    def _fitted(self):
        if not hasattr(self, "rbms_"):
            raise NotFittedError("this DBN is not fitted yet: call fit(X) first")

    def _layer_list(self, layers):
        n = len(self.rbms_)
        if isinstance(layers, str):
            _check.choice("layers", layers, ("all", "last"))
            return list(range(n)) if layers == "all" else [n - 1]
        if isinstance(layers, numbers.Integral) and not isinstance(layers, bool):
            layers = [layers]
        out = []
        for i in layers:
            if isinstance(i, bool) or not isinstance(i, numbers.Integral) or not -n <= i < n:
                raise ParameterError(f"layers={layers!r}: expected layer indices in "
                                     f"[{-n}, {n - 1}], 'all' or 'last'")
            out.append(int(i) % n)
        return out

    def transform(self, X, *, layers="last"):
        """Hidden probabilities of some layers, side by side.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        layers : 'last', 'all', int or sequence of int
            Which layers (0 is the bottom one); their activations are
            concatenated in the order given.

        Returns
        -------
        np.ndarray, shape (n_samples, sum of the chosen layers' units)
        """
        self._fitted()
        wanted = self._layer_list(layers)
        H = _matrix(X, n_features=self.n_features_in_)
        acts = []
        for i, rbm in enumerate(self.rbms_[:max(wanted) + 1]):
            H = rbm.transform(H)
            acts.append(H)
        return np.concatenate([acts[i] for i in wanted], axis=1)

    def to_keras(self, n_outputs, *, head="softmax", name="dbn_mlp", random_state=None):
        """The pretrained network as a Keras MLP, for supervised fine-tuning.

        Hidden layer ``i`` is a ``Dense`` layer named ``'hidden_<i+1>'`` with
        sigmoid activation, the weights ``W`` and hidden biases ``c`` of RBM
        ``i``; its outputs equal :meth:`transform` with ``layers=i``. The
        head is a ``Dense`` layer named ``'output'`` with Glorot-uniform
        weights (seeded by ``random_state``) and zero biases.

        Parameters
        ----------
        n_outputs : int > 0
            Classes (softmax) or tags (sigmoid).
        head : {'softmax', 'sigmoid'}
            Softmax for single-label classification (Hamel & Eck's genres),
            sigmoid for multi-label tagging.
        name : str
        random_state : int or None

        Returns
        -------
        keras.Model
            A functional model ``(n, n_features) -> (n, n_outputs)``.

        References
        ----------
        .. [1] Hinton & Salakhutdinov (2006). Reducing the dimensionality of
           data with neural networks. Science 313 (fine-tuning a pretrained
           stack with backpropagation).
        .. [2] Hamel & Eck (2010), Sec. 4 (supervised fine-tuning).
        """
        self._fitted()
        n_outputs = _check.positive_int("n_outputs", n_outputs)
        _check.choice("head", head, ("softmax", "sigmoid"))
        inputs = keras.Input(shape=(self.n_features_in_,), name="frames")
        x = inputs
        dense = []
        for i, rbm in enumerate(self.rbms_):
            layer = keras.layers.Dense(rbm.n_components, activation="sigmoid",
                                       name=f"hidden_{i + 1}")
            x = layer(x)
            dense.append((layer, rbm))
        out = keras.layers.Dense(
            n_outputs, activation=head, name="output",
            kernel_initializer=keras.initializers.GlorotUniform(seed=_seed(random_state)))(x)
        model = keras.Model(inputs, out, name=name)
        for layer, rbm in dense:
            layer.set_weights([rbm.components_.T.copy(), rbm.intercept_hidden_.copy()])
        return model


# ----------------------------------------------------------------------------
# fine-tuning and reading activations
# ----------------------------------------------------------------------------
def finetune(model, X, y, *, validation_data, learning_rate=0.1, momentum=0.0, epochs=100,
             batch_size=100, patience=10, monitor="val_loss", loss=None,
             random_state=None, verbose=0):
    """Supervised fine-tuning with SGD and early stopping on the validation set.

    Compiles ``model`` with plain SGD, trains it on ``(X, y)`` and stops when
    ``monitor`` has not improved for ``patience`` epochs, then restores the
    weights of the best epoch.

    Parameters
    ----------
    model : keras.Model
        E.g. from :meth:`DBN.to_keras`.
    X : array_like, shape (n_samples, n_features)
    y : array_like
        Integer class indices (softmax head) or a binary matrix (sigmoid head).
    validation_data : (X_valid, y_valid)
    learning_rate : float > 0
        Hamel & Eck fine-tune at 0.1.
    momentum : float in [0, 1)
    epochs : int > 0
        The most epochs to run.
    batch_size : int > 0
    patience : int > 0
        Epochs without improvement before stopping.
    monitor : str
        Keras name of the quantity early stopping watches.
    loss : str or None
        Default ``'sparse_categorical_crossentropy'`` for a softmax output,
        ``'binary_crossentropy'`` for a sigmoid one.
    random_state : int or None
        Seeds Keras's global generators (the shuffling).
    verbose : {0, 1, 2} or bool

    Returns
    -------
    dict
        The Keras history (``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy`` per epoch) plus ``'best_epoch'`` (1-based) and
        ``'epochs_run'``.

    References
    ----------
    .. [1] Hamel & Eck (2010), Sec. 4 and Table 1 (learning rate 0.1, early
       stopping on the validation set; 474 supervised epochs in their run).
    """
    lr = _check.positive("learning_rate", learning_rate)
    epochs = _check.positive_int("epochs", epochs)
    batch_size = _check.positive_int("batch_size", batch_size)
    patience = _check.positive_int("patience", patience)
    momentum = _check.rate("momentum", momentum)
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise ParameterError("validation_data: expected a pair (X_valid, y_valid)")
    X = _matrix(X)
    Xv = _matrix(validation_data[0], "validation_data[0]", n_features=X.shape[1])
    y, yv = np.asarray(y), np.asarray(validation_data[1])
    if len(y) != len(X) or len(yv) != len(Xv):
        raise ParameterError(f"got {len(X)} training rows and {len(y)} targets, "
                             f"{len(Xv)} validation rows and {len(yv)} targets")
    seed = _seed(random_state)
    if loss is None:
        head = getattr(model.layers[-1], "activation", None)
        loss = ("binary_crossentropy" if getattr(head, "__name__", "") == "sigmoid"
                else "sparse_categorical_crossentropy")
    metric = ("binary_accuracy" if loss == "binary_crossentropy" else "accuracy")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=momentum),
                  loss=loss, metrics=[metric])
    mode = "max" if "acc" in monitor else "min"
    stop = keras.callbacks.EarlyStopping(monitor=monitor, patience=patience, mode=mode,
                                         restore_best_weights=True)
    batches = Batches(X, y, batch_size=batch_size, shuffle=True, seed=_order_seed(seed))
    hist = model.fit(batches, validation_data=(Xv, yv), epochs=epochs, shuffle=False,
                     callbacks=[stop], verbose=_verbose(verbose))
    out = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    values = out[monitor]
    best = int(np.argmax(values) if mode == "max" else np.argmin(values))
    out["best_epoch"] = best + 1
    out["epochs_run"] = len(values)
    return out


def layer_outputs(model, X, names, *, batch_size=4096):
    """Activations of named layers of a Keras model, side by side.

    Parameters
    ----------
    model : keras.Model
        A functional model, e.g. a fine-tuned :meth:`DBN.to_keras`.
    X : array_like, shape (n_samples, n_features)
    names : str or sequence of str
        Layer names (``'hidden_1'``, ...); outputs are concatenated in this
        order.
    batch_size : int > 0

    Returns
    -------
    np.ndarray, shape (n_samples, total units), float32
    """
    if isinstance(names, str):
        names = [names]
    names = list(names)
    if not names:
        raise ParameterError("names is empty: expected at least one layer name")
    known = [layer.name for layer in model.layers]
    for n in names:
        if n not in known:
            raise ParameterError(f"model has no layer {n!r}; its layers are {known}")
    X = _matrix(X)
    outs = [model.get_layer(n).output for n in names]
    sub = keras.Model(model.inputs, outs)
    batch_size = _check.positive_int("batch_size", batch_size)
    parts = []
    for i in range(0, X.shape[0], batch_size):
        res = sub(ops.convert_to_tensor(X[i:i + batch_size]), training=False)
        res = res if isinstance(res, (list, tuple)) else [res]
        parts.append(np.concatenate([ops.convert_to_numpy(r) for r in res], axis=1))
    return np.concatenate(parts, axis=0).astype(np.float32)
