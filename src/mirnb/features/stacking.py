"""Features stacked into one array of network inputs: :func:`extract_stacked`.

:func:`extract_stacked` runs :func:`~mirnb.features.extraction.extract` over a
list of tracks, a chunk at a time, and stacks the results into one float32
array (or a memory map on disk) with one row per kept track, cropped or
padded to one length. :func:`waveform` is the 'feature' of a model that
computes its own spectrograms on the accelerator: the decoded, resampled
audio itself.
"""

import logging
from pathlib import Path

import numpy as np

from .. import _check
from ..errors import ParameterError
from .extraction import ExtractReport, Resized, extract

__all__ = ["extract_stacked", "waveform"]

log = logging.getLogger("mirnb.features")


def waveform(y):
    """The audio itself, as float32: the 'feature' of the on-accelerator front end.

    With :func:`~mirnb.features.extraction.extract` it caches decoded,
    resampled clips, which :class:`mirnb.layers.LogMelSpectrogram` turns
    into spectrograms inside the model.
    """
    return np.asarray(y, dtype=np.float32)


def extract_stacked(tracks, func, *, sr, duration=None, min_duration=None, n_frames=None,
                    path=None, chunk_size=256, n_jobs=None, verbose=True, **params):
    """Compute a feature for every track and stack the results into one array.

    The feature is computed with :func:`~mirnb.features.extraction.extract`
    (parallel, cached by content, failures skipped and reported),
    ``chunk_size`` tracks at a time, so that at most one chunk of results is
    held in memory besides the stacked array, which can live on disk.

    Parameters
    ----------
    tracks : sequence of mirnb.datasets.Track
    func : str or callable
        As in :func:`~mirnb.features.extraction.extract` (``'log_mel'``,
        ``'log_stft'``, ``'mfcc_with_deltas'``, :func:`waveform`, ...). A 2-D
        result ``(n_bins, n_frames)`` gets a channel axis; a 1-D one (audio)
        is kept as it is.
    sr : int
        Sample rate the audio is loaded at.
    duration : float, optional
        Seconds loaded per clip (shorter clips are zero-padded and reported
        in ``skipped.padded``), so that all clips give the same number of
        frames.
    min_duration : float, optional
        Skip (and report) clips shorter than this; see
        :func:`~mirnb.features.extraction.extract`.
    n_frames : int, optional
        Crop or zero-pad the last axis of every result to this length
        (default: the first result's length). Results of another length
        are cropped or padded and reported in ``skipped.resized``.
    path : str or Path, optional
        Write the stack to this ``.npy`` file through a memory map (for data
        larger than memory) and return the map.
    chunk_size : int > 0
    n_jobs : int, optional
    verbose : bool
    **params
        Passed to the feature function.

    Returns
    -------
    X : np.ndarray or np.memmap, float32, shape (n_kept, ...)
    ids : list of str
        Track ids of the rows of ``X``.
    skipped : ExtractReport
        Tracks left out, with the reason (also logged); ``skipped.padded``
        the clips zero-padded to ``duration``, ``skipped.resized`` the
        results cropped or padded to ``n_frames``.
    """
    tracks = list(tracks)
    chunk_size = _check.positive_int("chunk_size", chunk_size)
    if n_frames is not None:
        n_frames = _check.positive_int("n_frames", n_frames)
    X, ids, skipped, row = None, [], ExtractReport(), 0
    for start in range(0, len(tracks), chunk_size):
        part = tracks[start:start + chunk_size]
        values, skip = extract(part, func, sr=sr, duration=duration,
                               min_duration=min_duration, n_jobs=n_jobs, verbose=verbose,
                               **params)
        skipped += skip
        skipped.padded += skip.padded
        skipped.n_workers = max(skipped.n_workers, skip.n_workers)
        for t in part:
            if t.track_id not in values:
                continue
            v = np.asarray(values[t.track_id], dtype=np.float32)
            if v.ndim == 2:
                v = v[..., None]
            length = v.shape[0] if v.ndim == 1 else v.shape[1]
            if n_frames is None:
                n_frames = length
            if length != n_frames:
                skipped.resized.append(Resized(t.track_id, length, n_frames))
                if v.ndim == 1:
                    v = np.pad(v, (0, max(0, n_frames - length)))[:n_frames]
                else:
                    v = np.pad(v, ((0, 0), (0, max(0, n_frames - length)), (0, 0)))
                    v = v[:, :n_frames]
            if X is None:
                shape = (len(tracks),) + v.shape
                if path is None:
                    X = np.empty(shape, dtype=np.float32)
                else:
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                    X = np.lib.format.open_memmap(str(path), mode="w+", dtype=np.float32,
                                                  shape=shape)
            X[row] = v
            ids.append(t.track_id)
            row += 1
    if skipped.resized:
        log.warning("extract_stacked: cropped or zero-padded %d result(s) to n_frames=%d "
                    "(see skipped.resized): %s", len(skipped.resized), n_frames,
                    "; ".join(f"{r.track_id} ({r.length})" for r in skipped.resized[:5]))
    if X is None:
        raise ParameterError(f"no track gave a feature ({len(skipped)} skipped: "
                             f"{[s.reason for s in skipped[:3]]})")
    if row < len(X):
        if path is None:
            X = X[:row]
        else:
            X.flush()
            del X
            full = np.load(str(path), mmap_mode="r+")
            X = full[:row]
    return X, ids, skipped
