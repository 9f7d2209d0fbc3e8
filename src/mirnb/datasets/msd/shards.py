"""Beat features of a whole MSD copy, computed as a Dask job and kept in shards.

Dieleman et al. (2011) pretrain on one pass over about 920,000 MSD tracks:
far more than memory holds. :func:`write_beat_shards` computes beat-aligned
chroma and timbre (:func:`mirnb.analysis.beat_features`; timbre is not
standardised here) of every track of an :class:`~mirnb.datasets.msd.MSD`
dataset on a Dask cluster, one task per shard of tracks; :class:`BeatShards`
reads them back and streams minibatches shard by shard.

Layout on disk::

    <out>/manifest.json       the job: parameters, then one entry per finished shard
    <out>/shard-000000.npz    tracks 0 .. shard_size - 1 of the job's sorted track list
    <out>/shard-000000.json   that shard's entry, written after its .npz (its commit mark)
    <out>/shard-000001.npz    ...

A shard ``.npz`` opens with a plain ``np.load`` (no pickles) and holds
``chroma`` float32 (n_beats_total, 12) and ``timbre`` float32
(n_beats_total, 12), the shard's tracks one after another; ``offsets``
int64 (n_tracks + 1,), track ``i`` being rows ``offsets[i]:offsets[i + 1]``;
and ``track_ids`` str (n_tracks,).

A shard entry is ``{"index", "file", "track_ids", "lengths" (beats per
track), "n_beats", "size", "sha256", "failed": [{"track_id", "reason"}],
"params_sha256"}``. ``manifest.json`` holds ``format``, ``parameters``
(every keyword of ``beat_features``, e.g. ``chroma_norm`` and ``method``;
``dtype``; ``shard_size``; the number and sha256 of the track ids),
``n_tracks``, ``n_shards``, ``complete``, ``skipped`` (files the dataset
could not index) and ``shards``, the entries by index.

Every file is written to a temporary name and renamed into place
(:func:`mirnb.cache.atomic_write`), so an interrupted job leaves whole
shards or none. A rerun with the same parameters redoes only the shards
whose entry, file, size or checksum is missing or wrong; a rerun with other
parameters (or another track list) into the same folder is refused. The
workers must see the MSD files and ``out`` under the caller's paths (one
machine, or a shared file system) and have mirnb installed.

References
----------
Dieleman, Brakel and Schrauwen (2011), Sec. 3 and footnote 4 (pretraining set).
"""

import hashlib
import inspect
import json
import logging
import os
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ... import __version__, _check
from ...cache import atomic_write, file_checksum
from ...errors import DataError, MissingDataError, ParameterError
from ..core import Skipped

__all__ = ["write_beat_shards", "ShardReport", "BeatShards"]

log = logging.getLogger("mirnb.datasets.msd.shards")

FORMAT = 1
MANIFEST = "manifest.json"
_NOT_SETTINGS = ("source", "name")  # beat_features' arguments that are not settings


def _name(index):
    return f"shard-{index:06d}"


def _sha(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def _read_json(path):
    """Parsed JSON of ``path``, or None when it is missing or unreadable."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def _write_json(path, obj):
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(obj, sort_keys=True)),
                 suffix=".json")


def _write_shard(spec):
    """Compute and write one shard; return its entry (runs on a Dask worker)."""
    from .dataset import MSDTrack

    chroma, timbre, ids, lengths, failed = [], [], [], [], []
    for tid, path in spec["items"]:
        try:
            c, t = MSDTrack(tid, path).beat_features(**spec["kwargs"])
        except DataError as err:  # the track's fault: report it, go on
            failed.append({"track_id": tid, "reason": f"{type(err).__name__}: {err}"})
            continue
        chroma.append(np.asarray(c, spec["dtype"]))
        timbre.append(np.asarray(t, spec["dtype"]))
        ids.append(tid)
        lengths.append(len(c))
    empty = np.zeros((0, 12), spec["dtype"])
    arrays = {"chroma": np.concatenate(chroma) if chroma else empty,
              "timbre": np.concatenate(timbre) if timbre else empty,
              "offsets": np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]),
              "track_ids": np.array(ids, dtype=str)}

    def save(tmp):
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())

    out, name = Path(spec["out"]), _name(spec["index"])
    npz = atomic_write(out / f"{name}.npz", save, suffix=".npz")
    entry = {"index": spec["index"], "file": npz.name, "track_ids": ids, "lengths": lengths,
             "n_beats": int(sum(lengths)), "size": npz.stat().st_size,
             "sha256": file_checksum(npz), "failed": failed,
             "params_sha256": spec["params_sha256"]}
    _write_json(out / f"{name}.json", entry)
    return entry


@dataclass
class ShardReport:
    """What :func:`write_beat_shards` did.

    Attributes
    ----------
    out : Path
    n_shards, n_tracks : int
        Shards and tracks of the whole job.
    written, reused : int
        Shards computed by this call; shards found finished and intact.
    failed : list of Skipped
        Every track of the job without features (in any shard), and every
        file the dataset could not index, with the reason.
    n_beats : int
        Beats in all shards.
    seconds, tracks_per_second : float
        Wall time of the call (cluster start included); tracks of the shards
        written by this call per second.
    """

    out: Path
    n_shards: int
    n_tracks: int
    written: int = 0
    reused: int = 0
    failed: list = field(default_factory=list)
    n_beats: int = 0
    seconds: float = 0.0
    tracks_per_second: float = 0.0


def _feature_settings(chroma_norm, kwargs):
    """Every keyword of beat_features with its value (defaults filled in), checked."""
    from ...analysis import beat_features

    sig = inspect.signature(beat_features)
    try:
        bound = sig.bind_partial(chroma_norm=chroma_norm, **kwargs)
    except TypeError as err:
        raise ParameterError(f"{sorted(kwargs)}: {err}; beat_features takes "
                             f"{[n for n in sig.parameters if n not in _NOT_SETTINGS]}") from None
    bound.apply_defaults()
    settings = {k: v for k, v in bound.arguments.items() if k not in _NOT_SETTINGS}
    try:
        json.dumps(settings)
    except TypeError:
        raise ParameterError(f"feature keywords {kwargs!r}: they are recorded in the "
                             "manifest, so their values must be JSON values") from None
    return settings


def _check_resume(out, params, params_sha, overwrite):
    """Refuse (or with ``overwrite`` clear) a folder holding another job's shards."""
    old = _read_json(out / MANIFEST)
    entries = (_read_json(p) for p in out.glob("shard-*.json"))  # torn ones: unfinished
    stale = [e for e in entries if isinstance(e, dict) and e.get("params_sha256") != params_sha]
    was = old.get("parameters") if isinstance(old, dict) else None
    if (was is None or was == params) and not stale:
        return
    if not overwrite:
        diff = sorted(k for k in set(was or {}) | set(params)
                      if (was or {}).get(k) != params.get(k))
        what = ("; ".join(f"{k}: {was.get(k)!r} there, {params.get(k)!r} now" for k in diff)
                if was is not None and diff else f"{len(stale)} shard(s) of another job")
        raise ParameterError(f"{out} holds beat shards made with other parameters ({what}). "
                             "Shards of two jobs are never mixed: write to another folder, "
                             "or pass overwrite=True to delete them and start again.")
    for p in [*out.glob("shard-*.npz"), *out.glob("shard-*.json"), out / MANIFEST]:
        p.unlink(missing_ok=True)


def _finished(out, index, planned, params_sha):
    """The entry of shard ``index`` if it is finished and whole, else None.

    Its entry must name the job and the planned tracks, and its file have the
    entry's size (a garbled file fails its zip CRC when read).
    """
    entry = _read_json(out / f"{_name(index)}.json")
    if not isinstance(entry, dict) or entry.get("params_sha256") != params_sha:
        return None
    done = list(entry.get("track_ids", [])) + [f["track_id"] for f in entry.get("failed", [])]
    npz = out / f"{_name(index)}.npz"
    if sorted(done) != planned or not npz.is_file() or npz.stat().st_size != entry.get("size"):
        return None
    return entry


def _run_dask(specs, scheduler, n_workers, on_done, on_error):
    from dask.distributed import Client, LocalCluster, as_completed

    def submit(client):
        token = uuid.uuid4().hex[:8]
        futures = {client.submit(_write_shard, s, pure=False,
                                 key=f"mirnb-beat-shard-{s['index']:06d}-{token}"): s["index"]
                   for s in specs}
        for fut in as_completed(futures):
            if fut.status == "finished":
                on_done(fut.result())
            else:
                err = fut.exception()
                on_error(futures[fut], f"{type(err).__name__}: {err}")
            fut.release()

    if isinstance(scheduler, Client):
        return submit(scheduler)
    if scheduler is None:
        with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            return submit(client)
    with Client(scheduler) as client:
        return submit(client)


def write_beat_shards(dataset, out, *, track_ids=None, shard_size=1000, scheduler=None,
                      n_workers=2, chroma_norm="max", dtype="float32", retry_failed=False,
                      overwrite=False, verbose=True, **feature_kwargs):
    """Compute beat-aligned chroma and timbre of many MSD tracks into shards, resumably.

    Parameters
    ----------
    dataset : MSD
        The tracks (``dataset.labels['path']`` names their files). Files it
        could not index (``dataset.skipped``) are reported in the manifest.
    out : str or Path
        The shard folder (created); see the module docstring for its layout.
    track_ids : iterable of str or None
        Default: every track. They are sorted, then cut into shards.
    shard_size : int > 0
        Tracks per shard (per task); about 1000 for the full MSD (some 50 MB a shard).
    scheduler : None, str, dask.distributed.Client or 'synchronous'
        None starts a ``LocalCluster`` of ``n_workers`` processes of one
        thread; a string is a scheduler address (``'tcp://host:8786'``); a
        ``Client`` is used as it is; ``'synchronous'`` runs here, without Dask.
    n_workers : int > 0
        Workers of the LocalCluster (``scheduler=None`` only).
    chroma_norm : {None, 'max'}
        See :func:`mirnb.analysis.beat_features`.
    dtype : {'float32', 'float64'}
        Stored dtype: float32 halves the files, float64 keeps every bit.
    retry_failed : bool
        Also redo finished shards that hold failed tracks (files fixed since).
    overwrite : bool
        Delete another job's shards in ``out`` instead of refusing.
    verbose : bool
        Progress bar over shards.
    **feature_kwargs
        More keywords of :func:`mirnb.analysis.beat_features` (e.g. ``method``).

    Returns
    -------
    ShardReport

    Raises
    ------
    ParameterError
        A bad argument or track id, or ``out`` holds the shards of a job with
        other parameters or another track list (the message names them).
    DataError
        Some shards could not be written (a worker died, a disk filled); the
        message names them. The finished ones are kept and listed in the
        manifest, and the same call again redoes only the rest. The error's
        ``report`` attribute is the :class:`ShardReport`.

    Examples
    --------
    ::

        write_beat_shards(MSD("/data"), "/scratch/beats", n_workers=16)
        for ids, chroma, timbre in BeatShards("/scratch/beats").batches(64, chunk=51):
            ...  # chroma, timbre: (64, 51, 12)
    """
    start = time.perf_counter()
    shard_size = _check.positive_int("shard_size", shard_size)
    n_workers = _check.positive_int("n_workers", n_workers)
    dtype = _check.choice("dtype", dtype, ("float32", "float64"))
    retry_failed = _check.boolean("retry_failed", retry_failed)
    overwrite = _check.boolean("overwrite", overwrite)
    if not isinstance(scheduler, (type(None), str)) and not hasattr(scheduler, "submit"):
        raise ParameterError(f"scheduler={scheduler!r}: expected None (a LocalCluster), a "
                             "scheduler address, a dask.distributed.Client or 'synchronous'")
    try:
        path_of = {t: str(p) for t, p in dataset.labels["path"].items()}
    except (AttributeError, KeyError, TypeError):
        raise ParameterError(f"dataset={dataset!r}: expected an MSD dataset, e.g. "
                             "mirnb.datasets.msd.MSD(data_home)") from None
    settings = _feature_settings(chroma_norm, feature_kwargs)
    ids = list(path_of) if track_ids is None else list(track_ids)
    if len(set(ids)) != len(ids):
        raise ParameterError("track_ids: some track ids are given twice")
    unknown = [t for t in ids if t not in path_of]
    if unknown:
        raise ParameterError(f"track_ids: {len(unknown)} are not in the dataset, e.g. "
                             f"{unknown[:3]}")
    ids, out = sorted(ids), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    params = {"feature": "mirnb.analysis.beat_features", **settings, "dtype": dtype,
              "shard_size": shard_size, "n_tracks": len(ids), "tracks_sha256": _sha(ids)}
    params_sha = _sha(params)
    _check_resume(out, params, params_sha, overwrite)

    plan = [ids[i:i + shard_size] for i in range(0, len(ids), shard_size)]
    entries, todo = {}, []
    for i, planned in enumerate(plan):
        entry = _finished(out, i, planned, params_sha)
        if entry is None or (retry_failed and entry["failed"]):
            todo.append({"index": i, "items": [(t, path_of[t]) for t in planned],
                         "out": str(out), "kwargs": settings, "dtype": dtype,
                         "params_sha256": params_sha})
        else:
            entries[i] = entry
    report = ShardReport(out=out, n_shards=len(plan), n_tracks=len(ids), reused=len(entries))
    skipped = ([{"track_id": s.track_id, "reason": s.reason}
                for s in getattr(dataset, "skipped", [])] if track_ids is None else [])
    if todo:  # a bad keyword value fails here, once, not in every task
        from .dataset import MSDTrack

        try:
            MSDTrack(*todo[0]["items"][0]).beat_features(**settings)
        except DataError:
            pass
    from tqdm.auto import tqdm

    bar = tqdm(total=len(plan), initial=len(entries), desc="MSD beat shards", unit="shard",
               disable=not verbose)
    errors = {}

    def on_done(entry):
        entries[entry["index"]] = entry
        report.written += 1
        bar.update(1)

    def on_error(index, reason):
        errors[index] = reason
        log.warning("beat shard %d failed: %s", index, reason)

    try:
        if scheduler == "synchronous":
            for spec in todo:
                try:
                    on_done(_write_shard(spec))
                except (OSError, DataError) as err:
                    on_error(spec["index"], f"{type(err).__name__}: {err}")
        elif todo:
            _run_dask(todo, scheduler, n_workers, on_done, on_error)
    finally:  # also when interrupted: the manifest lists every finished shard
        bar.close()
        shards = [entries[i] for i in sorted(entries)]
        _write_json(out / MANIFEST, {
            "format": FORMAT, "parameters": params, "params_sha256": params_sha,
            "n_tracks": len(ids), "n_shards": len(plan), "complete": len(shards) == len(plan),
            "mirnb_version": __version__, "skipped": skipped, "shards": shards})
        report.failed = [Skipped(f["track_id"], f["reason"])
                         for f in skipped + [f for e in shards for f in e["failed"]]]
        report.n_beats = sum(e["n_beats"] for e in shards)
        report.seconds = time.perf_counter() - start
        n_new = sum(len(s["items"]) for s in todo if s["index"] in entries)
        report.tracks_per_second = n_new / report.seconds
    if report.failed:
        log.warning("beat shards: %d track(s) without features: %s", len(report.failed),
                    "; ".join(f"{s.track_id} ({s.reason})" for s in report.failed[:3]))
    if errors:
        shown = "; ".join(f"shard {i} ({r})" for i, r in sorted(errors.items())[:5])
        err = DataError(f"{len(errors)} of {len(plan)} beat shards could not be written: "
                        f"{shown}. The {len(entries)} finished ones are kept in {out}; fix "
                        "the cause and call write_beat_shards again with the same arguments: "
                        "it redoes only the missing shards.")
        err.report = report
        raise err
    return report


class BeatShards:
    """Beat features written by :func:`write_beat_shards`, read shard by shard.

    Parameters
    ----------
    out : str or Path
        The shard folder.
    partial : bool
        Accept a job that has not finished (only its finished shards are read).

    Attributes
    ----------
    parameters : dict
        The job's parameters (from the manifest).
    lengths : dict
        Track id -> number of beats.
    failed : list of Skipped
        The job's tracks without features, with the reason.
    shard_loads : int
        Shard files read so far (each read loads one whole shard).
    """

    def __init__(self, out, *, partial=False):
        self.out = Path(out)
        manifest = _read_json(self.out / MANIFEST)
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise MissingDataError(f"no readable {MANIFEST} (format {FORMAT}) in {self.out}; "
                                   "write the shards with write_beat_shards(dataset, out)")
        if not manifest["complete"] and not partial:
            raise DataError(f"the beat shard job in {self.out} has not finished "
                            f"({len(manifest['shards'])} of {manifest['n_shards']} shards): "
                            "call write_beat_shards again with the same arguments, or "
                            "read what is there with BeatShards(out, partial=True)")
        self.parameters = manifest["parameters"]
        self._shards = manifest["shards"]
        self.failed = [Skipped(f["track_id"], f["reason"]) for f in
                       manifest["skipped"] + [f for e in self._shards for f in e["failed"]]]
        self._where = {t: (k, j) for k, e in enumerate(self._shards)
                       for j, t in enumerate(e["track_ids"])}
        self.lengths = {t: n for e in self._shards for t, n in zip(e["track_ids"], e["lengths"])}
        self.shard_loads = 0

    @property
    def track_ids(self):
        """list of str: the tracks with features, in shard order."""
        return list(self._where)

    def __len__(self):
        return len(self._where)

    def __contains__(self, track_id):
        return track_id in self._where

    def __repr__(self):
        return (f"BeatShards({str(self.out)!r}: {len(self)} tracks in {len(self._shards)} "
                f"shards, {len(self.failed)} failed)")

    def _load(self, k):
        """chroma, timbre and offsets of the ``k``-th finished shard."""
        entry = self._shards[k]
        path = self.out / entry["file"]
        try:
            if path.stat().st_size != entry["size"]:
                raise ValueError(f"{path.stat().st_size} bytes, the manifest says {entry['size']}")
            with np.load(path, allow_pickle=False) as z:
                arrays = [z[n] for n in ("chroma", "timbre", "offsets", "track_ids")]
            if list(arrays[3]) != entry["track_ids"]:
                raise ValueError("its track ids differ from the manifest's")
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
            raise DataError(f"beat shard {path} is missing or damaged ({err}); delete it and "
                            "call write_beat_shards again with the same arguments: it redoes "
                            "the missing shards") from None
        self.shard_loads += 1
        return arrays[:3]

    def _select(self, track_ids, exclude):
        """{shard position: [(track id, position in the shard), ...]} of the selection."""
        ids = self.track_ids if track_ids is None else list(track_ids)
        unknown = [t for t in ids if t not in self._where]
        if unknown:
            raise ParameterError(f"track_ids: {len(unknown)} have no beat features in "
                                 f"{self.out}, e.g. {unknown[:3]} (see .failed)")
        drop, by_shard = set(exclude or ()), {}
        for t in ids:
            if t not in drop:
                k, j = self._where[t]
                by_shard.setdefault(k, []).append((t, j))
        return by_shard

    def load(self, track_ids, *, scale=None):
        """Features of some tracks, reading only the shards that hold them.

        Parameters
        ----------
        track_ids : iterable of str
        scale : dict, optional
            ``{'chroma': (mean, sd), 'timbre': (mean, sd)}``, either key
            optional: standardise that feature's every beat with these
            (e.g. :meth:`stats` of the training tracks). A feature without
            a key is returned as stored.

        Returns
        -------
        chroma, timbre : list of np.ndarray, each (n_beats, 12)
            In the order of ``track_ids``; float32 where scaled, else as
            the job wrote them.
        """
        scale = dict(scale or {})
        unknown = set(scale) - {"chroma", "timbre"}
        if unknown:
            raise ParameterError(f"scale: unknown feature(s) {sorted(unknown)}; expected "
                                 "'chroma' and/or 'timbre'")
        ids, found = list(track_ids), {}
        for k, members in self._select(ids, None).items():
            chroma, timbre, offsets = self._load(k)
            for t, j in members:
                a, b = offsets[j], offsets[j + 1]
                found[t] = (chroma[a:b], timbre[a:b])
        out = []
        for i, name in enumerate(("chroma", "timbre")):
            if name in scale:
                mu, sd = scale[name]
                out.append([((found[t][i] - mu) / sd).astype(np.float32) for t in ids])
            else:
                out.append([found[t][i].copy() for t in ids])
        return tuple(out)

    def stats(self, track_ids):
        """Mean and SD of every chroma and timbre dimension over the beats of ``track_ids``.

        Returns
        -------
        dict
            ``{'chroma': (mean, sd), 'timbre': (mean, sd)}``, each array
            (12,), float64; an SD of 0 is read as 1. The ``scale`` of
            :meth:`load`.
        """
        out = {}
        for name, tracks in zip(("chroma", "timbre"), self.load(track_ids)):
            x = np.concatenate(tracks).astype(np.float64)
            sd = x.std(axis=0)
            out[name] = x.mean(axis=0), np.where(sd > 0, sd, 1.0)
        return out

    def batches(self, batch_size, *, chunk=None, track_ids=None, exclude=None, shuffle=True,
                seed=0, drop_remainder=False):
        """One pass over the tracks in minibatches, with one shard in memory at a time.

        With ``shuffle``, shards are visited in a random order and the tracks
        of each in a random order; a batch may span two shards.

        Parameters
        ----------
        batch_size : int > 0
        chunk : int > 0 or None
            None yields whole tracks; an int yields one run of ``chunk``
            consecutive beats per track, at a random start. Tracks shorter
            than ``chunk`` are left out (see :attr:`lengths`).
        track_ids : iterable of str or None
            Default: every track.
        exclude : iterable of str or None
            Tracks left out, e.g. every validation and test track of every
            task (ids not in the shards are ignored).
        shuffle : bool
        seed : int
            Draws the orders and the chunk starts.
        drop_remainder : bool
            Leave out a last batch smaller than ``batch_size``.

        Returns
        -------
        generator of (track_ids, chroma, timbre)
            ``track_ids`` a list (batch,); ``chroma`` and ``timbre`` arrays
            (batch, chunk, 12), or lists of (n_beats, 12) arrays without ``chunk``.
        """
        batch_size = _check.positive_int("batch_size", batch_size)
        if chunk is not None:
            chunk = _check.positive_int("chunk", chunk)
        by_shard = self._select(track_ids, exclude)
        if chunk is not None:
            by_shard = {k: [(t, j) for t, j in m if self.lengths[t] >= chunk]
                        for k, m in by_shard.items()}
        return self._stream(by_shard, batch_size, chunk, shuffle, seed, drop_remainder)

    def _stream(self, by_shard, batch_size, chunk, shuffle, seed, drop_remainder):
        rng = np.random.default_rng(seed)
        order = sorted(k for k, m in by_shard.items() if m)
        if shuffle:
            rng.shuffle(order)
        ids, cs, ts = [], [], []

        def emit():
            batch = (ids[:], np.stack(cs), np.stack(ts)) if chunk else (ids[:], cs[:], ts[:])
            for part in (ids, cs, ts):
                part.clear()
            return batch

        for k in order:
            chroma, timbre, offsets = self._load(k)
            members = list(by_shard[k])
            if shuffle:
                rng.shuffle(members)
            for t, j in members:
                a, b = int(offsets[j]), int(offsets[j + 1])
                if chunk is not None:
                    a += int(rng.integers(0, b - a - chunk + 1))
                    b = a + chunk
                ids.append(t)
                cs.append(chroma[a:b].copy())
                ts.append(timbre[a:b].copy())
                if len(ids) == batch_size:
                    yield emit()
            del chroma, timbre, offsets  # the shard is freed before the next is read
        if ids and not drop_remainder:
            yield emit()
