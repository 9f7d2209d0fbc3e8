"""Fully convolutional taggers of Choi, Fazekas & Sandler (ISMIR 2016).

FCN-3 to FCN-7 are stacks of 3x3 convolutions, each followed by batch
normalisation, a ReLU, max-pooling and dropout, whose poolings shrink a
96 x 1366 log-mel spectrogram to 1 x 1; a sigmoid layer gives one
probability per tag. There are no fully connected hidden layers.

The paper's layers (Tables 1 and 2), with the paper's input ``96 x 1366 x 1``
(frequency x time x channel):

===== ============================== ======================================================
model feature maps                   max-pooling (frequency, time)
===== ============================== ======================================================
FCN-3 256, 768, 2048                 (3, 5), (4, 16), (8, 17)
FCN-4 128, 384, 768, 2048            (2, 4), (4, 5), (3, 8), (4, 8)
FCN-5 128, 256, 512, 1024, 2048      (2, 4), (2, 4), (2, 4), (3, 5), (4, 4)
FCN-6 FCN-5, then a 1x1 conv of 1024 the same
FCN-7 FCN-5, then two 1x1 convs      the same
===== ============================== ======================================================

Table 1 prints FCN-4's outputs after the second and third pooling as
24 x 85 and 12 x 21. Those are FCN-5's sizes; FCN-4's own pooling sizes,
which the table also prints and which bring the input to 1 x 1, give
12 x 68 and 4 x 8. This module follows the pooling sizes, and
``tests/test_fcn.py`` checks every shape that follows from them, the first
(48 x 341) and last (1 x 1) printed ones included.

For an input of another size (the CPU-sized default profile, the 257-bin
STFT input) :func:`fcn_pools` adapts the pooling sizes: each of the paper's
sizes is raised to the power ``log n / log P`` (``n`` the input size on that
axis, ``P`` the product of the paper's sizes), rounded, and the last pooling
takes whatever remains, so the output is again 1 x 1. For the STFT input
(257 bins) this gives frequency poolings (2, 5, 4, 6) in FCN-4; the paper
does not print the STFT network's poolings.

The MFCC network (:func:`build_mfcc_net`) is frame-based: an MFCC
coefficient axis has no locality to convolve over, so its first
convolution spans all ``3 * n_mfcc`` coefficients of 3 frames (a 1-D
convolution over time), and its four layers pool along time only, with
FCN-4's time poolings and feature maps.

References
----------
.. [1] Choi, K., Fazekas, G. & Sandler, M. (2016). Automatic tagging using
   deep convolutional neural networks. ISMIR, Sec. 4, Tables 1 and 2.
.. [2] Ioffe, S. & Szegedy, C. (2015). Batch normalization. ICML.
.. [3] Srivastava, N. et al. (2014). Dropout. JMLR 15.
"""

import math
from dataclasses import dataclass

import keras
import pandas as pd
from keras import layers

from .. import _check
from ..errors import ParameterError

__all__ = ["ARCHITECTURES", "PAPER_INPUT", "PAPER_N_TAGS", "FCNSpec", "fcn_pools", "build_fcn",
           "build_mfcc_net", "layer_table"]

#: The paper's input: 96 mel bands x 1366 frames x 1 channel (Sec. 4, Sec. 5.1).
PAPER_INPUT = (96, 1366, 1)
#: Tags predicted in both experiments (the top 50 of MTAT and of the MSD).
PAPER_N_TAGS = 50


@dataclass(frozen=True)
class FCNSpec:
    """Layers of one FCN in the paper.

    Attributes
    ----------
    filters : tuple of int
        Feature maps of the 3x3 convolutions, one per pooling.
    pools : tuple of (int, int)
        Max-pooling sizes (frequency, time) after each 3x3 convolution.
    extra : tuple of int
        Feature maps of the 1x1 convolutions after the last pooling
        (FCN-6: one, FCN-7: two).
    """

    filters: tuple
    pools: tuple
    extra: tuple = ()


_FCN5 = dict(filters=(128, 256, 512, 1024, 2048),
             pools=((2, 4), (2, 4), (2, 4), (3, 5), (4, 4)))

#: The paper's architectures by depth (Tables 1 and 2).
ARCHITECTURES = {
    3: FCNSpec(filters=(256, 768, 2048), pools=((3, 5), (4, 16), (8, 17))),
    4: FCNSpec(filters=(128, 384, 768, 2048), pools=((2, 4), (4, 5), (3, 8), (4, 8))),
    5: FCNSpec(**_FCN5),
    6: FCNSpec(**_FCN5, extra=(1024,)),
    7: FCNSpec(**_FCN5, extra=(1024, 1024)),
}


def _depth(depth):
    return _check.choice("depth", depth, set(ARCHITECTURES))


def _reduce(size, pools):
    for p in pools:
        size //= p
    return size


def _adapt_axis(paper, n):
    """Pooling sizes along one axis that bring ``n`` to exactly 1."""
    if _reduce(n, paper) == 1:
        return tuple(paper)
    total = math.prod(paper)
    alpha = math.log(n) / math.log(total) if n > 1 else 0.0
    out, size = [], n
    for p in paper[:-1]:
        q = min(max(1, round(p ** alpha)), max(size, 1))
        out.append(q)
        size //= q
    out.append(max(size, 1))
    return tuple(out)


def fcn_pools(pools, input_shape):
    """Adapt a list of (frequency, time) pooling sizes to an input size.

    Parameters
    ----------
    pools : sequence of (int, int)
        The paper's pooling sizes (e.g. ``ARCHITECTURES[4].pools``).
    input_shape : (int, int) or (int, int, int)
        Frequency bins and frames of the input (a channel axis is ignored).

    Returns
    -------
    tuple of (int, int)
        ``pools`` itself when it already brings the input to 1 x 1 (the
        paper's models on 96 x 1366), else sizes scaled to the input: each
        of the paper's sizes raised to ``log n / log P`` and rounded, the
        last taking what remains (see the module's docstring).

    Examples
    --------
    >>> fcn_pools(ARCHITECTURES[4].pools, (257, 1366))
    ((2, 4), (5, 5), (4, 8), (6, 8))
    """
    pools = [tuple(int(v) for v in p) for p in pools]
    if not pools or any(len(p) != 2 or min(p) < 1 for p in pools):
        raise ParameterError(f"pools={pools!r}: expected (frequency, time) pairs of "
                             "positive integers")
    if len(input_shape) not in (2, 3):
        raise ParameterError(f"input_shape={input_shape!r}: expected (n_bins, n_frames) "
                             "or (n_bins, n_frames, 1)")
    n_f, n_t = (_check.positive_int("input_shape", int(v)) for v in input_shape[:2])
    freq = _adapt_axis([p[0] for p in pools], n_f)
    time = _adapt_axis([p[1] for p in pools], n_t)
    return tuple(zip(freq, time))


def _width(n, width):
    return max(1, int(round(n * width)))


def _check_head(n_tags, width, dropout):
    """Check the arguments every builder shares; return them as int, float, float."""
    n_tags = _check.positive_int("n_tags", n_tags)
    width = _check.positive("width", width)
    dropout = _check.rate("dropout", dropout)
    return n_tags, width, dropout


def _check_input(input_shape, front_end):
    if front_end is None:
        shape = tuple(input_shape)
        if len(shape) == 2:
            shape = shape + (1,)
        if len(shape) != 3 or shape[2] != 1 or min(shape[:2]) < 1:
            raise ParameterError(f"input_shape={input_shape!r}: expected (n_bins, n_frames)"
                                 " or (n_bins, n_frames, 1), e.g. (96, 1366, 1)")
        inputs = keras.Input(shape, name="spectrogram")
        return inputs, inputs, shape
    shape = tuple(input_shape)
    if len(shape) != 1:
        raise ParameterError(f"input_shape={input_shape!r}: with a front_end the input "
                             "is a waveform, shape (n_samples,)")
    inputs = keras.Input(shape, name="waveform")
    x = front_end(inputs)
    return inputs, x, tuple(x.shape[1:])


def build_fcn(depth, *, input_shape=PAPER_INPUT, n_tags=PAPER_N_TAGS, width=1.0,
              pools=None, dropout=0.5, input_norm=True, front_end=None, head="sigmoid",
              name=None):
    """Build FCN-``depth`` (Choi et al. 2016) as a functional Keras model.

    Each block is Conv2D 3x3 ('same' padding) -> BatchNormalization -> ReLU
    -> MaxPooling2D -> Dropout; FCN-6 and FCN-7 add 1x1 convolutions (each
    with batch normalisation and ReLU) after the last block; a Dense layer
    with sigmoid outputs gives one probability per tag.

    Parameters
    ----------
    depth : {3, 4, 5, 6, 7}
    input_shape : tuple
        ``(n_bins, n_frames, 1)`` for a spectrogram input (the paper's
        ``(96, 1366, 1)``), or ``(n_samples,)`` with a ``front_end``.
    n_tags : int > 0
        Sigmoid outputs (50 in the paper).
    width : float > 0
        Multiplier of every layer's feature maps (1: the paper's). The
        CPU-sized default profile uses 1/8.
    pools : sequence of (int, int), optional
        Pooling sizes; default the paper's, adapted to the input by
        :func:`fcn_pools`.
    dropout : float in [0, 1)
        Dropout rate after every pooling (0.5 in the paper).
    input_norm : bool
        Batch-normalise the input per frequency bin before the first
        convolution. The paper's text does not mention it; the authors'
        public Keras code normalises the input with batch normalisation.
        Without it, decibel inputs of about -100..+40 make the first layer
        train slowly.
    front_end : keras.layers.Layer, optional
        A layer turning waveforms into ``(n_bins, n_frames, 1)``
        spectrograms, e.g. :class:`mirnb.layers.LogMelSpectrogram`; the
        model then takes audio.
    head : {'sigmoid', 'softmax'}
        One probability per tag (the paper's tagger), or one posterior over
        exclusive classes (a genre classifier; the book's closing chapter).
    name : str, optional
        Default ``'fcn<depth>'``.

    Returns
    -------
    keras.Model
        Layers named ``conv<i>``, ``bn<i>``, ``relu<i>``, ``pool<i>``,
        ``dropout<i>`` (i = 1..n), ``conv1x1_<j>``, and ``output``.

    References
    ----------
    .. [1] Choi, Fazekas & Sandler (2016), Sec. 4, Tables 1 and 2.
    """
    spec = ARCHITECTURES[_depth(depth)]
    n_tags, width, dropout = _check_head(n_tags, width, dropout)
    _check.choice("head", head, ("sigmoid", "softmax"))
    inputs, x, shape = _check_input(input_shape, front_end)
    if pools is None:
        pools = fcn_pools(spec.pools, shape)
    else:
        pools = tuple(tuple(int(v) for v in p) for p in pools)
        if len(pools) != len(spec.filters):
            raise ParameterError(f"pools has {len(pools)} entries; FCN-{depth} has "
                                 f"{len(spec.filters)} poolings")
    if _reduce(shape[0], [p[0] for p in pools]) < 1 or \
            _reduce(shape[1], [p[1] for p in pools]) < 1:
        raise ParameterError(f"pools={pools} shrink the input {shape[:2]} below 1 x 1")
    if input_norm:
        x = layers.BatchNormalization(axis=1, name="input_bn")(x)
    for i, (f, p) in enumerate(zip(spec.filters, pools), 1):
        x = layers.Conv2D(_width(f, width), 3, padding="same", name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.Activation("relu", name=f"relu{i}")(x)
        x = layers.MaxPooling2D(pool_size=p, strides=p, padding="valid", name=f"pool{i}")(x)
        x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    for j, f in enumerate(spec.extra, 1):
        x = layers.Conv2D(_width(f, width), 1, name=f"conv1x1_{j}")(x)
        x = layers.BatchNormalization(name=f"bn1x1_{j}")(x)
        x = layers.Activation("relu", name=f"relu1x1_{j}")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(n_tags, activation=head, dtype="float32", name="output")(x)
    return keras.Model(inputs, outputs, name=name or f"fcn{depth}")


def build_mfcc_net(*, input_shape=(90, 1366, 1), n_tags=PAPER_N_TAGS, width=1.0,
                   pools=None, dropout=0.5, input_norm=True, kernel=1, name="mfcc_net"):
    """The 4-layer network on MFCCs (Choi et al. 2016, Sec. 5.1 and Table 3).

    The input, ``3 * n_mfcc`` rows (MFCCs, deltas and delta-deltas, see
    :func:`mirnb.features.mfcc_with_deltas`) by ``n_frames``, is read as a
    sequence of frames: four blocks of Conv1D (``kernel`` frames, all
    coefficients) -> BatchNormalization -> ReLU -> MaxPooling1D -> Dropout,
    with FCN-4's feature maps and time poolings, then a sigmoid layer. With
    ``kernel=1`` every layer is a feed-forward layer applied to each frame,
    with pooling along time only: the paper's "frame-based 4-layer
    feed-forward network with time-axis pooling". The paper gives no widths;
    FCN-4's are the book's choice.

    Parameters
    ----------
    input_shape : (int, int, 1)
        ``(3 * n_mfcc, n_frames, 1)``; the paper's is ``(90, 1366, 1)``.
    n_tags, width, dropout, input_norm, name
        As in :func:`build_fcn`.
    pools : sequence of int, optional
        Time poolings; default FCN-4's (4, 5, 8, 8), adapted to
        ``n_frames`` as in :func:`fcn_pools`.
    kernel : int > 0
        Frames each convolution spans: 1 (the paper's frame-based network) or
        more (a 1-D convolution over time).

    Returns
    -------
    keras.Model

    References
    ----------
    .. [1] Choi, Fazekas & Sandler (2016), Sec. 5.1 and Table 3 (MFCC input).
    """
    spec = ARCHITECTURES[4]
    kernel = _check.positive_int("kernel", kernel)
    n_tags, width, dropout = _check_head(n_tags, width, dropout)
    inputs, x, shape = _check_input(input_shape, None)
    n_coef, n_frames = shape[0], shape[1]
    if pools is None:
        pools = _adapt_axis([p[1] for p in spec.pools], n_frames)
    else:
        pools = tuple(int(p) for p in pools)
        if len(pools) != 4 or _reduce(n_frames, pools) < 1:
            raise ParameterError(f"pools={pools!r}: expected four time poolings that keep "
                                 f"at least one of the {n_frames} frames")
    if input_norm:
        x = layers.BatchNormalization(axis=1, name="input_bn")(x)
    x = layers.Permute((2, 1, 3), name="frames")(x)
    x = layers.Reshape((n_frames, n_coef), name="frame_vectors")(x)
    for i, (f, p) in enumerate(zip(spec.filters, pools), 1):
        x = layers.Conv1D(_width(f, width), kernel, padding="same", name=f"conv{i}")(x)
        x = layers.BatchNormalization(name=f"bn{i}")(x)
        x = layers.Activation("relu", name=f"relu{i}")(x)
        x = layers.MaxPooling1D(pool_size=p, strides=p, padding="valid", name=f"pool{i}")(x)
        x = layers.Dropout(dropout, name=f"dropout{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(n_tags, activation="sigmoid", dtype="float32", name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def layer_table(model):
    """The output shape of every convolution and pooling, as in the paper's tables.

    Parameters
    ----------
    model : keras.Model
        From :func:`build_fcn` or :func:`build_mfcc_net`.

    Returns
    -------
    pandas.DataFrame
        One row per ``conv``/``pool``/``output`` layer: ``layer``, ``kind``
        (``'Conv 3x3x128'``, ``'MP (2, 4)'``, ...) and ``output`` (the shape
        without the batch axis), plus ``df.attrs['params']``.
    """
    rows = []
    for layer in model.layers:
        if isinstance(layer, (layers.Conv1D, layers.Conv2D)):
            k = "x".join(str(v) for v in layer.kernel_size)
            if isinstance(layer, layers.Conv1D):
                k = f"{layer.input.shape[-1]}x{k}"
            kind = f"Conv {k}x{layer.filters}"
        elif isinstance(layer, (layers.MaxPooling1D, layers.MaxPooling2D)):
            kind = f"MP {tuple(layer.pool_size)}"
        elif layer.name == "output":
            kind = f"Output {layer.units} (sigmoid)"
        else:
            continue
        rows.append({"layer": layer.name, "kind": kind,
                     "output": " x ".join(str(v) for v in layer.output.shape[1:])})
    df = pd.DataFrame(rows, columns=["layer", "kind", "output"])
    df.attrs["params"] = int(model.count_params())
    return df
