"""Audio loading with validation: resample, mono mix-down, trim or pad.

Every loader in :mod:`mirnb.datasets` reads audio through :func:`load`, so a
missing, unreadable, silent, too short, stereo or wrongly sampled file is
handled in one place, with one kind of message.
"""

from pathlib import Path

import numpy as np

from . import _check
from .errors import DataError, MissingDataError

__all__ = ["load", "fix_length", "is_silent", "check_file", "check_finite"]

#: Peak amplitude below which a signal counts as silent (about -80 dBFS).
SILENCE_PEAK = 1e-4
#: Peak amplitude above which a (floating-point) file is rejected: +24 dBFS.
#: Float WAV may go over full scale a little; samples this far over it mean
#: integer PCM values stored as float without scaling, or a corrupt file.
MAX_PEAK = 16.0
#: Frames read at a time by :func:`check_file`.
_BLOCK = 1 << 16


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


def check_finite(y, *, path, sr=None, offset=0):
    """Raise :class:`DataError` when ``y`` holds NaN/inf or samples far over full scale.

    Parameters
    ----------
    y : np.ndarray, shape (channels, n) or (n,)
        Samples as read from ``path``.
    path : str or Path
        The file, named in the message.
    sr : int or None
        Sample rate, to give the position of the first bad sample in seconds.
    offset : int
        Index of ``y``'s first sample in the file.

    Raises
    ------
    DataError
        Non-finite samples, or a peak above :data:`MAX_PEAK`.
    """
    finite = np.isfinite(y)
    if not finite.all():
        bad = ~finite.reshape(-1, y.shape[-1]).all(axis=0)
        first = offset + int(np.argmax(bad))
        where = f"sample {first}" + ("" if sr is None else f", {first / sr:.3f} s")
        raise DataError(f"audio file {path} holds {int(bad.sum())} NaN or infinite "
                        f"samples (first at {where}): the file is corrupt. Re-encode it "
                        "from a good source, or remove it and its labels.")
    if y.size:
        peak = float(np.max(np.abs(y)))
        if peak > MAX_PEAK:
            raise DataError(f"audio file {path} has samples up to {peak:.4g}, far beyond "
                            f"full scale (1.0; the limit is {MAX_PEAK:g}): it looks like "
                            "integer PCM stored as float without scaling, or a corrupt "
                            "file. Rescale it to [-1, 1] (e.g. divide by 32768) or "
                            "replace it.")


def _open_error(path, err):
    detail = str(err).strip().rstrip(".") or type(err).__name__
    return DataError(f"cannot read audio file {path}: {detail}. "
                     "Replace the file, or remove it and its labels.")


def _check_path(path):
    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"audio file not found: {path}")
    if not path.is_file():
        raise DataError(f"{path} is not a regular file (a folder?), not an audio file: "
                        "remove it or point the dataset at the audio file")
    return path


def check_file(path, *, min_duration=None, allow_silent=False):
    """Decode a whole audio file once and say whether it is usable.

    The file is read block by block (constant memory), so the length is
    the number of frames actually decoded: a truncated file is caught even
    when its header (e.g. an MP3's Xing header) still claims the full
    length. Decoding costs about 4 ms for 30 s of WAV and 10 ms for 30 s of
    MP3.

    Parameters
    ----------
    path : str or Path
        Audio file.
    min_duration : float >= 0 or None
        Raise when the file holds fewer seconds than this.
    allow_silent : bool
        If False, a file whose peak over its whole length is below
        :data:`SILENCE_PEAK` raises.

    Returns
    -------
    duration : float
        Seconds of audio in the file.

    Raises
    ------
    MissingDataError
        The file does not exist.
    DataError
        The file is not a regular file, cannot be decoded (to its end),
        holds no samples, NaN or infinite samples, samples far over full
        scale, is silent, or is shorter than ``min_duration``.
    """
    import soundfile as sf

    if min_duration is not None:
        min_duration = _check.nonneg("min_duration", min_duration)
    path = _check_path(path)
    n, peak = 0, 0.0
    try:
        with sf.SoundFile(str(path)) as f:
            sr_file = f.samplerate
            while True:
                block = f.read(frames=_BLOCK, dtype="float32", always_2d=True)
                if not len(block):
                    break
                check_finite(block.T, path=path, sr=sr_file, offset=n)
                peak = max(peak, float(np.max(np.abs(block))))
                n += len(block)
    except (RuntimeError, sf.LibsndfileError, OSError, ValueError, TypeError) as err:
        raise _open_error(path, err) from None
    if n == 0:
        raise DataError(f"audio file {path} holds no samples: replace it, or remove it "
                        "and its labels")
    duration = n / sr_file
    if min_duration is not None and duration < min_duration:
        raise DataError(f"audio file {path} is {duration:.2f} s long, shorter than the "
                        f"{min_duration:.2f} s expected: it is truncated or cut short. "
                        "Download it again, or remove it and its labels.")
    if not allow_silent and peak < SILENCE_PEAK:
        raise DataError(f"audio file {path} is silent (peak below {SILENCE_PEAK:g})")
    return duration


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
        Audio, in [-1, 1] for integer formats (floating-point files may go
        a little over full scale, up to :data:`MAX_PEAK`).
    sr : int
        Its sample rate.

    Raises
    ------
    MissingDataError
        The file does not exist.
    DataError
        The file is not a regular file, is unreadable, empty, silent,
        shorter than ``min_duration``, or holds NaN, infinite or far
        over-full-scale samples (the message names the file).
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
    path = _check_path(path)
    try:
        with sf.SoundFile(str(path)) as f:
            sr_file = f.samplerate
            start = int(round(offset * sr_file))
            if start:
                f.seek(min(start, f.frames))
            frames = -1 if duration is None else int(np.ceil(duration * sr_file))
            y = f.read(frames=frames, dtype="float32", always_2d=True).T
    except (RuntimeError, sf.LibsndfileError, OSError, ValueError, TypeError) as err:
        raise _open_error(path, err) from None
    if y.shape[-1] == 0:
        raise DataError(f"audio file {path} holds no samples" + (
            f" after offset={offset} s" if start else "") + ": replace it, or remove it "
            "and its labels")
    check_finite(y, path=path, sr=sr_file, offset=start)
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
