"""The KCNN of Zhang et al. (ICMR 2015): audio words, a lookup table, k-max pooling.

A song enters the network as a sequence of *audio words*: the indices of
the K-means centroids nearest to its PCA-whitened multi-frame segments
(Sec. 3, 4.2). The layers (Fig. 2, Sec. 3.1-3.4):

======================== ============================================== =====================
layer                    definition (paper)                             output shape
======================== ============================================== =====================
``words`` (input)        word indices s_1..s_n (Sec. 3.1)               ``(batch, n)``
``table``                lookup table M, column j = centroid j, trained ``(batch, n, d)``
                         by backpropagation (Eq. 1)
``conv``                 affine map of each window of w word vectors,   ``(batch, n, V)``
                         W x + b, no nonlinearity (Eqs. 2-3)
``kmax``                 k largest values of each unit over time, in    ``(batch, k, V)``
                         their temporal order (Eq. 4)
``flatten``              the k columns concatenated (Sec. 3.4)          ``(batch, k V)``
``hidden``               affine + sigmoid (Eq. 5)                       ``(batch, 300)``
``softmax``              affine + softmax over the genres (Sec. 3.4)    ``(batch, n_classes)``
======================== ============================================== =====================

The paper's hyper-parameters (Table 1, Sec. 4.4; each checked against the
paper's text), in :data:`TABLE1`:

===================================== ======= ===================================
Table 1                               value   argument here
===================================== ======= ===================================
Window size                           5       ``window``
Value k in k-max pooling operation    5       ``k``
Number of convolutional units         500     ``filters`` (the paper's V)
Number of hidden units                300     ``hidden``
Learning rate                         0.02    :func:`mirnb.training.compile_model`
Regularization parameter lambda       0.0001  ``l2``
===================================== ======= ===================================

The paper's variants (Tables 2 and 3): ``KCNN (k = 5)`` is the default;
``ULT`` (lookup table left unchanged after its initialisation, Sec. 4, 4.5)
is ``trainable_table=False``; ``KCNN (k = 1)`` is ``k=1`` (global max
pooling, Sec. 4); the ``+ SVM`` rows train an SVM on the top hidden layer,
the layer named ``'hidden'`` (:func:`kcnn_features`, Sec. 4.3). The ``ALL``
column uses one lookup table per feature type, their word vectors
concatenated (Sec. 3.1): ``n_tables=3``. The competitors of Sec. 4.3
(sparse coding and a DBN, max-pooled over the song into the same SVM) get
their song features from :func:`competitor_features`.

Where the paper is silent, this module chooses (the book's choices, not the
paper's):

- the convolution is linear: Eq. 3 is affine, and Sec. 3 interleaves
  nonlinearities only *between* stacked convolutions, of which the KCNN has
  one;
- the convolution pads with zero vectors at the song's borders ('same'), so
  every word is the centre of a window as Eq. 2 writes it (i - w/2 ...
  i + w/2), and m = n. A song shorter than k words still works: k-max
  pooling fills the missing values with zeros (:class:`mirnb.layers.KMaxPooling1D`);
- one hidden layer ("Linear Layers" in Sec. 3.4 is plural, but Table 1 gives
  one size);
- the width d of the word vectors is that of the centroids given; without
  centroids it is ``embedding_dim=64``, the PCA dimension the book's paper
  profile uses (the paper gives no d);
- weights other than the table start from Keras's defaults (Glorot uniform,
  zero biases), and there is no dropout (the paper mentions none);
- the L2 penalty: Eq. 6 adds (lambda / 2) ||theta||^2, theta = (M, W, b), to
  the mean cross-entropy. :class:`keras.regularizers.L2` ``(c)`` adds
  ``c * sum(w ** 2)`` to the batch's loss, so every weight (the table, the
  kernels *and* the biases) gets ``L2(l2 / 2)``. The frozen table of the ULT
  variant carries the regulariser too, but Keras only counts the penalties
  of trainable weights: the frozen table's is a constant of Eq. 6, so the
  gradients are the same and only the reported loss lacks that constant.

Train with :func:`mirnb.training.compile_model` ``(model,
loss="sparse_categorical_crossentropy", optimizer="sgd",
learning_rate=0.02)``: plain gradient descent at Table 1's rate.

References
----------
.. [1] Zhang, P., Zheng, X., Zhang, W., Li, S., Qian, S., He, W., Zhang, S.
   & Wang, Z. (2015). A deep neural network for modeling music. ICMR,
   Sec. 3 (Fig. 2, Eqs. 1-6), Sec. 4.3-4.5 (Tables 1-3).
.. [2] Kalchbrenner, N., Grefenstette, E. & Blunsom, P. (2014). A
   convolutional neural network for modelling sentences. ACL (k-max pooling).
.. [3] Collobert, R. et al. (2011). Natural language processing (almost)
   from scratch. JMLR 12 (lookup tables, window approach, zero padding).
"""

import numbers
import warnings

import keras
import numpy as np
from keras import layers

from .. import _check, training
from ..errors import ParameterError
from ..layers import KMaxPooling1D

__all__ = ["TABLE1", "build_kcnn", "layer_table", "fit_kcnn", "kcnn_features", "word_matrix",
           "competitor_features"]

#: Zhang et al. (2015), Table 1: the KCNN's hyper-parameters.
TABLE1 = {"window": 5, "k": 5, "filters": 500, "hidden": 300, "learning_rate": 0.02,
          "l2": 1e-4}


def _tables(n_words, embedding, embedding_dim, n_tables):
    """Check the table arguments; return a list of (n_words, dim, centroids or None)."""
    if embedding is None:
        arrays = None
    elif isinstance(embedding, (list, tuple)):
        arrays = list(embedding)
        if not arrays:
            raise ParameterError("embedding=[]: expected an array of centroids "
                                 "(n_words, dim) or a list of them, one per table")
    else:
        arrays = [embedding]
    if n_tables is None:
        n_tables = 1 if arrays is None else len(arrays)
    n_tables = _check.positive_int("n_tables", n_tables)
    if arrays is not None and len(arrays) != n_tables:
        raise ParameterError(f"n_tables={n_tables} but embedding holds {len(arrays)} "
                             "centroid arrays: expected one per table")
    if arrays is not None:
        checked = []
        for i, a in enumerate(arrays):
            a = np.asarray(a, dtype="float32")
            if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 1:
                raise ParameterError(f"embedding[{i}] has shape {a.shape}: expected "
                                     "centroids of shape (n_words, dim)")
            if not np.all(np.isfinite(a)):
                raise ParameterError(f"embedding[{i}] holds non-finite values")
            checked.append(a)
        arrays = checked
    if n_words is None:
        if arrays is None:
            raise ParameterError("n_words=None and embedding=None: give the codebook "
                                 "size n_words, or the centroids to initialise the table")
        n_words = [a.shape[0] for a in arrays]
    elif isinstance(n_words, (list, tuple)):
        if len(n_words) != n_tables:
            raise ParameterError(f"n_words={list(n_words)!r}: expected {n_tables} sizes, "
                                 "one per table")
        n_words = [_check.positive_int("n_words", n) for n in n_words]
    else:
        n_words = [_check.positive_int("n_words", n_words)] * n_tables
    if arrays is not None:
        for i, (n, a) in enumerate(zip(n_words, arrays)):
            if a.shape[0] != n:
                raise ParameterError(f"n_words={n} but embedding[{i}] has {a.shape[0]} "
                                     "rows: expected one centroid per audio word")
        return [(n, a.shape[1], a) for n, a in zip(n_words, arrays)]
    dim = _check.positive_int("embedding_dim", embedding_dim)
    return [(n, dim, None) for n in n_words]


def build_kcnn(*, n_words=None, embedding=None, embedding_dim=64, seq_len=None, window=5, k=5,
               filters=500, hidden=300, n_classes=10, trainable_table=True, l2=1e-4,
               n_tables=None, head="softmax", name="kcnn"):
    """Build Zhang et al.'s KCNN as a functional Keras model.

    words -> lookup table(s) -> linear Conv1D ('same') -> k-max pooling ->
    flatten -> sigmoid hidden layer -> softmax. The defaults are the
    paper's (Table 1); see the module's docstring for the choices the paper
    leaves open.

    Parameters
    ----------
    n_words : int > 0, sequence of int, or None
        Codebook size |D| per table (the paper never gives it; the book's
        paper profile uses 512). None: the number of centroids given.
    embedding : ndarray (n_words, dim), list of them, or None
        K-means centroids that initialise the lookup table: row j is audio
        word j's vector (the paper's column j of M, Eq. 1). A list gives
        one table per feature type (the ALL column). None: Keras's default
        initialisation, width ``embedding_dim``.
    embedding_dim : int > 0
        Width d of each table's word vectors when ``embedding`` is None.
    seq_len : int > 0 or None
        Words per song n (None: any length; songs of one batch share it).
        A song shorter than ``k`` is allowed: k-max pooling appends zeros.
    window : int > 0
        Words per convolution window w (5). An odd w centres each window on
        its word (Eq. 2).
    k : int > 0
        Values kept per convolution unit by k-max pooling (5; 1 is the
        paper's "k-max turned off" variant).
    filters : int > 0
        Convolution units V (500).
    hidden : int > 0
        Sigmoid units of the hidden layer (300).
    n_classes : int > 0
        Outputs: softmax classes (10 for GTZAN, 6 for ISMIR2004Genre), or
        tags with ``head='sigmoid'``.
    trainable_table : bool
        Fine-tune the lookup table(s) (True, the full KCNN) or freeze them
        at their initial values (False: the ULT variant).
    l2 : float >= 0
        The paper's lambda (1e-4): every weight, table included, gets
        ``keras.regularizers.L2(l2 / 2)``, which is Eq. 6's (lambda/2)||theta||^2
        (Keras leaves out a frozen table's constant term). 0 adds no penalty.
    n_tables : int > 0 or None
        Lookup tables (one per feature type; 3 for ALL). None: one per
        centroid array in ``embedding``, else 1.
    head : {'softmax', 'sigmoid'}
        The output layer: a softmax over exclusive classes (the paper's
        genre classifier), or one sigmoid probability per output (a
        multi-label tagger; the book's closing chapter). It carries the
        same L2 penalty.
    name : str
        The model's name.

    Returns
    -------
    keras.Model
        Input ``'words'``: int indices, shape ``(batch, seq_len)`` with one
        table, ``(batch, seq_len, n_tables)`` with several (one sequence of
        the same length per feature type, in the order of ``embedding``).
        Output: class probabilities (or tag probabilities with
        ``head='sigmoid'``) ``(batch, n_classes)``. Layers
        ``'table'`` (or ``'table_0'``, ``'table_1'``...), ``'conv'``,
        ``'kmax'``, ``'flatten'``, ``'hidden'`` (the song-level
        representation of the "+ SVM" rows), and ``'softmax'`` or
        ``'sigmoid'`` (named after ``head``).

    Raises
    ------
    mirnb.ParameterError
        On a bad size, a negative ``l2``, or centroids that do not match
        ``n_words`` or ``n_tables``.

    References
    ----------
    .. [1] Zhang, P. et al. (2015). A deep neural network for modeling music.
       ICMR, Sec. 3, Fig. 2, Eqs. 1-6, Table 1.

    Notes
    -----
    Used by the zhang2015 chapter (``notebooks/03_zhang2015.py``).

    Examples
    --------
    >>> model = build_kcnn(n_words=512, embedding_dim=64, seq_len=161)  # doctest: +SKIP
    >>> model.get_layer("kmax").output.shape  # doctest: +SKIP
    (None, 5, 500)
    """
    tables = _tables(n_words, embedding, embedding_dim, n_tables)
    if seq_len is not None:
        seq_len = _check.positive_int("seq_len", seq_len)
    window = _check.positive_int("window", window)
    k = _check.positive_int("k", k)
    filters = _check.positive_int("filters", filters)
    hidden = _check.positive_int("hidden", hidden)
    n_classes = _check.positive_int("n_classes", n_classes)
    trainable_table = _check.boolean("trainable_table", trainable_table)
    head = _check.choice("head", head, ("softmax", "sigmoid"))
    l2 = _check.nonneg("l2", l2)
    if not isinstance(name, str) or not name:
        raise ParameterError(f"name={name!r}: expected a non-empty string")

    def reg():
        return keras.regularizers.L2(l2 / 2.0) if l2 > 0 else None

    several = len(tables) > 1
    shape = (seq_len, len(tables)) if several else (seq_len,)
    words = keras.Input(shape=shape, dtype="int32", name="words")
    vectors = []
    for i, (n, dim, _) in enumerate(tables):
        table = layers.Embedding(n, dim, embeddings_regularizer=reg(), trainable=trainable_table,
                                 name=f"table_{i}" if several else "table")
        vectors.append(table(words[:, :, i] if several else words))
    x = layers.Concatenate(axis=-1, name="tables")(vectors) if several else vectors[0]
    x = layers.Conv1D(filters, window, padding="same", activation=None,
                      kernel_regularizer=reg(), bias_regularizer=reg(), name="conv")(x)
    x = KMaxPooling1D(k, name="kmax")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(hidden, activation="sigmoid", kernel_regularizer=reg(),
                     bias_regularizer=reg(), name="hidden")(x)
    out = layers.Dense(n_classes, activation=head, kernel_regularizer=reg(),
                       bias_regularizer=reg(), name=head)(x)
    model = keras.Model(words, out, name=name)
    for i, (_, _, centroids) in enumerate(tables):
        if centroids is not None:
            model.get_layer(f"table_{i}" if several else "table").set_weights([centroids])
    return model


def layer_table(model):
    """A KCNN's layers, one row each, with their output shapes and sizes.

    Parameters
    ----------
    model : keras.Model
        A built model, such as one from :func:`build_kcnn` (the rows then
        follow Fig. 2 of Zhang et al. 2015: ``words``, ``table``, ``conv``,
        ``kmax``, ``flatten``, ``hidden``, ``softmax``).

    Returns
    -------
    pandas.DataFrame
        ``layer`` (name), ``output shape`` (with the batch axis, as a string
        such as ``'(None, 5, 500)'``) and ``parameters`` (weights of the
        layer); ``df.attrs['params']`` is the model's total.
    """
    import pandas as pd

    df = pd.DataFrame([{"layer": layer.name, "output shape": str(layer.output.shape),
                        "parameters": layer.count_params()} for layer in model.layers])
    df.attrs["params"] = model.count_params()
    return df


def kcnn_features(model, X, *, batch_size=32, verbose=0):
    """Song-level representations: the top hidden layer of a trained KCNN.

    The "+ SVM" rows of Zhang et al. train an SVM on these activations
    (Sec. 4.3: the outputs of the topmost hidden layer, the shaded ellipses
    of Fig. 1). Equivalent to ``keras.Model(model.input,
    model.get_layer("hidden").output).predict(X)``.

    Parameters
    ----------
    model : keras.Model
        A model from :func:`build_kcnn` (it has a layer named ``'hidden'``).
    X : ndarray of int, shape (n_songs, seq_len) or (n_songs, seq_len, n_tables)
        Audio-word indices, as the model takes them.
    batch_size : int > 0
    verbose : int
        Keras's ``predict`` verbosity.

    Returns
    -------
    ndarray, shape (n_songs, hidden)
        The sigmoid activations, float32.

    References
    ----------
    .. [1] Zhang, P. et al. (2015). A deep neural network for modeling music.
       ICMR, Sec. 4.3.
    """
    batch_size = _check.positive_int("batch_size", batch_size)
    try:
        layer = model.get_layer("hidden")
    except ValueError:
        raise ParameterError(f"model {getattr(model, 'name', model)!r} has no layer named "
                             "'hidden': expected a model from build_kcnn") from None
    features = keras.Model(model.inputs, layer.output, name=f"{model.name}_features")
    X = np.asarray(X)
    if not np.issubdtype(X.dtype, np.integer):
        raise ParameterError(f"X has dtype {X.dtype}: expected integer audio-word indices")
    if not isinstance(verbose, numbers.Integral):
        raise ParameterError(f"verbose={verbose!r}: expected 0, 1 or 2")
    return np.asarray(features.predict(X, batch_size=batch_size, verbose=verbose),
                      dtype="float32")


def fit_kcnn(centroids, X, y, *, n_classes, k=5, window=5, filters=500, hidden=300, l2=1e-4,
             trainable_table=True, optimizer="sgd", learning_rate=0.02, batch_size=1,
             epochs=100, patience=None, valid=None, seed=0, verbose=0, multilabel=False):
    """Build a KCNN on a codebook's centroids and train it on songs as audio words.

    The loss is Eq. 6: the softmax's mean cross-entropy plus the L2 penalty
    (with ``multilabel``: a sigmoid output and binary cross-entropy)
    that :func:`build_kcnn` puts on every weight; the optimizer is plain
    gradient descent at Table 1's rate by default.

    Parameters
    ----------
    centroids : ndarray (n_words, dim) or list of them
        Initialise the lookup table(s) (one per feature type for ALL).
    X : ndarray of int, shape (n_songs, n_words_song) or (n_songs, n_words_song, n_tables)
    y : ndarray of int, shape (n_songs,), or of 0/1, shape (n_songs, n_classes)
        Class indices in ``[0, n_classes)``; with ``multilabel``, a binary
        song x tag matrix.
    n_classes, k, window, filters, hidden, l2, trainable_table
        As in :func:`build_kcnn` (``trainable_table=False``: the ULT variant).
    optimizer, learning_rate : str, float
        :func:`mirnb.training.compile_model`.
    batch_size, epochs : int > 0
    patience : int or None
        With ``valid``: stop after ``patience`` epochs without a better
        validation accuracy (with ``multilabel``: a lower validation loss)
        and keep the best epoch's weights. None trains ``epochs`` epochs.
    valid : (X, y) or None
        Held-out songs: validation accuracy per epoch (and early stopping).
    seed : int
        Seeds Python, NumPy and the backend (:func:`mirnb.training.set_seed`).
    verbose : int
        Keras's ``fit`` verbosity.
    multilabel : bool
        A sigmoid output (:func:`build_kcnn` ``head='sigmoid'``) trained
        with binary cross-entropy on a 0/1 matrix ``y``: a tagger (the
        book's closing chapter), not in the paper.

    Returns
    -------
    model : keras.Model
    history : dict
        ``loss``, ``accuracy`` (``binary_accuracy`` with ``multilabel``;
        and ``val_loss``, ``val_accuracy``) per epoch.

    References
    ----------
    .. [1] Zhang, P. et al. (2015). A deep neural network for modeling music.
       ICMR, Sec. 3.4 (Eq. 6), Table 1. Used by ``notebooks/03_zhang2015.py``.
    """
    batch_size = _check.positive_int("batch_size", batch_size)
    epochs = _check.positive_int("epochs", epochs)
    multilabel = _check.boolean("multilabel", multilabel)
    y = np.asarray(y)
    if multilabel:
        if y.ndim != 2 or y.shape[1] != n_classes or not np.isin(y, (0, 1)).all():
            raise ParameterError(f"y has shape {y.shape}: with multilabel=True expected a 0/1 "
                                 f"matrix (n_songs, n_classes={n_classes})")
        y = y.astype("float32")
        if valid is not None:
            valid = (valid[0], np.asarray(valid[1], dtype="float32"))
    loss = "binary_crossentropy" if multilabel else "sparse_categorical_crossentropy"
    training.set_seed(seed)
    model = build_kcnn(embedding=centroids, window=window, k=k, filters=filters, hidden=hidden,
                       n_classes=n_classes, trainable_table=trainable_table, l2=l2,
                       head="sigmoid" if multilabel else "softmax")
    training.compile_model(model, loss=loss, optimizer=optimizer, learning_rate=learning_rate)
    model.compile(optimizer=model.optimizer, loss=loss,
                  metrics=["binary_accuracy" if multilabel else "accuracy"],
                  steps_per_execution=training.STEPS_PER_EXECUTION)
    callbacks = []
    if valid is not None and patience is not None:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss" if multilabel else "val_accuracy",
            mode="min" if multilabel else "max",
            patience=_check.positive_int("patience", patience), restore_best_weights=True))
    hist = model.fit(np.asarray(X), y, batch_size=batch_size, epochs=epochs,
                     shuffle=True, validation_data=valid, callbacks=callbacks, verbose=verbose)
    return model, {name: list(map(float, v)) for name, v in hist.history.items()}


def word_matrix(seqs, *, length=None):
    """Songs' audio-word sequences as one batch: every song ``length`` words long.

    A longer song keeps its centred ``length`` words; a shorter one is
    repeated from its start until it is ``length`` words long. GTZAN's clips
    differ by a few frames; ISMIR2004Genre's songs are full length and
    differ by minutes, so there every song becomes its centred excerpt of
    the shortest training song's length. (The book's choice: the paper
    feeds whole songs, which batching by length with masked k-max pooling
    would allow; see ``../shared/specs/zhang2015.md``, Sec. 5, gap 30.)

    Parameters
    ----------
    seqs : list of ndarray of int, shape (n_words_i,) or (n_words_i, n_tables)
    length : int > 0 or None
        Words per song (None: the shortest song's).

    Returns
    -------
    ndarray of int32, shape (n_songs, length) or (n_songs, length, n_tables)

    Examples
    --------
    >>> word_matrix([np.arange(6), np.arange(3)], length=4).tolist()
    [[1, 2, 3, 4], [0, 1, 2, 0]]
    """
    seqs = [np.asarray(s) for s in seqs]
    if not seqs or min(len(s) for s in seqs) < 1:
        raise ParameterError("seqs: expected at least one song of at least one word")
    n = min(len(s) for s in seqs) if length is None else _check.positive_int("length", length)
    out = []
    for s in seqs:
        start = max((len(s) - n) // 2, 0)
        out.append(np.take(s, (start + np.arange(n)) % len(s), axis=0))
    return np.stack(out).astype(np.int32)


def _autoencoder(X, *, hidden, epochs, noise, seed):
    """Train a one-layer denoising autoencoder on ``X``; return its encoder (a keras.Model)."""
    import keras

    from ..training import set_seed

    hidden = _check.positive_int("ae_hidden", hidden)
    epochs = _check.positive_int("ae_epochs", epochs)
    if not 0 <= noise < 1:
        raise ParameterError(f"ae_noise={noise!r}: expected a fraction in [0, 1)")
    set_seed(seed)
    inputs = keras.Input((X.shape[1],))
    codes = keras.layers.Dense(hidden, activation="sigmoid", name="code")(
        keras.layers.Dropout(noise)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(X.shape[1], name="decoder")(codes))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse",
                  steps_per_execution=training.STEPS_PER_EXECUTION)
    model.fit(X, X, batch_size=256, epochs=epochs, shuffle=True, verbose=0)
    return keras.Model(inputs, codes)


def competitor_features(name, Ztr, Zte, *, max_segments=100000, n_atoms=512, alpha=1.0,
                        n_iter=20, dbn_hidden=(50, 50, 50), dbn_lr=0.001, dbn_epochs=5,
                        ae_hidden=128, ae_epochs=5, ae_noise=0.3, seed=0):
    """Song-level features of the KCNN's competitors: codes of each segment, max-pooled
    over the song (Sec. 4.3).

    Parameters
    ----------
    name : {'sparse coding', 'autoencoder', 'DBN'}
        Sparse coding: :class:`sklearn.decomposition.MiniBatchDictionaryLearning`
        (``n_atoms`` atoms learned by coordinate descent, ``n_iter`` passes;
        lasso codes, ``lasso_cd``, penalty ``alpha``), pooled as the maximum
        of the codes' absolute values (the book's choice: lasso codes are
        signed; the paper used SPAMS and gives no settings; ``lasso_lars`` is
        several times slower). DBN: :class:`mirnb.models.dbn.DBN` (Gaussian
        visible units, layers ``dbn_hidden``, ``dbn_epochs`` epochs at
        ``dbn_lr``), the top layer's probabilities max-pooled. Autoencoder
        (the paper used DeepLearnToolbox and gives no settings; the book's
        choice): one denoising layer of ``ae_hidden`` sigmoid units (a
        fraction ``ae_noise`` of each input zeroed while training), a linear
        decoder, mean squared error, Adam, ``ae_epochs`` epochs; its codes
        (the sigmoid units) max-pooled.
    Ztr, Zte : list of np.ndarray, shape (n_segments_i, n_dims)
        Whitened segments of the training and the test songs. The codes are
        learned from at most ``max_segments`` training segments, drawn at
        random.
    seed : int

    Returns
    -------
    Ftr, Fte : np.ndarray, shape (n_songs, n_codes)

    References
    ----------
    .. [1] Zhang, P. et al. (2015). A deep neural network for modeling music.
       ICMR, Sec. 4.3. Used by ``notebooks/03_zhang2015.py``.
    """
    from .dbn import DBN

    rng = np.random.default_rng(seed)
    pool = np.concatenate(Ztr).astype(np.float32)
    if len(pool) > _check.positive_int("max_segments", max_segments):
        pool = pool[rng.choice(len(pool), max_segments, replace=False)]
    if name == "DBN":
        est = DBN(dbn_hidden, visible="gaussian", learning_rate=dbn_lr, n_iter=dbn_epochs,
                  random_state=seed).fit(pool)

        def code(Z):
            return est.transform(Z)
    elif name == "autoencoder":
        encoder = _autoencoder(pool, hidden=ae_hidden, epochs=ae_epochs, noise=ae_noise,
                               seed=seed)

        def code(Z):
            return encoder.predict(Z, batch_size=1024, verbose=0)
    elif name == "sparse coding":
        from sklearn.decomposition import MiniBatchDictionaryLearning

        est = MiniBatchDictionaryLearning(n_atoms, alpha=alpha, max_iter=n_iter, batch_size=256,
                                          fit_algorithm="cd", transform_algorithm="lasso_cd",
                                          transform_alpha=alpha, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(pool)
        # the codes of every segment over the cores: the same codes, half the time on
        # 2 cores (fitting in parallel would be slower: its batches are small)
        est.set_params(n_jobs=-1)

        def code(Z):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return np.abs(est.transform(Z))
    else:
        raise ParameterError(f"name={name!r}: expected 'sparse coding', 'autoencoder' or 'DBN'")

    def pooled(Zs):
        lens = np.cumsum([0] + [len(z) for z in Zs])
        C = np.asarray(code(np.concatenate(Zs).astype(np.float32)))
        return np.stack([C[a:b].max(axis=0) for a, b in zip(lens[:-1], lens[1:])])

    return pooled(Ztr), pooled(Zte)
