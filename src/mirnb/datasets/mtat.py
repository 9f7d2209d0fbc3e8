"""MagnaTagATune (Law et al. 2009), real or synthetic view.

Layout under ``<data_home>/mtat/``::

    annotations_final.csv    tab-separated, quoted: clip_id, 188 tag columns (0/1), mp3_path
    clip_info_final.csv      tab-separated, quoted: clip_id, track_number, title, artist,
                             album, url, segmentStart, segmentEnd, original_url, mp3_path
    0/ ... 9/ a/ ... f/      the mp3 files (mp3_path is relative to the root,
                             or to a folder mp3/ under it)

The real set has 25,863 clips of about 29 s at 16 kHz. The synthetic view
writes the same files with the book's own tag vocabulary.
"""

import pandas as pd

from ..errors import DataError, ParameterError
from .core import Moved, Split, TaggedDataset, Track, log, tags_to_matrix

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


def _read_tsv(path, **kwargs):
    try:
        return pd.read_csv(path, sep="\t", quotechar='"', dtype=str, keep_default_na=False,
                           **kwargs)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise DataError(f"cannot parse {path} as a tab-separated file: {err}") from None


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
    Splits (:meth:`splits`): ``'folder'`` (the default) and ``'files'``; clips
    of one song never straddle two parts.
    """

    name = "MagnaTagATune"
    folder = "mtat"
    citation = CITATION
    index_file = "annotations_final.csv"
    summary_columns = ("folder",)
    split_names = ("folder", "files")
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

    def _index(self):
        ann_path = self.root / "annotations_final.csv"
        info_path = self.root / "clip_info_final.csv"
        if not ann_path.is_file():
            raise self.missing_error("no annotations_final.csv")
        ann = _read_tsv(ann_path)
        for col in ("clip_id", "mp3_path"):
            if col not in ann.columns:
                raise DataError(f"{ann_path} has no column {col!r}; is it the "
                                "tab-separated annotations_final.csv?")
        tag_cols = _tag_columns(ann.columns)
        ann = ann.set_index("clip_id")
        matrix = ann[tag_cols].to_numpy() == "1"
        labels = pd.DataFrame(index=ann.index)
        labels["tags"] = [[t for t, on in zip(tag_cols, row) if on] for row in matrix]
        labels["mp3_path"] = ann["mp3_path"]
        labels["folder"] = [p.split("/")[0] for p in ann["mp3_path"]]
        if info_path.is_file():
            info = _read_tsv(info_path).set_index("clip_id")
            info = info.drop(columns=[c for c in info.columns if c in labels])
            labels = labels.join(info, how="left")
            key = labels[["artist", "album", "track_number"]].fillna("").astype(str)
            labels["song"] = key.agg("|".join, axis=1)
        else:
            log.warning("%s missing: clips cannot be grouped by song", info_path)
            labels["song"] = labels.index
        audio_dir = self.root / "mp3" if (self.root / "mp3").is_dir() else self.root
        labels["path"] = [str(audio_dir / p) for p in labels["mp3_path"]]
        return labels

    def _track(self, track_id, row):
        return Track(track_id, row["path"], row.drop("path").to_dict())

    def _load_tag_matrix(self):
        header = _read_tsv(self.root / "annotations_final.csv", nrows=0)
        labels = self.labels
        return tags_to_matrix(labels["tags"], _tag_columns(header.columns), labels.index)

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
