"""The three tasks of Dieleman et al. (2011), built from MSD labels as the paper built them.

- :func:`artist_task`: the artists with the most tracks, the same number of
  tracks of each;
- :func:`genre_task`: the genre of the artist's MusicBrainz tags among a
  vocabulary (:data:`DIELEMAN_GENRES`, the paper's 20 names), the same
  number of tracks of each;
- :func:`key_task`: each key's tracks with the highest key confidence;
- :func:`balanced_subset` and :func:`balanced_split` beneath them: exactly
  ``per_class`` tracks of each class, split 80/10/10 *per class*; classes too
  small are reported, not dropped silently (:class:`TaskSubset`);
- :func:`pretraining_ids`: every track but the tasks' validation and test
  tracks, the pretraining set;
- :func:`dieleman_genre_table`: the paper's genres beside the synthetic
  corpus's families.

References
----------
.. [1] S. Dieleman, P. Brakel and B. Schrauwen, "Audio-based music
   classification with a pretrained convolutional network", ISMIR 2011,
   Sec. 4 and footnotes 3-4.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ... import _check
from ...errors import ParameterError
from ..core import Split, check_fractions, log
from .labels import drop_duplicates, mbtag_genres, top_artists

__all__ = ["DIELEMAN_GENRES", "SYNTH_COUNTERPARTS", "dieleman_genre_table", "TaskSubset",
           "balanced_subset", "balanced_split", "artist_task", "genre_task", "key_task",
           "pretraining_ids", "usable_tracks", "task_table"]

#: The 20 genres of Dieleman et al. (2011), Sec. 4, verbatim and in the
#: paper's order: the vocabulary of their genre task, matched against the
#: MusicBrainz artist tags (:func:`mbtag_genres`, :func:`genre_task`).
DIELEMAN_GENRES = ("folk", "punk", "metal", "jazz", "country", "blues", "classical", "rnb",
                   "new wave", "world", "soul", "latin", "dance", "reggae", "techno", "funk",
                   "rap", "hip hop", "rock", "pop")


#: The paper genre each style family of the synthetic corpus
#: (:data:`mirnb.synth.GENRES`) stands for: family -> (genre of
#: :data:`DIELEMAN_GENRES` or None, match, note). The synthetic MSD view tags
#: each artist with its family's name, not with the paper's word, so on that
#: view the genre task's vocabulary is the families. It is kept here, beside
#: the paper's list, rather than in :mod:`mirnb.synth.vocabulary`, whose every
#: edit would regenerate every cached synthetic view.
SYNTH_COUNTERPARTS = {
    "blues": ("blues", "same", ""),
    "classical": ("classical", "same", ""),
    "country": ("country", "same", ""),
    "disco": ("dance", "close", "disco is one kind of dance music"),
    "hiphop": ("hip hop", "same", "spelled as GTZAN spells it; as a tag, 'hiphop' does not "
                                  "match 'hip hop' (a 'hip-hop' tag would)"),
    "jazz": ("jazz", "same", ""),
    "metal": ("metal", "same", ""),
    "pop": ("pop", "same", ""),
    "reggae": ("reggae", "same", ""),
    "rock": ("rock", "same", ""),
    "ambient": (None, "none", "not in the paper's list"),
    "electronic": ("techno", "close", "techno is one kind of electronic music"),
    "folk": ("folk", "same", ""),
    "funk": ("funk", "same", ""),
    "gospel": (None, "none", "not in the paper's list"),
    "latin": ("latin", "same", ""),
    "punk": ("punk", "same", ""),
    "rnb": ("rnb", "same", ""),
    "soul": ("soul", "same", ""),
    "world": ("world", "same", ""),
}

_UNMATCHED_NOTES = {
    "new wave": "no family plays it (nearest: rock, pop, electronic)",
    "rap": "no family of its own; its nearest, hiphop, stands for 'hip hop'",
}


def dieleman_genre_table():
    """The paper's 20 genres beside the synthetic corpus's families that stand for them.

    Returns
    -------
    pandas.DataFrame
        One row per genre of :data:`DIELEMAN_GENRES`, in the paper's order,
        then one per family without a counterpart (22 rows). Columns
        ``'Dieleman et al. 2011'`` (``'—'`` for a family without a
        counterpart), ``'synthetic family'`` (``'—'`` for a genre no family
        plays), ``'match'`` (``'same'``, ``'close'`` or ``'none'``) and
        ``'note'``.

    References
    ----------
    Dieleman et al. (2011), Sec. 4. Shown in ``notebooks/00_data.py``.
    """
    import pandas as pd

    family_of = {g: f for f, (g, _, _) in SYNTH_COUNTERPARTS.items() if g is not None}
    rows = []
    for genre in DIELEMAN_GENRES:
        f = family_of.get(genre)
        _, match, note = SYNTH_COUNTERPARTS[f] if f else (None, "none", _UNMATCHED_NOTES[genre])
        rows.append((genre, f or "—", match, note))
    rows += [("—", f, match, note) for f, (g, match, note) in SYNTH_COUNTERPARTS.items()
             if g is None]
    return pd.DataFrame(rows, columns=["Dieleman et al. 2011", "synthetic family", "match",
                                       "note"])


@dataclass
class TaskSubset:
    """Tracks taken per class for a classification task, and what was left out.

    Returned by :func:`balanced_subset` (without a split) and by
    :func:`artist_task`, :func:`genre_task` and :func:`key_task` (with one).

    Attributes
    ----------
    ids : list of str
        The tracks taken, in the order they were given.
    y : np.ndarray
        Their classes.
    per_class : int
        Tracks taken from each class.
    left_out : dict
        Class -> tracks it had, for each class left out because it had
        fewer than ``per_class`` (0 for an expected class without tracks).
    name : str
        The task: ``'artist'``, ``'genre'``, ``'key'`` or ``''``.
    split : Split or None
        Train/valid/test, balanced per class (:func:`balanced_split`).
    """

    ids: list
    y: np.ndarray
    per_class: int
    left_out: dict = field(default_factory=dict)
    name: str = ""
    split: Split = None

    @property
    def classes(self):
        """The classes kept, sorted."""
        return np.unique(self.y).tolist()

    @property
    def labels(self):
        """The classes as a :class:`pandas.Series` indexed by track id."""
        import pandas as pd

        return pd.Series(self.y, index=pd.Index(self.ids, name="track_id"),
                         name=self.name or "label")

    def targets(self, part=None):
        """Class indices into :attr:`classes` of the tracks: a classifier's targets.

        Parameters
        ----------
        part : str or None
            A part of :attr:`split` (``'train'``, ``'valid'``, ``'test'``), its
            tracks in the split's order; None: every track, in :attr:`ids` order.

        Returns
        -------
        np.ndarray of int64, shape (n_tracks,)
        """
        index = {c: i for i, c in enumerate(self.classes)}
        of = dict(zip(self.ids, self.y))
        ids = self.ids if part is None else self.split[part]
        return np.array([index[of[t]] for t in ids], dtype=np.int64)

    def __len__(self):
        return len(self.ids)

    def __repr__(self):
        parts = "" if self.split is None else ", split " + "/".join(
            str(len(v)) for v in self.split.values())
        return (f"TaskSubset({self.name!r}: {len(self.classes)} classes x {self.per_class} = "
                f"{len(self)} tracks, {len(self.left_out)} classes left out{parts})")


def _class_members(ids, y):
    """{class: [index, ...]} with each class's members sorted by track id."""
    members = {}
    for i, c in enumerate(y.tolist()):
        members.setdefault(c, []).append(i)
    return {c: sorted(m, key=lambda i: ids[i]) for c, m in members.items()}


def balanced_subset(track_ids, y, per_class, *, rank=None, classes=None, min_per_class=1,
                    max_per_class=None, seed=0, name=""):
    """Take exactly ``per_class`` tracks of every class that has that many.

    Classes with fewer tracks are left out, and reported in the result's
    ``left_out`` and in a logged warning, never dropped silently.

    Parameters
    ----------
    track_ids : sequence of str, shape (n,)
    y : sequence, shape (n,)
        One class per track.
    per_class : int > 0 or None
        Tracks per class. None: as many as the smallest class with at least
        ``min_per_class`` tracks has, at most ``max_per_class``; only
        classes below ``min_per_class`` are then left out for being small.
    rank : sequence of float, shape (n,), or None
        None: take the tracks of each class at random (with ``seed``).
        Otherwise take each class's highest-ranked tracks (NaN ranks last,
        ties by track id); Dieleman et al. took the tracks with the highest
        key confidence.
    classes : sequence or None
        The classes expected: those without any track are reported with 0,
        and tracks of other classes are ignored. Default: the classes in ``y``.
    min_per_class : int > 0
        Lower bound when ``per_class`` is None (the tasks use 3, one track
        for each part of the split).
    max_per_class : int > 0 or None
        Upper bound when ``per_class`` is None.
    seed : int
        Seed of the random choice; the choice depends on the set of tracks,
        not on their order.
    name : str
        The task's name, for the result and the report.

    Returns
    -------
    TaskSubset
        Without a split: ``ids`` (in the given order), ``y``, ``per_class``
        and ``left_out``.

    Raises
    ------
    ParameterError
        Lengths differ, or no class has ``per_class`` tracks.

    References
    ----------
    Dieleman et al. (2011), Sec. 4: 100 tracks of each of 50 artists, 250 of
    each of 20 genres, 250 of each of 12 keys with a high key confidence.
    Used by ``notebooks/02_dieleman2011.py``.
    """
    ids = [str(t) for t in track_ids]
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(ids):
        raise ParameterError(f"got {len(ids)} track ids but {y.shape} labels; expected one "
                             "class per track")
    if len(set(ids)) != len(ids):
        raise ParameterError("track_ids holds a track twice; drop duplicates first "
                             "(drop_duplicates)")
    if rank is not None:
        rank = np.asarray(rank, dtype=float)
        if rank.shape != (len(ids),):
            raise ParameterError(f"rank has shape {rank.shape}; expected one number per "
                                 f"track, ({len(ids)},)")
        rank = np.where(np.isnan(rank), -np.inf, rank)
    if per_class is not None:
        per_class = _check.positive_int("per_class", per_class)
    min_per_class = _check.positive_int("min_per_class", min_per_class)
    if max_per_class is not None:
        max_per_class = _check.positive_int("max_per_class", max_per_class)
        if max_per_class < min_per_class:
            raise ParameterError(f"max_per_class={max_per_class} is below min_per_class="
                                 f"{min_per_class}; raise it")
    members = _class_members(ids, y)
    if classes is not None:
        members = {c: members.get(c, []) for c in np.asarray(list(classes)).tolist()}
    sizes = {c: len(m) for c, m in members.items()}
    largest = max(sizes.values(), default=0)
    if not largest:
        raise ParameterError(f"{name or 'balanced_subset'}: no tracks in any class; check "
                             "the labels (and the classes asked for)")
    if per_class is None:
        per_class = min((n for n in sizes.values() if n >= min_per_class),
                        default=min_per_class)
        if max_per_class is not None:
            per_class = min(per_class, max_per_class)
    left_out = {c: n for c, n in sizes.items() if n < per_class}
    if len(left_out) == len(sizes):
        raise ParameterError(f"{name or 'balanced_subset'}: no class has per_class="
                             f"{per_class} tracks (the largest has {largest}); lower "
                             "per_class or add data")
    rng = np.random.default_rng(seed)
    keep = np.zeros(len(ids), dtype=bool)
    for c in sorted((c for c in members if c not in left_out), key=repr):
        m = np.asarray(members[c])
        if rank is None:
            chosen = rng.choice(m, per_class, replace=False)
        else:  # stable sort of id-sorted members: ties by track id
            chosen = m[np.argsort(-rank[m], kind="stable")[:per_class]]
        keep[chosen] = True
    if left_out:
        log.warning("%s: left out %d classes with fewer than %d tracks: %s",
                    name or "balanced_subset", len(left_out), per_class,
                    ", ".join(f"{c!r} ({n})" for c, n in list(left_out.items())[:10]))
    return TaskSubset([t for t, k in zip(ids, keep) if k], y[keep], per_class,
                      left_out=left_out, name=name)


def _part_sizes(n, fractions):
    """Valid and test get floor(fraction * n), at least 1; train the rest, at least 1."""
    _, f_valid, f_test = fractions
    n_valid = max(1, math.floor(f_valid * n + 1e-9))
    n_test = max(1, math.floor(f_test * n + 1e-9))
    return n - n_valid - n_test, n_valid, n_test


def balanced_split(track_ids, y, *, fractions=(0.8, 0.1, 0.1), seed=0, name=""):
    """Train/valid/test split with the same counts from every class of the same size.

    Each class is split on its own: its valid and test parts get
    ``floor(fraction * n)`` of its ``n`` tracks, at least one each, and the
    train part the rest. So 100 tracks a class split 80/10/10, 250 split
    200/25/25, 10 split 8/1/1 and 3 split 1/1/1. (The project's
    :func:`~mirnb.datasets.core.stratified_split` rounds over the whole set
    instead, which for 12 classes of 25 cannot give every class the same
    test count, and needs as many test tracks as there are classes.)

    Parameters
    ----------
    track_ids : sequence of str
    y : sequence
        One class per track.
    fractions : (float, float, float)
        Train, valid and test fractions; they must sum to 1.
    seed : int
        The assignment depends on the set of tracks, not on their order.
    name : str
        The split's name.

    Returns
    -------
    Split
        ``train``, ``valid``, ``test``, each sorted by track id.

    Raises
    ------
    ParameterError
        A class has fewer than 3 tracks, or the lengths differ.

    References
    ----------
    Dieleman et al. (2011), Sec. 4: "balanced train, evaluation and test
    sets according to a 80% / 10% / 10% split".
    """
    ids = [str(t) for t in track_ids]
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(ids):
        raise ParameterError(f"got {len(ids)} track ids but {y.shape} labels; expected one "
                             "class per track")
    fractions = check_fractions(fractions)
    members = _class_members(ids, y)
    small = {c: len(m) for c, m in members.items() if len(m) < 3}
    if small:
        raise ParameterError(f"balanced_split{f'({name!r})' if name else ''}: classes "
                             f"{small} have fewer than 3 tracks, one for each part; take "
                             "more tracks per class or leave these classes out")
    rng = np.random.default_rng(seed)
    parts = {"train": [], "valid": [], "test": []}
    for c in sorted(members, key=repr):
        m = [ids[i] for i in members[c]]
        order = rng.permutation(len(m))
        n_train, n_valid, _ = _part_sizes(len(m), fractions)
        if n_train < 1:
            raise ParameterError(f"balanced_split: class {c!r} has {len(m)} tracks, too few "
                                 f"for fractions={fractions}; change the fractions")
        parts["train"] += [m[i] for i in order[:n_train]]
        parts["valid"] += [m[i] for i in order[n_train:n_train + n_valid]]
        parts["test"] += [m[i] for i in order[n_train + n_valid:]]
    return Split({k: sorted(v) for k, v in parts.items()}, name=name)


def _without_duplicates(labels, duplicates):
    if duplicates is None:
        return labels
    return labels.loc[drop_duplicates(list(labels.index), duplicates)]


def _task(name, ids, y, per_class, *, fractions, seed, **kwargs):
    subset = balanced_subset(ids, y, per_class, seed=seed, name=name, min_per_class=3,
                             **kwargs)
    subset.split = balanced_split(subset.ids, subset.y, fractions=fractions, seed=seed,
                                  name=name)
    return subset


def artist_task(labels, *, n_artists=50, per_class=100, duplicates=None,
                fractions=(0.8, 0.1, 0.1), seed=0):
    """The artist task: ``per_class`` random tracks of each of the ``n_artists`` top artists.

    Parameters
    ----------
    labels : pandas.DataFrame
        With an ``artist_id`` column, indexed by track id (:attr:`MSD.labels`).
    n_artists : int > 0
        The artists with the most tracks (after duplicate removal; ties by
        id, :func:`top_artists`).
    per_class : int > 0 or None
        Tracks per artist (None: the smallest of the top artists' counts
        of 3 or more). A top artist with fewer is left out and reported.
    duplicates : list of set of str or None
        Duplicate groups (:func:`read_duplicates`): one track of each is kept.
    fractions : (float, float, float)
        Train, valid and test, per artist (:func:`balanced_split`).
    seed : int

    Returns
    -------
    TaskSubset
        With ``split``.

    References
    ----------
    Dieleman et al. (2011), Sec. 4: the 50 artists with the most tracks, 100
    tracks each, split 80/10/10. Used by ``notebooks/02_dieleman2011.py``.
    """
    n_artists = _check.positive_int("n_artists", n_artists)
    df = _without_duplicates(labels, duplicates)
    df = df[df["artist_id"].astype(bool)]
    top = top_artists(df, n_artists)
    df = df[df["artist_id"].isin(set(top))]
    return _task("artist", list(df.index), df["artist_id"].to_numpy(dtype=object), per_class,
                 classes=top, fractions=fractions, seed=seed)


def genre_task(labels, vocabulary=DIELEMAN_GENRES, *, per_class=250, min_count=1,
               duplicates=None, fractions=(0.8, 0.1, 0.1), seed=0):
    """The genre task: ``per_class`` random tracks of each genre of a vocabulary.

    A track's genre is its artist's MusicBrainz tag with the highest count
    among the vocabulary's (:func:`mbtag_genres`); a track whose top count
    is shared by two genres gets none. There is no artist filter, as in the
    paper, so one artist's tracks may straddle the parts.

    Parameters
    ----------
    labels : pandas.DataFrame
        With ``mbtags`` and ``mbtags_count`` (:attr:`MSD.labels`).
    vocabulary : sequence of str
        Default: the paper's 20 genres, :data:`DIELEMAN_GENRES`. On the
        synthetic corpus, its style families (:data:`mirnb.synth.GENRES`).
    per_class : int > 0 or None
        Tracks per genre (None: the smallest count of 3 or more). Genres
        with fewer tracks (or none) are left out and reported.
    min_count : int >= 1
        Smallest MusicBrainz tag count that counts.
    duplicates, fractions, seed
        As for :func:`artist_task`.

    Returns
    -------
    TaskSubset
        With ``split``; classes are the vocabulary's spellings.

    References
    ----------
    Dieleman et al. (2011), Sec. 4 and footnote 3: 20 hand-picked genres,
    MusicBrainz tags, 250 tracks each, split 80/10/10.
    """
    df = _without_duplicates(labels, duplicates)
    genres = mbtag_genres(df, vocabulary, min_count=min_count, ties="drop")
    return _task("genre", list(genres.index), genres.to_numpy(dtype=object), per_class,
                 classes=list(dict.fromkeys(vocabulary)), fractions=fractions, seed=seed)


def key_task(labels, *, per_class=250, max_per_class=None, duplicates=None,
             fractions=(0.8, 0.1, 0.1), seed=0):
    """The key task: each key's ``per_class`` tracks with the highest key confidence.

    The class is the tonic, 0 = C ... 11 = B; the mode is ignored.

    Parameters
    ----------
    labels : pandas.DataFrame
        With ``key`` and ``key_confidence`` (:attr:`MSD.labels`).
    per_class : int > 0 or None
        Tracks per key. None: as many as the rarest key with at least 3
        (one per part) has, at most ``max_per_class``: what the synthetic
        corpus affords. Keys with fewer tracks (or none) are left out and
        reported.
    max_per_class : int > 0 or None
    duplicates, fractions, seed
        As for :func:`artist_task` (the seed only shapes the split).

    Returns
    -------
    TaskSubset
        With ``split``.

    References
    ----------
    Dieleman et al. (2011), Sec. 4: "250 tracks with a high key confidence
    for each of the 12 possible keys", split 80/10/10.
    """
    df = _without_duplicates(labels, duplicates)
    return _task("key", list(df.index), df["key"].to_numpy(dtype=int), per_class,
                 rank=df["key_confidence"].to_numpy(dtype=float), classes=range(12),
                 max_per_class=max_per_class, fractions=fractions, seed=seed)


def pretraining_ids(track_ids, splits, *, duplicates=None):
    """The tracks left for unsupervised pretraining: all but the tasks' valid and test tracks.

    Parameters
    ----------
    track_ids : sequence of str
        Every track (e.g. :attr:`MSD.track_ids`).
    splits : iterable of Split, TaskSubset or dict
        The tasks' splits; their ``valid`` and ``test`` tracks are held out,
        their ``train`` tracks stay in.
    duplicates : list of set of str or None
        Duplicate groups: one track of each is kept (:func:`drop_duplicates`).

    Returns
    -------
    list of str
        In the order of ``track_ids``.

    References
    ----------
    Dieleman et al. (2011), Sec. 5 and footnote 4: the whole MSD without
    known duplicates and without any validation or test track.
    """
    if isinstance(splits, (Split, TaskSubset, Mapping)):
        splits = [splits]
    held = set()
    for s in splits:
        s = s.split if isinstance(s, TaskSubset) else s
        if s is None or not {"valid", "test"} <= set(s):
            raise ParameterError(f"splits: {s!r} has no 'valid' and 'test' parts; pass the "
                                 "tasks' splits (or TaskSubsets with a split)")
        held |= set(s["valid"]) | set(s["test"])
    ids = [str(t) for t in track_ids]
    if duplicates is not None:
        ids = drop_duplicates(ids, duplicates)
    return [t for t in ids if t not in held]


def usable_tracks(labels, lengths, min_beats):
    """The labels of the tracks with beat features and at least ``min_beats`` beats.

    The paper leaves this unsaid (its test sets are 2-3 tracks short of
    500 and 300): a track needs features, and enough beats for one output
    step of the network (:func:`mirnb.models.convdbn.min_length`).

    Parameters
    ----------
    labels : pandas.DataFrame
        Indexed by track id (:attr:`MSD.labels`).
    lengths : dict
        Track id -> number of beats (:attr:`BeatShards.lengths`).
    min_beats : int

    Returns
    -------
    usable : pandas.DataFrame
        ``labels`` of the usable tracks, with ``n_beats``.
    left_out : pandas.DataFrame
        One row (``track_id``, ``reason``) per track left out.
    """
    import pandas as pd

    labels = labels.join(pd.Series(lengths, name="n_beats", dtype=float), how="left")
    rows = [(t, "no beat features (see the feature job's report)")
            for t in labels.index[labels["n_beats"].isna()]]
    short = labels["n_beats"] < min_beats
    rows += [(t, f"{int(n)} beats < {min_beats}, the network's receptive field")
             for t, n in labels.loc[short, "n_beats"].items()]
    keep = labels["n_beats"].notna() & ~short
    return (labels[keep].astype({"n_beats": int}),
            pd.DataFrame(rows, columns=["track_id", "reason"]))


def task_table(task_sets):
    """Classes, tracks per class and the three parts of each task, with what was left out.

    Parameters
    ----------
    task_sets : dict
        Task name -> :class:`TaskSubset` with a ``split``.

    Returns
    -------
    pandas.DataFrame
        One row per task.
    """
    import pandas as pd

    rows = [{"task": name, "classes": len(t.classes), "tracks per class": t.per_class,
             "train": len(t.split["train"]), "valid": len(t.split["valid"]),
             "test": len(t.split["test"]), "chance": round(1 / len(t.classes), 3),
             "classes left out": len(t.left_out)} for name, t in task_sets.items()]
    return pd.DataFrame(rows).set_index("task")
