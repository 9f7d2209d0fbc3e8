"""Custom Keras layers, written with ``keras.ops`` only (any Keras 3 backend).

:class:`LogMelSpectrogram` computes Choi et al.'s front end inside the
model: the short-time Fourier transform (:func:`keras.ops.stft`), a mel
filter bank (a constant from :func:`librosa.filters.mel`) and decibels. With
it the accelerator does the work that :func:`mirnb.features.log_mel` does on
the CPU, so that a GPU reading raw audio is not starved by a CPU front end.
Both give the same numbers (``tests/test_fcn.py`` checks them against
librosa).

Every layer here provides ``get_config`` and ``compute_output_shape`` and is
registered with :func:`keras.saving.register_keras_serializable` under the
package name ``'mirnb'``, so models that use it save and load.
"""

import numpy as np

import keras
from keras import ops

from . import _check

__all__ = ["LogMelSpectrogram"]


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
