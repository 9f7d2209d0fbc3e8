"""A content-addressed cache for computed arrays, with atomic writes.

An entry's key is the sha256 of four things, serialised as canonical JSON:

- the checksum of the *input content* (a file's bytes, or an array's dtype,
  shape and bytes), so renaming or copying a file keeps its entries and
  editing it invalidates them;
- the function's qualified name;
- a version string, changed whenever the function's output changes;
- the parameters, with sorted keys.

Entries are single ``.npz`` files under ``<root>/<key[:2]>/<key>.npz``, so a
plain ``np.load`` opens them. Besides the arrays each holds a small metadata
member: the key and the sha256 of the arrays' content. An entry is written
to a temporary file in the same folder and published with :func:`os.replace`,
so readers see either the old entry or the whole new one, never a partial
file, and the checksum always travels with the data it describes. On every
read the checksum is recomputed; an entry that fails to parse or to match
(truncated, garbled, misplaced) is deleted and reported as a miss, so the
caller recomputes it. It is never trusted.

Concurrent writers of the same key are safe: each writes its own temporary
file, and the last rename wins with a complete entry.
"""

import contextlib
import functools
import hashlib
import inspect
import json
import logging
import numbers
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ParameterError

__all__ = ["Cache", "CacheStats", "file_checksum", "array_checksum", "source_checksum",
           "make_key", "func_name", "source_version", "default_root"]

log = logging.getLogger("mirnb.cache")

#: Version of the on-disk entry layout; part of every key.
CACHE_FORMAT = 1

_META = "__mirnb__"
_KEY_RE = re.compile(r"^[0-9A-Za-z_-]{8,128}$")
_HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
_NAME_RE = re.compile(r"^[0-9A-Za-z_][0-9A-Za-z_.-]{0,99}$")


# ----------------------------------------------------------------------------
# checksums and keys
# ----------------------------------------------------------------------------
def atomic_write(path, write, *, suffix=".tmp"):
    """Write a file so that readers see the old content or the whole new one.

    ``write(tmp)`` writes the content to ``tmp``, a fresh file name in the
    destination folder; the file is then renamed over ``path``. If ``write``
    fails, the temporary file is removed and ``path`` is left as it was. The
    one helper for every file the package writes that another process may
    read (cache entries, corpus files, checkpoints' state, HDF5 files).

    Parameters
    ----------
    path : str or Path
    write : callable
        Called with the temporary :class:`~pathlib.Path`; writes the content.
    suffix : str
        Ending of the temporary name, for writers that read the format from
        it (Keras: ``'.keras'``, ``'.weights.h5'``).

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        os.chmod(tmp, 0o644)
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return path


def file_checksum(path):
    """sha256 of a file's bytes, read in a streamed fashion.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
        64 hex digits.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    """
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _update_array(h, a):
    a = np.ascontiguousarray(a)
    if a.dtype == object:
        raise ParameterError("object arrays have no stable content checksum; convert "
                             "to a numeric or string dtype")
    h.update(json.dumps([a.dtype.str, list(a.shape)]).encode())
    h.update(memoryview(a).cast("B") if a.size else b"")


def array_checksum(a):
    """sha256 of an array's dtype, shape and bytes (or of a dict of arrays).

    Parameters
    ----------
    a : np.ndarray or dict of str -> np.ndarray
        Arrays that compare equal with the same dtype and shape give the same
        checksum; a different dtype, shape or any byte changes it. A dict is
        hashed over its sorted names and arrays.

    Returns
    -------
    str
        64 hex digits.
    """
    h = hashlib.sha256()
    if isinstance(a, dict):
        h.update(b"dict")
        for name in sorted(a):
            h.update(json.dumps(str(name)).encode())
            _update_array(h, np.asarray(a[name]))
    else:
        h.update(b"array")
        _update_array(h, np.asarray(a))
    return h.hexdigest()


def source_checksum(source):
    """The content checksum of a cache input.

    Parameters
    ----------
    source : Path, np.ndarray, dict of arrays, bytes or str
        A ``Path`` (or ``os.PathLike``): the file's sha256. An array or dict
        of arrays: :func:`array_checksum`. ``bytes``: their sha256. A
        ``str`` of 64 hex digits is taken as a checksum already computed; any
        other ``str`` must name an existing file.

    Returns
    -------
    str
    """
    if isinstance(source, np.ndarray) or isinstance(source, dict):
        return array_checksum(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return hashlib.sha256(bytes(source)).hexdigest()
    if isinstance(source, str):
        if _HEX64_RE.match(source):
            return source
        if os.path.isfile(source):
            return file_checksum(source)
        raise ParameterError(f"source={source!r} is neither a sha256 checksum (64 hex "
                             "digits) nor an existing file")
    if isinstance(source, os.PathLike):
        if not os.path.isfile(source):
            raise ParameterError(f"source file {os.fspath(source)!r} does not exist")
        return file_checksum(source)
    raise ParameterError(f"source of type {type(source).__name__}: expected a Path, an "
                         "array, bytes or a sha256 checksum")


def func_name(func):
    """The stable name of a function for a cache key: ``module.qualname``.

    A :func:`functools.partial` is named after its function and includes
    its bound arguments.
    """
    if isinstance(func, str):
        return func
    if isinstance(func, functools.partial):
        bound = json.dumps({"args": _jsonable(list(func.args)),
                            "keywords": _jsonable(dict(func.keywords))}, sort_keys=True)
        return f"partial({func_name(func.func)}, {bound})"
    qual = getattr(func, "__qualname__", None) or type(func).__qualname__
    mod = getattr(func, "__module__", None) or type(func).__module__
    return f"{mod}.{qual}"


def source_version(func):
    """A version string from a function's source code ('' when unavailable).

    Editing a function changes this string, and with it the keys of the
    function's cache entries.
    """
    target = func.func if isinstance(func, functools.partial) else func
    try:
        src = inspect.getsource(target)
    except (OSError, TypeError):
        return ""
    return "src-" + hashlib.sha256(src.encode()).hexdigest()[:16]


def _jsonable(obj):
    """Convert parameters to plain JSON types, or raise ParameterError."""
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        x = float(obj)
        return x if np.isfinite(x) else repr(x)
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return {"__ndarray__": array_checksum(obj)}
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted((_jsonable(v) for v in obj), key=repr)
    if callable(obj):
        return {"__callable__": func_name(obj)}
    raise ParameterError(f"parameter value {obj!r} of type {type(obj).__name__} cannot be "
                         "part of a cache key; use numbers, strings, lists, dicts or "
                         "arrays")


def make_key(*, source, func, params=None, version=""):
    """The cache key of ``func(input, **params)``.

    Parameters
    ----------
    source : Path, np.ndarray, dict, bytes or str
        The input, or its checksum; see :func:`source_checksum`.
    func : callable or str
        The function, named by :func:`func_name`.
    params : dict or None
        Its parameters. Keys are sorted; tuples and lists are the same;
        numpy scalars count as Python numbers; arrays by their checksum.
    version : str
        Change it when ``func`` changes its output.

    Returns
    -------
    str
        64 hex digits.
    """
    doc = {
        "format": CACHE_FORMAT,
        "source": source_checksum(source),
        "func": func_name(func),
        "version": str(version),
        "params": _jsonable(dict(params or {})),
    }
    blob = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def default_root():
    """``MIRNB_CACHE`` if set, else ``<data_home>/mirnb_cache``."""
    env = os.environ.get("MIRNB_CACHE")
    if env:
        return Path(env).expanduser()
    from .datasets.core import data_home

    return data_home() / "mirnb_cache"


# ----------------------------------------------------------------------------
# entry format
# ----------------------------------------------------------------------------
class _Corrupt(Exception):
    pass


def _as_arrays(value):
    """Normalise a value to (kind, {name: array}) or raise ParameterError."""
    if isinstance(value, dict):
        if not value:
            raise ParameterError("cannot cache an empty dict")
        arrays = {}
        for name, a in value.items():
            if not isinstance(name, str) or not _NAME_RE.match(name) or name == _META:
                raise ParameterError(f"dict key {name!r}: cache entries need names of "
                                     "letters, digits, '_', '.', '-' (not starting "
                                     f"with '.', not {_META!r})")
            arrays[name] = _check_array(a, name)
        return "dict", arrays
    return "array", {"value": _check_array(value, "value")}


def _check_array(a, name):
    if not isinstance(a, (np.ndarray, np.generic, numbers.Number)):
        raise ParameterError(f"{name}: the cache stores numpy arrays, got "
                             f"{type(a).__name__}")
    a = np.asarray(a)
    if a.dtype.hasobject:
        raise ParameterError(f"{name}: object arrays cannot be cached safely")
    return a


def _write_entry(fh, key, kind, arrays):
    meta = {"format": CACHE_FORMAT, "key": key, "kind": kind, "names": list(arrays),
            "sha256": array_checksum(arrays)}
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED,
                         allowZip64=True) as zf:
        for name, a in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, a, allow_pickle=False)
        with zf.open(_META + ".npy", "w") as member:
            np.lib.format.write_array(member, np.array(json.dumps(meta)),
                                      allow_pickle=False)


def _read_entry(path, key):
    with zipfile.ZipFile(path) as zf:
        members = set(zf.namelist())
        if _META + ".npy" not in members:
            raise _Corrupt("no metadata")
        with zf.open(_META + ".npy") as fh:
            meta = json.loads(str(np.lib.format.read_array(fh, allow_pickle=False)))
        if meta.get("format") != CACHE_FORMAT or meta.get("key") != key:
            raise _Corrupt("metadata does not match the key")
        names = meta["names"]
        if members != {n + ".npy" for n in names} | {_META + ".npy"}:
            raise _Corrupt("members do not match the metadata")
        arrays = {}
        for name in names:
            with zf.open(name + ".npy") as fh:
                arrays[name] = np.lib.format.read_array(fh, allow_pickle=False)
    if array_checksum(arrays) != meta["sha256"]:
        raise _Corrupt("content checksum mismatch")
    if meta["kind"] == "array":
        return arrays["value"]
    return arrays


# ----------------------------------------------------------------------------
# the cache
# ----------------------------------------------------------------------------
@dataclass
class CacheStats:
    """Counters of a :class:`Cache` in this process.

    Attributes
    ----------
    hits : int
        Reads that returned a valid entry.
    misses : int
        Reads that found nothing usable (absent or corrupt).
    writes : int
        Entries written.
    corrupt : int
        Entries found corrupt, deleted and reported as misses.
    """

    hits: int = 0
    misses: int = 0
    writes: int = 0
    corrupt: int = 0

    def reset(self):
        """Set every counter to 0."""
        self.hits = self.misses = self.writes = self.corrupt = 0


class Cache:
    """A folder of content-addressed ``.npz`` entries.

    Parameters
    ----------
    root : str, Path or None
        The folder. None: the ``MIRNB_CACHE`` environment variable, else
        ``<data_home>/mirnb_cache`` (see :func:`mirnb.datasets.data_home`).
        It is created on the first write.

    Attributes
    ----------
    root : Path
    stats : CacheStats
        Hits, misses, writes and corrupt entries seen by this object.

    References
    ----------
    .. [1] The book's Convention 9 (``DESIGN.md``): cache by content, write
       to a temporary file and rename, never trust a corrupt entry.

    Examples
    --------
    >>> import tempfile
    >>> cache = Cache(tempfile.mkdtemp())
    >>> x = np.arange(4.0)
    >>> key = cache.key(source=x, func=np.cumsum)
    >>> cache.get(key) is None
    True
    >>> _ = cache.put(key, np.cumsum(x))
    >>> cache.get(key)
    array([0., 1., 3., 6.])
    """

    def __init__(self, root=None):
        self.root = Path(root).expanduser() if root is not None else default_root()
        self.stats = CacheStats()

    def __repr__(self):
        return f"Cache(root={str(self.root)!r})"

    # -- keys and paths ----------------------------------------------------
    def key(self, *, source, func, params=None, version=""):
        """The key of ``func`` applied to ``source`` with ``params``; see :func:`make_key`."""
        return make_key(source=source, func=func, params=params, version=version)

    def path(self, key):
        """The file of ``key``: ``<root>/<key[:2]>/<key>.npz``."""
        if not isinstance(key, str) or not _KEY_RE.match(key):
            raise ParameterError(f"key={key!r}: expected 8-128 letters, digits, '_' or '-'"
                                 " (e.g. from Cache.key)")
        return self.root / key[:2] / f"{key}.npz"

    def __contains__(self, key):
        return self.path(key).is_file()

    def __len__(self):
        if not self.root.is_dir():
            return 0
        return sum(1 for _ in self.root.glob("*/*.npz"))

    # -- read / write ------------------------------------------------------
    def get(self, key, default=None):
        """Return the entry of ``key``, or ``default`` if absent or corrupt.

        A corrupt entry (unparseable, truncated, or whose content no longer
        matches the checksum stored with it) is deleted, counted in
        ``stats.corrupt`` and reported as a miss, so the caller recomputes.

        Returns
        -------
        np.ndarray, dict of np.ndarray, or ``default``
        """
        path = self.path(key)
        try:
            st = path.stat()
        except FileNotFoundError:
            self.stats.misses += 1
            return default
        try:
            value = _read_entry(path, key)
        except PermissionError:
            raise
        except FileNotFoundError:
            self.stats.misses += 1
            return default
        except Exception as err:  # any failure to parse means: do not trust it
            self.stats.corrupt += 1
            self.stats.misses += 1
            log.warning("cache entry %s is corrupt (%s: %s); deleting it", path,
                        type(err).__name__, err)
            self._remove_if_unchanged(path, st)
            return default
        self.stats.hits += 1
        return value

    def _remove_if_unchanged(self, path, st):
        # Another process may have replaced the entry with a good one meanwhile.
        with contextlib.suppress(FileNotFoundError):
            now = path.stat()
            if (now.st_ino, now.st_mtime_ns, now.st_size) == (
                    st.st_ino, st.st_mtime_ns, st.st_size):
                path.unlink()

    def put(self, key, value):
        """Store ``value`` (an array or a dict of arrays) under ``key`` atomically.

        The entry is written to a temporary file in the destination folder,
        then renamed over the destination. If writing fails the temporary
        file is removed and any previous entry is left intact. There is no
        ``fsync``: an entry damaged by a power cut fails its checksum on the
        next read and is recomputed, so durability is not worth its cost.

        Returns
        -------
        Path
            The entry's file.
        """
        path = self.path(key)
        kind, arrays = _as_arrays(value)

        def write(tmp):
            with open(tmp, "wb") as fh:
                _write_entry(fh, key, kind, arrays)

        atomic_write(path, write)
        self.stats.writes += 1
        return path

    def delete(self, key):
        """Remove the entry of ``key``; return whether there was one."""
        try:
            self.path(key).unlink()
            return True
        except FileNotFoundError:
            return False

    def clear(self):
        """Remove every entry (and leftover temporary file) under the root."""
        if not self.root.is_dir():
            return
        for shard in self.root.iterdir():
            if shard.is_dir() and len(shard.name) == 2:
                for f in shard.iterdir():
                    if f.suffix in (".npz", ".tmp"):
                        with contextlib.suppress(FileNotFoundError):
                            f.unlink()
                with contextlib.suppress(OSError):
                    shard.rmdir()

    # -- memoisation -------------------------------------------------------
    def cached_call(self, func, data, *, params=None, source=None, version=""):
        """``func(data, **params)``, read from the cache when it was computed before.

        Parameters
        ----------
        func : callable
            Returns an array or a dict of arrays.
        data : object
            The input passed to ``func``.
        params : dict or None
            Keyword arguments of ``func``; part of the key.
        source : Path, np.ndarray, bytes, str or None
            What identifies ``data``'s content (see :func:`source_checksum`);
            None uses ``data`` itself, which must then be an array, a dict of
            arrays, bytes or a file path.
        version : str
            Change it when ``func``'s output changes.

        Returns
        -------
        np.ndarray or dict of np.ndarray
        """
        params = dict(params or {})
        key = self.key(source=data if source is None else source, func=func,
                       params=params, version=version)
        missing = object()
        value = self.get(key, missing)
        if value is missing:
            value = func(data, **params)
            self.put(key, value)
            _, arrays = _as_arrays(value)
            value = arrays["value"] if not isinstance(value, dict) else arrays
        return value

    def memoize(self, func=None, *, version=None):
        """Decorator: cache ``func(data, **params)`` by the content of ``data``.

        Parameters
        ----------
        func : callable
            Called as ``func(data, **params)``.
        version : str or None
            Part of the key; None uses a hash of ``func``'s source, so
            editing the function invalidates its entries.

        Examples
        --------
        >>> import tempfile
        >>> cache = Cache(tempfile.mkdtemp())
        >>> @cache.memoize
        ... def power(x, *, p=2):
        ...     return x ** p
        >>> power(np.arange(3.0), p=3)
        array([0., 1., 8.])
        """
        if func is None:
            return functools.partial(self.memoize, version=version)
        ver = source_version(func) if version is None else str(version)

        @functools.wraps(func)
        def wrapper(data, **params):
            return self.cached_call(func, data, params=params, version=ver)

        wrapper.cache = self
        return wrapper
