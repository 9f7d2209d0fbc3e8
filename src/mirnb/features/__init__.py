"""Audio features and their extraction over a dataset.

Every function takes the signal (or a spectrogram) first and keyword-only
parameters with librosa's names (``sr``, ``n_fft``, ``hop_length``,
``n_mels``, ``fmin``, ``fmax``, ``window``, ``center``). Inputs are checked at
entry: a bad value raises :class:`mirnb.ParameterError` naming the value and
the allowed range.

Orientation follows librosa: spectrogram-like features are ``(n_features,
n_frames)``, time on the last axis. The two functions that produce *samples
for a classifier* (:func:`dft_frames`, :func:`frames_to_windows`) return
``(n_samples, n_features)`` rows, as scikit-learn and Keras expect.

The package is organised by concern; every public name is available here
(``from mirnb import features; features.log_mel(...)``):

:mod:`~mirnb.features.spectral`
    |STFT|, DFT frames, mel and log-mel spectrograms, MFCC and deltas,
    log-STFT, automatic gain control (a Gaussian variant and Ellis's
    ``tf_agc``) and its band filter bank.
:mod:`~mirnb.features.descriptors`
    Band edges, band-wise spectral flatness (SFM) and crest factor (SCF),
    onset strength, Nam et al.'s onset detection function (novelty), chroma.
:mod:`~mirnb.features.frames`
    Frame sets and windowed aggregation: beat-synchronous frames, clip
    summaries, sliding-window statistics, :class:`FrameSet` (frames of
    several tracks as rows), Hamel & Eck's DFT/MFCC frames, timbral +
    temporal clip descriptions.
:mod:`~mirnb.features.words`
    Zhang et al.'s audio words: frame features, multi-frame segments,
    PCA-whitened K-means codebooks, padded word sequences.
:mod:`~mirnb.features.bags`
    Nam et al.'s deep bag-of-features pipeline around the sparse RBM: the
    front end (:func:`deepbof_frames`), multi-frame blocks, onset-based
    and random block sampling, PCA whitening (:class:`PCAWhitener`),
    pooling windows and max-pooling-and-averaging (:func:`pool_bag`).
:mod:`~mirnb.features.extraction`
    :func:`extract`: any of these features (or your own function) over a
    list of tracks, in parallel, cached by content, with a report of the
    files it had to skip; the :data:`FEATURES` registry it knows by name.
:mod:`~mirnb.features.stacking`
    :func:`extract_stacked`: the same, stacked into one array (or memory
    map) of network inputs; :func:`waveform`, the audio itself as the input
    of a model that computes its own spectrograms.
"""

from .bags import (PCAWhitener, blocks, deepbof_frames, pool_bag, sample_blocks,
                     window_frames)
from .descriptors import (band_edges, chroma, novelty, onset_strength, spectral_crest,
                          spectral_flatness)
from .extraction import FEATURES, FEATURES_VERSION, extract
from .frames import (STATS, TIMBRAL_DESCRIPTORS, FrameSet, beat_sync, dft_mfcc_frames,
                     frames_to_windows, summarize, timbral_temporal)
from .spectral import (agc, agc_filterbank, bins_per_khz, dft_frames, log_mel, log_stft,
                       melspectrogram, mfcc, mfcc_deltas, mfcc_with_deltas, stft_magnitude)
from .stacking import extract_stacked, waveform
from .words import (AudioWords, AudioWordsAll, PaddedWords, frame_features, pad_words,
                    segments, stack_words)

__all__ = [
    "stft_magnitude", "dft_frames", "melspectrogram", "log_mel", "bins_per_khz", "log_stft", "mfcc",
    "mfcc_deltas", "mfcc_with_deltas",
    "spectral_flatness", "spectral_crest", "band_edges", "onset_strength", "chroma",
    "agc", "beat_sync", "summarize", "frames_to_windows", "FrameSet", "dft_mfcc_frames",
    "timbral_temporal", "TIMBRAL_DESCRIPTORS", "extract", "extract_stacked", "waveform",
    "FEATURES", "FEATURES_VERSION", "STATS",
    "frame_features", "segments", "AudioWords", "AudioWordsAll", "stack_words", "pad_words",
    "PaddedWords",
    "agc_filterbank", "novelty", "deepbof_frames", "blocks", "sample_blocks", "PCAWhitener",
    "window_frames", "pool_bag",
]
