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

The estimator keeps the work between the epochs in Python: the callbacks,
the learning-rate decay and the momentum switch (:class:`_Schedule`), and
the per-epoch records. The updates run in
:class:`mirnb.models.cd.ContrastiveDivergence`, a :class:`keras.Model`;
:mod:`mirnb.models.cd` says how contrastive divergence runs in Keras and
defines the sparsity rules.

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
from sklearn.exceptions import NotFittedError

import keras
from keras import ops

from .. import _check
from ..errors import ParameterError
from .cd import (HIDDEN_UNITS, SPARSITY_RULES, VISIBLE_UNITS, ContrastiveDivergence, _matrix,
                 _unit_rate)

__all__ = ["RBM"]


# ----------------------------------------------------------------------------
# helpers shared by the estimators (dbn, crbm and convdbn import them)
# ----------------------------------------------------------------------------
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


class _Schedule(keras.callbacks.Callback):
    """Learning-rate decay with a floor and a momentum switch, per epoch.

    After epoch ``e`` (0-based) the rate is ``max(floor, rate * decay**(e + 1))``;
    from epoch ``momentum_epoch`` on the momentum is ``final_momentum``. Keras's
    SGD reads its momentum as a Python number when the step is traced, so the
    switch needs another compiled function: under Keras's ``fit`` it rebuilds
    the train function; :meth:`~mirnb.models.cd.ContrastiveDivergence.fit_epochs`
    keeps one per momentum, compiled before training. ``learning_rates`` and
    ``momenta`` record the values each epoch ran with.
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
    ending in ``_``, ``random_state``) over
    :class:`~mirnb.models.cd.ContrastiveDivergence`, which runs the training
    in Keras: each epoch is one call of one compiled loop over the epoch's
    batches (:meth:`~mirnb.models.cd.ContrastiveDivergence.fit_epochs`;
    :mod:`mirnb.models.cd` says why), with the callbacks, the schedules and
    the per-epoch records between the epochs.

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
        :class:`~mirnb.models.cd.ContrastiveDivergence`.
    sparsity_target : float in (0, 1) or None
        Wanted mean of ``sigmoid(v W + c)`` for every hidden unit (None: no
        sparsity term).
    sparsity_cost : float >= 0
        Weight of the sparsity term (Nam et al.'s code: 3 with ``'linear'``).
    sparsity : {'squared', 'linear'}
        ``'squared'``: Lee et al. (2008)'s term on the batch mean;
        ``'linear'``: the running-average rule of Nam et al.'s code (see
        :mod:`mirnb.models.cd`).
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
