"""Results of extraction workers through shared memory (``/dev/shm``).

Each worker batch writes its arrays into one file there; the parent maps the
file copy-on-write and hands out ndarray views, so no bytes are copied (see
:func:`mirnb.features.extraction.extract`).
"""

import contextlib
import logging
import math
import mmap
import os
import shutil
import sys
import tempfile
import uuid
import weakref

import numpy as np

log = logging.getLogger("mirnb.features")

def _arrays_of(value):
    return list(value.values()) if isinstance(value, dict) else [value]


def _c_order(a):
    """``(array in C order whose bytes are a's, fortran)`` for writing ``a`` as it lies."""
    if a.flags.c_contiguous:
        return a, False
    if a.flags.f_contiguous:
        return a.T, True
    return np.ascontiguousarray(a), False


def _write_spec(a, fh):
    """Write ``a``'s bytes at the next 64-byte boundary of ``fh``; return its layout."""
    a = np.asarray(a)
    c, fortran = _c_order(a)
    fh.write(b"\0" * (-fh.tell() % 64))
    offset = fh.tell()
    if c.nbytes:
        fh.write(c.reshape(-1).view(np.uint8))
    return offset, a.dtype.str, a.shape, fortran


def _read_spec(spec, fh):
    """A new array holding the bytes ``spec`` places in ``fh`` (a copy)."""
    offset, dtype, shape, fortran = spec
    a = np.empty(shape, dtype=np.dtype(dtype), order="F" if fortran else "C")
    if a.nbytes:
        fh.seek(offset)
        buf = memoryview((a.T if fortran else a).reshape(-1).view(np.uint8))
        got = 0
        while got < len(buf):
            n = fh.readinto(buf[got:])
            if not n:
                raise OSError(f"{fh.name} ends early")
            got += n
    return a


def _view_spec(spec, mm, name):
    """The array ``spec`` places in the map ``mm``: a view, no bytes copied."""
    offset, dtype, shape, fortran = spec
    dtype = np.dtype(dtype)
    count = math.prod(shape)
    if not count * dtype.itemsize:
        return np.empty(shape, dtype=dtype, order="F" if fortran else "C")
    if offset + count * dtype.itemsize > len(mm):
        raise OSError(f"{name} ends early")
    a = np.frombuffer(mm, dtype=dtype, count=count, offset=offset)
    return a.reshape(shape[::-1]).T if fortran else a.reshape(shape)


#: The private maps of result files that arrays handed out still use.
_live_maps = weakref.WeakSet()
#: Before Python 3.13 each map keeps a file descriptor open until its arrays are
#: freed; past this many live maps, results are copied out of their files instead.
_MAX_MAPS = 256
#: Python 3.13 maps a file without keeping a descriptor of it (``trackfd=False``).
_TRACKFD = sys.version_info >= (3, 13)


def _map_private(fh):
    """Map the open file ``fh`` copy-on-write; None when empty or out of maps."""
    size = os.fstat(fh.fileno()).st_size
    if not size:
        return None
    kwargs = {"trackfd": False} if _TRACKFD else {}
    if not _TRACKFD and len(_live_maps) >= _MAX_MAPS:
        return None
    try:
        mm = mmap.mmap(fh.fileno(), size, access=mmap.ACCESS_COPY, **kwargs)
    except (OSError, ValueError) as err:  # out of maps, memory or descriptors
        log.debug("could not map %s (%s); copying it", fh.name, err)
        return None
    _live_maps.add(mm)
    return mm


def _shm_folder():
    """A new private folder in shared memory (``/dev/shm``), or None where there is none."""
    if not (os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK)):
        return None
    try:
        return tempfile.mkdtemp(prefix="mirnb-extract-", dir="/dev/shm")
    except OSError:
        return None


def _remove_folder(folder):
    """Delete ``folder`` and what it holds, even while workers still write to it.

    It is renamed first: a worker that opens a file in it after that fails and
    sends its batch as a pickle, so the files to delete are all there already
    and none lands in the folder between listing and removing it.
    """
    gone = f"{folder}.done"
    try:
        os.rename(folder, gone)
    except OSError:
        gone = folder
    shutil.rmtree(gone, ignore_errors=True)


def _room_for(folder, nbytes):
    """Whether ``nbytes`` fit in ``folder`` leaving a quarter of its filesystem free."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return False
    return st.f_bavail * st.f_frsize - nbytes >= st.f_blocks * st.f_frsize / 4


class _Shipment:
    """The outcomes of one batch, on their way from a worker to the calling process.

    ``outcomes`` holds ``(track_id, result, reason)`` per clip, as
    :func:`_run_one` gives them. Pickled in a worker, a shipment whose arrays
    hold at least ``min_file_bytes`` writes them to one file in ``folder`` (a
    folder in shared memory that the calling process made) and pickles only
    their layout; unpickled in the calling process, which loky does as each
    result arrives, it maps the file copy-on-write, deletes it, and hands out
    views of the map (:func:`_unpack_shipment`). That is one copy of the data
    (the worker's write), where reading the file into new arrays takes a
    second one in the calling process and a pickle through loky's pipe
    several, all competing with the workers for the cores (measured on 2
    cores, ``benchmarks/extraction.py``: n_jobs=2 over 400 clips of Hamel's
    429 x 513 DFT frames: 0.03 s of this process's CPU, against 0.15-0.24 s
    to read the files into new arrays and 0.3-0.7 s as pickles; in eight
    runs, n_jobs=2 beat a one-process librosa loop by 1.41-1.78x, median
    1.67x, where reading the files gave 1.46-1.71x, median 1.47x). Reading back
    the cache entry the worker wrote would cost more: 0.6 ms per clip of
    those frames without checking the entry, 1.3 ms with (``Cache.get``),
    against about 0.35 ms to write the file here. When the folder is out
    of reach (another machine) or short of room, the arrays travel as
    pickles. A file that cannot be read back leaves ``error`` set instead of
    ``outcomes``, and the calling process computes that batch again.

    A mapped batch keeps its pages in shared memory (counted in ``/dev/shm``,
    whose room :func:`_room_for` checks before each file) until the last of
    its arrays is freed; a write to a result copies the pages it touches.
    """

    def __init__(self, outcomes, *, folder=None, min_file_bytes=math.inf, error=None):
        self.outcomes = outcomes
        self.folder = folder
        self.min_file_bytes = min_file_bytes
        self.error = error

    def __reduce__(self):
        nbytes = sum(a.nbytes for _, res, _ in self.outcomes if res is not None
                     for a in _arrays_of(res[0]))
        if (self.folder is None or nbytes < self.min_file_bytes
                or not os.path.isdir(self.folder) or not _room_for(self.folder, nbytes)):
            return _Shipment, (self.outcomes,)
        path = os.path.join(self.folder, f"{os.getpid()}-{uuid.uuid4().hex}.bin")
        packed = []
        try:
            with open(path, "wb") as fh:
                for tid, res, reason in self.outcomes:
                    if res is not None:
                        value, status, n = res
                        if isinstance(value, dict):
                            layout = ("dict", [(k, _write_spec(v, fh))
                                               for k, v in value.items()])
                        else:
                            layout = ("array", _write_spec(value, fh))
                        res = layout, status, n
                    packed.append((tid, res, reason))
        except OSError as err:  # full, or gone: send them as pickles
            log.debug("could not write %s (%s); sending the batch as pickles", path, err)
            with contextlib.suppress(OSError):
                os.remove(path)
            return _Shipment, (self.outcomes,)
        return _unpack_shipment, (path, packed)


def _unpack_shipment(path, packed):
    """Hand a shipment's arrays over from ``path``, then delete it; never raises.

    The file is mapped copy-on-write and deleted at once: the arrays are
    views into the map (Linux keeps its pages while they live; a write
    changes a private copy of the page, never the file), so no bytes are
    copied here. Where it cannot be mapped, they are read into new arrays.
    Runs in loky's thread that receives results, where an exception would
    break the pool: a failure is recorded in the shipment instead.
    """
    try:
        out = []
        with open(path, "rb") as fh:
            mm = _map_private(fh)
            if mm is None:
                def get(spec):
                    return _read_spec(spec, fh)
            else:
                def get(spec):
                    return _view_spec(spec, mm, path)
            for tid, res, reason in packed:
                if res is not None:
                    (kind, layout), status, n = res
                    if kind == "dict":
                        value = {k: get(spec) for k, spec in layout}
                    else:
                        value = get(layout)
                    res = value, status, n
                out.append((tid, res, reason))
        return _Shipment(out)
    except Exception as err:
        return _Shipment(None, error=f"{path}: {type(err).__name__}: {err}")
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)
