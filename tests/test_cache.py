"""Tests of mirnb.cache: keys, round trips, corruption, atomicity, concurrency."""

import hashlib
import multiprocessing as mp
import os

import numpy as np
import pytest

from mirnb import ParameterError
from mirnb import cache as cache_mod
from mirnb.cache import Cache, array_checksum, file_checksum, make_key, source_checksum


@pytest.fixture
def cache(tmp_path):
    return Cache(tmp_path / "cache")


def _files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file())


# -- checksums and keys -----------------------------------------------------
def test_file_checksum_is_sha256_of_bytes(tmp_path):
    p = tmp_path / "f.bin"
    data = os.urandom(3 * (1 << 20) + 17)  # several read chunks
    p.write_bytes(data)
    assert file_checksum(p) == hashlib.sha256(data).hexdigest()


def test_array_checksum_sees_dtype_shape_and_bytes():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert array_checksum(a) == array_checksum(a.copy())
    assert array_checksum(a) == array_checksum(np.asfortranarray(a))  # same values
    assert array_checksum(a) != array_checksum(a.astype(np.float64))
    assert array_checksum(a) != array_checksum(a.reshape(4, 3))
    b = a.copy()
    b[2, 3] += 1
    assert array_checksum(a) != array_checksum(b)
    assert array_checksum({"x": a, "y": b}) == array_checksum({"y": b, "x": a})
    assert array_checksum({"x": a}) != array_checksum({"z": a})


def test_key_changes_with_params_function_version_and_input(tmp_path):
    x = np.linspace(0, 1, 50)
    base = make_key(source=x, func=np.cumsum, params={"a": 1, "b": [1, 2]}, version="1")
    # parameter order, tuple vs list, numpy scalars: same key
    assert base == make_key(source=x.copy(), func=np.cumsum,
                            params={"b": (1, 2), "a": np.int64(1)}, version="1")
    others = [
        make_key(source=x, func=np.cumsum, params={"a": 2, "b": [1, 2]}, version="1"),
        make_key(source=x, func=np.cumsum, params={"a": 1, "b": [1, 2], "c": None},
                 version="1"),
        make_key(source=x, func=np.cumprod, params={"a": 1, "b": [1, 2]}, version="1"),
        make_key(source=x, func=np.cumsum, params={"a": 1, "b": [1, 2]}, version="2"),
        make_key(source=x * 2, func=np.cumsum, params={"a": 1, "b": [1, 2]}, version="1"),
        make_key(source=x.astype(np.float32), func=np.cumsum,
                 params={"a": 1, "b": [1, 2]}, version="1"),
    ]
    assert len({base, *others}) == len(others) + 1
    # files: content, not path, decides
    p1, p2 = tmp_path / "a.wav", tmp_path / "b.wav"
    p1.write_bytes(b"same bytes")
    p2.write_bytes(b"same bytes")
    k1 = make_key(source=p1, func="f")
    assert k1 == make_key(source=p2, func="f")
    assert k1 == make_key(source=str(p1), func="f")
    assert k1 == make_key(source=file_checksum(p1), func="f")
    p2.write_bytes(b"other bytes")
    assert k1 != make_key(source=p2, func="f")


def test_key_rejects_what_it_cannot_identify(tmp_path):
    with pytest.raises(ParameterError, match="cannot be part of a cache key"):
        make_key(source=np.zeros(2), func="f", params={"obj": object()})
    with pytest.raises(ParameterError, match="neither a sha256"):
        source_checksum(str(tmp_path / "no-such-file.wav"))
    with pytest.raises(ParameterError):
        source_checksum(12345)
    with pytest.raises(ParameterError, match="key="):
        Cache(tmp_path).path("../../etc/passwd")


# -- round trips ---------------------------------------------------------------
@pytest.mark.parametrize("value", [
    np.arange(24, dtype=np.float32).reshape(2, 3, 4),
    np.array(3.5),
    np.array([True, False, True]),
    np.zeros((0, 5), dtype=np.int16),
])
def test_round_trip_arrays(cache, value):
    key = cache.key(source=b"input", func="f", params={"n": 1})
    assert cache.get(key) is None
    path = cache.put(key, value)
    assert path.suffix == ".npz" and path.parent.parent == cache.root
    out = cache.get(key)
    assert out.dtype == value.dtype and out.shape == value.shape
    np.testing.assert_array_equal(out, value)
    assert cache.stats.hits == 1 and cache.stats.misses == 1 and cache.stats.writes == 1
    assert key in cache and len(cache) == 1
    # a plain np.load opens the entry too
    with np.load(path) as npz:
        np.testing.assert_array_equal(npz["value"], value)


def test_round_trip_dict_and_overwrite(cache):
    key = cache.key(source=b"x", func="g")
    value = {"mean": np.ones(3), "frames": np.arange(6, dtype=np.int32).reshape(2, 3)}
    cache.put(key, value)
    out = cache.get(key)
    assert set(out) == {"mean", "frames"}
    np.testing.assert_array_equal(out["frames"], value["frames"])
    cache.put(key, np.zeros(2))
    np.testing.assert_array_equal(cache.get(key), np.zeros(2))
    assert cache.delete(key) and not cache.delete(key)
    assert cache.get(key) is None


def test_put_rejects_unstorable_values(cache):
    key = cache.key(source=b"x", func="g")
    with pytest.raises(ParameterError, match="object arrays"):
        cache.put(key, np.array([object()], dtype=object))
    with pytest.raises(ParameterError, match="stores numpy arrays"):
        cache.put(key, [1, 2, 3])
    with pytest.raises(ParameterError, match="dict key"):
        cache.put(key, {"__mirnb__": np.zeros(1)})
    assert cache.get(key) is None


def test_default_root_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MIRNB_CACHE", str(tmp_path / "c1"))
    assert Cache().root == tmp_path / "c1"
    monkeypatch.delenv("MIRNB_CACHE")
    monkeypatch.setenv("MIRNB_DATA", str(tmp_path / "data"))
    assert Cache().root == tmp_path / "data" / "mirnb_cache"


# -- corruption ------------------------------------------------------------------
def _entry(cache, n=1000):
    key = cache.key(source=b"payload", func="h", params={"n": n})
    path = cache.put(key, np.arange(n, dtype=np.float64))
    return key, path


def test_truncated_entry_is_detected_and_deleted(cache):
    key, path = _entry(cache)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert cache.get(key) is None
    assert cache.stats.corrupt == 1 and cache.stats.misses == 1
    assert not path.exists()


def test_garbled_bytes_fail_the_stored_checksum(cache):
    key, path = _entry(cache)
    data = bytearray(path.read_bytes())
    # flip bytes inside the array data (the zip structure stays valid)
    start = data.find(np.arange(1000, dtype=np.float64)[500:501].tobytes())
    assert start > 0
    data[start:start + 8] = np.float64(-1.0).tobytes()
    path.write_bytes(bytes(data))
    assert cache.get(key) is None
    assert cache.stats.corrupt == 1 and not path.exists()


def test_entry_under_the_wrong_key_is_not_trusted(cache):
    key, path = _entry(cache)
    other = cache.key(source=b"payload", func="h", params={"n": 2})
    target = cache.path(other)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(path.read_bytes())
    assert cache.get(other) is None and cache.stats.corrupt == 1
    np.testing.assert_array_equal(cache.get(key), np.arange(1000.0))


def test_cached_call_recomputes_after_corruption(cache):
    calls = []

    def cumsum(x, *, scale=1.0):
        calls.append(1)
        return np.cumsum(x) * scale

    x = np.arange(5.0)
    a = cache.cached_call(cumsum, x, params={"scale": 2.0})
    b = cache.cached_call(cumsum, x, params={"scale": 2.0})
    assert len(calls) == 1
    np.testing.assert_array_equal(a, b)
    cache.cached_call(cumsum, x, params={"scale": 3.0})
    assert len(calls) == 2
    key = cache.key(source=x, func=cumsum, params={"scale": 2.0})
    cache.path(key).write_bytes(b"PK\x03\x04 not a zip at all")
    c = cache.cached_call(cumsum, x, params={"scale": 2.0})
    assert len(calls) == 3 and cache.stats.corrupt == 1
    np.testing.assert_array_equal(c, a)
    assert cache.get(key) is not None  # rewritten, valid again


def test_memoize_counts_and_keys_on_content(cache):
    calls = []

    @cache.memoize
    def power(x, *, p=2):
        calls.append(p)
        return x ** p

    x = np.arange(4.0)
    np.testing.assert_array_equal(power(x, p=3), x ** 3)
    power(x.copy(), p=3)
    assert calls == [3]
    power(x, p=2)
    power(x + 1, p=2)
    assert calls == [3, 2, 2]


# -- atomicity and concurrency ------------------------------------------------------
def test_failed_write_leaves_no_partial_file_and_keeps_old_entry(cache, monkeypatch):
    key = cache.key(source=b"x", func="atomic")
    cache.put(key, {"a": np.ones(10), "b": np.zeros(10)})
    before = _files(cache.root)
    real = np.lib.format.write_array
    seen = []

    def failing_write(fh, array, *args, **kwargs):
        seen.append(1)
        if len(seen) == 2:  # second member: write half of it, then fail
            fh.write(b"\x93NUMPY partial")
            raise OSError("disk full (simulated)")
        return real(fh, array, *args, **kwargs)

    monkeypatch.setattr(cache_mod.np.lib.format, "write_array", failing_write)
    with pytest.raises(OSError, match="simulated"):
        cache.put(key, {"a": np.full(10, 7.0), "b": np.full(10, 8.0)})
    monkeypatch.undo()
    assert _files(cache.root) == before  # no temporary file left behind
    out = cache.get(key)
    np.testing.assert_array_equal(out["a"], np.ones(10))
    # and a fresh key that failed has no file at all
    key2 = cache.key(source=b"y", func="atomic")
    seen.clear()
    monkeypatch.setattr(cache_mod.np.lib.format, "write_array", failing_write)
    with pytest.raises(OSError):
        cache.put(key2, {"a": np.ones(3), "b": np.ones(3)})
    monkeypatch.undo()
    assert not cache.path(key2).exists() and _files(cache.root) == before


def _hammer(root, key, seed, n):
    c = Cache(root)
    big = np.random.default_rng(seed).standard_normal((256, 512))  # 1 MiB
    for i in range(n):
        c.put(key, {"x": big, "i": np.array(i)})
        got = c.get(key)
        assert got is None or got["x"].shape == (256, 512)
    return c.stats.corrupt


def test_concurrent_writers_end_with_a_valid_entry(tmp_path):
    root = tmp_path / "cache"
    key = Cache(root).key(source=b"shared", func="race")
    ctx = mp.get_context("spawn")
    with ctx.Pool(2) as pool:
        corrupt = pool.starmap(_hammer, [(str(root), key, 0, 15), (str(root), key, 1, 15)])
    assert corrupt == [0, 0]  # readers never saw a partial entry
    c = Cache(root)
    got = c.get(key)
    assert got is not None and got["x"].shape == (256, 512) and int(got["i"]) == 14
    assert c.stats.corrupt == 0
    assert not [p for p in root.rglob("*.tmp")]
