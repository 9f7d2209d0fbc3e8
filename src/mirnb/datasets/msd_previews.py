"""Million Song Dataset audio previews with last.fm tags (Choi et al. 2016, Experiment II).

The MSD itself ships no audio; Choi et al. trained on the 30-second previews
of its tracks, with the 50 most frequent last.fm tags. Neither the previews
nor a fixed copy of them can be downloaded from one public place, so this
loader reads a folder you assemble yourself, in this layout under
``<data_home>/msd_previews/``::

    tags.csv            comma-separated: a column track_id (the MSD track id,
                        e.g. TRAAAAW128F429D538), then one 0/1 column per tag
    splits/train.txt    one MSD track id per line (also valid.txt, test.txt)
    previews/           the audio files, named <track_id>.<ext> (mp3, wav,
                        ogg or flac), in any sub-folders (e.g. previews/A/A/A/)

Choi's split (``keunwoochoi/MSD_split_for_tagging`` on GitHub) gives the
track ids of each part; its ``*_y.npy`` label matrices become ``tags.csv``.

Previews go missing: shops withdraw them, downloads fail. A track listed in
``tags.csv`` or a split file without a preview is never dropped silently:
``MSDPreviews.splits('files')`` leaves it out, logs a warning with the count
and returns the list in the split's ``skipped`` (each with the reason); :meth:`validate`
lists it as missing; :meth:`MSDPreviews.missing_previews` returns them all.
A clip whose file exists but cannot be decoded is skipped and reported by
:func:`mirnb.features.extract` when its features are computed.

``tags.csv`` is read strictly (:func:`mirnb.datasets.tables.read_table`): an
empty or header-only file, a line with more or fewer fields than the header,
an empty or repeated track id and a tag value that is not 0 or 1 are
errors (:class:`~mirnb.errors.DataError`) naming the file and the line. A tag
value is read as a number, so ``1.0`` (a matrix saved from floats) is 1;
``2``, ``0.5``, ``yes`` or an empty field are errors. Under ``previews/``,
hidden files and folders are ignored, folder links are followed (a link
that loops back is skipped with a warning), and one track with two
preview files is a DataError naming both.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .core import AUDIO_EXTENSIONS, TaggedDataset, Track, log, tags_to_matrix
from .tables import check_unique, is_hidden, read_table

_TAGS = ("the comma-separated tags.csv: a header 'track_id' then one column per tag, and "
         "one line per track with its id and a 0 or 1 per tag")

__all__ = ["MSDPreviews"]

CITATION = """
@inproceedings{bertin2011million,
  author    = {Bertin-Mahieux, Thierry and Ellis, Daniel P. W. and Whitman, Brian and Lamere, Paul},
  title     = {The Million Song Dataset},
  booktitle = {Proceedings of the 12th International Society for Music Information Retrieval Conference (ISMIR)},
  pages     = {591--596}, year = {2011}
}
"""


class MSDPreviews(TaggedDataset):
    """MSD tracks with audio previews and binary tags (see the module's layout).

    Labels hold, per track: ``tags`` (list of tag names), ``path`` (the
    preview, or None when it is missing) and ``has_preview``.
    :meth:`tag_matrix` gives the binary track x tag matrix.

    Parameters
    ----------
    data_home : str or Path, optional
        The folder that holds ``msd_previews/`` (default ``$MIRNB_DATA`` or
        ``~/mir_datasets``).

    Notes
    -----
    Its one split is ``'files'`` (:meth:`splits`), read from ``splits/``.
    """

    name = "MSD previews"
    folder = "msd_previews"
    expected_duration = 30.0
    citation = CITATION
    index_file = "tags.csv"
    split_names = ("files",)
    expected = """
Expected: <data_home>/msd_previews/tags.csv (track_id, then one 0/1 column per
tag), <data_home>/msd_previews/splits/{train,valid,test}.txt (one MSD track id
per line) and the 30 s previews as <data_home>/msd_previews/previews/**/<track_id>.mp3
(or .wav/.ogg/.flac). The MSD has no audio of its own: collect the previews
yourself; Choi et al.'s split is in the GitHub repository
keunwoochoi/MSD_split_for_tagging. Tracks whose preview is missing are
skipped and reported.
"""

    def _audio_index(self):
        previews = self.root / "previews"
        if not previews.is_dir():
            raise self.missing_error("no previews/ folder")
        files = sorted(_walk(previews))
        check_unique([p.stem for p in files], where=files, what="MSD track")
        return {p.stem: p for p in files}

    def __init__(self, data_home=None):
        super().__init__(data_home)
        self._tag_cols = None

    def _index(self):
        tags_path = self.root / "tags.csv"
        if not tags_path.is_file():
            raise self.missing_error("no tags.csv")
        table = read_table(tags_path, sep=",", what=_TAGS, columns=("track_id",))
        lines = table.attrs["lines"]
        ids = table["track_id"].str.strip()
        empty = np.flatnonzero((ids == "").to_numpy())
        if len(empty):
            raise DataError(f"{tags_path}, line {lines[empty[0]]}: the track_id is empty; "
                            "every line needs one")
        check_unique(list(ids), where=tags_path, lines=lines, what="track_id")
        tag_cols = [c for c in table.columns if c != "track_id"]
        if not tag_cols:
            raise DataError(f"{tags_path} has no tag columns; expected {_TAGS}")
        matrix = _binary(table[tag_cols].to_numpy(), tag_cols, lines, tags_path)
        table.index = ids.to_numpy()
        table.index.name = "track_id"
        self._tag_cols = tag_cols
        audio = self._audio_index()
        labels = pd.DataFrame(index=table.index)
        labels["tags"] = [[t for t, on in zip(tag_cols, row) if on] for row in matrix]
        labels["path"] = [str(audio[t]) if t in audio else None for t in table.index]
        labels["has_preview"] = labels["path"].notna()
        n_missing = int((~labels["has_preview"]).sum())
        if n_missing:
            log.warning("%s: %d of %d tracks in tags.csv have no preview under %s; they "
                        "are skipped (see missing_previews())", self.name, n_missing,
                        len(labels), self.root / "previews")
        return labels

    def _track(self, track_id, row):
        labels = row.drop("path").to_dict()
        path = row["path"] if isinstance(row["path"], str) else None  # NaN: no preview
        return Track(track_id, path, labels)

    def missing_previews(self):
        """list of str: tracks in ``tags.csv`` without a preview file."""
        labels = self.labels
        return list(labels.index[~labels["has_preview"]])

    def _load_tag_matrix(self):
        labels = self.labels
        return tags_to_matrix(labels["tags"], self._tag_cols, labels.index)

    def tag_counts(self, track_ids=None, *, with_preview=True):
        """pandas.Series: tracks per tag, most frequent first.

        :meth:`top_tags` ranks the tags by these counts.

        Parameters
        ----------
        track_ids : list of str, optional
            Count over these tracks only (default: all).
        with_preview : bool
            Count only tracks that have a preview.
        """
        if track_ids is None:
            track_ids = self.labels.index
        if with_preview:
            has = self.labels["has_preview"]
            track_ids = [t for t in track_ids if has[t]]
        return super().tag_counts(track_ids)

    def _split_unusable(self, track_id):
        return None if self.labels.at[track_id, "has_preview"] else "no preview file"

    def validate(self, **kwargs):
        """Check every track: a missing preview counts as missing, an unreadable one as invalid.

        Parameters
        ----------
        **kwargs
            Those of :meth:`mirnb.datasets.Dataset.validate`.

        Returns
        -------
        ValidationReport
        """
        report = super().validate(**kwargs)
        report.missing = sorted(set(report.missing) | set(self.missing_previews()))
        return report


def _binary(values, columns, lines, path):
    """The tag values as a bool matrix; anything but 0 or 1 is a DataError."""
    on, off = values == "1", values == "0"
    rest = np.argwhere(~(on | off))
    if len(rest):
        nums = pd.to_numeric(pd.Series(values[~(on | off)]), errors="coerce").to_numpy()
        bad = np.flatnonzero(~np.isin(nums, (0.0, 1.0)))
        if len(bad):
            r, c = rest[bad[0]]
            raise DataError(f"{path}, line {lines[r]}: tag column {columns[c]!r} holds "
                            f"{values[r, c]!r}; tag columns must hold 0 or 1 ({len(bad)} "
                            "values do not): fix the file")
        on[~(on | off)] = nums == 1.0
    return on


def _walk(folder):
    """The audio files under ``folder``: hidden entries ignored, links followed once."""
    seen = set()
    for top, dirs, files in os.walk(folder, followlinks=True):
        st = os.stat(top)
        if (st.st_dev, st.st_ino) in seen:
            log.warning("MSD previews: %s is a folder link that loops back to a folder "
                        "already read; skipped", top)
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs[:] = sorted(d for d in dirs if not is_hidden(d))
        for name in files:
            path = Path(top) / name
            if (not is_hidden(name) and path.suffix.lower() in AUDIO_EXTENSIONS
                    and path.is_file()):
                yield path
