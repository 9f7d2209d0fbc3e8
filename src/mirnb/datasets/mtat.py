"""MagnaTagATune (Law et al. 2009), real or synthetic view.

Layout under ``<data_home>/mtat/``::

    annotations_final.csv    tab-separated, quoted: clip_id, 188 tag columns (0/1), mp3_path
    clip_info_final.csv      tab-separated, quoted: clip_id, track_number, title, artist,
                             album, url, segmentStart, segmentEnd, original_url, mp3_path
    0/ ... 9/ a/ ... f/      the mp3 files (mp3_path is relative to the root,
                             or to a folder mp3/ under it)

The real set has 25,863 clips of about 29 s at 16 kHz. The synthetic view
writes the same files with the book's own tag vocabulary.

Both files are read strictly (:func:`mirnb.datasets.tables.read_table`): an
empty or header-only file, a line with more or fewer fields than the header,
a repeated ``clip_id`` or ``mp3_path``, a tag value other than ``0`` or
``1`` (``1.0``, ``2``, an empty field), an empty ``mp3_path`` and an
``mp3_path`` that leaves the dataset's folder (``../x.mp3``, ``/x.mp3``) are
errors (:class:`~mirnb.errors.DataError`) that name the file and the line. A clip
that ``clip_info_final.csv`` lacks (or gives no artist, album and track
number) counts as a song of its own, and a warning says how many there are.
"""

import re
from pathlib import PurePosixPath

import numpy as np
import pandas as pd

from ..errors import DataError, ParameterError
from .core import Moved, Split, TaggedDataset, Track, check_fractions, log, tags_to_matrix
from .tables import check_unique, read_table

__all__ = ["MTAT", "FOLDER_SPLIT"]

#: The folder split used by Choi et al. 2016 and many since: folders 0-b train,
#: c valid, d-f test.
FOLDER_SPLIT = {"train": tuple("0123456789ab"), "valid": ("c",), "test": tuple("def")}

CITATION = """
@inproceedings{law2009evaluation,
  author    = {Law, Edith and West, Kris and Mandel, Michael I. and Bay, Mert and Downie, J. Stephen},
  title     = {Evaluation of algorithms using games: the case of music tagging},
  booktitle = {Proceedings of the 10th International Society for Music Information Retrieval Conference (ISMIR)},
  pages     = {387--392}, year = {2009}
}
"""


_ANN = ("the tab-separated annotations_final.csv: a header 'clip_id', one column per tag "
        "(values 0 or 1), 'mp3_path', then one line per clip")
_INFO = ("the tab-separated clip_info_final.csv: a header 'clip_id', 'track_number', "
         "'title', 'artist', 'album', 'url', 'segmentStart', 'segmentEnd', 'original_url', "
         "'mp3_path', then one line per clip")
#: The clip-info columns that identify a clip's song.
SONG_COLUMNS = ("artist", "album", "track_number")


def _leaves_folder(path):
    p = path.replace("\\", "/")
    return (p.startswith("/") or re.match(r"^[A-Za-z]:", p) is not None
            or ".." in PurePosixPath(p).parts)


class MTAT(TaggedDataset):
    """The MagnaTagATune dataset.

    Labels hold, per clip: ``tags`` (list of tag names), ``folder``,
    ``mp3_path``, ``song`` (clips of one song share it) and the clip-info
    columns. :meth:`tag_matrix` gives the binary clip x tag matrix.

    Parameters
    ----------
    data_home : str or Path, optional
        The folder that holds ``mtat/`` (default ``$MIRNB_DATA`` or
        ``~/mir_datasets``).
    folder : str
        The dataset's folder under ``data_home``; ``'mtat'`` by default.
        Another folder in the same layout (the synthetic ``mtat_large``
        view, a copy with other clips) is read the same way.

    Notes
    -----
    Splits (:meth:`splits`): ``'folder'`` (the default), ``'random'`` (songs
    shuffled and cut by fractions) and ``'files'``; clips of one song never
    straddle two parts.
    """

    name = "MagnaTagATune"
    folder = "mtat"
    expected_duration = 29.1
    citation = CITATION
    index_file = "annotations_final.csv"
    summary_columns = ("folder",)
    split_names = ("folder", "random", "files")
    expected = """
Expected files: <data_home>/mtat/annotations_final.csv and clip_info_final.csv
(tab-separated), with the mp3 files in folders 0-9 and a-f under
<data_home>/mtat/ (or <data_home>/mtat/mp3/). Get them from the MagnaTagATune
page of the MIRG at Goldsmiths / the mirdata index: mp3.zip.001-003
(concatenate and unzip), annotations_final.csv and clip_info_final.csv. To use
the book's synthetic stand-in instead, run `mirnb data synth`.
"""

    def __init__(self, data_home=None, *, folder="mtat"):
        if not isinstance(folder, str) or not folder or "/" in folder or "\\" in folder:
            raise ParameterError(f"folder={folder!r}: expected the name of one folder "
                                 "under data_home, e.g. 'mtat'")
        self.folder = folder
        super().__init__(data_home)
        self._by_path = None  # mp3_path -> clip id, for split lists
        self._tag_cols = None
        if (self.root / "synth_labels.csv").is_file():
            # The synthetic view's clips are shorter than the real ones: no
            # length check unless its length is set on the instance.
            self.expected_duration = None

    def _index(self):
        ann_path = self.root / "annotations_final.csv"
        info_path = self.root / "clip_info_final.csv"
        if not ann_path.is_file():
            raise self.missing_error("no annotations_final.csv")
        ann = read_table(ann_path, sep="\t", what=_ANN, columns=("clip_id", "mp3_path"))
        lines = ann.attrs["lines"]
        tag_cols = _tag_columns(ann.columns)
        if not tag_cols:
            raise DataError(f"{ann_path} has no tag columns; expected {_ANN}")
        _check_ids(ann, "clip_id", ann_path, lines)
        values = ann[tag_cols].to_numpy()
        on, off = values == "1", values == "0"
        bad = ~(on | off)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise DataError(f"{ann_path}, line {lines[r]}: tag column {tag_cols[c]!r} holds "
                            f"{values[r, c]!r}; tag values must be 0 or 1 ({int(bad.sum())} "
                            "values are not): fix the file")
        for line, path in zip(lines, ann["mp3_path"]):
            if not path.strip():
                raise DataError(f"{ann_path}, line {line}: the mp3_path is empty; every "
                                "clip needs one, e.g. 'f/artist-album-01-title-0-29.mp3'")
            if _leaves_folder(path):
                raise DataError(f"{ann_path}, line {line}: mp3_path {path!r} leaves the "
                                f"dataset's folder {self.root}; it must be relative to it, "
                                "e.g. 'f/artist-album-01-title-0-29.mp3'")
        check_unique(list(ann["mp3_path"]), where=ann_path, lines=lines, what="mp3_path")
        self._tag_cols = tag_cols
        ann = ann.set_index("clip_id")
        labels = pd.DataFrame(index=ann.index)
        labels["tags"] = [[t for t, v in zip(tag_cols, row) if v] for row in on]
        labels["mp3_path"] = ann["mp3_path"]
        labels["folder"] = [p.replace("\\", "/").split("/")[0] for p in ann["mp3_path"]]
        if info_path.is_file():
            labels = self._join_info(labels, info_path)
        else:
            log.warning("%s missing: clips cannot be grouped by song", info_path)
            labels["song"] = labels.index
        audio_dir = self.root / "mp3" if (self.root / "mp3").is_dir() else self.root
        labels["path"] = [str(audio_dir / p) for p in labels["mp3_path"]]
        return labels

    def _join_info(self, labels, info_path):
        """Add the clip-info columns and ``song``; a clip without them is its own song."""
        info = read_table(info_path, sep="\t", what=_INFO,
                          columns=("clip_id",) + SONG_COLUMNS)
        _check_ids(info, "clip_id", info_path, info.attrs["lines"])
        info = info.set_index("clip_id")
        info = info.drop(columns=[c for c in info.columns if c in labels])
        known = labels.index.isin(info.index)
        labels = labels.join(info, how="left")
        labels[list(info.columns)] = labels[list(info.columns)].fillna("")
        key = labels[list(SONG_COLUMNS)].astype(str)
        alone = ~known | (key.apply(lambda c: c.str.strip()) == "").all(axis=1).to_numpy()
        labels["song"] = key.agg("|".join, axis=1)
        labels.loc[alone, "song"] = ["clip:" + c for c in labels.index[alone]]
        if alone.any():
            ids = list(labels.index[alone])
            log.warning("%s: %d clips are not in %s, or have no artist, album and track "
                        "number there (e.g. %s); each counts as a song of its own",
                        self.name, len(ids), info_path, ", ".join(ids[:3]))
        return labels

    def _track(self, track_id, row):
        return Track(track_id, row["path"], row.drop("path").to_dict())

    @property
    def is_synthetic(self):
        """bool: True for the synthetic corpus's view (it has ``synth_labels.csv``)."""
        return (self.root / "synth_labels.csv").is_file()

    def _load_tag_matrix(self):
        labels = self.labels
        return tags_to_matrix(labels["tags"], self._tag_cols, labels.index)

    def _split_folder(self):
        """Folders 0-b train, c valid, d-f test (see :data:`FOLDER_SPLIT`).

        Where a song's clips fall in several parts, they all go to the part
        that holds most of them (ties to train); :attr:`Split.moved` lists
        the clips moved and a warning says how many.
        """
        labels = self.labels
        part_of = {f: p for p, folders in FOLDER_SPLIT.items() for f in folders}
        parts = labels["folder"].map(part_of)
        unknown = labels.index[parts.isna()]
        if len(unknown):
            raise DataError(f"{len(unknown)} clips are in folders outside 0-9, a-f "
                            f"(e.g. {labels.loc[unknown[0], 'mp3_path']}) in "
                            f"{self.root / 'annotations_final.csv'}; fix their mp3_path")
        return self._song_safe(parts, name="folder")

    def _split_random(self, *, seed=0, fractions=(0.6, 0.15, 0.25)):
        """A random split by song: whole songs shuffled and cut by ``fractions``.

        The folder split leaves few validation clips in a small copy (one
        folder of sixteen); the book's nam2015 chapter uses this split on
        the synthetic view to have enough validation clips to pick epochs by
        AUC-T. Parts are cut by song counts, so their clip counts follow
        only approximately.

        Parameters
        ----------
        seed : int
        fractions : (float, float, float)
            Train, valid and test fractions of the songs.
        """
        _, f_valid, f_test = check_fractions(fractions)
        songs = self.labels["song"]
        unique = np.array(sorted(songs.unique()))
        unique = unique[np.random.default_rng(seed).permutation(len(unique))]
        n_test = int(round(f_test * len(unique)))
        n_valid = int(round(f_valid * len(unique)))
        if min(n_test, n_valid, len(unique) - n_test - n_valid) < 1:
            raise DataError(f"{len(unique)} songs in {self.root} are too few for a split "
                            f"with fractions {tuple(fractions)}: every part needs a song")
        part = {s: "test" for s in unique[:n_test]}
        part.update({s: "valid" for s in unique[n_test:n_test + n_valid]})
        parts = songs.map(lambda s: part.get(s, "train"))
        return Split({p: sorted(parts.index[parts == p]) for p in ("train", "valid", "test")},
                     name="random")

    def _split_files(self, *, directory=None, train=None, valid=None, test=None, path=None):
        """Split lists read from files; one clip id or ``mp3_path`` per line.

        See :meth:`Dataset._split_files` for where the lists are read from.
        Clips of one song are then kept together as in ``'folder'``.
        """
        split = super()._split_files(directory=directory, train=train, valid=valid,
                                     test=test, path=path)
        parts = pd.Series({t: p for p, ids in split.items() for t in ids}, dtype=object)
        return self._song_safe(parts, name="files", skipped=split.skipped)

    def _split_item_id(self, item):
        if item in self.labels.index:
            return item
        if self._by_path is None:
            labels = self.labels
            self._by_path = dict(zip(labels["mp3_path"], labels.index))
        return self._by_path.get(item)

    def _song_safe(self, parts, *, name, skipped=()):
        parts, moved = self._keep_songs_together(parts)
        return Split({p: sorted(parts.index[parts == p]) for p in ("train", "valid", "test")},
                     name=name, moved=moved, skipped=skipped)

    def _keep_songs_together(self, parts):
        songs = self.labels.loc[parts.index, "song"]
        order = {"train": 0, "valid": 1, "test": 2}
        parts = parts.copy()
        moved = []
        for song, idx in parts.groupby(songs).groups.items():
            values = parts[idx]
            if values.nunique() > 1:
                counts = values.value_counts()
                best = sorted(counts.index, key=lambda p: (-counts[p], order[p]))[0]
                moved += [Moved(t, p, best, f"song {song!r} has most clips in {best}")
                          for t, p in values.items() if p != best]
                parts[idx] = best
        if moved:
            log.warning("moved %d clips so that no song straddles two split parts",
                        len(moved))
        return parts, moved


def _tag_columns(columns):
    return [c for c in columns if c not in ("clip_id", "mp3_path")]


def _check_ids(table, column, path, lines):
    """Every row of ``table`` has a ``column`` value, and no value appears twice."""
    ids = table[column].str.strip()
    empty = np.flatnonzero((ids == "").to_numpy())
    if len(empty):
        raise DataError(f"{path}, line {lines[empty[0]]}: the {column} is empty; every "
                        f"line needs one")
    check_unique(list(table[column]), where=path, lines=lines, what=column)
