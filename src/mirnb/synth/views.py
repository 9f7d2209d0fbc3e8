"""The views of the synthetic corpus, written in the on-disk layouts of the real datasets.

:class:`~mirnb.synth.World` composes and :func:`~mirnb.synth.render` renders
clips of twenty style families by a few artists each; this module writes
them as

- a GTZAN view: ``gtzan/genres/<genre>/<genre>.NNNNN.wav`` (22050 Hz, 16-bit),
  plus ``gtzan/synth_labels.csv`` with what else was rendered (artist, key,
  mode, tempo, instruments, tags);
- a MagnaTagATune view: ``mtat/annotations_final.csv``,
  ``mtat/clip_info_final.csv`` and mp3 files in folders ``0``-``f``; each song
  is cut into consecutive clips that share a folder, and each clip's tags
  carry crowd-like noise;
- a larger tagging view in the MagnaTagATune layout,
  ``mtat_large/annotations_final.csv`` etc.: more songs (and, in the default
  profile, shorter clips) than the MTAT view, for experiments on how models
  scale with data (Choi et al. 2016, Experiment II); read it with
  ``MTAT(folder='mtat_large')``;
- an MSD view: one HDF5 file per track in the real schema,
  ``msd/data/<A>/<B>/<C>/<TRACKID>.h5``, computed from the rendered audio by
  :func:`mirnb.analysis.analyze`; the genre is the artist's MusicBrainz tag.
  Each genre's tracks come from a few of its artists (``SIZES[...]['msd']
  ['artists']``), so that each artist has several tracks.
  ``msd/synth_labels.csv`` holds the rendered truth (genre, key, mode, tempo);
- a MajorMiner view: ``majorminer/votes.tsv`` (clip, player, tag) and mp3
  files ``majorminer/audio/<clip_id>.mp3`` (10 s in the default profile), for
  clips of every style family; several simulated players tag each clip, each
  reporting a noisy subset of its true tags, so the rule that a tag counts
  when at least two players gave it matters (read it with
  :class:`~mirnb.datasets.majorminer.MajorMiner`);
- an ISMIR2004Genre view in the layout of the ``ismir04_genre`` archive:
  ``ismir2004/audio/training/<genre>/<artist>/<album>/<n>-<title>.mp3``,
  ``ismir2004/audio/development/artist_<A>_album_<B>_track_<C>.mp3`` and the
  metadata files ``ismir2004/metadata/{training,development}/tracklist.csv``
  (plus ``metadata/development/ground_truth.csv``): the twenty style families
  grouped into the collection's six classes (:data:`ISMIR2004_FAMILIES`),
  with its unbalanced class proportions in each half
  (:func:`ismir2004_counts`); read it with
  :class:`~mirnb.datasets.ismir2004.ISMIR2004`.

The same loaders read the views and the real data. Generation is
deterministic from the seed, runs in parallel over cores with a progress
bar, and is cached under ``<data_home>/mirnb_synth/<profile>/`` with a
``manifest.json``: a view is regenerated only when its parameters (or the
composer's code) change.
"""

import contextlib
import fcntl
import functools
import hashlib
import inspect
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..cache import atomic_write
from ..datasets.core import data_home as _data_home
from ..datasets.core import log, map_tracks
from ..errors import ParameterError
from .artists import World
from .renderer import noisy_tags, render
from .vocabulary import GENRES, GTZAN_GENRES, TAGS

__all__ = ["SIZES", "VIEWS", "ISMIR2004_FAMILIES", "root", "generate", "load", "world",
           "ismir2004_counts"]

VIEWS = ("gtzan", "mtat", "msd", "mtat_large", "majorminer", "ismir2004")

#: Corpus sizes per profile. ``per_genre`` clips per genre (GTZAN: the ten
#: GTZAN genres; MSD: all twenty), ``songs`` x ``clips_per_song`` for MTAT,
#: ``per_half`` tracks in each of the training and development sets of the
#: ISMIR2004 view (split over the six classes by :func:`ismir2004_counts`; the
#: real collection has 729 per half, read from disk in the paper profile).
#:
#: The MSD view draws each genre's ``per_genre`` tracks from its first
#: ``artists`` artists only (of the world's ``artists_per_genre``), in turn,
#: so that an artist has ``per_genre / artists`` tracks: 10 in the default
#: profile (60 artists), enough for the artist task of Dieleman et al.
#: (2011) at a tenth of its scale (top 50 artists, 8/1/1 tracks each), and 3
#: in the smoke profile. Its 30 s default clips have about 40-90 analysed
#: beats (median about 55 in a sample of 16), around the paper network's
#: 51-beat receptive field; 15 s clips had 14-41.
SIZES = {
    "smoke": {
        "seed": 0, "artists_per_genre": 2,
        "gtzan": {"per_genre": 6, "seconds": 3.0, "sr": 22050},
        "mtat": {"songs": 24, "clips_per_song": 2, "seconds": 3.0, "sr": 16000},
        "msd": {"per_genre": 3, "artists": 1, "seconds": 6.0, "sr": 22050},
        "mtat_large": {"songs": 24, "clips_per_song": 2, "seconds": 3.0, "sr": 16000},
        "majorminer": {"clips": 40, "seconds": 3.0, "sr": 22050, "players": 12,
                       "users": [2, 5], "p_miss": 0.5, "p_false": 0.01},
        "ismir2004": {"per_half": 48, "seconds": 3.0, "sr": 22050},
    },
    "default": {
        "seed": 0, "artists_per_genre": 6,
        "gtzan": {"per_genre": 40, "seconds": 10.0, "sr": 22050},
        "mtat": {"songs": 200, "clips_per_song": 3, "seconds": 10.0, "sr": 16000},
        "msd": {"per_genre": 30, "artists": 3, "seconds": 30.0, "sr": 22050},
        "mtat_large": {"songs": 400, "clips_per_song": 3, "seconds": 5.0, "sr": 16000},
        "majorminer": {"clips": 500, "seconds": 10.0, "sr": 22050, "players": 60,
                       "users": [2, 5], "p_miss": 0.5, "p_false": 0.01},
        "ismir2004": {"per_half": 120, "seconds": 10.0, "sr": 22050},
    },
}

_HEX = "0123456789abcdef"


def _check_profile(profile):
    if profile not in SIZES:
        raise ParameterError(f"profile={profile!r}: the synthetic corpus has the "
                             f"profiles {list(SIZES)}")


def root(profile="default", data_home=None):
    """Return the folder of the synthetic corpus for ``profile``.

    It is a data home of its own: it holds ``gtzan/``, ``mtat/`` and ``msd/``.
    """
    _check_profile(profile)
    return _data_home(data_home) / "mirnb_synth" / profile


def world(profile="default"):
    """Return the :class:`~mirnb.synth.World` behind ``profile``'s corpus.

    Parameters
    ----------
    profile : {'smoke', 'default'}

    Returns
    -------
    World
        The same object on every call in a process.
    """
    _check_profile(profile)
    return _world_for(SIZES[profile])


def _digest(*parts):
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()


def _clip_seed(seed, view, index):
    return int(_digest(seed, view, index)[:8], 16)


#: The modules of this package whose code decides what a clip sounds like
#: and which labels it gets: all of them but the views and the calibration.
_RENDER_MODULES = ("vocabulary", "genres", "instruments", "score", "composer", "artists",
                   "renderer")


def _code_hash(view):
    """Hash of the code that decides ``view``'s content.

    The composing and rendering modules (:data:`_RENDER_MODULES`, whole
    files), the genre lists, the helpers every view shares and the view's
    own job, make and finish functions (plus the files of the analysis and
    of the HDF5 writer for the MSD view; plus the class map, the real class
    counts and :func:`ismir2004_counts` for the ISMIR2004 view). Editing another view's code, the
    calibration, or this module's prose leaves it alone.
    """
    here = Path(__file__).resolve().parent
    files = [here / f"{name}.py" for name in _RENDER_MODULES]
    if view == "msd":
        from ..analysis import analyze
        from ..datasets.msd import write_h5

        files += [Path(inspect.getsourcefile(analyze)), Path(inspect.getsourcefile(write_h5))]
    h = hashlib.sha256()
    for f in files:
        h.update(f.read_bytes())
    h.update(repr((GTZAN_GENRES, GENRES)).encode())  # GTZAN's names live in datasets.gtzan
    if view == "ismir2004":  # its class map, and the real layout and counts it scales
        from ..datasets import ismir2004

        h.update(repr((ISMIR2004_FAMILIES, ismir2004.CLASS_COUNTS, ismir2004.FOLDER_GENRES,
                       ismir2004.PARTS)).encode())
        h.update(inspect.getsource(ismir2004_counts).encode())
    funcs = [_digest, _clip_seed, _world_for, _common_labels, _write_audio, atomic_write,
             *_VIEW[view]]
    for fn in funcs:
        h.update(inspect.getsource(getattr(fn, "func", fn)).encode())
    return h.hexdigest()[:16]


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _write_audio(path, y, sr, fmt, subtype):
    import soundfile as sf

    atomic_write(path, lambda tmp: sf.write(str(tmp), y, sr, format=fmt, subtype=subtype))


_WORLDS = {}


def _world_for(spec):
    """The World of a job or size spec (with 'seed' and 'artists_per_genre'), once per process."""
    key = (spec["seed"], spec["artists_per_genre"])
    if key not in _WORLDS:
        _WORLDS[key] = World(key[0], artists_per_genre=key[1])
    return _WORLDS[key]


def _common_labels(labels):
    return {
        "artist": labels["artist"], "artist_id": labels["artist_id"],
        "title": labels["title"], "key": int(labels["key"]), "mode": labels["mode"],
        "key_name": labels["key_name"], "tempo": round(float(labels["tempo"]), 2),
        "time_signature": int(labels["time_signature"]),
        "instruments": ";".join(labels["instruments"]),
        "vocal": bool(labels["vocal"]),
        "tags": ";".join(labels["tags"]),
    }


# -- one job per clip (run in worker processes) ------------------------------

def _make_gtzan(job):
    w = _world_for(job)
    artist = w.artists[job["artist"]]
    score = w.compose(artist, seed=job["clip_seed"], duration=job["seconds"])
    y, labels = render(score, sr=job["sr"])
    _write_audio(Path(job["path"]), y, job["sr"], "WAV", "PCM_16")
    return {"track_id": job["track_id"], "genre": labels["genre"], **_common_labels(labels)}


def _make_mtat(job):
    w = _world_for(job)
    artist = w.artists[job["artist"]]
    n, sec, sr = job["clips_per_song"], job["seconds"], job["sr"]
    score = w.compose(artist, seed=job["clip_seed"], duration=n * sec)
    y, labels = render(score, sr=sr)
    rows = []
    for k in range(n):
        clip = y[int(k * sec * sr): int((k + 1) * sec * sr)]
        rng = np.random.default_rng(job["clip_seed"] + 7919 * (k + 1))
        tags = noisy_tags(labels["tags"], rng=rng)
        start, end = int(k * sec), int((k + 1) * sec)
        name = (f"{_slug(labels['artist'])}-{_slug(job['album'])}-{job['track_number']:02d}-"
                f"{_slug(labels['title'])}-{start}-{end}.mp3")
        mp3_path = f"{job['folder']}/{name}"
        _write_audio(Path(job["root"]) / mp3_path, clip, sr, "MP3", "MPEG_LAYER_III")
        rows.append({"clip_id": job["first_clip_id"] + k, "mp3_path": mp3_path,
                     "noisy_tags": tags, "true_tags": labels["tags"],
                     "track_number": job["track_number"], "title": labels["title"],
                     "artist": labels["artist"], "album": job["album"],
                     "segmentStart": start, "segmentEnd": end, "genre": labels["genre"]})
    return rows


def _make_msd(job):
    from .. import analysis
    from ..datasets import msd

    w = _world_for(job)
    artist = w.artists[job["artist"]]
    score = w.compose(artist, seed=job["clip_seed"], duration=job["seconds"])
    y, labels = render(score, sr=job["sr"])
    result = analysis.analyze(y, sr=job["sr"])
    genre = labels["genre"]
    terms = [genre] + [t for t in labels["tags"] if t != genre][:6]
    weights = np.linspace(1.0, 0.4, len(terms))
    msd.write_h5(  # atomic: write_h5 writes a temporary file and renames it
        job["path"], result, track_id=job["track_id"], song_id=job["song_id"],
        artist_id=labels["artist_id"], artist_name=labels["artist"],
        title=labels["title"], release=job["release"], year=job["year"],
        artist_terms=terms, artist_terms_freq=weights, artist_terms_weight=weights,
        artist_mbtags=[genre], artist_mbtags_count=np.array([job["mbtag_count"]]))
    return {"track_id": job["track_id"], "genre": genre, **_common_labels(labels)}


# -- the views ---------------------------------------------------------------

def _gtzan_jobs(size, out):
    spec = size["gtzan"]
    w = _world_for(size)
    jobs = []
    for genre in GTZAN_GENRES:
        artists = [w.artists.index(a) for a in w.artists_of(genre)]
        for i in range(spec["per_genre"]):
            tid = f"{genre}.{i:05d}"
            jobs.append((tid, {
                "seed": size["seed"], "artists_per_genre": size["artists_per_genre"],
                "artist": artists[i % len(artists)], "track_id": tid,
                "clip_seed": _clip_seed(size["seed"], "gtzan", tid),
                "seconds": spec["seconds"], "sr": spec["sr"],
                "path": str(out / "genres" / genre / f"{tid}.wav")}))
    return jobs


def _mtat_jobs(size, out, view="mtat"):
    spec = size[view]
    w = _world_for(size)
    rng = np.random.default_rng(size["seed"] + (101 if view == "mtat" else 103))
    folders = np.resize(np.array(list(_HEX)), spec["songs"])
    rng.shuffle(folders)
    jobs, track_no = [], {}
    for s in range(spec["songs"]):
        a = int(rng.integers(len(w.artists)))
        track_no[a] = track_no.get(a, 0) + 1
        jobs.append((f"song{s:05d}", {
            "seed": size["seed"], "artists_per_genre": size["artists_per_genre"],
            "artist": a, "clip_seed": _clip_seed(size["seed"], view, s),
            "clips_per_song": spec["clips_per_song"], "seconds": spec["seconds"],
            "sr": spec["sr"], "folder": str(folders[s]), "root": str(out),
            "album": f"{w.artists[a].name} volume {1 + (track_no[a] - 1) // 8}",
            "track_number": 1 + (track_no[a] - 1) % 8,
            "first_clip_id": s * spec["clips_per_song"]}))
    return jobs


def _msd_jobs(size, out):
    """One job per track: each genre's tracks by its first ``spec['artists']`` artists, in turn."""
    spec = size["msd"]
    w = _world_for(size)
    n_artists = spec["artists"]
    if not 1 <= n_artists <= size["artists_per_genre"]:
        raise ParameterError(f"SIZES[...]['msd']['artists']={n_artists!r}: expected an "
                             f"integer in [1, {size['artists_per_genre']}] (the world's "
                             "artists per genre)")
    jobs = []
    for genre in GENRES:
        artists = [w.artists.index(a) for a in w.artists_of(genre)][:n_artists]
        for i in range(spec["per_genre"]):
            h = _digest(size["seed"], "msd", genre, i).upper()
            tid = "TR" + h[:16]
            a = artists[i % len(artists)]
            jobs.append((tid, {
                "seed": size["seed"], "artists_per_genre": size["artists_per_genre"],
                "artist": a, "track_id": tid, "song_id": "SO" + h[16:32],
                "clip_seed": _clip_seed(size["seed"], "msd", tid),
                "seconds": spec["seconds"], "sr": spec["sr"],
                "release": f"{w.artists[a].name} works",
                "year": 1960 + int(h[32:36], 16) % 50,
                "mbtag_count": 1 + int(h[36:38], 16) % 5,
                "path": str(out / "data" / tid[2] / tid[3] / tid[4] / f"{tid}.h5")}))
    return jobs


def _write_csv(path, frame, **kwargs):
    atomic_write(path, lambda tmp: frame.to_csv(tmp, **kwargs))


def _finish_labels(rows, out):
    """Write the rendered truth beside the view's files (GTZAN and MSD views)."""
    frame = pd.DataFrame(rows).set_index("track_id").sort_index()
    _write_csv(out / "synth_labels.csv", frame)
    return len(frame)


def _finish_mtat(rows, out):
    clips = sorted((r for song in rows for r in song), key=lambda r: r["clip_id"])
    tags = list(TAGS)
    ann = pd.DataFrame({"clip_id": [r["clip_id"] for r in clips]})
    for t in tags:
        ann[t] = [int(t in r["noisy_tags"]) for r in clips]
    ann["mp3_path"] = [r["mp3_path"] for r in clips]
    info_cols = ["clip_id", "track_number", "title", "artist", "album", "url",
                 "segmentStart", "segmentEnd", "original_url", "mp3_path"]
    info = pd.DataFrame([{**r, "url": "", "original_url": ""} for r in clips])[info_cols]
    truth = pd.DataFrame({"clip_id": [r["clip_id"] for r in clips],
                          "genre": [r["genre"] for r in clips],
                          "true_tags": [";".join(r["true_tags"]) for r in clips]})
    quoted = dict(sep="\t", index=False, quoting=1)  # csv.QUOTE_ALL, as the real files
    _write_csv(out / "annotations_final.csv", ann, **quoted)
    _write_csv(out / "clip_info_final.csv", info, **quoted)
    _write_csv(out / "synth_labels.csv", truth, index=False)
    return len(clips)


def _majorminer_jobs(size, out):
    """One job per clip: an artist of any family, and the players who tag it."""
    spec = size["majorminer"]
    w = _world_for(size)
    rng = np.random.default_rng(size["seed"] + 107)
    lo, hi = spec["users"]
    jobs = []
    for i in range(spec["clips"]):
        cid = f"mm{i:05d}"
        n_users = int(rng.integers(lo, hi + 1))
        players = rng.choice(spec["players"], size=min(n_users, spec["players"]),
                             replace=False)
        jobs.append((cid, {
            "seed": size["seed"], "artists_per_genre": size["artists_per_genre"],
            "artist": int(rng.integers(len(w.artists))), "clip_id": cid,
            "clip_seed": _clip_seed(size["seed"], "majorminer", cid),
            "seconds": spec["seconds"], "sr": spec["sr"],
            "players": [f"player{int(p):03d}" for p in sorted(players)],
            "p_miss": spec["p_miss"], "p_false": spec["p_false"],
            "path": str(out / "audio" / f"{cid}.mp3")}))
    return jobs


def _make_majorminer(job):
    """Render one clip, write its mp3, and let each player tag it with noise."""
    w = _world_for(job)
    score = w.compose(w.artists[job["artist"]], seed=job["clip_seed"],
                      duration=job["seconds"])
    y, labels = render(score, sr=job["sr"])
    _write_audio(Path(job["path"]), y, job["sr"], "MP3", "MPEG_LAYER_III")
    votes = []
    for k, player in enumerate(job["players"]):
        rng = np.random.default_rng(job["clip_seed"] + 7919 * (k + 1))
        tags = noisy_tags(labels["tags"], rng=rng, p_miss=job["p_miss"],
                                  p_false=job["p_false"])
        votes += [(job["clip_id"], player, t) for t in tags]
    return {"clip_id": job["clip_id"], "genre": labels["genre"], "artist": labels["artist"],
            "true_tags": ";".join(labels["tags"]), "votes": votes}


def _finish_majorminer(rows, out):
    votes = pd.DataFrame([v for r in rows for v in r["votes"]],
                         columns=["clip_id", "user", "tag"])
    _write_csv(out / "votes.tsv", votes, sep="\t", index=False)
    truth = pd.DataFrame([{k: r[k] for k in ("clip_id", "genre", "artist", "true_tags")}
                          for r in rows])
    _write_csv(out / "synth_labels.csv", truth, index=False)
    return len(rows)


#: The style families of the synthetic world behind each class of the
#: ISMIR2004 view. Magnatune's genres, which the real classes merge, guide
#: the grouping: its electronic takes ambient, disco and hip-hop; jazz & blues
#: take soul and funk; rock & pop take country, R&B and gospel; world takes
#: reggae, Latin and folk.
ISMIR2004_FAMILIES = {
    "classical": ("classical",),
    "electronic": ("electronic", "ambient", "disco", "hiphop"),
    "jazz_blues": ("jazz", "blues", "soul", "funk"),
    "metal_punk": ("metal", "punk"),
    "rock_pop": ("rock", "pop", "country", "rnb", "gospel"),
    "world": ("world", "reggae", "latin", "folk"),
}


def ismir2004_counts(per_half):
    """Tracks per class in one half of the ISMIR2004 view.

    The real collection's counts (:data:`mirnb.datasets.ismir2004.CLASS_COUNTS`,
    729 per half) scaled to ``per_half`` by largest remainders (ties go to
    the class listed first), with at least two tracks per class.

    Parameters
    ----------
    per_half : int > 0

    Returns
    -------
    dict
        class -> count, in the order of :data:`mirnb.datasets.ismir2004.CLASSES`.
    """
    from ..datasets.ismir2004 import CLASS_COUNTS

    total = sum(CLASS_COUNTS.values())
    exact = {c: per_half * n / total for c, n in CLASS_COUNTS.items()}
    counts = {c: int(x) for c, x in exact.items()}
    order = sorted(exact, key=lambda c: -(exact[c] - counts[c]))
    for c in order[: per_half - sum(counts.values())]:
        counts[c] += 1
    return {c: max(n, 2) for c, n in counts.items()}


def _ismir2004_jobs(size, out):
    """One job per track: its half, class, family, artist and place on disk."""
    from ..datasets.ismir2004 import FOLDER_GENRES, PARTS

    spec = size["ismir2004"]
    w = _world_for(size)
    counts = ismir2004_counts(spec["per_half"])
    jobs = []
    for part, folder in PARTS.items():
        seen, anon = {}, {}
        for cls, n in counts.items():
            families = ISMIR2004_FAMILIES[cls]
            for i in range(n):
                family = families[i % len(families)]
                artists = [w.artists.index(a) for a in w.artists_of(family)]
                a = artists[(i // len(families)) % len(artists)]
                k = seen[a] = seen.get(a, 0) + 1
                anon.setdefault(a, len(anon) + 1)
                key = f"{folder}/{cls}/{i:04d}"
                jobs.append((key, {
                    "seed": size["seed"], "artists_per_genre": size["artists_per_genre"],
                    "artist": a, "clip_seed": _clip_seed(size["seed"], "ismir2004", key),
                    "seconds": spec["seconds"], "sr": spec["sr"], "part": part,
                    "folder": folder, "class": cls, "family": family,
                    "folder_genre": (family if FOLDER_GENRES.get(family) == cls else
                                     {"jazz_blues": "jazz", "metal_punk": "metal",
                                      "rock_pop": "rock"}.get(cls, cls)),
                    "album_number": 1 + (k - 1) // 8, "track_number": 1 + (k - 1) % 8,
                    "anon_artist": anon[a], "root": str(out)}))
    return jobs


def _make_ismir2004(job):
    """Render one track and write its mp3 where the real collection keeps its half."""
    w = _world_for(job)
    artist = w.artists[job["artist"]]
    score = w.compose(artist, seed=job["clip_seed"], duration=job["seconds"])
    y, labels = render(score, sr=job["sr"])
    n, b = job["track_number"], job["album_number"]
    if job["part"] == "train":
        album = f"{labels['artist']} volume {b}"
        file = (f"{job['folder_genre']}/{_slug(labels['artist'])}/{_slug(album)}/"
                f"{n}-{_slug(labels['title'])}.mp3")
        meta = [job["class"], labels["artist"], album, labels["title"], n, file]
    else:  # the development half is anonymised, as in the real archive
        a = job["anon_artist"]
        file = f"artist_{a}_album_{b}_track_{n}.mp3"
        meta = [job["class"], f"artist_{a}", f"album_{b}", f"track_{n}", n, file]
    path = Path(job["root"]) / "audio" / job["folder"] / file
    _write_audio(path, y, job["sr"], "MP3", "MPEG_LAYER_III")
    return {"track_id": f"{job['folder']}/{file[:-len('.mp3')]}", "part": job["part"],
            "meta": meta, "family": job["family"], **_common_labels(labels)}


def _finish_ismir2004(rows, out):
    """Write the metadata files of both halves and the rendered truth."""
    from ..datasets.ismir2004 import PARTS

    for part, folder in PARTS.items():
        meta = pd.DataFrame([r["meta"] for r in rows if r["part"] == part])
        _write_csv(out / "metadata" / folder / "tracklist.csv", meta, header=False,
                   index=False)
        if part == "development":
            _write_csv(out / "metadata" / folder / "ground_truth.csv", meta[[5, 0]],
                       header=False, index=False)
    truth = pd.DataFrame([{k: v for k, v in r.items() if k not in ("meta", "part")}
                          for r in rows]).set_index("track_id").sort_index()
    _write_csv(out / "synth_labels.csv", truth)
    return len(rows)


_VIEW = {"gtzan": (_gtzan_jobs, _make_gtzan, _finish_labels),
         "mtat": (_mtat_jobs, _make_mtat, _finish_mtat),
         "msd": (_msd_jobs, _make_msd, _finish_labels),
         "mtat_large": (functools.partial(_mtat_jobs, view="mtat_large"), _make_mtat,
                        _finish_mtat),
         "majorminer": (_majorminer_jobs, _make_majorminer, _finish_majorminer),
         "ismir2004": (_ismir2004_jobs, _make_ismir2004, _finish_ismir2004)}

#: Views read by another view's loader: ``view -> (loader name, keyword arguments)``.
_LOADERS = {"mtat_large": ("mtat", {"folder": "mtat_large"})}


def _view_params(profile, view):
    size = SIZES[profile]
    return {"seed": size["seed"], "artists_per_genre": size["artists_per_genre"],
            **size[view], "code": _code_hash(view)}


def _read_manifest(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"views": {}}


def generate(profile="default", *, views=None, data_home=None, n_jobs=None, force=False,
             verbose=True):
    """Generate (or reuse) the synthetic corpus for ``profile``.

    Parameters
    ----------
    profile : {'smoke', 'default'}
        Size of the corpus; see :data:`SIZES`.
    views : list of str, optional
        Some of :data:`VIEWS` (default: all).
    data_home : str or Path, optional
        Default ``$MIRNB_DATA`` or ``~/mir_datasets``.
    n_jobs : int, optional
        Worker processes (default: every core).
    force : bool
        Regenerate even when the manifest says the view is up to date.
    verbose : bool
        Show progress.

    Returns
    -------
    dict
        The manifest: ``root`` and, per view, its parameters, ``n_tracks``
        and the ``seconds`` it took to make.
    """
    _check_profile(profile)
    views = list(VIEWS) if views is None else list(views)
    for v in views:
        if v not in VIEWS:
            raise ParameterError(f"view={v!r}: expected some of {list(VIEWS)}")
    base = root(profile, data_home)
    base.mkdir(parents=True, exist_ok=True)
    manifest_path = base / "manifest.json"
    manifest = _read_manifest(manifest_path)
    for view in views:
        # One generator per corpus at a time: a second process waits here,
        # then finds the view up to date instead of writing it again.
        with _locked(base / ".manifest.lock", verbose=verbose):
            manifest = _read_manifest(manifest_path)
            manifest.update(root=str(base), profile=profile)
            _make_view(view, profile, base, manifest, n_jobs=n_jobs, force=force,
                       verbose=verbose)
            atomic_write(manifest_path,
                    lambda tmp: tmp.write_text(json.dumps(manifest, indent=2)))
    return manifest


@contextlib.contextmanager
def _locked(path, *, verbose):
    with open(path, "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if verbose:
                print(f"waiting for another process generating {path.parent} ...", flush=True)
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _make_view(view, profile, base, manifest, *, n_jobs, force, verbose):
    """Generate one view unless the manifest says it is up to date; update the manifest."""
    params = _view_params(profile, view)
    key = _digest(json.dumps(params, sort_keys=True))[:16]
    entry = manifest.setdefault("views", {}).get(view, {})
    out = base / view
    if not force and entry.get("key") == key and out.is_dir():
        if verbose:
            print(f"synthetic {view} ({profile}) is up to date: {entry['n_tracks']} tracks")
        return
    jobs_of, make, finish = _VIEW[view]
    jobs = jobs_of(SIZES[profile], out)
    start = time.perf_counter()
    rows, _ = map_tracks(make, jobs, n_jobs=n_jobs, verbose=verbose,
                         desc=f"synth {view} ({profile})", on_error="raise",
                         uses_librosa=view == "msd")
    n = finish([rows[k] for k, _ in jobs], out)
    seconds = time.perf_counter() - start
    manifest["views"][view] = {"key": key, "params": params, "n_tracks": n,
                               "seconds": round(seconds, 1)}
    log.info("synthetic %s: %d tracks in %.1f s", view, n, seconds)


def load(view, profile="default", *, data_home=None, make=True, verbose=True):
    """Return the dataset object of a synthetic view, generating it if needed.

    Parameters
    ----------
    view : str
        One of :data:`VIEWS`.
    profile : {'smoke', 'default'}
    make : bool
        Generate the view when it is missing or out of date.

    Returns
    -------
    GTZAN, MTAT, MSD, MajorMiner or ISMIR2004
        The same loader class that reads the real data (``'mtat_large'`` is
        read by :class:`~mirnb.datasets.mtat.MTAT` with ``folder='mtat_large'``).
    """
    from ..datasets import dataset_class

    if view not in VIEWS:
        raise ParameterError(f"view={view!r}: expected one of {list(VIEWS)}")
    if make:
        generate(profile, views=[view], data_home=data_home, verbose=verbose)
    loader, kwargs = _LOADERS.get(view, (view, {}))
    return dataset_class(loader)(data_home=root(profile, data_home), **kwargs)
