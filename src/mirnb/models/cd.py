"""Contrastive divergence in Keras: the engine under :class:`mirnb.models.rbm.RBM`.

:class:`ContrastiveDivergence` is a :class:`keras.Model` that holds an
RBM's parameters (weights ``W``, visible biases ``b``, hidden biases
``c``), its conditionals and Gibbs chain for every kind of visible unit
(:data:`VISIBLE_UNITS`) and hidden unit (:data:`HIDDEN_UNITS`), and runs
CD-k with weight cost and a sparsity rule (:data:`SPARSITY_RULES`): under
Keras's own ``fit``, or one compiled call per epoch with
:meth:`ContrastiveDivergence.fit_epochs`. The scikit-learn-style estimator
over it, with the schedules and the checks of the data, is
:class:`mirnb.models.rbm.RBM`.

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

:meth:`~mirnb.models.rbm.RBM.fit` runs the same updates faster, with
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
between the calls: callbacks (among them the estimator's learning-rate
decay and momentum switch), and the per-epoch ``loss`` and ``recon_error``.
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

import keras
from keras import ops

from .. import _check
from ..errors import ParameterError
from ..training import Batches

__all__ = ["VISIBLE_UNITS", "HIDDEN_UNITS", "SPARSITY_RULES", "ContrastiveDivergence"]

#: The kinds of visible unit an :class:`~mirnb.models.rbm.RBM` knows.
VISIBLE_UNITS = ("bernoulli", "gaussian", "relu")
#: The kinds of hidden unit an :class:`~mirnb.models.rbm.RBM` knows.
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


def _unit_rate(name, value):
    """Return ``value`` as a float in (0, 1] (a decay factor, an averaging step)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < value <= 1
    if not ok:
        raise ParameterError(f"{name}={value!r}: expected a number in (0, 1]")
    return float(value)


#: Batches of at most this many rows compute the reconstruction's visible input and the
#: Gibbs chain's first one in one product: measured faster for small batches under both
#: backends on a 2-core CPU; at batch 100 it was 5-10 % faster under JAX, 1-7 % slower
#: under TensorFlow.
_STACK_ROWS = 64

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
        Kind of visible unit (see :class:`~mirnb.models.rbm.RBM`).
    hidden_units : {'binary', 'relu'}
        Kind of hidden unit (see :class:`~mirnb.models.rbm.RBM`).
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
        Visible biases, zero (:class:`~mirnb.models.rbm.RBM` sets them from
        the data).
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
    :meth:`~mirnb.models.rbm.RBM.fit` uses. Compile with an optimizer for
    either.
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
        """The hidden statistic of CD and of ``RBM.transform``, shape (n, n_hidden).

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
            See ``seed``. :meth:`~mirnb.models.rbm.RBM.fit` passes 1: Keras's
            ``fit``, which it used before, ends one epoch of a
            :class:`keras.utils.PyDataset` while it peeks at the first batches
            before training, so its epoch ``e`` ran in the order of epoch
            ``e + 1``; the offset keeps those fits' results.
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

