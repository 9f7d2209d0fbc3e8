"""Parallel, cached extraction of a feature over a dataset: :func:`extract`.

:func:`extract` computes any feature of :data:`FEATURES` (or your own
function) over a list of tracks: in parallel over the cores, with progress, a
content cache (:mod:`mirnb.cache`) and a report of the files it had to skip.
Workers get the clips in batches and hand large results back through files
in shared memory (``/dev/shm``) rather than pickles, which this process maps
rather than copies; by default a run that is too small to repay starting
workers stays in this process.
librosa compiles its numba kernels the first time a process calls them (about
20-30 s in a fresh environment, a few seconds to load from numba's cache
later); :func:`mirnb.warmup.librosa_kernels` does it once, in one process,
before :func:`extract` starts parallel workers.
"""

import contextlib
import inspect
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import _check
from ..errors import DataError, ParameterError
from ._common import _sr
from .bags import deepbof_frames
from .descriptors import chroma, onset_strength, spectral_crest, spectral_flatness
from .frames import dft_mfcc_frames, timbral_temporal
from .spectral import (dft_frames, log_mel, log_stft, melspectrogram, mfcc, mfcc_with_deltas,
                       stft_magnitude)
from .words import frame_features

__all__ = ["extract", "FEATURES", "FEATURES_VERSION", "ExtractReport", "Padded", "Resized"]

log = logging.getLogger("mirnb.features")

#: Bumped whenever a feature's output changes for the same input and
#: parameters; it is part of every cache key written by :func:`extract`.
FEATURES_VERSION = "2"  # 2: computed with librosa's STFT, dB, DCT, flatness, onsets


# ----------------------------------------------------------------------------
# what a run left out or changed
# ----------------------------------------------------------------------------
@dataclass
class Padded:
    """A clip shorter than the ``duration`` asked for, zero-padded to it.

    Attributes
    ----------
    track_id : str
    seconds : float
        Seconds of audio the clip holds (from its offset on).
    duration : float
        Seconds it was padded to.
    """

    track_id: str
    seconds: float
    duration: float

    @property
    def fraction_padded(self):
        """float: the share of the result that is padding (0 to 1)."""
        return max(0.0, 1.0 - self.seconds / self.duration)


@dataclass
class Resized:
    """A result whose last axis :func:`.extract_stacked` cropped or zero-padded."""

    track_id: str
    length: int
    n_frames: int


class ExtractReport(list):
    """The ``skipped`` list of :func:`extract` and :func:`.extract_stacked`, and more.

    It is a list of :class:`mirnb.datasets.Skipped` (every track left out,
    with the reason), as before, so ``for s in skipped`` and
    ``len(skipped)`` work unchanged. It also says what was kept but
    changed:

    Attributes
    ----------
    padded : list of Padded
        Clips shorter than ``duration``, zero-padded to it (kept).
    resized : list of Resized
        Results :func:`.extract_stacked` cropped or padded to ``n_frames``.
    n_workers : int
        Worker processes that computed features: 0 when everything ran in
        this process or came from the cache (with the default ``n_jobs``,
        a run too small to repay starting workers stays in this process).
    """

    def __init__(self, skipped=(), *, padded=(), resized=(), n_workers=0):
        super().__init__(skipped)
        self.padded = list(padded)
        self.resized = list(resized)
        self.n_workers = n_workers

    def summary(self):
        """str: one line per kind of event, with counts and the first ids."""
        lines = []
        for what, items, fmt in (
                ("skipped", self, lambda s: f"{s.track_id} ({s.reason})"),
                ("zero-padded", self.padded,
                 lambda p: f"{p.track_id} ({p.seconds:.2f} of {p.duration:g} s)"),
                ("cropped or padded to n_frames", self.resized,
                 lambda r: f"{r.track_id} ({r.length} -> {r.n_frames})")):
            if items:
                more = f"; ... {len(items) - 5} more" if len(items) > 5 else ""
                lines.append(f"{what}: {len(items)}: "
                             + "; ".join(fmt(i) for i in items[:5]) + more)
        return "\n".join(lines) or "nothing skipped, padded or resized"

    def __repr__(self):
        return (f"ExtractReport({list.__repr__(self)}, padded={self.padded!r}, "
                f"resized={self.resized!r}, n_workers={self.n_workers!r})")


def _too_short(track_id, n, sr, min_duration):
    return DataError(f"track {track_id!r} holds {n / sr:.2f} s of audio, less than "
                     f"min_duration={min_duration:g} s: skipped (lower min_duration to "
                     "keep it padded, or replace the file)")


# ----------------------------------------------------------------------------
# extraction over a dataset
# ----------------------------------------------------------------------------
#: Feature functions :func:`extract` knows by name (all take the signal first).
FEATURES = {
    "stft_magnitude": stft_magnitude,
    "dft_frames": dft_frames,
    "melspectrogram": melspectrogram,
    "log_mel": log_mel,
    "log_stft": log_stft,
    "mfcc": mfcc,
    "mfcc_with_deltas": mfcc_with_deltas,
    "spectral_flatness": spectral_flatness,
    "spectral_crest": spectral_crest,
    "onset_strength": onset_strength,
    "chroma": chroma,
    "dft_mfcc_frames": dft_mfcc_frames,
    "timbral_temporal": timbral_temporal,
    "frame_features": frame_features,
    "deepbof_frames": deepbof_frames,
}


def _resolve_feature(func, version):
    """Return (callable, name for the key, version string, base params)."""
    import librosa

    from .. import __version__

    if isinstance(func, str):
        if func not in FEATURES:
            raise ParameterError(f"func={func!r}: not a feature name; expected one of "
                                 f"{sorted(FEATURES)} or a callable")
        fn = FEATURES[func]
        tag = (f"features-{FEATURES_VERSION}/mirnb-{__version__}/"
               f"librosa-{librosa.__version__}")
        return fn, f"mirnb.features.{func}", tag if version is None else f"{tag}/{version}"
    if not callable(func):
        raise ParameterError(f"func={func!r}: expected a feature name or a callable")
    if version is None:
        from ..cache import source_version

        version = source_version(func)
    return func, None, str(version)


def _signature_info(fn):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return True, None
    params = sig.parameters
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
    names = {n for n, p in params.items()
             if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    return ("sr" in names or var_kw), (None if var_kw else names)


def _check_value(value, name):
    """Features must be numeric arrays (or dicts of them) with finite values."""
    if isinstance(value, dict):
        return {k: _check_value(v, name) for k, v in value.items()}
    arr = np.asarray(value)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or np.issubdtype(arr.dtype, np.bool_)):
        raise DataError(f"{name} returned {type(value).__name__} of dtype {arr.dtype}; "
                        "expected a numeric array")
    if np.issubdtype(arr.dtype, np.inexact) and not np.isfinite(arr).all():
        raise DataError(f"{name} returned NaN or infinite values for this clip")
    return arr


class _ExtractJob:
    """The picklable per-track work of :func:`extract` (runs in the workers).

    Called with ``(track, key)``: ``key`` is the cache key the calling
    process already looked up and missed, or None when it could not hash the
    file (the worker then hashes it, which reports a missing file properly).
    Returns ``(value, status, n)``: status ``'written'``, ``'unwritten'``
    (the cache write failed) or ``'uncached'``, and ``n`` the number of
    samples the clip held before any padding.
    """

    def __init__(self, *, fn, name, key_name, version, pass_sr, sr, duration, load_kwargs,
                 params, cache_root, min_duration=None, min_samples=None):
        self.fn = fn
        self.name = name
        self.key_name = key_name
        self.version = version
        self.pass_sr = pass_sr
        self.sr = sr
        self.duration = duration
        self.load_kwargs = load_kwargs
        self.params = params
        self.cache_root = cache_root
        self.min_duration = min_duration
        self.min_samples = min_samples
        self._cache = None
        self._len_cache = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_cache"] = None
        state["_len_cache"] = None
        return state

    def key_params(self):
        return {"sr": self.sr, "duration": self.duration, "load": self.load_kwargs,
                "params": self.params}

    def cache(self):
        if self.cache_root is None:
            return None
        if self._cache is None:
            from ..cache import Cache

            self._cache = Cache(self.cache_root)
        return self._cache

    def length_cache(self):
        """Where the clips' loaded lengths live: a cache beside the features.

        Its own folder (``<root>/_lengths``) and its own counters, so the
        feature cache's ``len`` and ``stats`` count features only.
        """
        if self.cache_root is None:
            return None
        if self._len_cache is None:
            from ..cache import Cache

            self._len_cache = Cache(Path(self.cache_root) / "_lengths")
        return self._len_cache

    def target_size(self):
        return None if self.duration is None else int(round(self.duration * self.sr))

    def key(self, track):
        """The cache key of ``track`` (hashes its file), or raise DataError."""
        from ..cache import file_checksum
        from ..errors import MissingDataError

        if track.audio_path is None:
            raise DataError(f"track {track.track_id!r} has no audio file")
        try:
            checksum = file_checksum(track.audio_path)
        except FileNotFoundError:
            raise MissingDataError(f"audio file not found: {track.audio_path}") from None
        except IsADirectoryError:
            raise DataError(f"{track.audio_path} is a folder, not an audio file") from None
        except OSError as err:
            raise DataError(f"cannot read {track.audio_path}: {err}") from None
        return self.cache().key(source=checksum, func=self.key_name, version=self.version,
                                params=self.key_params())

    def check_length(self, track, n):
        """Raise DataError when a clip of ``n`` samples is below ``min_duration``."""
        if self.min_duration is not None and n < self.min_duration * self.sr:
            raise _too_short(track.track_id, n, self.sr, self.min_duration)

    def load(self, track):
        """Load the clip; return (y, n) with n its length before padding."""
        kwargs = dict(self.load_kwargs)
        policy = kwargs.pop("policy", "pad")
        y, _ = track.audio(sr=self.sr, duration=self.duration,
                           policy="trim" if policy == "pad" else policy, **kwargs)
        n = int(y.shape[-1])
        self.check_length(track, n)
        size = self.target_size()
        if policy == "pad" and size is not None and n < size:
            from ..audio import fix_length

            y = fix_length(y, size=size, policy="pad")
        if self.min_samples is not None and y.shape[-1] < self.min_samples:
            raise DataError(f"track {track.track_id!r} ({track.audio_path}) holds "
                            f"{y.shape[-1]} samples ({y.shape[-1] / self.sr * 1000:.1f} ms "
                            f"at {self.sr} Hz), fewer than one frame of n_fft="
                            f"{self.min_samples} samples that {self.name.rsplit('.', 1)[-1]} "
                            "needs; pass duration= to pad short clips, or replace the file")
        return y, n

    def __call__(self, item):
        track, key = item
        cache = self.cache()
        if cache is not None and key is None:
            key = self.key(track)
        y, n = self.load(track)
        kwargs = dict(self.params)
        if self.pass_sr:
            kwargs["sr"] = self.sr
        try:
            value = _check_value(self.fn(y, **kwargs), self.name)
        except DataError as err:
            path = track.audio_path
            if path is not None and str(path) not in str(err):
                raise DataError(f"{path}: {err}") from None
            raise
        if cache is None:
            return value, "uncached", n
        try:
            self.length_cache().put(key, np.array([n], dtype=np.int64))
            cache.put(key, value)
        except OSError as err:
            log.warning("could not write the cache entry of %s: %s", track.track_id, err)
            return value, "unwritten", n
        return value, "written", n


# ----------------------------------------------------------------------------
# batches for the workers, and results back through shared memory
# ----------------------------------------------------------------------------
#: Seconds to start loky workers that import mirnb and librosa (measured: 4.7 s
#: for two workers on a 2-core machine, librosa kernels loaded from numba's cache).
_START_S = 5.0
#: Seconds a parallel run costs on top of the work when the workers already run
#: (batches dispatched, results read back, the tail of the last batch).
_DISPATCH_S = 0.3
#: loky's reusable workers exit after 300 s idle; later than this, count a start.
_IDLE_S = 240.0
#: Clips timed in this process before the default ``n_jobs`` decides.
_PROBE = 2
#: At most this many clips per batch (the first, largest batches).
_MAX_BATCH = 32
#: A batch whose results hold at least this many bytes returns them in a file.
_MIN_FILE_BYTES = 256 * 1024

_last_parallel = {"n_workers": None, "time": -math.inf}


def _run_one(job, tid, item):
    """``(tid, job(item), None)``, or ``(tid, None, reason)`` for a DataError.

    Any other exception propagates with a note naming the track and its file,
    so that an error raised in a worker still says which clip caused it.
    """
    try:
        return tid, job(item), None
    except DataError as err:
        return tid, None, f"{type(err).__name__}: {err}"
    except Exception as err:
        track = item[0]
        err.add_note(f"while extracting track {tid!r} "
                     f"({getattr(track, 'audio_path', None)})")
        raise


def _batches(items, n_workers):
    """Split ``items`` into batches that shrink towards the end (guided scheduling).

    Each batch holds about a ``2 * n_workers``-th of what is left (at most
    :data:`_MAX_BATCH` clips), so dispatch and transfer costs are paid per
    batch rather than per clip, and the last batches are small enough that
    no worker waits long for another one to finish.
    """
    out, start = [], 0
    while start < len(items):
        size = min(_MAX_BATCH, max(1, math.ceil((len(items) - start) / (2 * n_workers))))
        out.append(items[start:start + size])
        start += size
    return out


from ._shipping import _remove_folder, _Shipment, _shm_folder


class _BatchJob:
    """Run :class:`_ExtractJob` over a batch of clips in a worker; return a :class:`_Shipment`.

    Called with a list of ``(track_id, (track, key))``. BLAS and OpenMP are
    limited to ``threads`` threads meanwhile, so that the workers together
    use no more threads than there are cores.
    """

    def __init__(self, job, *, folder, threads, min_file_bytes):
        self.job = job
        self.folder = folder
        self.threads = threads
        self.min_file_bytes = min_file_bytes

    def __call__(self, batch):
        with _blas_threads(self.threads):
            outcomes = [_run_one(self.job, tid, item) for tid, item in batch]
        return _Shipment(outcomes, folder=self.folder, min_file_bytes=self.min_file_bytes)


def _parallel_pays(serial_s, n_workers):
    """Whether ``n_workers`` workers would finish ``serial_s`` seconds of work sooner.

    Counts the start of the workers (:data:`_START_S`) unless this process ran
    a parallel extraction with as many workers recently enough that loky keeps
    them, and leaves a margin: the default ``n_jobs`` must never be slower
    than ``n_jobs=1``.
    """
    warm = (_last_parallel["n_workers"] == n_workers
            and time.monotonic() - _last_parallel["time"] < _IDLE_S)
    overhead = _DISPATCH_S + (0.0 if warm else _START_S)
    return 1.2 * serial_s / n_workers + overhead < 0.9 * serial_s


def _as_tracks(tracks):
    from ..datasets.core import Dataset, Track

    if isinstance(tracks, Dataset):
        tracks = [tracks.track(t) for t in tracks.track_ids]
    if isinstance(tracks, (str, bytes)) or not hasattr(tracks, "__iter__"):
        raise ParameterError("tracks must be a list of mirnb.datasets.Track or "
                             "(track_id, path) pairs, or a Dataset")
    items, seen = [], set()
    for t in tracks:
        if isinstance(t, Track):
            tr = t
        elif isinstance(t, (tuple, list)) and len(t) == 2:
            tr = Track(t[0], t[1])
        else:
            raise ParameterError(f"tracks holds {t!r}; expected a Track or a "
                                 "(track_id, path) pair")
        if tr.track_id in seen:
            raise ParameterError(f"track id {tr.track_id!r} appears twice in tracks")
        seen.add(tr.track_id)
        items.append((tr.track_id, tr))
    return items


def _as_cache(cache):
    from ..cache import Cache

    if cache is None or cache is False:
        return None
    if cache is True:
        return Cache()
    if isinstance(cache, Cache):
        return cache
    if isinstance(cache, (str, bytes)) or hasattr(cache, "__fspath__"):
        return Cache(cache)
    raise ParameterError(f"cache={cache!r}: expected True, False/None, a Cache or a "
                         "folder")


def extract(tracks, func, *, sr, duration=None, min_duration=None, n_jobs=None, cache=True,
            desc=None, verbose=True, load_kwargs=None, version=None, **params):
    """Compute a feature for every track, in parallel, cached by content.

    For each track: load the audio with :func:`mirnb.audio.load` (through
    :meth:`Track.audio`) at ``sr``, call ``func(y, sr=sr, **params)`` and
    keep the result. Tracks run in worker processes over the cores
    (:func:`mirnb.datasets.core.map_tracks`, joblib/loky, whose workers live
    on between calls so each imports librosa once), with a progress bar.
    Workers get the tracks in batches, with BLAS and OpenMP limited to their
    share of the cores, and return large results through a file in shared
    memory rather than a pickle, which this process maps instead of copying;
    outputs, their order and the report are the same as in one process.
    With the default ``n_jobs`` the first clips are timed in this process,
    and the rest goes to workers only when they would finish it sooner,
    counting the seconds it takes to start them.
    Before it starts workers, this process compiles librosa's numba kernels
    once (:func:`mirnb.warmup.librosa_kernels`): workers compiling them at
    the same time can corrupt numba's cache.
    A track whose file is missing, unreadable, silent, holds NaN or
    infinite samples, is shorter than ``min_duration`` or than one analysis
    frame (``n_fft``) of the feature, or whose feature comes out NaN, is
    skipped and reported in ``skipped`` and in a logged warning, never
    dropped silently. A clip shorter than ``duration`` is zero-padded to it
    and reported in ``skipped.padded`` (and a logged warning): it is kept,
    but the caller sees how much of it is silence.

    With a cache, each result is stored under a key made of the audio file's
    sha256, the function's qualified name, a version string and every
    parameter (``sr``, ``duration``, ``load_kwargs``, ``params``). A second
    call with the same inputs reads the results back instead of computing
    them; changing any file or parameter computes afresh. A corrupt entry is
    detected, deleted and recomputed.

    Parameters
    ----------
    tracks : sequence of mirnb.datasets.Track, or of (track_id, path) pairs, or a Dataset
        The clips. Track ids must be unique.
    func : str or callable
        A name from :data:`FEATURES` (``'log_mel'``, ``'mfcc'``,
        ``'dft_frames'``, ...) or a function called as
        ``func(y, sr=sr, **params)`` (``sr`` is passed only if the function
        accepts it) returning an array or a dict of arrays. With
        ``n_jobs > 1`` it must be picklable: a module-level function.
    sr : int > 0
        Sample rate to load the audio at (files at other rates are
        resampled).
    duration : float > 0 or None
        Seconds to load; shorter files are zero-padded to it and reported
        in ``skipped.padded`` (with ``load_kwargs={'policy': 'trim'}``
        they are kept as they are; with ``'error'`` they are skipped). None
        loads whole files.
    min_duration : float >= 0 or None
        Skip (and report) clips holding fewer seconds of audio than this,
        before any padding; at most ``duration``. None keeps every clip.
        A cached result is checked against it too (the cache remembers
        each clip's length).
    n_jobs : int or None
        Worker processes. None: every core when the work repays starting
        workers, judged from the time of the first clips (else this process,
        so the default is never much slower than 1); 1 runs in this process;
        a larger number uses that many workers however little there is to do.
        ``skipped.n_workers`` says what was used.
    cache : bool, Cache, str, Path or None
        True: a :class:`mirnb.cache.Cache` at its default root (``MIRNB_CACHE``
        or ``<data_home>/mirnb_cache``); a Cache or a folder: that cache;
        False or None: no caching. The cache's ``stats`` count the hits and
        misses of this call.
    desc : str or None
        Progress bar label (default: the function's name).
    verbose : bool
        Show the progress bar.
    load_kwargs : dict or None
        Extra arguments of :func:`mirnb.audio.load` (``offset``,
        ``policy``, ``allow_silent``, ``mono``...).
    version : str or None
        Part of the cache key. For a named feature it is appended to
        mirnb's own feature version; for a callable the default is a hash
        of its source code, so editing the function invalidates its entries.
    **params
        Keyword arguments of ``func`` (e.g. ``n_mels=96``).

    Returns
    -------
    features : dict
        ``{track_id: np.ndarray}`` (or dicts of arrays) for the tracks that
        succeeded, in input order. Results from workers may be views of a
        private, copy-on-write map of shared memory (``flags.owndata`` is
        False): ordinary writable arrays, whose writes stay in this process.
    skipped : ExtractReport
        A list of :class:`mirnb.datasets.Skipped`, ``(track_id, reason)``
        for every track left out, in input order; its attribute ``padded``
        lists the clips zero-padded to ``duration`` (:class:`Padded`),
        ``n_workers`` the worker processes used (0: this process), and
        :meth:`ExtractReport.summary` gives both lists as text to show.

    Raises
    ------
    ParameterError
        Bad arguments, or ``func`` rejected its parameters on a track (this
        stops the run rather than skipping every track).

    References
    ----------
    .. [1] McFee, B. et al. (2015). librosa: Audio and music signal analysis
       in Python. SciPy (the feature conventions).
    .. [2] Bittner, R. et al. (2019). mirdata: Software for reproducible
       usage of datasets. ISMIR (the Track interface).

    Examples
    --------
    >>> feats, skipped = extract(dataset, "log_mel", sr=12000, duration=29.1,
    ...                          n_mels=96)                     # doctest: +SKIP
    """
    from ..datasets.core import Skipped

    sr = _sr(sr)
    if duration is not None:
        duration = _check.positive("duration", duration)
    if n_jobs is not None:
        n_jobs = _check.positive_int("n_jobs", n_jobs)
    load_kwargs = dict(load_kwargs or {})
    bad = {"sr", "duration", "path"} & set(load_kwargs)
    if bad:
        raise ParameterError(f"load_kwargs may not set {sorted(bad)}; pass sr= and "
                             "duration= to extract")
    if "min_duration" in load_kwargs:
        if min_duration is not None:
            raise ParameterError("min_duration is given twice (to extract and in "
                                 "load_kwargs); pass it to extract only")
        min_duration = load_kwargs.pop("min_duration")
    if min_duration is not None:
        min_duration = _check.nonneg("min_duration", min_duration)
        if duration is not None and min_duration > duration:
            raise ParameterError(f"min_duration={min_duration} is longer than duration="
                                 f"{duration}: no clip could pass")
    policy = load_kwargs.get("policy", "pad")
    _check.choice("load_kwargs['policy']", policy, {"pad", "trim", "error"})
    items = _as_tracks(tracks)
    fn, key_name, version = _resolve_feature(func, version)
    name = key_name or getattr(fn, "__qualname__", type(fn).__name__)
    pass_sr, accepted = _signature_info(fn)
    if accepted is not None:
        unknown = set(params) - accepted
        if unknown:
            raise ParameterError(f"{name} takes no parameter(s) {sorted(unknown)}; it "
                                 f"accepts {sorted(accepted - {'y'})}")
    if "sr" in params:
        raise ParameterError("pass sr to extract itself (sr=...), not as a feature "
                             "parameter")
    cache_obj = _as_cache(cache)
    if cache_obj is not None and key_name is None:
        from ..cache import func_name

        key_name = func_name(fn)
    job = _ExtractJob(fn=fn, name=name, key_name=key_name, version=version,
                      pass_sr=pass_sr, sr=sr, duration=duration, load_kwargs=load_kwargs,
                      params=dict(params), cache_root=None if cache_obj is None
                      else str(cache_obj.root), min_duration=min_duration,
                      min_samples=_frame_length(fn, params))
    label = desc or name.rsplit(".", 1)[-1]
    hits, todo = _lookup(job, cache_obj, items, label, verbose)
    results, failed, n_workers = _compute(job, todo, n_jobs, label, verbose)
    if failed:
        log.warning("%s: skipped %d of %d: %s", label, len(failed), len(todo),
                    "; ".join(f"{s.track_id} ({s.reason})" for s in failed[:5]))
    failed = {s.track_id: s for s in failed}
    out, report = {}, ExtractReport(n_workers=n_workers)
    size = job.target_size()
    for tid, tr in items:
        if tid in hits:
            value, n = hits[tid]
            try:
                job.check_length(tr, n)
            except DataError as err:
                report.append(Skipped(tid, f"{type(err).__name__}: {err}"))
                continue
        elif tid in results:
            value, status, n = results[tid]
            if status == "written":
                cache_obj.stats.writes += 1
        else:
            if tid in failed:
                report.append(failed[tid])
            continue
        out[tid] = value
        if policy == "pad" and size is not None and n < size:
            report.padded.append(Padded(tid, n / sr, duration))
    extra = [s for s in report if s.track_id not in failed]
    if extra:
        log.warning("%s: skipped %d cached clip(s) shorter than min_duration=%g s: %s",
                    label, len(extra), min_duration,
                    "; ".join(s.track_id for s in extra[:5]))
    if report.padded:
        log.warning("%s: zero-padded %d of %d clip(s) shorter than duration=%g s (see "
                    "skipped.padded): %s", label, len(report.padded), len(items), duration,
                    "; ".join(f"{p.track_id} ({p.seconds:.2f} s)"
                              for p in report.padded[:5]))
    return out, report


def _compute(job, todo, n_jobs, label, verbose):
    """Run ``job`` over ``todo``; return (results, skipped, n_workers).

    ``n_jobs=None``: time the first clips here, then go on here unless
    workers over every core would finish the rest sooner, start-up included
    (:func:`_parallel_pays`). ``n_jobs > 1``: that many workers, in batches
    (:func:`_batches`); ``n_jobs=1``: this process.
    """
    from joblib import cpu_count
    from tqdm.auto import tqdm

    from ..datasets.core import Skipped, map_tracks

    results, failed = {}, []

    def keep(tid, res, reason):
        if reason is None:
            results[tid] = res
        else:
            failed.append(Skipped(tid, reason))

    n_workers = cpu_count() if n_jobs is None else n_jobs
    rest = todo
    with _blas_threads(1):  # in this process (see _blas_threads)
        if n_jobs is None and n_workers > 1 and len(todo) > _PROBE:
            times = []
            for i, (tid, item) in enumerate(todo):
                start = time.perf_counter()
                outcome = _run_one(job, tid, item)
                times.append((time.perf_counter() - start, outcome[2] is None))
                keep(*outcome)
                ok = [t for t, good in times if good]
                if len(ok) >= _PROBE or i + 1 >= 2 * _PROBE:
                    break
            rest = todo[len(times):]
            # the first clip may pay for imports and compilation: the fastest counts
            per_clip = min(ok) if ok else sum(t for t, _ in times) / len(times)
            if not _parallel_pays(per_clip * len(rest), n_workers):
                n_workers = 1
        if n_workers == 1 or len(rest) <= 1:
            for tid, item in tqdm(rest, total=len(todo), initial=len(todo) - len(rest),
                                  desc=label, disable=not verbose):
                keep(*_run_one(job, tid, item))
            return results, failed, 0
    folder = _shm_folder()
    batch_job = _BatchJob(job, folder=folder, threads=max(1, cpu_count() // n_workers),
                          min_file_bytes=_MIN_FILE_BYTES)
    batches = _batches(rest, n_workers)
    try:
        done, lost = map_tracks(batch_job, list(enumerate(batches)), n_jobs=n_workers,
                                desc=label, verbose=verbose, uses_librosa=True)
        for i, batch in enumerate(batches):
            if i not in done:
                continue
            if done[i].error is not None:
                log.warning("%s: could not read back the results of %d clip(s) (%s); "
                            "computing them here", label, len(batch), done[i].error)
                with _blas_threads(1):
                    done[i] = _Shipment([_run_one(job, tid, item) for tid, item in batch])
            for outcome in done[i].outcomes:
                keep(*outcome)
        for s in lost:  # a DataError outside any clip: every clip of the batch
            for tid, _ in batches[s.track_id]:
                keep(tid, None, s.reason)
    finally:
        if folder is not None:
            _remove_folder(folder)
    _last_parallel.update(n_workers=n_workers, time=time.monotonic())
    return results, failed, n_workers


def _frame_length(fn, params):
    """The analysis frame (``n_fft``) ``fn`` uses with ``params``, or None."""
    n_fft = params.get("n_fft")
    if n_fft is None:
        try:
            p = inspect.signature(fn).parameters.get("n_fft")
        except (TypeError, ValueError):
            p = None
        n_fft = None if p is None else p.default
    if isinstance(n_fft, (int, np.integer)) and not isinstance(n_fft, bool) and n_fft > 0:
        return int(n_fft)
    return None


def _lookup(job, cache_obj, items, label, verbose):
    """Read what the cache already holds, in this process; return (hits, todo).

    Looking up here, not in the workers, means a fully cached run starts no
    worker processes and ships no arrays between processes.
    """
    if cache_obj is None:
        return {}, [(tid, (tr, None)) for tid, tr in items]
    from tqdm.auto import tqdm

    # fail here, not in a worker, when a parameter cannot be part of a key
    cache_obj.key(source="0" * 64, func=job.key_name, version=job.version,
                  params=job.key_params())
    lengths = job.length_cache()
    hits, todo = {}, []
    for tid, tr in tqdm(items, desc=f"{label} (cache)", disable=not verbose, leave=False):
        try:
            key = job.key(tr)
        except DataError:
            todo.append((tid, (tr, None)))  # the worker reports why
            continue
        # a hit needs the clip's length too (for min_duration and padding); an
        # entry written before lengths were kept is computed afresh
        value = cache_obj.get(key)
        n = None if value is None else lengths.get(key)
        if value is not None and n is None:
            cache_obj.stats.hits -= 1  # not a usable hit after all
            cache_obj.stats.misses += 1
            value = None
        if value is None:
            todo.append((tid, (tr, key)))
        else:
            hits[tid] = value, int(np.asarray(n).ravel()[0])
    return hits, todo


@contextlib.contextmanager
def _blas_threads(n):
    """Limit BLAS/OpenMP to ``n`` threads while features run.

    In this process ``n`` is 1: the small matrix products of a feature (a
    96 x 257 filter bank times a spectrogram) are several times slower with a
    multi-threaded BLAS on a busy 2-core machine than with one thread
    (measured: log_mel 19 ms vs 4 ms per 10 s clip). In workers it is
    ``cpu_count // n_workers``, so the workers together use no more threads
    than there are cores (loky sets the same limit; this holds under any
    joblib backend).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=n):
        yield
