"""Tests of mirnb.features.extract: parallel, cached extraction over a dataset."""

import os

import numpy as np
import pytest
import soundfile as sf

from mirnb import ParameterError
from mirnb import audio
from mirnb import features as F
from mirnb.cache import Cache
from mirnb.datasets import Skipped, Track

SR = 22050


# -- extraction over a dataset -----------------------------------------------------------
CALLS = []


def counting_log_mel(y, *, sr, scale=1.0):
    """A module-level feature that counts its calls (n_jobs=1 runs in-process)."""
    CALLS.append(1)
    return F.log_mel(y, sr=sr, n_fft=512, hop_length=256, n_mels=32) * scale


@pytest.fixture
def wav_tracks(tmp_path):
    rng = np.random.default_rng(6)
    t = np.arange(SR // 2) / SR
    sf.write(tmp_path / "tone.wav", 0.5 * np.sin(2 * np.pi * 330 * t), SR)
    sf.write(tmp_path / "noise.wav", 0.2 * rng.standard_normal(SR // 2), SR,
             subtype="PCM_16")
    sf.write(tmp_path / "silent.wav", np.zeros(SR // 2), SR)
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk")
    return [Track("tone", tmp_path / "tone.wav", {"genre": "a"}),
            ("noise", tmp_path / "noise.wav"),
            Track("silent", tmp_path / "silent.wav"),
            Track("broken", tmp_path / "broken.wav"),
            Track("no-audio", None)]


def test_extract_skips_bad_files_and_hits_the_cache(wav_tracks, tmp_path):
    cache = Cache(tmp_path / "cache")
    CALLS.clear()
    feats, skipped = F.extract(wav_tracks, counting_log_mel, sr=SR, n_jobs=1, cache=cache,
                               verbose=False)
    assert list(feats) == ["tone", "noise"]
    assert len(CALLS) == 2
    assert all(isinstance(s, Skipped) for s in skipped)
    reasons = {s.track_id: s.reason for s in skipped}
    assert set(reasons) == {"silent", "broken", "no-audio"}
    assert "silent" in reasons["silent"]
    assert "cannot read" in reasons["broken"]
    assert "no audio" in reasons["no-audio"]
    y_tone, _ = audio.load(wav_tracks[0].audio_path, sr=SR)
    np.testing.assert_allclose(feats["tone"], counting_log_mel(y_tone, sr=SR), rtol=1e-6)
    # four files could be hashed and looked up (two then failed to load); two written
    assert (cache.stats.hits, cache.stats.misses, cache.stats.writes) == (0, 4, 2)

    CALLS.clear()
    again, skipped2 = F.extract(wav_tracks, counting_log_mel, sr=SR, n_jobs=1, cache=cache,
                                verbose=False)
    assert CALLS == []  # nothing recomputed
    assert cache.stats.hits == 2 and cache.stats.misses == 6 and cache.stats.writes == 2
    assert [s.track_id for s in skipped2] == [s.track_id for s in skipped]
    for k in feats:
        np.testing.assert_array_equal(again[k], feats[k])

    # another parameter value is another key
    F.extract(wav_tracks[:2], counting_log_mel, sr=SR, n_jobs=1, cache=cache,
              verbose=False, scale=2.0)
    assert len(CALLS) == 2 and cache.stats.misses == 8 and cache.stats.writes == 4

    # a corrupted entry is recomputed, not trusted
    for p in cache.root.rglob("*.npz"):
        p.write_bytes(p.read_bytes()[:100])
    CALLS.clear()
    fixed, _ = F.extract(wav_tracks, counting_log_mel, sr=SR, n_jobs=1, cache=cache,
                         verbose=False)
    assert len(CALLS) == 2 and cache.stats.corrupt == 2
    np.testing.assert_array_equal(fixed["noise"], feats["noise"])


def test_extract_named_feature_in_parallel(wav_tracks, tmp_path):
    good = wav_tracks[:3]
    serial, sk1 = F.extract(good, "mfcc", sr=SR, n_jobs=1, cache=None, verbose=False,
                            n_mfcc=13)
    cache = Cache(tmp_path / "c2")
    parallel, sk2 = F.extract(good, "mfcc", sr=SR, n_jobs=2, cache=cache, verbose=False,
                              n_mfcc=13)
    assert list(parallel) == ["tone", "noise"] and [s.track_id for s in sk2] == ["silent"]
    for k in serial:
        # workers may use other BLAS thread counts: float32 summation order differs
        np.testing.assert_allclose(parallel[k], serial[k], rtol=1e-5, atol=1e-4)
        assert parallel[k].shape[0] == 13
    assert cache.stats.misses == 3 and cache.stats.writes == 2 and len(cache) == 2
    F.extract(good, "mfcc", sr=SR, n_jobs=2, cache=cache, verbose=False, n_mfcc=13)
    assert cache.stats.hits == 2


def test_extract_warms_librosa_before_workers(wav_tracks, monkeypatch):
    from mirnb.datasets import core

    seen = {}

    def fake_map_tracks(func, items, **kwargs):
        seen.update(kwargs)
        return {}, []

    monkeypatch.setattr(core, "map_tracks", fake_map_tracks)
    F.extract(wav_tracks[:2], "mfcc", sr=SR, n_jobs=2, cache=None, verbose=False)
    assert seen["uses_librosa"] is True and seen["n_jobs"] == 2


def test_extract_parameter_errors_stop_the_run(wav_tracks):
    with pytest.raises(ParameterError, match="not a feature name"):
        F.extract(wav_tracks, "log_mell", sr=SR, cache=None, verbose=False)
    with pytest.raises(ParameterError, match="takes no parameter"):
        F.extract(wav_tracks, "log_mel", sr=SR, cache=None, verbose=False, n_mel=40)
    with pytest.raises(ParameterError, match="appears twice"):
        F.extract(wav_tracks[:2] * 2, "log_mel", sr=SR, cache=None, verbose=False)
    with pytest.raises(ParameterError, match="sr="):
        F.extract(wav_tracks, "log_mel", sr="fast", cache=None, verbose=False)
    # a parameter the feature rejects is an error of the call, not a skipped track
    with pytest.raises(ParameterError, match="n_mels=0"):
        F.extract(wav_tracks[:2], "log_mel", sr=SR, n_jobs=1, cache=None, verbose=False,
                  n_mels=0)


# -- batches, shared-memory results, the default n_jobs ------------------------------------
def two_views(y, *, sr):
    """A dict feature with a Fortran-ordered float64 array, a 0-d int and a bool array."""
    S = F.log_mel(y, sr=sr, n_fft=256, hop_length=128, n_mels=8)
    return {"mel_f": np.asfortranarray(S.astype(np.float64)),
            "n": np.array(y.size, dtype=">i4"), "loud": np.asarray(S > S.mean()),
            "none": np.zeros((0, 3), np.float32)}


def fails_on_bad(y, *, sr):
    """Raise a DataError for a clip that starts with a loud click, a ValueError when it is
    very loud (a bug, not a bad file)."""
    if abs(y[0]) > 0.85:
        raise ValueError("a bug in the feature")
    if abs(y[0]) > 0.6:
        from mirnb.errors import DataError

        raise DataError("this clip has a click")
    return F.log_mel(y, sr=sr, n_fft=256, hop_length=128, n_mels=8)


@pytest.fixture
def many_tracks(tmp_path):
    """Twelve short clips, each different; batches of several clips over two workers."""
    rng = np.random.default_rng(3)
    tracks = []
    for i in range(12):
        path = tmp_path / f"m{i:02d}.wav"
        y = 0.1 * rng.standard_normal(SR // 4)
        y[0] = 0.0
        sf.write(path, y.astype(np.float32), SR)
        tracks.append(Track(f"m{i:02d}", path))
    return tracks


def _equal(a, b):
    assert list(a) == list(b)
    for k in a:
        va, vb = (a[k], b[k]) if isinstance(a[k], dict) else ({"": a[k]}, {"": b[k]})
        assert list(va) == list(vb)
        for name in va:
            assert va[name].dtype == vb[name].dtype and va[name].shape == vb[name].shape
            assert va[name].flags.f_contiguous == vb[name].flags.f_contiguous
            np.testing.assert_allclose(va[name], vb[name], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("through_files", [True, False])
def test_extract_in_batches_matches_one_process(many_tracks, monkeypatch, through_files):
    from mirnb.features import _shipping, extraction

    # every batch returns through a file in shared memory, or every batch as pickles
    monkeypatch.setattr(extraction, "_MIN_FILE_BYTES", 0 if through_files else np.inf)
    unpacked = []  # unpickling in this process looks the function up here: count it

    def unpack(path, packed, _orig=_shipping._unpack_shipment):
        unpacked.append(path)
        return _orig(path, packed)

    monkeypatch.setattr(_shipping, "_unpack_shipment", unpack)
    batches = extraction._batches(list(range(12)), 2)
    assert len(batches) < 12 and max(map(len, batches)) > 1
    assert sum(batches, []) == list(range(12))
    serial, sk1 = F.extract(many_tracks, two_views, sr=SR, n_jobs=1, cache=None,
                            verbose=False)
    parallel, sk2 = F.extract(many_tracks, two_views, sr=SR, n_jobs=2, cache=None,
                              verbose=False)
    assert sk1.n_workers == 0 and sk2.n_workers == 2 and not sk1 and not sk2
    _equal(parallel, serial)
    shm = extraction._shm_folder()
    if shm is not None:
        os.rmdir(shm)
    assert len(unpacked) == (len(batches) if through_files and shm else 0)


def test_shipments_travel_through_shared_memory_or_as_pickles(tmp_path, monkeypatch):
    import pickle

    from mirnb.features import _shipping, extraction

    monkeypatch.setattr(_shipping, "_room_for", lambda folder, nbytes: True)
    rng = np.random.default_rng(0)
    outcomes = [("a", ({"x": np.asfortranarray(rng.random((5, 7))),
                        "b": np.arange(3, dtype=np.int16)}, "uncached", 10), None),
                ("b", None, "DataError: silent"),
                ("c", (rng.random((4, 9)).astype(np.float32)[:, ::2], "written", 8), None),
                ("d", (np.array(2.5), "uncached", 1), None)]
    ship = _shipping._Shipment(outcomes, folder=str(tmp_path), min_file_bytes=0)
    n_maps = len(_shipping._live_maps)
    back = pickle.loads(pickle.dumps(ship))
    assert back.error is None and list(tmp_path.iterdir()) == []  # mapped, then deleted
    assert len(_shipping._live_maps) == n_maps + 1
    for (tid, res, why), (tid2, res2, why2) in zip(outcomes, back.outcomes):
        assert (tid, why) == (tid2, why2)
        if res is not None:
            assert res[1:] == res2[1:]
            _equal({tid: res[0]}, {tid: res2[0]})
            for v in _arrays(res2[0]):
                assert type(v) is np.ndarray and v.flags.writeable and v.flags.aligned
                assert v.size == 0 or not v.flags.owndata  # a view of the map: no copy
    del back, res2, v
    assert len(_shipping._live_maps) == n_maps  # unmapped with its last array
    # out of maps: read into new arrays
    monkeypatch.setattr(_shipping, "_MAX_MAPS", n_maps)
    copied = pickle.loads(pickle.dumps(ship))
    assert not list(tmp_path.iterdir()) and len(_shipping._live_maps) == n_maps
    for (_, res, _), (_, res2, _) in zip(outcomes, copied.outcomes):
        if res is not None:
            _equal({"": res[0]}, {"": res2[0]})
            assert all(v.flags.owndata and v.flags.writeable for v in _arrays(res2[0]))
    monkeypatch.undo()
    monkeypatch.setattr(_shipping, "_room_for", lambda folder, nbytes: True)
    # small, or no folder: plain pickles; an unreadable file: an error, not an exception
    small = _shipping._Shipment(outcomes, folder=str(tmp_path), min_file_bytes=1e9)
    assert pickle.loads(pickle.dumps(small)).outcomes is not None
    away = _shipping._Shipment(outcomes, folder=str(tmp_path / "elsewhere"),
                                min_file_bytes=0)
    assert pickle.loads(pickle.dumps(away)).error is None
    monkeypatch.setattr(_shipping, "_room_for", lambda folder, nbytes: False)
    assert pickle.loads(pickle.dumps(ship)).error is None and not list(tmp_path.iterdir())
    monkeypatch.setattr(_shipping, "_room_for", lambda folder, nbytes: True)
    for cut in (0, 100):  # emptied (read), or cut short (mapped): an error, file deleted
        data = pickle.dumps(ship)
        for p in tmp_path.iterdir():
            p.write_bytes(p.read_bytes()[:cut])
        lost = pickle.loads(data)
        assert lost.outcomes is None and "ends early" in lost.error
        assert list(tmp_path.iterdir()) == []


def _arrays(v):
    return list(v.values()) if isinstance(v, dict) else [v]


def test_extract_reports_a_failing_clip_inside_a_batch(many_tracks, tmp_path):
    bad = many_tracks[4].audio_path  # in the second batch, with others
    y, _ = sf.read(bad)
    y[0] = 0.7
    sf.write(bad, y, SR)
    gone = Track("gone", tmp_path / "gone.wav")
    tracks = many_tracks[:7] + [gone] + many_tracks[7:]
    serial, sk1 = F.extract(tracks, fails_on_bad, sr=SR, n_jobs=1, cache=None,
                            verbose=False)
    parallel, sk2 = F.extract(tracks, fails_on_bad, sr=SR, n_jobs=2, cache=None,
                              verbose=False)
    assert [s.track_id for s in sk2] == [s.track_id for s in sk1] == ["m04", "gone"]
    assert [s.reason for s in sk2] == [s.reason for s in sk1]
    assert "click" in sk2[0].reason and str(bad) in sk2[0].reason
    assert len(parallel) == 11 and sk2.n_workers == 2
    _equal(parallel, serial)

    # an error that is not about the file stops the run and names the clip
    y[0] = 0.9
    sf.write(bad, y, SR)
    for n_jobs in (1, 2):
        with pytest.raises(ValueError, match="a bug") as info:
            F.extract(tracks, fails_on_bad, sr=SR, n_jobs=n_jobs, cache=None, verbose=False)
        notes = " ".join(getattr(info.value, "__notes__", []))
        assert "'m04'" in notes and str(bad) in notes


def test_default_n_jobs_stays_in_process_when_work_is_small(many_tracks, monkeypatch):
    import joblib

    from mirnb.datasets import core
    from mirnb.features import _shipping, extraction

    def no_workers(*args, **kwargs):
        raise AssertionError("started workers for a few short clips")

    monkeypatch.setattr(joblib, "cpu_count", lambda *a, **k: 2)
    monkeypatch.setattr(core, "map_tracks", no_workers)
    feats, skipped = F.extract(many_tracks, "log_mel", sr=SR, cache=None, verbose=False,
                               n_fft=256, hop_length=128, n_mels=8)
    assert list(feats) == [t.track_id for t in many_tracks] and skipped.n_workers == 0
    one, _ = F.extract(many_tracks, "log_mel", sr=SR, n_jobs=1, cache=None, verbose=False,
                       n_fft=256, hop_length=128, n_mels=8)
    _equal(feats, one)

    # work that repays starting workers goes to them, after the first clips timed here
    seen = {}

    def fake_map_tracks(func, items, **kwargs):
        seen.update(kwargs, clips=[tid for _, batch in items for tid, _ in batch])
        return {}, []

    monkeypatch.setattr(core, "map_tracks", fake_map_tracks)
    monkeypatch.setattr(extraction, "_parallel_pays", lambda *a: True)
    feats, skipped = F.extract(many_tracks, "log_mel", sr=SR, cache=None, verbose=False,
                               n_fft=256, hop_length=128, n_mels=8)
    assert seen["n_jobs"] == 2 and skipped.n_workers == 2
    assert list(feats) == ["m00", "m01"] and seen["clips"] == [f"m{i:02d}" for i in
                                                                range(2, 12)]


def test_parallel_pays_counts_the_start_of_workers(monkeypatch):
    from mirnb.features import _shipping, extraction

    monkeypatch.setattr(extraction, "_last_parallel", {"n_workers": None,
                                                       "time": -np.inf})
    assert not extraction._parallel_pays(0.5, 2)
    assert not extraction._parallel_pays(3.0, 2)  # workers would take longer to start
    assert extraction._parallel_pays(60.0, 2)
    extraction._last_parallel.update(n_workers=2, time=extraction.time.monotonic())
    assert extraction._parallel_pays(3.0, 2) and not extraction._parallel_pays(0.5, 2)
    assert not extraction._parallel_pays(3.0, 4)  # other workers: started afresh


def _record_folders(monkeypatch):
    """Record the shared-memory folders extract makes (to check that none is left)."""
    from mirnb.features import _shipping, extraction

    made = []

    def folder(_orig=extraction._shm_folder):
        made.append(_orig())
        return made[-1]

    monkeypatch.setattr(extraction, "_shm_folder", folder)
    return made


def _left(made):
    return [f for f in made if f is not None
            and (os.path.exists(f) or os.path.exists(f"{f}.done"))]


def _mapped_fds():
    """Descriptors this process holds on result files (Python < 3.13 keeps one per map)."""
    fds = "/proc/self/fd"
    out = []
    for fd in os.listdir(fds) if os.path.isdir(fds) else []:
        try:
            target = os.readlink(os.path.join(fds, fd))
        except OSError:
            continue
        if "mirnb-extract-" in target:
            out.append(target)
    return out


def test_mapped_results_behave_as_ordinary_arrays(many_tracks, tmp_path, monkeypatch):
    import gc
    import pickle

    from mirnb.features import _shipping, extraction

    monkeypatch.setattr(extraction, "_MIN_FILE_BYTES", 0)
    made = _record_folders(monkeypatch)
    kw = dict(sr=SR, cache=None, verbose=False, n_fft=512, hop_length=256)
    serial, _ = F.extract(many_tracks, "dft_frames", n_jobs=1, **kw)
    n_maps, n_fds = len(_shipping._live_maps), len(_mapped_fds())
    parallel, rep = F.extract(many_tracks, "dft_frames", n_jobs=2, **kw)
    assert rep.n_workers == 2 and not _left(made)
    _equal(parallel, serial)
    shm = made[0] is not None
    if shm:  # results are views of private maps of the (deleted) files: nothing copied
        assert len(_shipping._live_maps) > n_maps
        if not _shipping._TRACKFD:
            assert len(_mapped_fds()) == len(_shipping._live_maps) - n_maps + n_fds
        assert not any(v.flags.owndata for v in parallel.values())
    a, b = parallel["m00"], parallel["m01"]
    assert type(a) is np.ndarray and a.dtype == np.float32 and a.flags.writeable
    # writing changes this array only (copy on write), never another result
    b_before = b.copy()
    a[:] = 7.0
    a += 1.0
    assert (a == 8.0).all() and (serial["m00"] != 8.0).any()
    np.testing.assert_array_equal(b, b_before)
    back = pickle.loads(pickle.dumps(a))
    assert back.shape == a.shape and (back == 8.0).all()
    np.testing.assert_allclose(np.mean(b, axis=0), np.mean(serial["m01"], axis=0),
                               rtol=1e-5, atol=1e-6)
    # into a cache and back
    cache = Cache(tmp_path / "c")
    key = cache.key(source="0" * 64, func="t", version="1", params={})
    cache.put(key, b)
    np.testing.assert_array_equal(cache.get(key), b)
    # unmapped (and their descriptors closed) once the arrays are gone
    del parallel, a, b
    gc.collect()
    assert len(_shipping._live_maps) == n_maps and len(_mapped_fds()) == n_fds

    # extract_stacked copies mapped results into its stack
    X1, ids1, _ = F.extract_stacked(many_tracks, "log_mel", n_jobs=1, n_mels=16, **kw)
    X2, ids2, _ = F.extract_stacked(many_tracks, "log_mel", n_jobs=2, n_mels=16, **kw)
    assert ids1 == ids2 and X2.flags.owndata and X2.dtype == np.float32
    np.testing.assert_allclose(X2, X1, rtol=1e-5, atol=1e-4)
    assert len(_shipping._live_maps) == n_maps and not _left(made)


def test_parallel_results_without_shared_memory(many_tracks, monkeypatch):
    from mirnb.features import _shipping, extraction

    monkeypatch.setattr(extraction, "_MIN_FILE_BYTES", 0)
    monkeypatch.setattr(extraction, "_shm_folder", lambda: None)
    kw = dict(sr=SR, cache=None, verbose=False, n_fft=512, hop_length=256)
    serial, _ = F.extract(many_tracks, "dft_frames", n_jobs=1, **kw)
    n_maps = len(_shipping._live_maps)
    parallel, rep = F.extract(many_tracks, "dft_frames", n_jobs=2, **kw)
    assert rep.n_workers == 2 and len(_shipping._live_maps) == n_maps
    _equal(parallel, serial)
    assert all(v.flags.writeable for v in parallel.values())


@pytest.mark.filterwarnings("ignore:.*tasks have been successfully executed")
def test_no_shared_memory_files_are_left(many_tracks, monkeypatch):
    import tqdm.auto

    from mirnb.features import _shipping, extraction

    monkeypatch.setattr(extraction, "_MIN_FILE_BYTES", 0)
    made = _record_folders(monkeypatch)
    if extraction._shm_folder() is None:
        pytest.skip("no writable /dev/shm")
    os.rmdir(made.pop())
    bad = many_tracks[4].audio_path
    y, _ = sf.read(bad)
    y[0] = 0.9  # a bug in the feature for this clip: the run stops
    sf.write(bad, y, SR)
    with pytest.raises(ValueError, match="a bug"):
        F.extract(many_tracks, fails_on_bad, sr=SR, n_jobs=2, cache=None, verbose=False)
    assert len(made) == 1 and not _left(made)

    # interrupted while the workers run (Ctrl-C in this process)
    y[0] = 0.0
    sf.write(bad, y, SR)

    class Interrupted(tqdm.auto.tqdm):
        def __iter__(self):
            for i, item in enumerate(super().__iter__()):
                if i == 1:
                    raise KeyboardInterrupt
                yield item

    with monkeypatch.context() as m:
        m.setattr(tqdm.auto, "tqdm", Interrupted)
        with pytest.raises(KeyboardInterrupt):
            F.extract(many_tracks, "dft_frames", sr=SR, n_jobs=2, cache=None,
                      verbose=False, n_fft=512, hop_length=256)
    assert len(made) == 2 and not _left(made)
    # and the workers still serve the next run
    feats, rep = F.extract(many_tracks, "dft_frames", sr=SR, n_jobs=2, cache=None,
                           verbose=False, n_fft=512, hop_length=256)
    assert len(feats) == 12 and rep.n_workers == 2 and not _left(made)


def test_remove_folder_deletes_what_it_holds(tmp_path):
    from mirnb.features import _shipping, extraction

    folder = tmp_path / "shm"
    folder.mkdir()
    (folder / "a.bin").write_bytes(b"x" * 10)
    with open(folder / "b.bin", "wb") as fh:  # still open in a worker
        _shipping._remove_folder(str(folder))
        fh.write(b"y" * 10)
    assert list(tmp_path.iterdir()) == []
    _shipping._remove_folder(str(folder))  # gone already: nothing to do
