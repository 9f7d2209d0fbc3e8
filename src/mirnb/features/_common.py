"""Argument checks and librosa helpers shared by the feature modules (internal)."""

import contextlib
import numbers

import numpy as np

from ..errors import ParameterError


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------
def _signal(y, name="y"):
    """Check that ``y`` is a non-empty, finite, 1-D floating-point array."""
    if not isinstance(y, np.ndarray):
        raise ParameterError(f"{name} must be a numpy array of audio samples, "
                             f"got {type(y).__name__}")
    if y.ndim != 1:
        raise ParameterError(f"{name} must be 1-D (mono) audio, got shape {y.shape}; "
                             "mix down first, e.g. mirnb.audio.load(..., mono=True)")
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(f"{name} must hold floating-point samples, got dtype "
                             f"{y.dtype}; convert with y.astype(np.float32) / 32768 "
                             "for 16-bit PCM")
    if y.size == 0:
        raise ParameterError(f"{name} is empty")
    if not np.isfinite(y).all():
        raise ParameterError(f"{name} holds NaN or infinite samples")
    return y


def _sr(sr):
    """Check a sample rate: a positive whole number of Hz (int or integral float)."""
    ok = (isinstance(sr, numbers.Real) and not isinstance(sr, bool)
          and sr > 0 and float(sr).is_integer())
    if not ok:
        raise ParameterError(f"sr={sr!r}: expected a positive whole number of Hz, "
                             "e.g. 22050")
    return int(sr)


def _spectrogram(S, name="S"):
    """Check a non-negative real 2-D spectrogram and return n_fft for it."""
    if not isinstance(S, np.ndarray) or S.ndim != 2:
        shape = getattr(S, "shape", None)
        raise ParameterError(f"{name} must be a 2-D array (n_bins, n_frames), got "
                             f"{type(S).__name__} with shape {shape}")
    if not np.issubdtype(S.dtype, np.floating) and not np.issubdtype(S.dtype, np.integer):
        raise ParameterError(f"{name} must be real-valued (a magnitude spectrogram), "
                             f"got dtype {S.dtype}; take np.abs of a complex STFT")
    if S.shape[0] < 2 or S.shape[1] < 1:
        raise ParameterError(f"{name} has shape {S.shape}: expected at least 2 "
                             "frequency bins and 1 frame")
    if not np.isfinite(S).all() or (S < 0).any():
        raise ParameterError(f"{name} must be finite and non-negative")
    return 2 * (S.shape[0] - 1)


def _y_or_S(y, S):
    if (y is None) == (S is None):
        raise ParameterError("pass exactly one of y (audio) or S (spectrogram)")


@contextlib.contextmanager
def _librosa(what):
    """Import librosa; re-raise its ParameterError as mirnb's, naming ``what``."""
    import librosa

    try:
        yield librosa
    except librosa.util.exceptions.ParameterError as err:
        raise ParameterError(f"{what}: {err}") from None


def _window(window, n_fft, dtype):
    """The periodic analysis window of length ``n_fft``, in ``dtype``.

    :func:`librosa.filters.get_window` builds it; the length is checked here
    because :func:`librosa.stft` would silently zero-pad a shorter window.
    """
    import librosa

    if isinstance(window, (np.ndarray, list)):
        w = np.asarray(window)
    else:
        try:
            w = np.asarray(librosa.filters.get_window(window, n_fft, fftbins=True))
        except (librosa.util.exceptions.ParameterError, ValueError, TypeError) as err:
            raise ParameterError(f"window={window!r}: not a window "
                                 f"librosa.filters.get_window knows ({err})") from None
    if w.shape != (n_fft,):
        raise ParameterError(f"window has shape {w.shape}; expected ({n_fft},) to "
                             f"match n_fft={n_fft}")
    return w.astype(dtype, copy=False)
