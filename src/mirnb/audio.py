"""Audio loading with validation: resample, mono mix-down, trim or pad.

Every loader in :mod:`mirnb.datasets` reads audio through :func:`load`, so a
missing, unreadable, silent, too short, stereo or wrongly sampled file is
handled in one place, with one kind of message.
"""

from pathlib import Path

import numpy as np

from . import _check
from .errors import DataError, MissingDataError

__all__ = ["load", "fix_length", "is_silent"]

#: Peak amplitude below which a signal counts as silent (about -80 dBFS).
SILENCE_PEAK = 1e-4


def is_silent(y, *, threshold=SILENCE_PEAK):
    """Return True when the peak of ``y`` is below ``threshold``.

    Parameters
    ----------
    y : np.ndarray
        Audio signal of any shape.
    threshold : float
        Peak amplitude that counts as silence. Default about -80 dBFS.
    """
    return y.size == 0 or float(np.max(np.abs(y))) < threshold


def fix_length(y, *, size, policy="pad"):
    """Trim or zero-pad the last axis of ``y`` to ``size`` samples.

    Parameters
    ----------
    y : np.ndarray, shape (..., n)
        Signal.
    size : int > 0
        Length wanted, in samples.
    policy : {'pad', 'trim', 'error'}
        What to do when ``y`` is shorter than ``size``: ``'pad'`` pads
        with zeros at the end, ``'trim'`` only trims and returns short
        signals as they are, ``'error'`` raises :class:`DataError`.
        Longer signals are always trimmed at the end.

    Returns
    -------
    np.ndarray, shape (..., size) (or shorter with ``policy='trim'``)
    """
    size = _check.positive_int("size", size)
    _check.choice("policy", policy, {"pad", "trim", "error"})
    n = y.shape[-1]
    if n >= size:
        return y[..., :size]
    if policy == "error":
        raise DataError(f"signal has {n} samples, fewer than the {size} required")
    if policy == "trim":
        return y
    pad = [(0, 0)] * (y.ndim - 1) + [(0, size - n)]
    return np.pad(y, pad)


def load(path, *, sr=22050, mono=True, offset=0.0, duration=None, policy="pad",
         min_duration=0.0, allow_silent=False, res_type="soxr_hq"):
    """Load an audio file as float32, resampled and mixed down as asked.

    Parameters
    ----------
    path : str or Path
        Audio file (anything libsndfile reads: WAV, FLAC, OGG, MP3).
    sr : int > 0 or None
        Target sample rate. ``None`` keeps the file's rate. A file at
        another rate is resampled (a documented fix-up, not an error).
    mono : bool
        Mix multi-channel audio down to mono by averaging the channels.
    offset : float >= 0
        Start reading this many seconds in.
    duration : float > 0 or None
        Seconds to return. With ``policy='pad'`` a shorter file is padded
        with zeros to exactly this length; with ``'trim'`` it is returned
        as it is; with ``'error'`` it raises.
    policy : {'pad', 'trim', 'error'}
        Length policy when ``duration`` is set; see :func:`fix_length`.
    min_duration : float >= 0
        Raise :class:`DataError` when the file holds less audio than this
        (before any padding).
    allow_silent : bool
        If False (the default), an all-silent file raises
        :class:`DataError`, because a silent clip has no label to learn.
    res_type : str
        Resampler passed to :func:`librosa.resample`.

    Returns
    -------
    y : np.ndarray, shape (n,) or (channels, n)
        Audio in [-1, 1].
    sr : int
        Its sample rate.

    Raises
    ------
    MissingDataError
        The file does not exist.
    DataError
        The file is unreadable, empty, silent or shorter than ``min_duration``.
    ParameterError
        A parameter is out of range.
    """
    import soundfile as sf

    if sr is not None:
        sr = _check.positive_int("sr", sr)
    offset = _check.nonneg("offset", offset)
    if duration is not None:
        duration = _check.positive("duration", duration)
    _check.choice("policy", policy, {"pad", "trim", "error"})
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"audio file not found: {path}")
    try:
        with sf.SoundFile(str(path)) as f:
            sr_file = f.samplerate
            start = int(round(offset * sr_file))
            if start:
                f.seek(min(start, f.frames))
            frames = -1 if duration is None else int(np.ceil(duration * sr_file))
            y = f.read(frames=frames, dtype="float32", always_2d=True).T
    except (RuntimeError, sf.LibsndfileError, OSError) as err:
        raise DataError(f"cannot read audio file {path}: {err}. "
                        "Replace the file, or remove it and its labels.") from None
    if y.shape[-1] == 0:
        raise DataError(f"audio file {path} holds no samples")
    if y.shape[-1] < min_duration * sr_file:
        raise DataError(f"audio file {path} is {y.shape[-1] / sr_file:.2f} s long, "
                        f"shorter than the {min_duration} s required")
    if mono:
        y = y.mean(axis=0)
    elif y.shape[0] == 1:
        y = y[0]
    if not allow_silent and is_silent(y):
        raise DataError(f"audio file {path} is silent (peak below {SILENCE_PEAK:g})")
    if sr is not None and sr != sr_file:
        import librosa

        y = librosa.resample(y, orig_sr=sr_file, target_sr=sr, res_type=res_type)
    out_sr = sr_file if sr is None else sr
    if duration is not None:
        y = fix_length(y, size=int(round(duration * out_sr)), policy=policy)
    return np.ascontiguousarray(y, dtype=np.float32), out_sr
