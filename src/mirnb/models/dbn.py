"""Deep belief networks: RBMs stacked greedily, and their conversion to MLPs.

- :class:`DBN`: RBMs (:class:`mirnb.models.rbm.RBM`) stacked and trained
  greedily, layer by layer (Hinton et al. 2006), each on the hidden
  activations of the one below: binary hidden units with Bernoulli visible
  units above the first layer (Hamel & Eck 2010), or ReLU hidden units with
  ReLU visible units above the first layer (Nam et al. 2015, Sec. III-C-1).
- :func:`mlp`: a plain Keras MLP (Dense hidden layers ``'hidden_1'`` ...,
  optional dropout, a softmax or sigmoid head ``'output'``).
- :meth:`DBN.to_keras`: the pretrained stack as such an MLP, its hidden
  layers holding the RBM weights, ready for supervised fine-tuning with
  :func:`finetune`; :func:`layer_outputs` reads the hidden activations back,
  :func:`hidden_activations` layer by layer, and :func:`clip_features`
  aggregates them over windows of a clip's frames (Hamel & Eck 2010).

References
----------
.. [1] Hinton, G. E., Osindero, S. & Teh, Y.-W. (2006). A fast learning
   algorithm for deep belief nets. Neural Computation 18(7).
.. [2] Hinton, G. E. & Salakhutdinov, R. R. (2006). Reducing the
   dimensionality of data with neural networks. Science 313 (fine-tuning a
   pretrained stack with backpropagation).
.. [3] Hamel, P. & Eck, D. (2010). Learning features from music audio with
   deep belief networks. ISMIR, Sec. 3-4 (a 3 x 50 DBN on DFT frames).
.. [4] Nam, J., Herrera, J. & Lee, K. (2015). A deep bag-of-features model
   for music auto-tagging. arXiv:1508.04999, Sec. III-C (ReLU RBMs, a
   3 x 512 ReLU network with dropout) and the code juhannam/deepbof.
.. [5] Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I. &
   Salakhutdinov, R. (2014). Dropout. JMLR 15.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError

import keras
from keras import ops

from .. import _check
from ..errors import ParameterError
from ..training import STEPS_PER_EXECUTION, Batches
from .cd import HIDDEN_UNITS, _matrix
from .rbm import RBM, _order_seed, _seed, _verbose

__all__ = ["DBN", "mlp", "finetune", "layer_outputs", "hidden_layers", "hidden_activations",
           "clip_features"]

#: Activations :func:`mlp` offers for its hidden layers.
MLP_ACTIVATIONS = ("sigmoid", "relu", "tanh")
#: Heads :func:`mlp` offers.
MLP_HEADS = ("softmax", "sigmoid")


def _per_layer(name, value, n_layers):
    """One value per layer: a scalar repeated, or a sequence of length ``n_layers``."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return [value] * n_layers
    if isinstance(value, (str, bytes)):
        raise ParameterError(f"{name}={value!r}: expected a number or a sequence of "
                             f"{n_layers} numbers, one per layer")
    try:
        values = list(value)
    except TypeError:
        raise ParameterError(f"{name}={value!r}: expected a number or a sequence of "
                             f"{n_layers} numbers, one per layer") from None
    if len(values) != n_layers:
        raise ParameterError(f"{name}={value!r} has {len(values)} values for {n_layers} "
                             "layers: expected a number or one value per layer")
    return values


# ----------------------------------------------------------------------------
# the MLP
# ----------------------------------------------------------------------------
def mlp(n_features, hidden, n_outputs, *, activation="sigmoid", head="softmax", dropout=0.0,
        input_dropout=0.0, name="mlp", random_state=None):
    """A fully connected network as a functional Keras model.

    ``features -> [Dropout 'input_dropout'] -> Dense 'hidden_1' -> [Dropout
    'dropout_1'] -> ... -> Dense 'output'``. Every Dense layer starts from
    Glorot-uniform weights ``U(+-sqrt(6 / (n_in + n_out)))`` and zero
    biases; the Dropout layers are there only for rates above 0, and are
    inactive at inference (Keras's inverted dropout scales at training time,
    which is the same network as halving the weights at test time).

    Parameters
    ----------
    n_features : int > 0
    hidden : sequence of int > 0
        Units per hidden layer, bottom first (may be empty: a linear model
        under the head). Nam et al. (2015): ``(512, 512, 512)``.
    n_outputs : int > 0
        Classes (softmax) or tags (sigmoid).
    activation : {'sigmoid', 'relu', 'tanh'}
        Of the hidden layers.
    head : {'softmax', 'sigmoid'}
        Softmax for single-label classification, sigmoid for multi-label
        tagging (one binary classifier per tag).
    dropout : float in [0, 1)
        Dropout rate after every hidden layer (Nam et al.'s code: 0.5).
    input_dropout : float in [0, 1)
        Dropout rate on the input (their code: 0).
    name : str
    random_state : int or None
        Seeds the initial weights (the head gets seed ``random_state``,
        hidden layer ``i`` (0-based) ``random_state + 1 + i``) and the
        dropout masks.

    Returns
    -------
    keras.Model
        ``(n, n_features) -> (n, n_outputs)``.

    References
    ----------
    .. [1] Glorot, X. & Bengio, Y. (2010). Understanding the difficulty of
       training deep feedforward neural networks. AISTATS (the uniform init).
    .. [2] Nam, Herrera & Lee (2015), Sec. III-C-2 (dropout, sigmoid outputs).
    """
    n_features = _check.positive_int("n_features", n_features)
    hidden = _layer_sizes(hidden)
    n_outputs = _check.positive_int("n_outputs", n_outputs)
    _check.choice("activation", activation, MLP_ACTIVATIONS)
    _check.choice("head", head, MLP_HEADS)
    dropout = _check.rate("dropout", dropout)
    input_dropout = _check.rate("input_dropout", input_dropout)
    seed = _seed(random_state)

    def at(i):
        return None if seed is None else seed + i

    inputs = keras.Input(shape=(n_features,), name="features")
    x = inputs
    if input_dropout > 0:
        x = keras.layers.Dropout(input_dropout, seed=at(2 * len(hidden) + 1),
                                 name="input_dropout")(x)
    for i, units in enumerate(hidden):
        init = keras.initializers.GlorotUniform(seed=at(1 + i))
        x = keras.layers.Dense(units, activation=activation, name=f"hidden_{i + 1}",
                               kernel_initializer=init, bias_initializer="zeros")(x)
        if dropout > 0:
            x = keras.layers.Dropout(dropout, seed=at(len(hidden) + 1 + i),
                                     name=f"dropout_{i + 1}")(x)
    out = keras.layers.Dense(
        n_outputs, activation=head, name="output",
        kernel_initializer=keras.initializers.GlorotUniform(seed=at(0)),
        bias_initializer="zeros")(x)
    return keras.Model(inputs, out, name=name)


def _layer_sizes(hidden, *, allow_empty=True):
    hidden = (hidden,) if isinstance(hidden, numbers.Integral) else hidden
    try:
        sizes = tuple(hidden)
    except TypeError:
        raise ParameterError(f"hidden={hidden!r}: expected a sequence of positive "
                             "integers") from None
    if not sizes and not allow_empty:
        raise ParameterError("hidden=(): expected at least one layer")
    return tuple(_check.positive_int("hidden units", n) for n in sizes)


# ----------------------------------------------------------------------------
# the DBN
# ----------------------------------------------------------------------------
class DBN(BaseEstimator, TransformerMixin):
    """Deep belief network: RBMs trained greedily, layer by layer.

    The first RBM models the data with ``visible`` units; every RBM above it
    is trained on the hidden activations of the one below (Hinton et al.
    2006): with ``hidden_units='binary'`` it has Bernoulli visible units and
    sees the hidden probabilities (Hamel & Eck 2010); with
    ``hidden_units='relu'`` it is a ReLU/ReLU RBM and sees ``max(0, v W + c)``
    (Nam et al. 2015, Sec. III-C-1: binary visible and ReLU hidden units at
    the bottom, ReLU/ReLU above).

    Parameters
    ----------
    hidden : sequence of int > 0
        Hidden units per layer, bottom first. Hamel & Eck: ``(50, 50, 50)``;
        Nam et al.: ``(512, 512, 512)``.
    visible : {'bernoulli', 'gaussian', 'relu'}
        Visible units of the first layer (``'gaussian'`` for standardised
        DFT frames, ``'bernoulli'`` for Nam et al.'s bags of features).
    hidden_units : {'binary', 'relu'}
        Hidden units of every layer (see :class:`mirnb.models.rbm.RBM`).
    learning_rate, min_learning_rate, weight_cost : float, or a sequence of one per layer
        As in :class:`~mirnb.models.rbm.RBM`; a sequence gives each layer
        its own value, bottom first (Nam et al.'s code: rates 0.03, 0.003,
        0.003 with floors 0.01, 0.001, 0.001; weight costs searched per
        layer).
    learning_rate_decay, n_iter, batch_size, momentum, final_momentum, momentum_epoch,
    k, sample_hidden, sample_visible, sparsity_target, sparsity_cost, sparsity,
    sparsity_rate, init_visible_bias
        As in :class:`~mirnb.models.rbm.RBM`, shared by all layers; Hamel &
        Eck pretrain with learning rate 0.001 for 5 epochs.
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
    .. [3] Nam, Herrera & Lee (2015), Sec. III-C-1 and IV-D-2.
    """

    def __init__(self, hidden=(50, 50, 50), *, visible="gaussian", hidden_units="binary",
                 learning_rate=0.001, learning_rate_decay=1.0, min_learning_rate=0.0,
                 n_iter=5, batch_size=100, momentum=0.5, final_momentum=None,
                 momentum_epoch=None, weight_cost=0.0, k=1, sample_hidden=True,
                 sample_visible=False, sparsity_target=None, sparsity_cost=0.0,
                 sparsity="squared", sparsity_rate=0.01, init_visible_bias=True,
                 random_state=None, verbose=0):
        self.hidden = hidden
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
        self.random_state = random_state
        self.verbose = verbose

    def _layers(self):
        return _layer_sizes(self.hidden, allow_empty=False)

    def _unfitted_rbms(self, seed):
        """The layers' RBMs, their settings checked, before any training."""
        hidden = self._layers()
        _check.choice("hidden_units", self.hidden_units, HIDDEN_UNITS)
        n = len(hidden)
        rates = _per_layer("learning_rate", self.learning_rate, n)
        floors = _per_layer("min_learning_rate", self.min_learning_rate, n)
        costs = _per_layer("weight_cost", self.weight_cost, n)
        upper = "bernoulli" if self.hidden_units == "binary" else "relu"
        rbms = []
        for i, units in enumerate(hidden):
            rbm = RBM(units, visible=self.visible if i == 0 else upper,
                      hidden_units=self.hidden_units, learning_rate=rates[i],
                      learning_rate_decay=self.learning_rate_decay,
                      min_learning_rate=floors[i], n_iter=self.n_iter,
                      batch_size=self.batch_size, momentum=self.momentum,
                      final_momentum=self.final_momentum, momentum_epoch=self.momentum_epoch,
                      weight_cost=costs[i], k=self.k, sample_hidden=self.sample_hidden,
                      sample_visible=self.sample_visible, sparsity_target=self.sparsity_target,
                      sparsity_cost=self.sparsity_cost, sparsity=self.sparsity,
                      sparsity_rate=self.sparsity_rate,
                      init_visible_bias=self.init_visible_bias,
                      random_state=None if seed is None else seed + i,
                      verbose=_verbose(self.verbose))
            rbm._check_params()
            rbms.append(rbm)
        return rbms

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
        verbose = _verbose(self.verbose)
        rbms = self._unfitted_rbms(_seed(self.random_state))
        self.rbms_, H = [], X
        for i, rbm in enumerate(rbms):
            if verbose:
                print(f"DBN layer {i + 1}/{len(rbms)}: RBM {H.shape[1]} {rbm.visible} -> "
                      f"{rbm.n_components} {rbm.hidden_units}, {H.shape[0]} examples",
                      flush=True)
            rbm.fit(H)
            self.rbms_.append(rbm)
            if i + 1 < len(rbms):
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
        """Hidden activations of some layers, side by side.

        Parameters
        ----------
        X : array_like, shape (n_samples, n_features)
        layers : 'last', 'all', int or sequence of int
            Which layers (0 is the bottom one); their activations
            (probabilities, or ``max(0, v W + c)`` for ReLU units) are
            concatenated in the order given.

        Returns
        -------
        np.ndarray, shape (n_samples, sum of the chosen layers' units)
        """
        self._fitted()
        wanted = self._layer_list(layers)
        H = _matrix(X, n_features=self.n_features_in_)
        acts = []
        for rbm in self.rbms_[:max(wanted) + 1]:
            H = rbm.transform(H)
            acts.append(H)
        return np.concatenate([acts[i] for i in wanted], axis=1)

    def to_keras(self, n_outputs, *, head="softmax", dropout=0.0, input_dropout=0.0,
                 biases="hidden", name="dbn_mlp", random_state=None):
        """The pretrained network as a Keras MLP, for supervised fine-tuning.

        Built by :func:`mlp`: hidden layer ``i`` is a ``Dense`` layer named
        ``'hidden_<i+1>'`` with sigmoid (binary units) or ReLU activation
        and the weights ``W`` of RBM ``i``; with ``biases='hidden'`` its
        outputs equal :meth:`transform` with ``layers=i`` (dropout is
        inactive at inference). The head is a ``Dense`` layer named
        ``'output'`` with Glorot-uniform weights (seeded by
        ``random_state``) and zero biases.

        Parameters
        ----------
        n_outputs : int > 0
            Classes (softmax) or tags (sigmoid).
        head : {'softmax', 'sigmoid'}
            Softmax for single-label classification (Hamel & Eck's genres),
            sigmoid for multi-label tagging (Nam et al.).
        dropout, input_dropout : float in [0, 1)
            See :func:`mlp` (Nam et al.'s code: 0.5 and 0).
        biases : {'hidden', 'code'}
            ``'hidden'``: each layer gets its RBM's hidden biases (the
            standard transfer). ``'code'``: the quirk of Nam et al.'s code
            (spec Sec. 1.10): hidden layer ``i`` gets the *visible* biases
            of RBM ``i + 1`` and the top hidden layer gets zeros.
        name : str
        random_state : int or None

        Returns
        -------
        keras.Model
            A functional model ``(n, n_features) -> (n, n_outputs)``.

        References
        ----------
        .. [1] Hinton & Salakhutdinov (2006). Science 313.
        .. [2] Hamel & Eck (2010), Sec. 4 (supervised fine-tuning).
        .. [3] Nam, Herrera & Lee (2015), Sec. III-C-2; code
           ``tagatune_dnn.m`` (the bias transfer).
        """
        self._fitted()
        _check.choice("biases", biases, ("hidden", "code"))
        units = self.rbms_[0].hidden_units
        model = mlp(self.n_features_in_, [r.n_components for r in self.rbms_], n_outputs,
                    activation="sigmoid" if units == "binary" else "relu", head=head,
                    dropout=dropout, input_dropout=input_dropout, name=name,
                    random_state=random_state)
        for i, rbm in enumerate(self.rbms_):
            if biases == "hidden":
                bias = rbm.intercept_hidden_
            elif i + 1 < len(self.rbms_):
                bias = self.rbms_[i + 1].intercept_visible_
            else:
                bias = np.zeros(rbm.n_components, dtype=np.float32)
            model.get_layer(f"hidden_{i + 1}").set_weights([rbm.components_.T.copy(),
                                                            np.array(bias, copy=True)])
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
                  loss=loss, metrics=[metric], steps_per_execution=STEPS_PER_EXECUTION)
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


def hidden_layers(model):
    """The names of the hidden layers of a :meth:`DBN.to_keras` (or :func:`mlp`) network.

    Parameters
    ----------
    model : keras.Model
        Hidden layers named ``'hidden_1'``, ``'hidden_2'``, ...

    Returns
    -------
    list of str
        In the order of the layers.
    """
    return [layer.name for layer in model.layers if layer.name.startswith("hidden_")]


def hidden_activations(model, X, *, batch_size=4096):
    """Each hidden layer's activations of a :meth:`DBN.to_keras` network, layer by layer.

    Hamel & Eck (2010, Sec. 5.1, Table 2) put an SVM on each layer's
    activations and on all of them side by side.

    Parameters
    ----------
    model : keras.Model
        Hidden layers named ``'hidden_1'``, ``'hidden_2'``, ...
    X : array_like, shape (n_samples, n_features)
    batch_size : int > 0

    Returns
    -------
    list of np.ndarray
        One ``(n_samples, units_i)`` float32 array per hidden layer, in
        order; ``np.hstack`` of them is :func:`layer_outputs` of them all.
    """
    names = hidden_layers(model)
    A = layer_outputs(model, X, names, batch_size=batch_size)
    return np.split(A, np.cumsum([model.get_layer(n).units for n in names])[:-1], axis=1)


def clip_features(model, frames, clip_ids, *, size, hop, scaler=None, key="dft"):
    """Clip features from a network's hidden layers: activations aggregated over windows.

    Every hidden layer's activations of each clip's frames, side by side;
    their mean and variance over windows of ``size`` frames every ``hop``
    (:meth:`mirnb.features.FrameSet.windows`, Hamel & Eck's aggregate
    features, Sec. 5.2); the average of a clip's window vectors.

    Parameters
    ----------
    model : keras.Model
        Hidden layers named ``'hidden_1'``, ... (:meth:`DBN.to_keras`).
    frames : dict
        ``{clip_id: {key: array of shape (n_frames, n_features)}}``, as
        :func:`mirnb.features.extract` returns for
        :func:`mirnb.features.dft_mfcc_frames`.
    clip_ids : sequence of str
        Clips absent from ``frames`` (skipped at extraction) are left out.
    size, hop : int > 0
        Window length and hop in frames.
    scaler : sklearn transformer, optional
        Applied to the frames first (the network's input scale).
    key : str
        Which array of each clip.

    Returns
    -------
    pandas.DataFrame
        One row per clip with frames, in the order of ``clip_ids``;
        ``2 * sum(units)`` columns (all means, then all variances).
    """
    import pandas as pd

    from ..features import FrameSet

    ids = [c for c in clip_ids if c in frames]
    fs = FrameSet.stack(frames, ids, key=key)
    X = fs.X if scaler is None else scaler.transform(fs.X).astype(np.float32)
    W = fs.with_X(layer_outputs(model, X, hidden_layers(model))).windows(size=size, hop=hop)
    return pd.DataFrame(W.X).groupby(W.track, sort=False).mean().loc[ids]
