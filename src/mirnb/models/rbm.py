"""Restricted Boltzmann machines trained by contrastive divergence.

The RBM of the book, :class:`RBM`, has one of three kinds of visible unit,
``'bernoulli'`` (binary, or probabilities in [0, 1]), ``'gaussian'`` (unit
variance, for standardised real-valued input) or ``'relu'`` (noisy rectified
linear units, for non-negative input), and one of two kinds of hidden unit,
``'binary'`` or ``'relu'`` (Nair & Hinton 2010, as Nam et al. 2015 pretrain
their song-level network). It is trained by CD-k with learning rate,
momentum and weight cost (L2 on the weights), optional schedules (the rate
multiplied by a factor after every epoch down to a floor, the momentum
raised at a given epoch), an optional sparsity target applied through the
hidden biases, and mean-field options for the negative phase. Stacks of
RBMs (:class:`mirnb.models.dbn.DBN`) and their conversion to MLPs live in
:mod:`mirnb.models.dbn`.

How contrastive divergence runs in Keras
----------------------------------------
Contrastive divergence does not follow the gradient of any objective, so
it is not a plain ``fit``: that is why :class:`ContrastiveDivergence`
subclasses :class:`keras.Model` (Convention 4 of the book's design). The
CD-k update of the weights ``W``, visible biases ``b`` and hidden biases
``c`` is exactly the gradient of the *energy gap*

.. math::

    L = \\frac{1}{N}\\sum_n E(v^{(n)}_0, h^{(n)}_0)
      - \\frac{1}{N}\\sum_n E(v^{(n)}_k, h^{(n)}_k),
    \\qquad E(v, h) = -b^\\top v - h^\\top (W^\\top v + c)

with the negative sample :math:`v_k` (the end of a k-step Gibbs chain
started at the data) and the hidden statistics :math:`h_0 = f(x_0)`,
:math:`h_k = f(x_k)` of both phases held constant, where ``x = v W + c``
and ``f`` is ``sigmoid`` (binary hidden units: their probabilities, as
Hinton 2010 recommends) or ``max(0, x)`` (ReLU hidden units). Its gradient
is ``-(<v h>_0 - <v h>_k)`` for ``W``, ``-(<v>_0 - <v>_k)`` for ``b`` and
``-(<h>_0 - <h>_k)`` for ``c``: the CD update for either kind of hidden
unit. (For binary hidden units it is also the gradient of the free-energy
gap ``F(v_0) - F(v_k)``; for Gaussian visible units the quadratic term
``|v - b|^2 / 2`` of the energy gives the same ``b`` gradient.) So
:meth:`ContrastiveDivergence.compute_loss` returns ``L`` plus the weight
cost ``weight_cost * |W|^2 / 2`` and the sparsity term, and Keras's own
``fit`` trains the model with it, one Keras step per batch, with Keras's
SGD optimizer (with momentum) applying the update. The loss Keras prints is
that energy gap; the number to watch is ``recon_error``, the mean squared
error of the mean-field reconstruction, reported for every epoch.

:meth:`RBM.fit` runs the same updates faster, with
:meth:`ContrastiveDivergence.fit_epochs`: an RBM's update is small (a few
products of the batch with ``W``), and one call from Python per batch, as
Keras's ``fit`` makes, cost more than the update itself at small batches.
So the data become one tensor once per fit, and each epoch is one call of
one compiled function: a ``keras.ops.fori_loop`` over the epoch's batches
(``tf.function`` under TensorFlow, ``jax.jit`` under JAX, on a GPU when
there is one) whose body, :meth:`ContrastiveDivergence.cd_update`, takes the
batch's rows (in the order :class:`mirnb.training.Batches` gives, from its
local generator), computes the gradient of ``L`` in closed form with
``keras.ops`` (the same arithmetic under every backend, no gradient tape)
and steps the same SGD optimizer. The per-epoch work stays in Python
between the calls: callbacks, the learning-rate decay and the momentum
switch (:class:`_Schedule`), and the per-epoch ``loss`` and ``recon_error``.
For a given seed the weights agree with those of the per-batch Keras loop
it replaces to float rounding (``rtol`` 1e-4; the tests hold both against
NumPy references).

Sparsity moves only the hidden biases, with ``p_j = sigmoid(x_j)`` (the
probability of a binary unit, the noise variance of a ReLU one):

- ``sparsity='squared'`` (Lee et al. 2008, Eq. 2): the term
  ``sparsity_cost * sum_j (target - q_j)^2`` with ``q_j`` the mean of
  ``p_j`` over the batch and the weights held constant, whose gradient is
  ``-2 * sparsity_cost * (target - q_j) * mean(p_j (1 - p_j))`` for ``c_j``;
- ``sparsity='linear'`` (the code of Nam et al. 2015): a running average
  ``q <- (1 - sparsity_rate) q + sparsity_rate * mean_batch(p)``, kept in a
  non-trainable variable that starts at zero as in that code, and the
  gradient ``sparsity_cost * (q_j - target)`` for ``c_j`` (their code uses
  ``sparsity_cost = 3``).

References
----------
.. [1] Hinton, G. E. (2010). A practical guide to training restricted
   Boltzmann machines. UTML TR 2010-003 (CD-k, momentum, weight cost,
   Gaussian visible units, Sec. 5-13).
.. [2] Lee, H., Ekanadham, C. & Ng, A. Y. (2008). Sparse deep belief net
   model for visual area V2. NIPS (the sparsity target).
.. [3] Nair, V. & Hinton, G. E. (2010). Rectified linear units improve
   restricted Boltzmann machines. ICML (noisy rectified units).
.. [4] Nam, J., Herrera, J. & Lee, K. (2015). A deep bag-of-features model
   for music auto-tagging. arXiv:1508.04999, Sec. III-B-2 (sparse
   Gaussian-binary RBM) and III-C-1 (ReLU RBMs); code juhannam/deepbof
   (running-average sparsity, learning-rate and momentum schedules).
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

__all__ = ["VISIBLE_UNITS", "HIDDEN_UNITS", "SPARSITY_RULES", "ContrastiveDivergence",
           "RBM"]

#: The kinds of visible unit an :class:`RBM` knows.
VISIBLE_UNITS = ("bernoulli", "gaussian", "relu")
#: The kinds of hidden unit an :class:`RBM` knows.
HIDDEN_UNITS = ("binary", "relu")
#: The sparsity rules: Lee et al. (2008)'s squared term, Nam et al. (2015)'s running average.
SPARSITY_RULES = ("squared", "linear")


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


#: Batches of at most this many rows compute the reconstruction's visible input and the
#: Gibbs chain's first one in one product: measured faster for small batches under both
#: backends on a 2-core CPU; at batch 100 it was 5-10 % faster under JAX, 1-7 % slower
#: under TensorFlow.
_STACK_ROWS = 64


def _unit_rate(name, value):
    """Return ``value`` as a float in (0, 1] (a decay factor, an averaging step)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < value <= 1
    if not ok:
        raise ParameterError(f"{name}={value!r}: expected a number in (0, 1]")
    return float(value)


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
    hidden_units : {'binary', 'relu'}
        Kind of hidden unit (see :class:`RBM`).
    k : int > 0
        Gibbs steps of the negative phase.
    sample_hidden : bool
        Sample the hidden states that drive each reconstruction (True,
        standard CD: binary states, or noisy ReLU states
        ``max(0, x + N(0, sigmoid(x)))``) or use their statistic (False:
        the probabilities, or ``max(0, x)``).
    sample_visible : bool
        Sample the reconstruction (True) or use its mean (False, mean field,
        Hinton 2010's advice for the last step).
    weight_cost : float >= 0
        L2 cost on ``W`` (not on the biases).
    sparsity_target : float in (0, 1) or None
    sparsity_cost : float >= 0
    sparsity : {'squared', 'linear'}
        The sparsity rule (see the module's notes).
    sparsity_rate : float in (0, 1]
        Step of the running average of the ``'linear'`` rule.
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
    mean_activation : keras.Variable, shape (n_hidden,), not trainable
        The running average ``q`` of ``p(h | v_0)`` that the ``'linear'``
        sparsity rule keeps; zero at the start, and left there by the
        ``'squared'`` rule.

    Notes
    -----
    ``call(v)`` returns the mean-field reconstruction ``E[v | f(v W + c)]``.
    Two ways to train, with the same updates: Keras's ``fit`` on ``(X, X)``
    (one Keras step per batch, the gradient of :meth:`compute_loss` by the
    backend's autodiff; compile with a ``MeanSquaredError`` metric to see
    the reconstruction error per epoch), or :meth:`fit_epochs` (one compiled
    call per epoch, the gradient in closed form, :meth:`cd_update`), which
    :meth:`RBM.fit` uses. Compile with an optimizer for either.
    """

    def __init__(self, n_visible, n_hidden, *, visible="bernoulli", hidden_units="binary", k=1,
                 sample_hidden=True, sample_visible=False, weight_cost=0.0,
                 sparsity_target=None, sparsity_cost=0.0, sparsity="squared",
                 sparsity_rate=0.01, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.n_visible = _check.positive_int("n_visible", n_visible)
        self.n_hidden = _check.positive_int("n_hidden", n_hidden)
        self.visible = _check.choice("visible", visible, VISIBLE_UNITS)
        self.hidden_units = _check.choice("hidden_units", hidden_units, HIDDEN_UNITS)
        self.k = _check.positive_int("k", k)
        self.sample_hidden = bool(sample_hidden)
        self.sample_visible = bool(sample_visible)
        self.weight_cost = _check.nonneg("weight_cost", weight_cost)
        self.sparsity_target = (None if sparsity_target is None
                                else _check.fraction("sparsity_target", sparsity_target))
        self.sparsity_cost = _check.nonneg("sparsity_cost", sparsity_cost)
        self.sparsity = _check.choice("sparsity", sparsity, SPARSITY_RULES)
        self.sparsity_rate = _unit_rate("sparsity_rate", sparsity_rate)
        self.seed = seed
        self.W = self.add_weight(
            shape=(self.n_visible, self.n_hidden), name="W",
            initializer=keras.initializers.RandomNormal(stddev=0.01, seed=seed))
        self.b = self.add_weight(shape=(self.n_visible,), name="visible_bias",
                                 initializer="zeros")
        self.c = self.add_weight(shape=(self.n_hidden,), name="hidden_bias",
                                 initializer="zeros")
        self.mean_activation = self.add_weight(shape=(self.n_hidden,), name="mean_activation",
                                               initializer="zeros", trainable=False)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def get_config(self):
        return {"n_visible": self.n_visible, "n_hidden": self.n_hidden,
                "visible": self.visible, "hidden_units": self.hidden_units, "k": self.k,
                "sample_hidden": self.sample_hidden, "sample_visible": self.sample_visible,
                "weight_cost": self.weight_cost, "sparsity_target": self.sparsity_target,
                "sparsity_cost": self.sparsity_cost, "sparsity": self.sparsity,
                "sparsity_rate": self.sparsity_rate, "seed": self.seed, "name": self.name}

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    # -- conditionals -----------------------------------------------------
    def hidden_input(self, v):
        """The hidden units' total input ``x = v W + c``, shape (n, n_hidden)."""
        return ops.matmul(v, self.W) + self.c

    def hidden_probs(self, v):
        """``sigmoid(v W + c)``, shape (n, n_hidden).

        ``p(h_j = 1 | v)`` for binary hidden units; for ReLU ones, the
        variance of their sampling noise (and what the sparsity rules average).
        """
        return ops.sigmoid(self.hidden_input(v))

    def _hidden_statistic(self, x):
        return ops.sigmoid(x) if self.hidden_units == "binary" else ops.relu(x)

    def hidden_activation(self, v):
        """The hidden statistic of CD and of :meth:`RBM.transform`, shape (n, n_hidden).

        ``p(h = 1 | v) = sigmoid(x)`` (binary) or ``max(0, x)`` (ReLU), with
        ``x = v W + c``.
        """
        return self._hidden_statistic(self.hidden_input(v))

    def _sample_hidden(self, x):
        """One hidden sample given the input ``x``: binary, or ``max(0, x + N(0, sigmoid(x)))``."""
        if self.hidden_units == "binary":
            u = keras.random.uniform(ops.shape(x), seed=self.seed_generator)
            return ops.cast(u < ops.sigmoid(x), x.dtype)
        noise = keras.random.normal(ops.shape(x), seed=self.seed_generator)
        return ops.relu(x + noise * ops.sqrt(ops.sigmoid(x)))

    def visible_input(self, h):
        """The visible units' total input ``b + W h``, shape (n, n_visible)."""
        if keras.backend.backend() == "tensorflow":
            # h W^T as (W h^T)^T: TensorFlow's product with a transposed right operand
            # was 4-10x slower on a 2-core CPU once W has a few MB (1024 x 1024)
            return ops.transpose(ops.matmul(self.W, ops.transpose(h))) + self.b
        return ops.matmul(h, ops.transpose(self.W)) + self.b

    def visible_mean(self, h):
        """``E[v | h]``: sigmoid (Bernoulli), identity (Gaussian) or max(0, x) (ReLU)."""
        return self._visible_mean(self.visible_input(h))

    def _visible_mean(self, x):
        """``E[v | h]`` from the visible input ``x = b + W h``."""
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
        return self._visible_sample(self.visible_input(h))

    def _visible_sample(self, x):
        """One sample of ``v | h`` from the visible input ``x = b + W h``."""
        if self.visible == "bernoulli":
            u = keras.random.uniform(ops.shape(x), seed=self.seed_generator)
            return ops.cast(u < ops.sigmoid(x), x.dtype)
        noise = keras.random.normal(ops.shape(x), seed=self.seed_generator)
        if self.visible == "gaussian":
            return x + noise
        return ops.relu(x + noise * ops.sqrt(ops.sigmoid(x)))

    def free_energy(self, v):
        """``F(v) = -b.v - sum_j softplus(c_j + v W_{:j})`` per row (binary hidden units).

        The parameter-dependent part; the energy gap of CD equals the gap of
        ``F`` in its gradient for binary hidden units only.
        """
        return (-ops.matmul(v, self.b)
                - ops.sum(ops.softplus(ops.matmul(v, self.W) + self.c), axis=-1))

    def _chain(self, x0, h0=None):
        """k Gibbs steps from the hidden input ``x0`` of the data: ``(v_k, x_k, r)``.

        ``v_k`` is held constant; ``x_k = v_k W + c`` carries the gradient of
        ``W`` and ``c`` only. Given the hidden statistic ``h0 = f(x0)``, ``r``
        is the visible input ``b + W h0`` of the mean-field reconstruction
        (:meth:`call`): the chain's first one when the hidden states are not
        sampled, else computed beside it (in one product for small batches,
        where that was measured faster); else None.
        """
        x, r = ops.stop_gradient(x0), None
        for step in range(self.k):
            h = self._sample_hidden(x) if self.sample_hidden else self._hidden_statistic(x)
            if step > 0 or h0 is None:
                a = self.visible_input(h)
            elif not self.sample_hidden:  # h is h0
                r = a = self.visible_input(h)
            elif h0.shape[0] is not None and h0.shape[0] <= _STACK_ROWS:
                r, a = ops.split(self.visible_input(ops.concatenate([h0, h], axis=0)), 2)
            else:
                r, a = self.visible_input(h0), self.visible_input(h)
            v = self._visible_sample(a) if self.sample_visible else self._visible_mean(a)
            v = ops.stop_gradient(v)
            x = self.hidden_input(v)
        return v, x, r

    def negative_sample(self, v0):
        """The end ``v_k`` of a k-step Gibbs chain started at the data ``v0``."""
        return self._chain(self.hidden_input(v0))[0]

    # -- Keras hooks -----------------------------------------------------
    def call(self, v):
        """Mean-field reconstruction ``E[v | f(v W + c)]``."""
        return self.visible_mean(self.hidden_activation(v))

    def _phases(self, v0):
        """The two phases of CD-k on the batch ``v0``: ``(x0, h0, vk, xk, hk)``.

        ``x = v W + c`` is the hidden input and ``h = f(x)`` the hidden
        statistic of the data (``0``) and of the end of the Gibbs chain
        (``k``); ``h0``, ``vk`` and ``hk`` are held constant.
        """
        x0 = self.hidden_input(v0)
        h0 = ops.stop_gradient(self._hidden_statistic(x0))
        vk, xk, _ = self._chain(x0)
        hk = ops.stop_gradient(self._hidden_statistic(xk))
        return x0, h0, vk, xk, hk

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The energy gap whose gradient is the CD-k update, plus the costs.

        Used by Keras's own ``fit`` (one CD-k update per Keras step, with
        Keras's gradient and optimizer). Under the ``'linear'`` sparsity rule
        this also updates :attr:`mean_activation` (a non-trainable variable,
        which Keras carries through the compiled step under every backend).
        :meth:`fit_epochs` applies the same update with the gradient in
        closed form (:meth:`cd_update`).
        """
        v0 = ops.cast(x, self.W.dtype)
        x0, h0, vk, xk, hk = self._phases(v0)
        # E(v, h) = -b.v - h.x with x = v W + c; x0 and xk carry the W, c gradients
        e0 = -ops.matmul(v0, self.b) - ops.sum(h0 * x0, axis=-1)
        ek = -ops.matmul(vk, self.b) - ops.sum(hk * xk, axis=-1)
        loss = ops.mean(e0) - ops.mean(ek)
        if self.weight_cost > 0:
            loss = loss + 0.5 * self.weight_cost * ops.sum(ops.square(self.W))
        if self.sparsity_target is not None and self.sparsity_cost > 0:
            if self.sparsity == "squared":
                # sigmoid(v0 W + c) with W held constant: only c gets a gradient
                q = ops.mean(ops.sigmoid(ops.stop_gradient(x0 - self.c) + self.c), axis=0)
                loss = loss + self.sparsity_cost * ops.sum(ops.square(self.sparsity_target - q))
            else:
                p = ops.mean(ops.sigmoid(ops.stop_gradient(x0)), axis=0)
                q = ((1.0 - self.sparsity_rate) * ops.cast(self.mean_activation, p.dtype)
                     + self.sparsity_rate * p)
                self.mean_activation.assign(q)
                step = ops.stop_gradient(q - self.sparsity_target)
                loss = loss + self.sparsity_cost * ops.sum(step * self.c)
        return loss

    # -- the compiled epoch ------------------------------------------------
    def cd_update(self, v0):
        """One CD-k update on the batch ``v0``, with the gradient in closed form.

        Computes the gradient of :meth:`compute_loss` analytically (so the
        same arithmetic runs under every backend, with no gradient tape),
        steps :attr:`optimizer` with it, and updates :attr:`mean_activation`
        under the ``'linear'`` rule: the update Keras's ``fit`` makes, as
        writes to the variables. Run it where writes are allowed: eagerly,
        in a ``tf.function``, or inside a :class:`keras.StatelessScope`
        (:meth:`fit_epochs` does it for JAX).

        Returns
        -------
        loss_sum : scalar tensor
            The batch's energy gap plus costs (:meth:`compute_loss`) times its
            number of rows.
        sq_error_sum : scalar tensor
            The sum over the rows of the mean squared error of the mean-field
            reconstruction :meth:`call`, before the update.
        """
        v0 = ops.cast(v0, self.W.dtype)
        n = ops.cast(ops.shape(v0)[0], v0.dtype)
        W, b, c = self.W.value, self.b.value, self.c.value
        x0 = self.hidden_input(v0)
        h0 = self._hidden_statistic(x0)  # hidden_activation(v0)
        vk, xk, r = self._chain(x0, h0)
        hk = self._hidden_statistic(xk)
        recon = self._visible_mean(r)  # call(v0)
        sq_error_sum = ops.sum(ops.mean(ops.square(v0 - recon), axis=-1))
        # the gradient of the energy gap (module notes), the two phases in one product
        g_W = ops.matmul(ops.transpose(ops.concatenate([vk, v0], axis=0)),
                         ops.concatenate([hk, -h0], axis=0) / n)
        g_b = ops.mean(vk, axis=0) - ops.mean(v0, axis=0)
        g_c = ops.mean(hk, axis=0) - ops.mean(h0, axis=0)
        e0 = -ops.matmul(v0, b) - ops.sum(h0 * x0, axis=-1)
        ek = -ops.matmul(vk, b) - ops.sum(hk * xk, axis=-1)
        loss = ops.mean(e0) - ops.mean(ek)
        if self.weight_cost > 0:
            g_W = g_W + self.weight_cost * W
            loss = loss + 0.5 * self.weight_cost * ops.sum(ops.square(W))
        if self.sparsity_target is not None and self.sparsity_cost > 0:
            p = ops.sigmoid(x0)
            if self.sparsity == "squared":
                q = ops.mean(p, axis=0)
                gap = self.sparsity_target - q
                g_c = g_c - 2.0 * self.sparsity_cost * gap * ops.mean(p * (1.0 - p), axis=0)
                loss = loss + self.sparsity_cost * ops.sum(ops.square(gap))
            else:
                q = ((1.0 - self.sparsity_rate) * ops.cast(self.mean_activation, p.dtype)
                     + self.sparsity_rate * ops.mean(p, axis=0))
                self.mean_activation.assign(q)
                g_c = g_c + self.sparsity_cost * (q - self.sparsity_target)
                loss = loss + self.sparsity_cost * ops.sum((q - self.sparsity_target) * c)
        grads = {id(self.W): g_W, id(self.b): g_b, id(self.c): g_c}
        variables = self.trainable_variables
        self.optimizer.apply([grads[id(v)] for v in variables], variables)
        return loss * n, sq_error_sum

    def _engine_variables(self):
        """The state a CD update reads and writes: the model's, the sampler's, the optimizer's."""
        return [self.W, self.b, self.c, self.mean_activation, self.seed_generator.state,
                *self.optimizer.variables]

    def _epoch_function(self, batch_size):
        """``run(x, order, start, n_steps) -> (loss_sum, sq_error_sum)``: many updates in one call.

        Update ``i`` (of ``n_steps``) is :meth:`cd_update` on the rows
        ``order[start + i * batch_size:start + (i + 1) * batch_size]`` of
        ``x``. The loop is ``keras.ops.fori_loop``, and the whole loop is
        compiled: a ``tf.function`` under TensorFlow (with XLA when
        :attr:`jit_compile`, as Keras's ``fit`` decides), ``jax.jit`` of its
        stateless form under JAX (the variables threaded through the loop
        with a :class:`keras.StatelessScope`, as Keras's JAX trainer does), a
        plain loop under other backends. ``start`` and ``n_steps`` are passed
        as tensors, so one trace serves them all. The optimizer's momentum is
        read when the function is traced: build one per momentum.
        """
        rows = int(batch_size)
        zero = lambda: ops.zeros((), dtype=self.W.dtype)  # noqa: E731

        def batch(x, order, start, i):
            return ops.take(x, ops.slice(order, (start + i * rows,), (rows,)), axis=0)

        backend = keras.backend.backend()
        if backend == "jax":
            import jax

            variables = self._engine_variables()

            def stateless(values, x, order, start, n_steps):
                def body(i, carry):
                    values, sums = carry
                    with keras.StatelessScope(state_mapping=list(zip(variables, values))) as scope:
                        loss_sum, sq_error_sum = self.cd_update(batch(x, order, start, i))
                    values = [scope.get_current_value(v) for v in variables]
                    return values, (sums[0] + loss_sum, sums[1] + sq_error_sum)

                return ops.fori_loop(0, n_steps, body, (list(values), (zero(), zero())))

            compiled = jax.jit(stateless) if self.jit_compile else stateless

            def run(x, order, start, n_steps):
                values, sums = compiled([v.value for v in variables], x, order, start, n_steps)
                for v, value in zip(variables, values):
                    v.assign(value)
                return sums
        else:
            def stateful(x, order, start, n_steps):
                def body(i, sums):
                    loss_sum, sq_error_sum = self.cd_update(batch(x, order, start, i))
                    return sums[0] + loss_sum, sums[1] + sq_error_sum

                return ops.fori_loop(0, n_steps, body, (zero(), zero()))

            run = stateful
            if backend == "tensorflow" and not self.run_eagerly:
                import tensorflow as tf

                run = tf.function(stateful, jit_compile=bool(self.jit_compile))

        def call(x, order, start, n_steps):
            return run(x, order, ops.convert_to_tensor(start, dtype="int32"),
                       ops.convert_to_tensor(n_steps, dtype="int32"))

        return call

    def fit_epochs(self, x, *, batch_size=100, epochs=1, shuffle=True, seed=0, order_offset=0,
                   callbacks=None, verbose=0, momenta=None):
        """Train by CD-k on the rows of ``x``, each epoch in one compiled call.

        The fast counterpart of Keras's ``fit`` for this model, which runs one
        Keras step (one call from Python) per batch. Here ``x`` becomes one
        tensor once; every epoch draws its order of the rows (as
        :class:`mirnb.training.Batches` orders them), and one compiled
        function (:meth:`_epoch_function`) loops over the epoch's batches,
        taking each batch's rows from ``x`` and applying :meth:`cd_update`;
        a smaller last batch gets a call of its own. The updates, random
        draws and order are those of ``fit`` on the same batches, so the
        results agree with it to float rounding. Compile the model with an
        optimizer first.

        Parameters
        ----------
        x : array_like, shape (n_samples, n_visible)
        batch_size : int > 0
        epochs : int > 0
        shuffle : bool
            Visit the rows in a new order every epoch (else in row order).
        seed : int
            Seed of the orders: epoch ``e`` runs in the order of epoch
            ``e + order_offset`` of ``Batches(x, batch_size=batch_size,
            shuffle=shuffle, seed=seed)``.
        order_offset : int >= 0
            See ``seed``. :meth:`RBM.fit` passes 1: Keras's ``fit``, which it
            used before, ends one epoch of a :class:`keras.utils.PyDataset`
            while it peeks at the first batches before training, so its
            epoch ``e`` ran in the order of epoch ``e + 1``; the offset keeps
            those fits' results.
        callbacks : list of keras.callbacks.Callback or None
            Keras callbacks. The train and epoch hooks run as under ``fit``,
            between epochs, so a callback may change the learning rate (read
            on every call) or the optimizer's momentum (the function for the
            new momentum is used from the next epoch on, compiled before
            training when listed in ``momenta``). The batch hooks run once
            per compiled call: ``on_train_batch_end(i, logs)`` after the call
            that ended with batch ``i``, with the epoch's running ``logs``.
            ``model.stop_training`` is honoured after every call.
        verbose : {0, 1, 2}
            Keras's progress bar (1) or one line per epoch (2).
        momenta : iterable of float or None
            The momenta the epochs will run with. Their functions are traced,
            compiled and run once (one update on the first rows, then undone)
            before ``on_train_begin``, so that callbacks time training alone.
            Default: the optimizer's current momentum.

        Returns
        -------
        keras.callbacks.History
            With ``'loss'`` (the energy gap plus costs) and ``'recon_error'``
            (the mean squared error of the mean-field reconstruction, measured
            on each batch before its update) per epoch, as ``fit`` records.
        """
        if getattr(self, "optimizer", None) is None:
            raise ParameterError("fit_epochs: compile the model with an optimizer first")
        x = _matrix(x, "x", n_features=self.n_visible)
        size = _check.positive_int("batch_size", batch_size)
        epochs = _check.positive_int("epochs", epochs)
        order_offset = _check.int_range("order_offset", order_offset, 0)
        n = x.shape[0]
        n_full, rest = divmod(n, size)
        # the rows as their own targets: Batches.targets is then the epoch's row order
        batches = Batches(x, np.arange(n), batch_size=size, shuffle=bool(shuffle),
                          seed=int(seed))
        data = ops.convert_to_tensor(x)
        opt = self.optimizer
        functions = {}

        def function(momentum, rows):
            key = (float(momentum), rows)
            if key not in functions:
                functions[key] = self._epoch_function(rows)
            return functions[key]

        def calls(momentum):
            """The calls of an epoch: (function, first row, batches, rows per batch)."""
            out = [(function(momentum, size), 0, n_full, size)] if n_full else []
            if rest:
                out.append((function(momentum, rest), n_full * size, 1, rest))
            return out

        now = float(opt.momentum)
        state = self._engine_variables()
        saved = [ops.convert_to_numpy(v.value) for v in state]
        identity = ops.convert_to_tensor(np.arange(n, dtype=np.int32))
        for momentum in sorted({now, *(momenta or ())}):
            opt.momentum = momentum
            # one update per function traces, compiles and runs it (a compiled
            # function's first run does extra work); undone below
            for fn, start, _, _ in calls(momentum):
                fn(data, identity, start, 1)
        opt.momentum = now
        for v, value in zip(state, saved):
            v.assign(value)

        callbacks = keras.callbacks.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose,
            epochs=epochs, steps=n_full + (rest > 0), model=self)
        self.stop_training = False
        callbacks.on_train_begin()
        epoch_logs = None
        for epoch in range(epochs):
            callbacks.on_epoch_begin(epoch)
            batches.set_epoch(epoch + order_offset)
            order = ops.convert_to_tensor(batches.targets.astype(np.int32))
            loss_sum = sq_error_sum = 0.0
            done = 0
            for fn, start, n_steps, rows in calls(opt.momentum):
                callbacks.on_train_batch_begin(start // size)
                sums = fn(data, order, start, n_steps)
                loss_sum += float(ops.convert_to_numpy(sums[0]))
                sq_error_sum += float(ops.convert_to_numpy(sums[1]))
                done += n_steps * rows
                logs = {"loss": loss_sum / done, "recon_error": sq_error_sum / done}
                callbacks.on_train_batch_end(start // size + n_steps - 1, logs)
                if self.stop_training:
                    break
            epoch_logs = dict(logs)
            callbacks.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        callbacks.on_train_end(logs=epoch_logs)
        return self.history


class _Schedule(keras.callbacks.Callback):
    """Learning-rate decay with a floor and a momentum switch, per epoch.

    After epoch ``e`` (0-based) the rate is ``max(floor, rate * decay**(e + 1))``;
    from epoch ``momentum_epoch`` on the momentum is ``final_momentum``. Keras's
    SGD reads its momentum as a Python number when the step is traced, so the
    switch needs another compiled function: under Keras's ``fit`` it rebuilds
    the train function; :meth:`ContrastiveDivergence.fit_epochs` keeps one per
    momentum, compiled before training. ``learning_rates`` and ``momenta``
    record the values each epoch ran with.
    """

    def __init__(self, learning_rate, decay, floor, momentum, final_momentum, momentum_epoch):
        super().__init__()
        self.rate, self.decay, self.floor = learning_rate, decay, floor
        self.momentum, self.final_momentum = momentum, final_momentum
        self.momentum_epoch = momentum_epoch
        self.learning_rates, self.momenta = [], []

    def _momentum_at(self, epoch):
        if self.final_momentum is not None and epoch >= self.momentum_epoch:
            return self.final_momentum
        return self.momentum

    def on_epoch_begin(self, epoch, logs=None):
        opt = self.model.optimizer
        want = self._momentum_at(epoch)
        if float(opt.momentum) != want:
            opt.momentum = want
            if getattr(self.model, "train_function", None) is not None:
                # under Keras's fit; ContrastiveDivergence.fit_epochs keeps one
                # compiled function per momentum instead
                self.model.make_train_function(force=True)
        self.learning_rates.append(float(ops.convert_to_numpy(opt.learning_rate)))
        self.momenta.append(float(opt.momentum))

    def on_epoch_end(self, epoch, logs=None):
        if self.decay != 1.0:
            self.model.optimizer.learning_rate = max(self.floor,
                                                     self.rate * self.decay ** (epoch + 1))


# ----------------------------------------------------------------------------
# the estimator
# ----------------------------------------------------------------------------
class RBM(BaseEstimator, TransformerMixin):
    """Restricted Boltzmann machine with binary or ReLU hidden units, trained by CD-k.

    A scikit-learn style estimator (``fit``, ``transform``, learned state
    ending in ``_``, ``random_state``) over :class:`ContrastiveDivergence`,
    which runs the training in Keras: each epoch is one call of one compiled
    loop over the epoch's batches (:meth:`ContrastiveDivergence.fit_epochs`;
    the module's notes say why), with the callbacks, the schedules and the
    per-epoch records between the epochs.

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
    hidden_units : {'binary', 'relu'}
        ``'binary'``: ``p(h_j = 1 | v) = sigmoid(x_j)`` with ``x = v W + c``.
        ``'relu'``: noisy rectified linear units (Nair & Hinton 2010; Nam et
        al. 2015, Sec. III-C-1): CD uses ``max(0, x)`` as the hidden
        statistic in both phases, a sample is ``max(0, x + N(0, sigmoid(x)))``
        (noise variance ``sigmoid(x)``), and :meth:`transform` returns
        ``max(0, x)``.
    learning_rate : float > 0
        SGD step size (Hamel & Eck use 0.001 for pretraining).
    learning_rate_decay : float in (0, 1]
        The rate is multiplied by this after every epoch (Nam et al.'s code:
        0.99); 1 keeps it constant.
    min_learning_rate : float >= 0
        Floor of the decayed rate (at most ``learning_rate``).
    n_iter : int > 0
        Passes over the data (epochs; scikit-learn's name).
    batch_size : int > 0
        Examples per update.
    momentum : float in [0, 1)
        SGD momentum (the initial one when ``final_momentum`` is set).
    final_momentum : float in [0, 1) or None
        Momentum from epoch ``momentum_epoch`` on (Hinton 2010, Sec. 9:
        0.5, then 0.9); None keeps ``momentum`` throughout. The switch
        retraces Keras's train step once. From ``momentum=0`` the velocity
        starts at zero at the switch (Keras's SGD keeps none at momentum 0).
    momentum_epoch : int >= 0 or None
        0-based epoch from which ``final_momentum`` applies; None means
        ``n_iter // 5`` (Nam et al.'s code).
    weight_cost : float >= 0
        L2 cost on the weights.
    k : int > 0
        Steps of the Gibbs chain (CD-k).
    sample_hidden, sample_visible : bool
        Mean-field options of the negative phase; see
        :class:`ContrastiveDivergence`.
    sparsity_target : float in (0, 1) or None
        Wanted mean of ``sigmoid(v W + c)`` for every hidden unit (None: no
        sparsity term).
    sparsity_cost : float >= 0
        Weight of the sparsity term (Nam et al.'s code: 3 with ``'linear'``).
    sparsity : {'squared', 'linear'}
        ``'squared'``: Lee et al. (2008)'s term on the batch mean;
        ``'linear'``: the running-average rule of Nam et al.'s code (see the
        module's notes).
    sparsity_rate : float in (0, 1]
        Step of the ``'linear'`` rule's running average (their code: 0.01).
    init_visible_bias : bool
        Set the visible biases from the data before training: the logit of
        each feature's mean (Bernoulli; Hinton 2010, Sec. 8), its mean
        (Gaussian), zero (ReLU). False leaves them at zero (Nam et al.'s code).
    shuffle : bool
        Shuffle the examples every epoch.
    random_state : int, numpy Generator or None
        Seeds the initial weights, the Gibbs sampling and the order of the
        examples (:class:`mirnb.training.Batches`). Only local generators
        are seeded: fitting leaves Python's, NumPy's and the backend's
        global streams alone.
    verbose : {0, 1, 2} or bool
        Keras's progress: 2 (or True) prints one line per epoch, the form
        that reads well in an executed notebook; 1 a bar, which moves once
        per epoch (an epoch is one compiled call).

    Attributes
    ----------
    components_ : np.ndarray, shape (n_components, n_visible)
        The weights (as scikit-learn's ``BernoulliRBM``: one row per hidden
        unit, a "filter" over the inputs).
    intercept_hidden_ : np.ndarray, shape (n_components,)
    intercept_visible_ : np.ndarray, shape (n_visible,)
    history_ : dict
        Per-epoch ``'recon_error'`` (mean squared error of the mean-field
        reconstruction, measured on each batch before its update), ``'loss'``
        (the energy gap plus costs), and the ``'learning_rate'`` and
        ``'momentum'`` each epoch ran with.
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
    .. [4] Nam, Herrera & Lee (2015), Sec. III-B-2 and III-C-1, and their
       code (schedules, running-average sparsity).
    """

    def __init__(self, n_components=50, *, visible="bernoulli", hidden_units="binary",
                 learning_rate=0.01, learning_rate_decay=1.0, min_learning_rate=0.0,
                 n_iter=10, batch_size=100, momentum=0.5, final_momentum=None,
                 momentum_epoch=None, weight_cost=0.0, k=1, sample_hidden=True,
                 sample_visible=False, sparsity_target=None, sparsity_cost=0.0,
                 sparsity="squared", sparsity_rate=0.01, init_visible_bias=True, shuffle=True,
                 random_state=None, verbose=0):
        self.n_components = n_components
        self.visible = visible
        self.hidden_units = hidden_units
        self.learning_rate = learning_rate
        self.learning_rate_decay = learning_rate_decay
        self.min_learning_rate = min_learning_rate
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.momentum = momentum
        self.final_momentum = final_momentum
        self.momentum_epoch = momentum_epoch
        self.weight_cost = weight_cost
        self.k = k
        self.sample_hidden = sample_hidden
        self.sample_visible = sample_visible
        self.sparsity_target = sparsity_target
        self.sparsity_cost = sparsity_cost
        self.sparsity = sparsity
        self.sparsity_rate = sparsity_rate
        self.init_visible_bias = init_visible_bias
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        """Check the settings (before any data or model is touched)."""
        _check.positive_int("n_components", self.n_components)
        _check.choice("visible", self.visible, VISIBLE_UNITS)
        _check.choice("hidden_units", self.hidden_units, HIDDEN_UNITS)
        lr = _check.positive("learning_rate", self.learning_rate)
        _unit_rate("learning_rate_decay", self.learning_rate_decay)
        floor = _check.nonneg("min_learning_rate", self.min_learning_rate)
        if floor > lr:
            raise ParameterError(f"min_learning_rate={self.min_learning_rate!r} is above "
                                 f"learning_rate={self.learning_rate!r}: the floor must not "
                                 "exceed the starting rate")
        _check.positive_int("n_iter", self.n_iter)
        _check.positive_int("batch_size", self.batch_size)
        _check.rate("momentum", self.momentum)
        if self.final_momentum is not None:
            _check.rate("final_momentum", self.final_momentum)
        if self.momentum_epoch is not None:
            _check.int_range("momentum_epoch", self.momentum_epoch, 0)
        _check.choice("sparsity", self.sparsity, SPARSITY_RULES)
        _unit_rate("sparsity_rate", self.sparsity_rate)
        if self.sparsity_target is not None:
            _check.fraction("sparsity_target", self.sparsity_target)
        _check.nonneg("sparsity_cost", self.sparsity_cost)
        _check.nonneg("weight_cost", self.weight_cost)
        _check.positive_int("k", self.k)

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

    def _schedule(self):
        n_iter = int(self.n_iter)
        epoch = n_iter // 5 if self.momentum_epoch is None else int(self.momentum_epoch)
        final = None if self.final_momentum is None else float(self.final_momentum)
        return _Schedule(float(self.learning_rate), float(self.learning_rate_decay),
                         float(self.min_learning_rate), float(self.momentum), final, epoch)

    def fit(self, X, y=None, *, callbacks=None):
        """Train by CD-k on the rows of ``X``.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_visible)
        y : ignored
        callbacks : list of keras.callbacks.Callback or None
            Extra Keras callbacks (logging, timing, early stopping), run
            after the schedule's. Their train and epoch hooks run as under
            Keras's ``fit``, with the epoch's ``loss`` and ``recon_error`` in
            the logs; their batch hooks run once per compiled call (once per
            epoch, twice when a smaller last batch gets its own call), not
            once per batch. Training starts (``on_train_begin``) once the
            training functions are compiled.

        Returns
        -------
        self
        """
        X = _matrix(X)
        self._check_params()
        self._check_data(X)
        seed = _seed(self.random_state)
        model = ContrastiveDivergence(
            X.shape[1], self.n_components, visible=self.visible,
            hidden_units=self.hidden_units, k=self.k, sample_hidden=self.sample_hidden,
            sample_visible=self.sample_visible, weight_cost=self.weight_cost,
            sparsity_target=self.sparsity_target, sparsity_cost=self.sparsity_cost,
            sparsity=self.sparsity, sparsity_rate=self.sparsity_rate, seed=seed)
        if self.init_visible_bias:
            model.b.assign(self._initial_visible_bias(X))
        schedule = self._schedule()
        # built with the larger momentum so that SGD keeps velocities even when
        # the run starts at momentum 0; the schedule sets the one each epoch uses
        top = max(schedule.momentum, schedule.final_momentum or 0.0)
        optimizer = keras.optimizers.SGD(learning_rate=float(self.learning_rate), momentum=top)
        model.compile(optimizer=optimizer,
                      metrics=[keras.metrics.MeanSquaredError(name="recon_error")])
        optimizer.build(model.trainable_variables)
        optimizer.momentum = schedule.momentum
        n_iter = int(self.n_iter)
        hist = model.fit_epochs(X, batch_size=int(self.batch_size), epochs=n_iter,
                                shuffle=bool(self.shuffle), seed=_order_seed(seed),
                                order_offset=1, callbacks=[schedule, *(callbacks or [])],
                                verbose=_verbose(self.verbose),
                                momenta={schedule._momentum_at(e) for e in range(n_iter)})
        self.model_ = model
        self.history_ = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
        self.history_["learning_rate"] = list(schedule.learning_rates)
        self.history_["momentum"] = list(schedule.momenta)
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
        """The hidden activations: ``p(h = 1 | v)`` (binary) or ``max(0, v W + c)`` (ReLU).

        Parameters
        ----------
        X : array_like, shape (n_samples, n_visible)

        Returns
        -------
        H : np.ndarray, shape (n_samples, n_components), float32
        """
        self._fitted()
        X = _matrix(X, n_features=self.n_features_in_)
        return _batched(self.model_.hidden_activation, X)

    def reconstruct(self, X):
        """Mean-field reconstruction ``E[v | transform(v)]``, shape (n_samples, n_visible)."""
        self._fitted()
        X = _matrix(X, n_features=self.n_features_in_)
        return _batched(self.model_, X)

    def reconstruction_error(self, X):
        """Mean squared error of :meth:`reconstruct` over all entries of ``X``."""
        X = _matrix(X)
        return float(np.mean((self.reconstruct(X) - X) ** 2))
