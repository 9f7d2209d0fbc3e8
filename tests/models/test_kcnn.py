"""Zhang et al. (2015)'s KCNN: layer stack, lookup tables, variants, regularisation;
training it, batching songs of different lengths, and the competitors' song features."""

import numpy as np
import pytest

import keras

from mirnb.errors import ParameterError
from mirnb.layers import KMaxPooling1D
from mirnb.models.kcnn import (TABLE1, build_kcnn, competitor_features, fit_kcnn,
                               kcnn_features, layer_table, word_matrix)
from mirnb.training import compile_model

#: Also run under KERAS_BACKEND=jax by `make test` (the model is backend-agnostic).
pytestmark = pytest.mark.jax

# Tiny sizes for everything but the one paper-size test.
TINY = dict(window=3, k=2, filters=4, hidden=5, n_classes=3)


def _centroids(n_words=12, dim=6, seed=0):
    return np.random.default_rng(seed).standard_normal((n_words, dim)).astype("float32")


def _words(n_songs, seq_len, n_words=12, n_tables=None, seed=1):
    shape = (n_songs, seq_len) if n_tables is None else (n_songs, seq_len, n_tables)
    return np.random.default_rng(seed).integers(0, n_words, shape).astype("int32")


def _compile(model):
    return compile_model(model, loss="sparse_categorical_crossentropy", optimizer="sgd",
                         learning_rate=TABLE1["learning_rate"])


def _sub(model, layer):
    return keras.Model(model.inputs, model.get_layer(layer).output)


def test_table1_values():
    # Zhang et al. 2015, Table 1 (Sec. 4.4)
    assert TABLE1 == {"window": 5, "k": 5, "filters": 500, "hidden": 300,
                      "learning_rate": 0.02, "l2": 1e-4}


def test_paper_size_builds_and_takes_a_step():
    # Table 1 sizes; n_words=512, d=64 and 161 words per 30-s clip are the book's choices
    # (the paper gives no codebook size, PCA dimension or segment length).
    model = build_kcnn(n_words=512, embedding=_centroids(512, 64), seq_len=161, n_classes=10)
    shapes = {name: tuple(model.get_layer(name).output.shape)
              for name in ("table", "conv", "kmax", "flatten", "hidden", "softmax")}
    assert shapes == {"table": (None, 161, 64), "conv": (None, 161, 500),
                      "kmax": (None, 5, 500), "flatten": (None, 2500),
                      "hidden": (None, 300), "softmax": (None, 10)}
    assert isinstance(model.get_layer("kmax"), KMaxPooling1D)
    # 512*64 + (5*64*500 + 500) + (2500*300 + 300) + (300*10 + 10)
    assert model.count_params() == 32768 + 160500 + 750300 + 3010
    _compile(model)
    x, y = _words(2, 161, 512), np.array([3, 7])
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 1


def test_layer_table_lists_every_layer_with_its_shape_and_size():
    model = build_kcnn(n_words=16, embedding_dim=4, seq_len=12, n_classes=3, filters=6,
                       hidden=5)
    table = layer_table(model).set_index("layer")
    assert list(table.index) == [layer.name for layer in model.layers]
    assert table.loc["kmax", "output shape"] == "(None, 5, 6)"
    assert table.loc["conv", "parameters"] == 5 * 4 * 6 + 6
    assert table["parameters"].sum() == table.attrs["params"] == model.count_params()


def test_table_is_initialised_from_the_centroids():
    c = _centroids()
    model = build_kcnn(embedding=c, seq_len=7, **TINY)
    np.testing.assert_array_equal(model.get_layer("table").get_weights()[0], c)
    x = _words(2, 7)
    np.testing.assert_allclose(_sub(model, "table").predict(x, verbose=0), c[x])


@pytest.mark.parametrize("trainable", [True, False])
def test_frozen_table_stays_and_trainable_table_moves(trainable):
    c = _centroids()
    model = _compile(build_kcnn(embedding=c, seq_len=8, trainable_table=trainable, **TINY))
    conv_before = model.get_layer("conv").get_weights()[0].copy()
    model.fit(_words(4, 8), np.array([0, 1, 2, 0]), batch_size=4, epochs=1, verbose=0)
    table = model.get_layer("table").get_weights()[0]
    assert not np.allclose(model.get_layer("conv").get_weights()[0], conv_before)
    if trainable:
        assert not np.allclose(table, c)
    else:  # ULT: the lookup table keeps its centroids
        np.testing.assert_array_equal(table, c)
        assert not model.get_layer("table").trainable_weights


def test_convolution_is_linear_and_centred_on_each_word():
    # Eqs. 2-3: conv output at word i = W [z_{i-w/2}; ...; z_{i+w/2}] + b, zero vectors
    # beyond the song's borders, no nonlinearity.
    c = _centroids()
    model = build_kcnn(embedding=c, seq_len=6, **TINY)
    kernel, bias = model.get_layer("conv").get_weights()  # (w, d, V), (V,)
    x = _words(1, 6)
    z = np.concatenate([np.zeros((1, 6)), c[x[0]], np.zeros((1, 6))])  # pad w // 2 = 1
    expected = np.stack([np.einsum("wd,wdv->v", z[i:i + 3], kernel) + bias for i in range(6)])
    np.testing.assert_allclose(_sub(model, "conv").predict(x, verbose=0)[0], expected,
                               rtol=1e-5, atol=1e-5)


def test_k1_variant_is_max_over_time():
    model = build_kcnn(embedding=_centroids(), seq_len=9, **dict(TINY, k=1))
    assert tuple(model.get_layer("kmax").output.shape) == (None, 1, 4)
    assert tuple(model.get_layer("flatten").output.shape) == (None, 4)
    x = _words(3, 9)
    conv = _sub(model, "conv").predict(x, verbose=0)
    np.testing.assert_allclose(_sub(model, "kmax").predict(x, verbose=0)[:, 0],
                               conv.max(axis=1), rtol=1e-6)


def test_song_shorter_than_k_is_padded_with_zeros():
    # Decision: with 'same' convolution a song of n words gives n positions; n < k is
    # allowed and k-max pooling appends zeros after the n real values.
    model = build_kcnn(embedding=_centroids(), seq_len=3, **dict(TINY, k=5))
    x = _words(2, 3)
    pooled = _sub(model, "kmax").predict(x, verbose=0)
    assert pooled.shape == (2, 5, 4)
    np.testing.assert_allclose(pooled[:, :3], _sub(model, "conv").predict(x, verbose=0),
                               rtol=1e-6)
    np.testing.assert_array_equal(pooled[:, 3:], 0.0)
    p = model.predict(x, verbose=0)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_any_length_when_seq_len_is_none():
    model = build_kcnn(embedding=_centroids(), **TINY)
    for n in (1, 4, 11):
        assert model.predict(_words(2, n), verbose=0).shape == (2, 3)


@pytest.mark.slow_on_jax
def test_l2_on_every_weight_is_half_lambda():
    lam = 1e-2
    for trainable in (True, False):
        model = build_kcnn(embedding=_centroids(), seq_len=5, l2=lam, trainable_table=trainable,
                           **TINY)
        assert len(model.weights) == 7  # table, conv W b, hidden W b, softmax W b
        assert isinstance(model.get_layer("table").embeddings_regularizer,
                          keras.regularizers.L2)
        # Keras counts the penalties of trainable weights only: a frozen (ULT) table's
        # is a constant of Eq. 6, with no gradient.
        weights = model.trainable_weights
        assert len(weights) == (7 if trainable else 6)
        assert len(model.losses) == len(weights)
        penalty = sum(float(np.sum(keras.ops.convert_to_numpy(w) ** 2)) for w in weights)
        total = sum(float(keras.ops.convert_to_numpy(loss)) for loss in model.losses)
        np.testing.assert_allclose(total, lam / 2 * penalty, rtol=1e-5)  # Eq. 6
    assert build_kcnn(embedding=_centroids(), l2=0.0, **TINY).losses == []


@pytest.mark.slow_on_jax
def test_all_variant_concatenates_one_table_per_feature():
    cents = [_centroids(12, 6, seed=0), _centroids(9, 3, seed=1), _centroids(7, 2, seed=2)]
    model = build_kcnn(embedding=cents, seq_len=8, **TINY)
    assert tuple(model.input.shape) == (None, 8, 3)
    assert tuple(model.get_layer("tables").output.shape) == (None, 8, 11)
    for i, c in enumerate(cents):
        np.testing.assert_array_equal(model.get_layer(f"table_{i}").get_weights()[0], c)
    x = np.stack([_words(2, 8, n, seed=i) for i, n in enumerate((12, 9, 7))], axis=-1)
    z = _sub(model, "tables").predict(x, verbose=0)
    np.testing.assert_allclose(z, np.concatenate([c[x[..., i]] for i, c in enumerate(cents)],
                                                 axis=-1))
    _compile(model).fit(x, np.array([0, 2]), epochs=1, verbose=0)


def test_kcnn_features_are_the_hidden_layer():
    model = build_kcnn(embedding=_centroids(), seq_len=6, **TINY)
    x = _words(5, 6)
    feats = kcnn_features(model, x, batch_size=2)
    assert feats.shape == (5, 5) and feats.dtype == np.float32
    np.testing.assert_allclose(feats, _sub(model, "hidden").predict(x, verbose=0), rtol=1e-6)
    assert np.all((feats > 0) & (feats < 1))  # sigmoid units
    with pytest.raises(ParameterError, match="hidden"):
        kcnn_features(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), x)


@pytest.mark.slow_on_jax
def test_save_load_round_trip(tmp_path):
    model = build_kcnn(embedding=_centroids(), seq_len=6, **TINY)
    path = tmp_path / "kcnn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = _words(3, 6)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    (dict(), "n_words=None"),
    (dict(n_words=10, embedding=_centroids(12)), "12 rows"),
    (dict(embedding=[_centroids(), _centroids()], n_tables=3), "n_tables=3"),
    (dict(embedding=np.zeros(12)), "shape"),
    (dict(n_words=12, k=0), "k=0"),
    (dict(n_words=12, window=0), "window=0"),
    (dict(n_words=12, seq_len=0), "seq_len=0"),
    (dict(n_words=12, l2=-1.0), "l2=-1.0"),
    (dict(n_words=12, trainable_table="no"), "trainable_table"),
])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        build_kcnn(**kwargs)


# ----------------------------------------------------------------------------
# training, batches of songs, competitors
# ----------------------------------------------------------------------------
def test_fit_kcnn_trains_from_the_centroids_and_reports_every_epoch():
    C = _centroids()
    X, y = _words(12, 10), np.arange(12) % 3
    model, hist = fit_kcnn(C, X, y, n_classes=3, window=3, k=2, filters=4, hidden=5,
                           optimizer="adam", learning_rate=0.01, batch_size=4, epochs=3,
                           valid=(X[:3], y[:3]), seed=0)
    assert len(hist["loss"]) == 3 and len(hist["val_accuracy"]) == 3
    assert not np.allclose(model.get_layer("table").get_weights()[0], C)
    frozen, _ = fit_kcnn(C, X, y, n_classes=3, window=3, k=2, filters=4, hidden=5,
                         trainable_table=False, batch_size=4, epochs=1, seed=0)
    np.testing.assert_allclose(frozen.get_layer("table").get_weights()[0], C)
    again, hist2 = fit_kcnn(C, X, y, n_classes=3, window=3, k=2, filters=4, hidden=5,
                            optimizer="adam", learning_rate=0.01, batch_size=4, epochs=3,
                            valid=(X[:3], y[:3]), seed=0)
    assert hist2["loss"] == pytest.approx(hist["loss"], rel=1e-4)  # seeded


def test_fit_kcnn_stops_early_on_the_held_out_songs():
    X, y = _words(9, 8), np.arange(9) % 3
    _, hist = fit_kcnn(_centroids(), X, y, n_classes=3, window=3, k=2, filters=4, hidden=5,
                       learning_rate=1e-6, batch_size=9, epochs=20, patience=1,
                       valid=(X[:3], y[:3]), seed=0)
    assert len(hist["loss"]) < 20  # validation accuracy cannot move at this rate


def test_word_matrix_keeps_the_centre_and_repeats_short_songs():
    songs = [np.arange(10), np.arange(6), np.arange(3)]
    W = word_matrix(songs)  # the shortest song's length
    assert W.dtype == np.int32 and W.tolist() == [[3, 4, 5], [1, 2, 3], [0, 1, 2]]
    assert word_matrix(songs, length=5).tolist() == [[2, 3, 4, 5, 6], [0, 1, 2, 3, 4],
                                                     [0, 1, 2, 0, 1]]
    stacked = [np.stack([np.arange(4), 10 + np.arange(4)], axis=1), np.array([[7, 17]])]
    assert word_matrix(stacked, length=2).tolist() == [[[1, 11], [2, 12]], [[7, 17], [7, 17]]]
    with pytest.raises(ParameterError, match="at least one"):
        word_matrix([np.arange(3), np.arange(0)])
    with pytest.raises(ParameterError, match="length"):
        word_matrix(songs, length=0)


@pytest.mark.parametrize("name, width", [("sparse coding", 6), ("DBN", 3), ("autoencoder", 5)])
def test_competitor_features_are_song_maxima_of_segment_codes(name, width):
    rng = np.random.default_rng(0)
    Ztr = [rng.standard_normal((n, 4)).astype("float32") for n in (5, 7, 3)]
    Zte = [rng.standard_normal((n, 4)).astype("float32") for n in (4, 6)]
    kw = dict(max_segments=10, n_atoms=6, n_iter=1, dbn_hidden=(5, 3), dbn_epochs=1,
              ae_hidden=5, ae_epochs=2, seed=0)
    Ftr, Fte = competitor_features(name, Ztr, Zte, **kw)
    assert Ftr.shape == (3, width) and Fte.shape == (2, width)
    assert (Ftr >= 0).all() and np.isfinite(Fte).all()
    if name == "autoencoder":  # sigmoid codes, and each song's is the maximum over its segments
        assert (Ftr <= 1).all() and len(np.unique(Ftr.round(6), axis=0)) == 3
    again = competitor_features(name, Ztr, Zte, **kw)
    np.testing.assert_allclose(again[0], Ftr, rtol=1e-5)
    with pytest.raises(ParameterError, match="autoencoder"):
        competitor_features("restricted", Ztr, Zte, **kw)
    with pytest.raises(ParameterError, match="ae_noise"):
        competitor_features("autoencoder", Ztr, Zte, **{**kw, "ae_noise": 1.0})
def test_build_kcnn_sigmoid_head_gives_independent_tag_probabilities():
    model = build_kcnn(embedding=_centroids(), seq_len=8, window=3, k=2, filters=4, hidden=5,
                       n_classes=7, head="sigmoid")
    assert model.layers[-1].name == "sigmoid" and len(model.losses) > 0
    P = model.predict(np.zeros((3, 8), "int32"), verbose=0)
    assert P.shape == (3, 7) and ((P > 0) & (P < 1)).all()
    assert not np.allclose(P.sum(axis=1), 1.0)
    with pytest.raises(ParameterError, match="head"):
        build_kcnn(embedding=_centroids(), head="relu")


def test_fit_kcnn_multilabel_trains_with_binary_crossentropy():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 6, (12, 10)).astype("int32")
    Y = (rng.random((12, 5)) < 0.4).astype(int)
    kw = dict(n_classes=5, window=3, k=2, filters=4, hidden=5, optimizer="adam",
              learning_rate=0.01, batch_size=4, epochs=3, seed=0, multilabel=True)
    model, hist = fit_kcnn(_centroids(), X, Y, valid=(X[:3], Y[:3]), **kw)
    assert model.layers[-1].name == "sigmoid"
    assert len(hist["loss"]) == 3 and "val_binary_accuracy" in hist
    assert hist["loss"][-1] < hist["loss"][0]
    assert kcnn_features(model, X).shape == (12, 5)
    _, again = fit_kcnn(_centroids(), X, Y, valid=(X[:3], Y[:3]), **kw)
    assert again["loss"] == pytest.approx(hist["loss"], rel=1e-4)
    _, stopped = fit_kcnn(_centroids(), X, Y, valid=(X[:3], Y[:3]),
                          **dict(kw, learning_rate=1e-9, epochs=20), patience=1)
    assert len(stopped["loss"]) < 20
    with pytest.raises(ParameterError, match="multilabel"):
        fit_kcnn(_centroids(), X, Y[:, 0], **kw)
