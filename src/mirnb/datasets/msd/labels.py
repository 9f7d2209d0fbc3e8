"""Labels of Million Song Dataset tracks, from the song files and from side files.

Task labels from :attr:`~mirnb.datasets.msd.MSD.labels` (:func:`top_artists`,
:func:`mbtag_genres`, :func:`key_labels`; the three tasks of Dieleman et al.
(2011) built from them are in :mod:`.tasks`); and readers of the
MSD's side files: the duplicates list (:func:`read_duplicates`,
:func:`drop_duplicates`), split files (:func:`read_split_file`) and the
Last.fm tags (:func:`read_lastfm_tags`, :func:`tag_matrix`).

References
----------
.. [1] T. Bertin-Mahieux, D. P. W. Ellis, B. Whitman and P. Lamere, "The
   Million Song Dataset", ISMIR 2011. http://millionsongdataset.com
.. [2] S. Dieleman, P. Brakel and B. Schrauwen, "Audio-based music
   classification with a pretrained convolutional network", ISMIR 2011
   (artist, genre and key tasks on MSD features).
.. [3] K. Choi, G. Fazekas and M. Sandler, "Automatic tagging using deep
   convolutional neural networks", ISMIR 2016 (the Last.fm top-50 tags).
"""

import json
import re
import sqlite3
from pathlib import Path

import numpy as np

from ... import _check
from ...errors import DataError, MissingDataError, ParameterError
from ..core import read_split_lists

__all__ = ["top_artists", "mbtag_genres", "key_labels", "read_duplicates",
           "drop_duplicates", "read_split_file", "read_lastfm_tags", "tag_matrix"]


def _norm_tag(t):
    """Lower case, runs of spaces and hyphens made one space ('Hip-Hop' -> 'hip hop')."""
    return " ".join(w for w in re.split(r"[\s\-]+", str(t).lower()) if w)


def _ranked_mbtags(tags, counts):
    order = sorted(range(len(tags)), key=lambda i: -int(counts[i]) if i < len(counts) else 0)
    return [tags[i] for i in order], [int(counts[i]) if i < len(counts) else 0
                                      for i in order]


def _pick_genre(tags, counts, vocab, min_count=1, ties="first"):
    """Highest-count tag (with count >= min_count) that is in ``vocab``.

    With ``ties='drop'``, None when another genre's tag has the same count.
    """
    best = best_count = None
    for tag, c in zip(*_ranked_mbtags(tags, counts)):
        if c < min_count:
            continue
        hit = tag if vocab is None else vocab.get(_norm_tag(tag))
        if hit is None:
            continue
        if best is None:
            best, best_count = hit, c
            if ties == "first":
                return best
        elif c < best_count:
            break
        elif hit != best:
            return None  # a tie between two genres
    return best



def _drop_small_classes(ids, y, min_tracks):
    y = np.asarray(y)
    if len(y) == 0:
        return [], y
    values, counts = np.unique(y, return_counts=True)
    ok = set(values[counts >= min_tracks].tolist())
    keep = np.array([v in ok for v in y.tolist()], dtype=bool)
    return [t for t, k in zip(ids, keep) if k], y[keep]



def top_artists(labels, n):
    """The ``n`` artists with the most tracks.

    Parameters
    ----------
    labels : pandas.DataFrame
        With an ``artist_id`` column (e.g. :attr:`MSD.labels`).
    n : int > 0

    Returns
    -------
    list of str
        Artist ids by decreasing track count, ties by id.

    References
    ----------
    Dieleman et al. (2011), Sec. 5: artist recognition on 50 artists.
    """
    n = _check.positive_int("n", n)
    counts = labels["artist_id"].value_counts()
    counts = counts[counts.index.astype(bool)]
    return sorted(counts.index, key=lambda a: (-counts[a], a))[:n]


def mbtag_genres(labels, vocabulary, *, min_count=1, min_tracks=1, ties="first"):
    """Genre labels from MusicBrainz artist tags and a genre vocabulary.

    A track's genre is the vocabulary entry matching its artist's
    MusicBrainz tag with the highest count among the tags that are in the
    vocabulary and were applied at least ``min_count`` times. Tags match
    whatever their case and with hyphens read as spaces (``'Hip-Hop'``
    matches ``'hip hop'``; ``'hiphop'`` does not).

    Parameters
    ----------
    labels : pandas.DataFrame
        With ``mbtags`` (list of str) and ``mbtags_count`` (list of int)
        columns, as in :attr:`MSD.labels`.
    vocabulary : sequence of str
        Genre names, e.g. Dieleman et al.'s 20 genres.
    min_count : int >= 1
        Smallest MusicBrainz tag count that counts.
    min_tracks : int >= 1
        Leave out genres with fewer tracks.
    ties : {'first', 'drop'}
        When two genres' tags share the highest count: take the one listed
        first in the file (``'first'``), or give the track no genre
        (``'drop'``, what :func:`genre_task` does).

    Returns
    -------
    pandas.Series
        Genre per track id, named ``'genre'``; tracks without one are left out.

    References
    ----------
    Dieleman et al. (2011), Sec. 5: genre labels from MusicBrainz tags.
    """
    import pandas as pd

    if isinstance(vocabulary, str) or not len(vocabulary):
        raise ParameterError(f"vocabulary={vocabulary!r}: expected a non-empty sequence "
                             "of genre names")
    min_count = _check.positive_int("min_count", min_count)
    min_tracks = _check.positive_int("min_tracks", min_tracks)
    ties = _check.choice("ties", ties, ("first", "drop"))
    vocab = {_norm_tag(g): g for g in vocabulary}
    out = {}
    for tid, tags, counts in zip(labels.index, labels["mbtags"], labels["mbtags_count"]):
        g = _pick_genre(list(tags), list(counts), vocab, min_count, ties)
        if g is not None:
            out[tid] = g
    s = pd.Series(out, name="genre", dtype=object)
    if len(s):
        vc = s.value_counts()
        s = s[s.map(vc) >= min_tracks]
    s.index.name = "track_id"
    return s


def key_labels(labels, *, min_confidence, classes=12):
    """Key classes of the tracks whose key estimate is confident enough.

    Parameters
    ----------
    labels : pandas.DataFrame
        With ``key``, ``key_confidence``, ``mode`` and ``mode_confidence``.
    min_confidence : float in [0, 1]
        Keep tracks with ``key_confidence >= min_confidence`` (and, for 24
        classes, ``mode_confidence >= min_confidence`` too).
    classes : {12, 24}
        12: the tonic, 0 = C ... 11 = B. 24: ``key * 2 + mode`` (mode 1
        major, 0 minor), so C minor is 0 and C major 1.

    Returns
    -------
    ids : list of str
    y : np.ndarray of int

    References
    ----------
    Dieleman et al. (2011), Sec. 5: key detection with the Echo Nest's key
    as ground truth, on tracks with a confident estimate.
    """
    min_confidence = _check.fraction("min_confidence", min_confidence, closed=True)
    classes = _check.choice("classes", classes, {12, 24})
    keep = labels["key_confidence"] >= min_confidence
    if classes == 24:
        keep &= labels["mode_confidence"] >= min_confidence
    df = labels[keep]
    key = df["key"].to_numpy(dtype=int)
    y = key if classes == 12 else key * 2 + df["mode"].to_numpy(dtype=int)
    return list(df.index), y


def _read_text(path, what):
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"{what} not found: {path}")
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise DataError(f"cannot read {what} {path} ({err}); check the file's "
                        "permissions or download it again") from None


def read_duplicates(path):
    """Read the MSD's list of duplicate tracks (``msd_duplicates.txt``).

    The file, from the MSD's "song dataset duplicates" page, has comment
    lines starting with ``#``; then each group starts with a line beginning
    with ``%`` (a group number, then the artist and title), followed by one
    line per track of the group, beginning with its track id.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    list of set of str
        One set of track ids per group, in file order.

    Raises
    ------
    MissingDataError, DataError
        The file is absent, or a track line appears before any ``%`` line.

    References
    ----------
    http://millionsongdataset.com/blog/11-3-15-921810-song-dataset-duplicates
    """
    text = _read_text(path, "MSD duplicates file")
    groups, current = [], None
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("%"):
            current = set()
            groups.append(current)
            continue
        if current is None:
            raise DataError(f"{path}, line {lineno}: track line {line[:40]!r} before any "
                            "'%' group line; is this msd_duplicates.txt?")
        tid = re.split(r"\s|<SEP>", line, maxsplit=1)[0]
        current.add(tid)
    return [g for g in groups if g]


def drop_duplicates(track_ids, groups):
    """Keep one track of each duplicate group.

    Parameters
    ----------
    track_ids : sequence of str
    groups : list of set of str
        From :func:`read_duplicates`.

    Returns
    -------
    list of str
        ``track_ids`` in their order, without the tracks that duplicate an
        earlier one (the first track of a group, in ``track_ids`` order, is
        kept).
    """
    group_of = {}
    for i, g in enumerate(groups):
        for t in g:
            group_of[t] = i
    seen, out = set(), []
    for t in track_ids:
        g = group_of.get(t)
        if g is None:
            out.append(t)
        elif g not in seen:
            seen.add(g)
            out.append(t)
    return out


def read_split_file(path):
    """Read a split file of ``<track_id> <split>`` lines.

    Blank lines and lines starting with ``#`` are ignored; the fields may be
    separated by spaces, tabs or a comma. ``split`` is ``train``, ``valid``
    (``validation`` and ``val`` are accepted) or ``test``. The same file is
    read by ``MSD.splits('files', path=...)``, which also leaves out the
    tracks the dataset lacks.

    Returns
    -------
    dict
        ``{'train': [...], 'valid': [...], 'test': [...]}`` in file order.

    Raises
    ------
    MissingDataError, DataError
        The file is absent, or a line is malformed (its number is given).
    """
    return {part: ids for part, (_, ids) in read_split_lists(path=path).items()}


def read_lastfm_tags(path):
    """Read Last.fm song tags for MSD tracks.

    Four forms are read, chosen by ``path``:

    - a ``.json`` file of the Last.fm dataset (one per track, e.g.
      ``lastfm_train/A/A/A/TRAAAAW128F429D538.json``): an object with
      ``track_id`` and ``tags``, a list of ``[tag, count]`` pairs where the
      count is a string of an integer from 0 to 100 (Last.fm's relative
      weight of the tag for that song);
    - a folder: every ``.json`` file under it, recursively;
    - ``lastfm_tags.db``, the dataset's SQLite form: tables ``tids(tid)``,
      ``tags(tag)`` and ``tid_tag(tid, tag, val)``, where ``tid`` and ``tag``
      are row ids into the first two;
    - a text table (``.tsv``, ``.txt`` or ``.csv``) of ``track_id``, ``tag``,
      ``count`` rows, tab- (or, for .csv, comma-) separated, with an optional
      header line starting with ``track_id``. This is mirnb's own simple form,
      for tags gathered elsewhere.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    pandas.DataFrame
        Columns ``track_id`` (str), ``tag`` (str) and ``count`` (int), one row
        per (track, tag).

    References
    ----------
    http://millionsongdataset.com/lastfm ; Choi et al. (2016), Sec. 3.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise MissingDataError(f"Last.fm tags not found: {path}. Get the Last.fm dataset "
                               "from http://millionsongdataset.com/lastfm")
    rows = []
    if path.is_dir() or path.suffix == ".json":
        files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
        for f in files:
            try:
                obj = json.loads(f.read_text(encoding="utf-8"))
                tid = obj.get("track_id") or f.stem
                for tag, count in obj.get("tags", []):
                    rows.append((tid, str(tag), int(float(count))))
            except (ValueError, TypeError, AttributeError, OSError) as err:
                raise DataError(f"cannot read Last.fm JSON file {f} ({err}); download it "
                                "again or remove it") from None
    elif path.suffix == ".db":
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                rows = con.execute(
                    "SELECT tids.tid, tags.tag, tid_tag.val FROM tid_tag "
                    "JOIN tids ON tids.ROWID = tid_tag.tid "
                    "JOIN tags ON tags.ROWID = tid_tag.tag").fetchall()
            finally:
                con.close()
        except sqlite3.Error as err:
            raise DataError(f"cannot read Last.fm SQLite file {path} ({err}); expected "
                            "tables tids, tags and tid_tag as in lastfm_tags.db") from None
        rows = [(str(t), str(g), int(round(float(v)))) for t, g, v in rows]
    else:
        sep = "," if path.suffix == ".csv" else "\t"
        text = _read_text(path, "Last.fm tag table")
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split(sep)
            if lineno == 1 and parts[0].strip().lower() == "track_id":
                continue
            try:
                tid, tag, count = parts[0].strip(), parts[1].strip(), int(float(parts[2]))
            except (IndexError, ValueError):
                raise DataError(f"{path}, line {lineno}: {line!r} is not 'track_id{sep!r}"
                                f"tag{sep!r}count'; fix the line") from None
            rows.append((tid, tag, count))
    return pd.DataFrame(rows, columns=["track_id", "tag", "count"]).astype(
        {"track_id": str, "tag": str, "count": int})


def tag_matrix(tags, *, n_tags=50, min_count=1, track_ids=None):
    """Binary track x tag matrix of the most frequent tags.

    Parameters
    ----------
    tags : pandas.DataFrame
        From :func:`read_lastfm_tags` (``track_id``, ``tag``, ``count``).
    n_tags : int > 0
        Keep the tags applied to the most tracks (ties by name).
    min_count : int >= 0
        A (track, tag) pair counts when its count is at least this.
    track_ids : sequence of str or None
        Rows of the result, in this order (tracks without tags get zeros);
        default: every track with at least one kept tag, sorted.

    Returns
    -------
    pandas.DataFrame
        0/1 ``uint8`` values, index track ids, columns the tags by
        decreasing frequency.

    References
    ----------
    Choi et al. (2016), Sec. 3: the 50 most frequent Last.fm tags of the MSD.
    """
    import pandas as pd

    n_tags = _check.positive_int("n_tags", n_tags)
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) \
            or min_count < 0:
        raise ParameterError(f"min_count={min_count!r}: expected an integer >= 0")
    t = tags[tags["count"] >= min_count]
    if track_ids is not None:
        t = t[t["track_id"].isin(set(track_ids))]
    freq = t.groupby("tag")["track_id"].nunique()
    top = sorted(freq.index, key=lambda g: (-freq[g], g))[:n_tags]
    t = t[t["tag"].isin(set(top))]
    rows = sorted(t["track_id"].unique()) if track_ids is None else list(track_ids)
    values = np.zeros((len(rows), len(top)), dtype=np.uint8)
    r = pd.Index(rows).get_indexer(t["track_id"])
    c = pd.Index(top).get_indexer(t["tag"])
    ok = (r >= 0) & (c >= 0)
    values[r[ok], c[ok]] = 1
    return pd.DataFrame(values, index=pd.Index(rows, name="track_id"), columns=top)
