"""Custom Keras layers, written with ``keras.ops`` only (any Keras 3 backend).

:class:`LogMelSpectrogram` computes Choi et al.'s front end inside the
model: the short-time Fourier transform (:func:`keras.ops.stft`), a mel
filter bank (a constant from :func:`librosa.filters.mel`) and decibels. With
it the accelerator does the work that :func:`mirnb.features.log_mel` does on
the CPU, so that a GPU reading raw audio is not starved by a CPU front end.
Both give the same numbers (``tests/test_fcn.py`` checks them against
librosa).

:class:`KMaxPooling1D` is the order-preserving k-max pooling over time of
Kalchbrenner et al. (2014) that Zhang et al.'s KCNN (2015) applies after its
convolution (:func:`mirnb.models.kcnn.build_kcnn`).

Every layer here provides ``get_config`` and ``compute_output_shape`` and is
registered with :func:`keras.saving.register_keras_serializable` under the
package name ``'mirnb'``, so models that use it save and load.
"""

import numpy as np

import keras
from keras import ops

from . import _check

__all__ = ["LogMelSpectrogram", "KMaxPooling1D"]


@keras.saving.register_keras_serializable(package="mirnb")
class LogMelSpectrogram(keras.layers.Layer):
    """Log-power mel (or linear-frequency) spectrogram of a batch of waveforms.

    For each clip: zero-pad ``n_fft // 2`` samples on both sides (librosa's
    ``center=True, pad_mode='constant'``), take the STFT with a periodic Hann
    window, the power ``|X|**power``, the mel filter bank (Slaney's, as
    :func:`librosa.filters.mel`), then decibels:
    ``(20 / power) * log10(max(amin, M) / ref)``, optionally clipped to
    ``top_db`` below the clip's peak. This is :func:`mirnb.features.log_mel`
    with the same arguments (and, with ``n_mels=None``,
    :func:`mirnb.features.log_stft`).

    Parameters
    ----------
    sr : int > 0
        Sample rate of the input waveforms (12000 in Choi et al.).
    n_fft : int > 0
        FFT and window length in samples (512).
    hop_length : int > 0
        Hop in samples (256).
    n_mels : int > 0 or None
        Mel bands (96). ``None`` keeps the ``1 + n_fft // 2`` linear
        frequency bins: the log-power STFT input of Choi et al.'s Table 3.
    fmin, fmax : float
        Frequency range of the filter bank in Hz (``fmax=None``: ``sr / 2``).
    power : {1.0, 2.0}
        Exponent of the magnitude before the filter bank.
    amin : float > 0
        Floor before the logarithm.
    ref : float > 0
        Value that maps to 0 dB.
    top_db : float > 0 or None
        Clip each clip's values to at most ``top_db`` below its maximum.
    **kwargs
        Passed to :class:`keras.layers.Layer` (``name``, ``dtype``...). The
        layer computes in float32 by default, also under a mixed-precision
        policy.

    Input shape
    -----------
    ``(batch, n_samples)``

    Output shape
    ------------
    ``(batch, n_bins, n_frames, 1)`` with ``n_frames = 1 + n_samples //
    hop_length`` and ``n_bins = n_mels`` (or ``1 + n_fft // 2``): the
    frequency x time x channel layout of :func:`mirnb.models.fcn.build_fcn`.

    References
    ----------
    .. [1] Choi, K., Fazekas, G. & Sandler, M. (2016). Automatic tagging
       using deep convolutional neural networks. ISMIR, Sec. 5.1 (96-band log
       mel spectrogram of 12 kHz audio, hop 256; the 512-point FFT is the
       authors' code's, the text says 256).
    .. [2] McFee, B. et al. (2015). librosa: audio and music signal analysis
       in Python. SciPy (the filter bank and the decibel conversion).
    """

    def __init__(self, *, sr=12000, n_fft=512, hop_length=256, n_mels=96, fmin=0.0,
                 fmax=None, power=2.0, amin=1e-10, ref=1.0, top_db=None, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.sr = _check.positive_int("sr", sr)
        self.n_fft = _check.positive_int("n_fft", n_fft)
        self.hop_length = _check.positive_int("hop_length", hop_length)
        self.n_mels = None if n_mels is None else _check.positive_int("n_mels", n_mels)
        self.fmin, _ = _check.freq_range(fmin, fmax, self.sr)
        self.fmax = None if fmax is None else float(fmax)
        self.power = float(_check.choice("power", power, {1, 2, 1.0, 2.0}))
        self.amin = _check.positive("amin", amin)
        self.ref = _check.positive("ref", ref)
        self.top_db = None if top_db is None else _check.positive("top_db", top_db)
        self.n_bins = self.n_mels if self.n_mels is not None else 1 + self.n_fft // 2
        self._window = self._hann()
        self._filters = self._filter_bank()

    def _hann(self):
        import librosa

        w = librosa.filters.get_window("hann", self.n_fft, fftbins=True)
        return np.asarray(w, dtype="float32")

    def _filter_bank(self):
        """The (n_freq, n_bins) matrix applied to the power spectrum."""
        if self.n_mels is None:
            return None
        import librosa

        fb = librosa.filters.mel(sr=self.sr, n_fft=self.n_fft, n_mels=self.n_mels,
                                 fmin=self.fmin, fmax=self.fmax, htk=False, norm="slaney")
        return np.ascontiguousarray(fb.T, dtype="float32")

    def compute_output_shape(self, input_shape):
        n = input_shape[-1]
        frames = None if n is None else 1 + n // self.hop_length
        return (input_shape[0], self.n_bins, frames, 1)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        pad = self.n_fft // 2
        x = ops.pad(x, [[0, 0], [pad, pad]])
        real, imag = ops.stft(x, sequence_length=self.n_fft, sequence_stride=self.hop_length,
                              fft_length=self.n_fft, window=ops.convert_to_tensor(self._window),
                              center=False)
        S = real * real + imag * imag                      # (batch, frames, n_freq)
        if self.power == 1.0:
            S = ops.sqrt(S)
        if self._filters is not None:
            S = ops.matmul(S, ops.convert_to_tensor(self._filters))
        db = (10.0 * 2.0 / self.power) * (
            ops.log(ops.maximum(S, self.amin)) - np.log(self.ref)) / np.log(10.0)
        if self.top_db is not None:
            peak = ops.max(db, axis=(1, 2), keepdims=True)
            db = ops.maximum(db, peak - self.top_db)
        return ops.expand_dims(ops.transpose(db, (0, 2, 1)), -1)

    def get_config(self):
        config = super().get_config()
        config.update(sr=self.sr, n_fft=self.n_fft, hop_length=self.hop_length,
                      n_mels=self.n_mels, fmin=self.fmin, fmax=self.fmax, power=self.power,
                      amin=self.amin, ref=self.ref, top_db=self.top_db)
        return config


@keras.saving.register_keras_serializable(package="mirnb")
class KMaxPooling1D(keras.layers.Layer):
    """Order-preserving k-max pooling over the time axis.

    For every sample and every channel, keep the ``k`` largest values over
    time *in their original temporal order*: top-k over time, sort the
    selected time indices ascending, gather. So ``[5, 2, 7, 1, 9, 3]`` with
    ``k=3`` gives ``[5, 7, 9]``, not the ``[9, 7, 5]`` of a plain top-k
    (which is what many public "KMaxPooling" layers return). This is the
    k-max pooling of Kalchbrenner et al. [1]_ with a fixed k, as Zhang et
    al. [2]_ (Eq. 4) apply it to each row (convolution unit) of the
    convolution's output. ``k=1`` is global max pooling
    (:class:`keras.layers.GlobalMaxPooling1D`), the paper's "k-max turned
    off" variant. The gradient reaches exactly the selected positions.

    Masking: the layer accepts a Keras mask (e.g. from
    ``Embedding(mask_zero=True)`` or :class:`keras.layers.Masking`) or an
    explicit ``mask`` argument, ``(batch, steps)`` booleans. Masked
    (padded) steps are set to ``-inf`` before the top-k, so they are never
    selected. The output has no time axis left, so no mask is passed on.

    Short sequences: where a sequence has fewer than ``k`` steps (or fewer
    than ``k`` unmasked steps), its real values come first, in temporal
    order, and the missing outputs are **0**, appended after them. For
    example ``[5, 2, 7]`` with ``k=5`` gives ``[5, 2, 7, 0, 0]``. Values of
    exactly ``-inf`` in the input count as missing too.

    Parameters
    ----------
    k : int >= 1
        Number of values kept per channel (5 in Zhang et al., Table 1).
    **kwargs
        Passed to :class:`keras.layers.Layer` (``name``, ``dtype``...).

    Input shape
    -----------
    ``(batch, steps, channels)``; ``steps`` may be ``None`` (any length,
    shorter than ``k`` included).

    Output shape
    ------------
    ``(batch, k, channels)``. Flattening it concatenates the k columns of
    Zhang et al.'s V x k matrix (time-major), as their Sec. 3.4 does.

    Raises
    ------
    mirnb.ParameterError
        If ``k`` is not a positive integer.

    References
    ----------
    .. [1] Kalchbrenner, N., Grefenstette, E. & Blunsom, P. (2014). A
       convolutional neural network for modelling sentences. ACL, Sec. 3.3
       ("k-max pooling": the subsequence of the k highest values, in their
       original order).
    .. [2] Zhang, P. et al. (2015). A deep neural network for modeling
       music. ICMR, Sec. 3.3, Eq. 4.

    Notes
    -----
    Used by the zhang2015 chapter (``notebooks/03_zhang2015.py``) through
    :func:`mirnb.models.kcnn.build_kcnn`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([5, 2, 7, 1, 9, 3], "float32").reshape(1, 6, 1)
    >>> KMaxPooling1D(3)(x).numpy().ravel()  # doctest: +SKIP
    array([5., 7., 9.], dtype=float32)
    """

    def __init__(self, k, **kwargs):
        super().__init__(**kwargs)
        self.k = _check.positive_int("k", k)
        self.supports_masking = True
        self.input_spec = keras.layers.InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.k, input_shape[2])

    def compute_mask(self, inputs, mask=None):
        return None

    def call(self, inputs, mask=None):
        k = self.k
        x = ops.transpose(inputs, (0, 2, 1))                  # (batch, channels, steps)
        neg_inf = ops.cast(float("-inf"), x.dtype)
        if mask is not None:
            keep = ops.expand_dims(ops.cast(mask, "bool"), 1)  # (batch, 1, steps)
            x = ops.where(keep, x, neg_inf)
        steps = x.shape[-1]
        if steps is None or steps < k:
            # Pad the time axis so that top-k always has k candidates; the
            # padding is -inf, i.e. a missing value, like a masked step.
            x = ops.pad(x, [[0, 0], [0, 0], [0, k]], constant_values=float("-inf"))
        length = ops.shape(x)[-1]
        _, idx = ops.top_k(x, k, sorted=False)                # (batch, channels, k)
        valid = ops.take_along_axis(x, idx, axis=-1) > neg_inf
        # Sort by time, with every missing value after all the real ones:
        # their sort key is moved past the end of the sequence.
        key = ops.sort(ops.where(valid, idx, idx + length), axis=-1)
        valid = key < length
        idx = ops.where(valid, key, key - length)
        out = ops.take_along_axis(x, idx, axis=-1)
        out = ops.where(valid, out, ops.zeros_like(out))
        return ops.transpose(out, (0, 2, 1))

    def get_config(self):
        config = super().get_config()
        config.update(k=self.k)
        return config
