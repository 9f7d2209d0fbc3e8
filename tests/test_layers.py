"""KMaxPooling1D: order-preserving k-max pooling (Kalchbrenner et al. 2014; Zhang et al. 2015)."""

import numpy as np
import pytest

import keras
from keras import ops

from mirnb.errors import ParameterError
from mirnb.layers import KMaxPooling1D

#: Also run under KERAS_BACKEND=jax by `make test` (the layer is backend-agnostic).
pytestmark = pytest.mark.jax


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def kmax_reference(x, k, mask=None):
    """NumPy k-max: per (sample, channel), the k largest unmasked values in time order,
    then zeros for whatever is missing."""
    batch, steps, channels = x.shape
    out = np.zeros((batch, k, channels), x.dtype)
    for b in range(batch):
        keep = np.arange(steps) if mask is None else np.flatnonzero(mask[b])
        for c in range(channels):
            v = x[b, keep, c]
            sel = np.sort(np.argsort(-v, kind="stable")[:k])
            out[b, :len(sel), c] = v[sel]
    return out


def test_order_is_temporal_not_by_size():
    x = np.array([5, 2, 7, 1, 9, 3], "float32").reshape(1, 6, 1)
    out = _np(KMaxPooling1D(3)(x)).ravel()
    np.testing.assert_array_equal(out, [5, 7, 9])  # a plain top-k gives [9, 7, 5]


def test_matches_numpy_reference():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 23, 6)).astype("float32")  # distinct values: no ties
    for k in (1, 3, 5, 23):
        out = _np(KMaxPooling1D(k)(x))
        assert out.shape == (4, k, 6)
        np.testing.assert_array_equal(out, kmax_reference(x, k))


def test_k1_is_global_max_pooling():
    x = np.random.default_rng(1).standard_normal((3, 17, 5)).astype("float32")
    out = _np(KMaxPooling1D(1)(x))[:, 0, :]
    np.testing.assert_array_equal(out, _np(keras.layers.GlobalMaxPooling1D()(x)))


class _Offsets(keras.layers.Layer):
    """x + w with a trainable w of the input's shape (zeros at first): its update
    after one SGD step is the gradient that reached each input position."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=tuple(input_shape[1:]), initializer="zeros", name="w")

    def call(self, x):
        return x + self.w


def test_gradient_reaches_only_selected_positions():
    k = 3
    x = np.random.default_rng(2).standard_normal((1, 11, 4)).astype("float32")
    inp = keras.Input((11, 4))
    offsets = _Offsets()
    model = keras.Model(inp, KMaxPooling1D(k)(offsets(inp)))
    # loss = -sum(output): its gradient is -1 at every selected input, 0 elsewhere;
    # SGD with learning rate 1 then adds exactly the selection to w.
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0),
                  loss=lambda y_true, y_pred: -ops.sum(y_pred, axis=(1, 2)))
    model.fit(x, np.zeros((1, k, 4), "float32"), epochs=1, batch_size=1, verbose=0)
    step = _np(offsets.w)
    expected = np.zeros((11, 4), "float32")
    for c in range(4):
        expected[np.argsort(-x[0, :, c])[:k], c] = 1.0
    np.testing.assert_allclose(step, expected, atol=1e-6)
    assert (step != 0).sum() == k * 4


def test_masked_steps_are_never_selected():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 12, 4)).astype("float32")
    mask = rng.random((3, 12)) < 0.6
    mask[:, :5] = True  # at least 5 real steps per song
    x[~mask] = 100.0    # padding that would win every top-k if it were considered
    out = _np(KMaxPooling1D(5)(x, mask=mask))
    assert out.max() < 100.0
    np.testing.assert_array_equal(out, kmax_reference(x, 5, mask))


def test_keras_mask_is_used_and_not_propagated():
    x = np.array([[[4.0], [1.0], [0.0], [3.0], [0.0], [2.0]]], "float32") - 1.0
    x[0, [2, 4], 0] = 9.0  # masked below: 9 must never appear
    inp = keras.Input((6, 1))
    masked = keras.layers.Masking(mask_value=9.0)(inp)
    layer = KMaxPooling1D(2)
    model = keras.Model(inp, layer(masked))
    np.testing.assert_array_equal(model.predict(x, verbose=0).ravel(), [3.0, 2.0])
    assert layer.supports_masking and layer.compute_mask(x, np.ones((1, 6), bool)) is None


def test_short_sequences_are_padded_with_zeros_after_the_real_values():
    x = np.array([5, 2, 7], "float32").reshape(1, 3, 1)
    np.testing.assert_array_equal(_np(KMaxPooling1D(5)(x)).ravel(), [5, 2, 7, 0, 0])
    # fewer than k unmasked steps: the real values in order, then zeros
    y = np.array([-3, 8, -1, 6, 4, -2], "float32").reshape(1, 6, 1)
    mask = np.array([[True, False, True, False, False, True]])
    np.testing.assert_array_equal(_np(KMaxPooling1D(4)(y, mask=mask)).ravel(), [-3, -1, -2, 0])


def test_unknown_length_in_a_model():
    inp = keras.Input((None, 2))
    model = keras.Model(inp, KMaxPooling1D(4)(inp))
    assert model.output.shape == (None, 4, 2)
    rng = np.random.default_rng(4)
    for steps in (2, 4, 9):
        x = rng.standard_normal((3, steps, 2)).astype("float32")
        np.testing.assert_array_equal(model.predict(x, verbose=0), kmax_reference(x, 4))


def test_save_load_round_trip(tmp_path):
    inp = keras.Input((10, 3))
    x = keras.layers.Dense(3)(inp)
    model = keras.Model(inp, keras.layers.Flatten()(KMaxPooling1D(4, name="kmax")(x)))
    path = tmp_path / "kmax.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.get_layer("kmax"), KMaxPooling1D)
    assert loaded.get_layer("kmax").k == 4
    data = np.random.default_rng(5).standard_normal((2, 10, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0))


def test_config_and_output_shape():
    layer = KMaxPooling1D(7, name="pool")
    assert layer.compute_output_shape((None, 50, 8)) == (None, 7, 8)
    clone = KMaxPooling1D.from_config(layer.get_config())
    assert clone.k == 7 and clone.name == "pool"


@pytest.mark.parametrize("k", [0, -1, 2.5, "5", True, None])
def test_bad_k_raises(k):
    with pytest.raises(ParameterError, match="k="):
        KMaxPooling1D(k)
