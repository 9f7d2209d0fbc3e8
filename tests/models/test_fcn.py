"""Choi et al. (2016)'s fully convolutional taggers and the on-model front end."""

import numpy as np
import pytest

import keras

from mirnb import features
from mirnb.errors import ParameterError
from mirnb.layers import LogMelSpectrogram
from mirnb.models import fcn

#: Also run under KERAS_BACKEND=jax by `make test` (the models are backend-agnostic).
pytestmark = pytest.mark.jax

# Output shapes (frequency, time, maps) after every pooling of the paper's
# models on the 96 x 1366 x 1 input, from Tables 1 and 2 of Choi et al. 2016.
# Table 2 (FCN-5, 6, 7) as printed. For FCN-4, Table 1 prints 48x341, 24x85,
# 12x21 and 1x1; its own poolings (2,4), (4,5), (3,8), (4,8) give 12x68 and
# 4x8 after the second and third (24x85 and 12x21 are FCN-5's sizes). We
# check the first and last printed shapes and the ones the poolings give.
TABLE_POOLS = {
    3: [(32, 273, 256), (8, 17, 768), (1, 1, 2048)],
    4: [(48, 341, 128), (12, 68, 384), (4, 8, 768), (1, 1, 2048)],
    5: [(48, 341, 128), (24, 85, 256), (12, 21, 512), (4, 4, 1024), (1, 1, 2048)],
}
TABLE_POOLS[6] = TABLE_POOLS[7] = TABLE_POOLS[5]
TABLE_EXTRA = {6: [(1, 1, 1024)], 7: [(1, 1, 1024), (1, 1, 1024)]}


def _shape(model, name):
    return tuple(model.get_layer(name).output.shape[1:])


@pytest.fixture(scope="module")
def paper_models():
    models = {d: fcn.build_fcn(d) for d in sorted(fcn.ARCHITECTURES)}
    yield models
    keras.backend.clear_session()


@pytest.mark.slow_on_jax
@pytest.mark.parametrize("depth", [3, 4, 5, 6, 7])
def test_paper_models_have_the_tables_shapes(paper_models, depth):
    model = paper_models[depth]
    assert tuple(model.input.shape[1:]) == (96, 1366, 1)
    spec = fcn.ARCHITECTURES[depth]
    for i, (expected, maps, pool) in enumerate(zip(TABLE_POOLS[depth], spec.filters,
                                                   spec.pools), 1):
        assert _shape(model, f"conv{i}")[2] == maps
        assert model.get_layer(f"conv{i}").kernel_size == (3, 3)
        assert tuple(model.get_layer(f"pool{i}").pool_size) == pool
        assert _shape(model, f"pool{i}") == expected
        # batch normalisation after the convolution, before the ReLU; dropout 0.5
        names = [layer.name for layer in model.layers]
        k = names.index(f"conv{i}")
        assert names[k:k + 5] == [f"conv{i}", f"bn{i}", f"relu{i}", f"pool{i}", f"dropout{i}"]
        assert model.get_layer(f"dropout{i}").rate == 0.5
    for j, expected in enumerate(TABLE_EXTRA.get(depth, []), 1):
        assert model.get_layer(f"conv1x1_{j}").kernel_size == (1, 1)
        assert _shape(model, f"conv1x1_{j}") == expected
    assert len(spec.extra) == len(TABLE_EXTRA.get(depth, []))
    assert _shape(model, "output") == (50,)
    assert model.get_layer("output").activation.__name__ == "sigmoid"


@pytest.mark.slow_on_jax
def test_table_1_misprints_are_fcn5_sizes_not_fcn4s():
    # the pooling sizes Table 1 gives cannot produce its printed 24 x 85
    pools = fcn.ARCHITECTURES[4].pools
    assert (96 // pools[0][0] // pools[1][0], 1366 // pools[0][1] // pools[1][1]) == (12, 68)
    # ... while FCN-5, built from its own pooling sizes, produces exactly the
    # sizes printed in FCN-4's rows
    fcn5 = fcn.build_fcn(5, width=1 / 64)
    assert _shape(fcn5, "pool2")[:2] == (24, 85) and _shape(fcn5, "pool3")[:2] == (12, 21)


@pytest.mark.slow_on_jax
def test_stft_and_mfcc_variants_reach_one_by_one():
    stft = fcn.build_fcn(4, input_shape=(257, 1366, 1), width=1 / 64)
    assert [tuple(stft.get_layer(f"pool{i}").pool_size) for i in range(1, 5)] == \
        [(2, 4), (5, 5), (4, 8), (6, 8)]
    assert _shape(stft, "pool4")[:2] == (1, 1)
    mfcc = fcn.build_mfcc_net(width=1 / 64)
    assert tuple(mfcc.input.shape[1:]) == (90, 1366, 1)
    assert [_shape(mfcc, f"pool{i}")[0] for i in range(1, 5)] == [341, 68, 8, 1]
    assert mfcc.get_layer("conv1").kernel_size == (1,)  # frame-based: one frame, all 90
    assert fcn.build_mfcc_net(width=1 / 64, kernel=3).get_layer("conv1").kernel_size == (3,)
    keras.backend.clear_session()


@pytest.mark.parametrize("shape", [(48, 118), (48, 59), (32, 71), (257, 235), (10, 3)])
def test_adapted_pools_always_end_at_one_by_one(shape):
    for depth, spec in fcn.ARCHITECTURES.items():
        pools = fcn.fcn_pools(spec.pools, shape)
        f, t = shape
        for pf, pt in pools:
            f, t = f // pf, t // pt
        assert (f, t) == (1, 1), (depth, pools)
    assert fcn.fcn_pools(fcn.ARCHITECTURES[5].pools, (96, 1366)) == fcn.ARCHITECTURES[5].pools


def test_bad_arguments_name_the_value():
    with pytest.raises(ParameterError, match="depth=8"):
        fcn.build_fcn(8)
    with pytest.raises(ParameterError, match="width"):
        fcn.build_fcn(4, input_shape=(16, 32, 1), width=0)
    with pytest.raises(ParameterError, match="input_shape"):
        fcn.build_fcn(4, input_shape=(16, 32, 3))
    with pytest.raises(ParameterError, match="pools"):
        fcn.build_fcn(4, input_shape=(16, 32, 1), pools=[(2, 2)])
    with pytest.raises(ParameterError, match="dropout"):
        fcn.build_fcn(4, input_shape=(16, 32, 1), dropout=1.0)


@pytest.mark.slow_on_jax
def test_one_training_step_on_tiny_input_learns():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 12, 40, 1)).astype("float32")
    y = (rng.random((8, 5)) < 0.5).astype("float32")
    # no dropout here, so that the training loss of one batch is a clean signal
    for model in (fcn.build_fcn(5, input_shape=(12, 40, 1), n_tags=5, width=1 / 32,
                                dropout=0.0),
                  fcn.build_fcn(7, input_shape=(12, 40, 1), n_tags=5, width=1 / 32,
                                dropout=0.0),
                  fcn.build_mfcc_net(input_shape=(12, 40, 1), n_tags=5, width=1 / 32,
                                     dropout=0.0)):
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
        before = [w.copy() for w in model.get_weights()]
        losses = [float(model.train_on_batch(x, y)) for _ in range(8)]
        assert np.isfinite(losses).all()
        assert losses[-1] < losses[0]
        assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
        assert model.predict_on_batch(x).shape == (8, 5)
    keras.backend.clear_session()


def test_paper_sized_fcn4_takes_one_training_step_on_cpu():
    model = fcn.build_fcn(4)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = np.random.default_rng(0).standard_normal((1, 96, 1366, 1)).astype("float32")
    loss = model.train_on_batch(x, np.zeros((1, 50), "float32"))
    assert np.isfinite(float(loss))
    keras.backend.clear_session()


# -- the front end inside the model ---------------------------------------------
@pytest.fixture(scope="module")
def clip():
    rng = np.random.default_rng(1)
    sr = 12000
    t = np.arange(2 * sr) / sr
    y = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 3100 * t ** 1.3)
    return (y + 0.02 * rng.standard_normal(t.size)).astype(np.float32), sr


# Tolerance of the agreement with librosa, in dB, on this clip (both compute in
# float32). Measured on it: 1e-4 dB (mel) and 1.2e-3 dB (STFT) under the PyTorch
# backend, below 1e-4 dB under TensorFlow and JAX. (Bins more than 80 dB below a
# pure tone's peak can differ by a few hundredths of a dB between FFT libraries.)
TOL_DB = 1e-2


@pytest.mark.parametrize("kwargs", [{}, {"n_mels": None}, {"top_db": 80.0},
                                    {"power": 1.0, "n_mels": 40, "fmin": 50.0, "fmax": 5000.0}])
def test_log_mel_layer_agrees_with_librosa(clip, kwargs):
    y, sr = clip
    kw = dict(n_fft=512, hop_length=256, **kwargs)
    layer = LogMelSpectrogram(sr=sr, **kw)
    got = np.asarray(layer(y[None]))[0, :, :, 0]
    if kw.get("n_mels", 96) is None:
        kw.pop("n_mels")
        ref = features.log_stft(y, **{k: v for k, v in kw.items() if k not in ("fmin", "fmax")})
    else:
        ref = features.log_mel(y, sr=sr, **kw)
    assert got.shape == ref.shape == (layer.n_bins, 1 + len(y) // 256)
    assert np.abs(got - ref).max() < TOL_DB


@pytest.mark.slow_on_jax
def test_log_mel_layer_serializes_and_runs_in_a_model(clip, tmp_path):
    y, sr = clip
    front = LogMelSpectrogram(sr=sr, n_fft=512, hop_length=256, n_mels=32)
    assert front.compute_output_shape((None, len(y))) == (None, 32, 1 + len(y) // 256, 1)
    model = fcn.build_fcn(4, input_shape=(len(y),), n_tags=3, width=1 / 64, front_end=front)
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    x = np.stack([y, y[::-1]])
    np.testing.assert_allclose(again.predict_on_batch(x), model.predict_on_batch(x),
                               rtol=1e-5, atol=1e-6)
    config = LogMelSpectrogram.from_config(front.get_config()).get_config()
    assert config["n_mels"] == 32 and config["hop_length"] == 256
    with pytest.raises(ParameterError, match="fmax"):
        LogMelSpectrogram(sr=sr, fmax=7000.0)
    keras.backend.clear_session()


def test_stft_and_mfcc_inputs_match_librosa(clip):
    import librosa

    y, sr = clip
    L = features.log_stft(y, n_fft=512, hop_length=256)
    ref = librosa.power_to_db(np.abs(librosa.stft(y, n_fft=512, hop_length=256)) ** 2)
    assert L.shape == (257, 1 + len(y) // 256)
    # float32 round-off decides the decibels of near-empty bins: compare the top 80 dB
    loud = ref > ref.max() - 80
    assert loud.mean() > 0.9
    np.testing.assert_allclose(L[loud], ref[loud], atol=1e-3)
    D = features.mfcc_with_deltas(y, sr=sr)
    M = features.mfcc(y, sr=sr, n_mfcc=30, n_fft=512, hop_length=256, n_mels=96)
    assert D.shape == (90, L.shape[1])
    np.testing.assert_allclose(D[:30], M)
    np.testing.assert_allclose(D[30:60], librosa.feature.delta(M, width=9), rtol=1e-5,
                               atol=1e-5)
    with pytest.raises(ParameterError, match="amin"):
        features.log_stft(y, amin=0)


def test_softmax_head_gives_a_posterior_over_classes():
    model = fcn.build_fcn(4, input_shape=(16, 32, 1), n_tags=5, width=1 / 32, head="softmax")
    x = np.random.default_rng(0).standard_normal((3, 16, 32, 1)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0).sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ParameterError, match="head"):
        fcn.build_fcn(4, input_shape=(16, 32, 1), head="relu")
