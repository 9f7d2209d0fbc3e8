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
"""

import pandas as pd

from ..errors import DataError
from .core import (AUDIO_EXTENSIONS, TaggedDataset, Track, ValidationReport, log,
                   tags_to_matrix)

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
        found = {}
        for path in sorted(previews.rglob("*")):
            if path.suffix.lower() in AUDIO_EXTENSIONS and path.is_file():
                found.setdefault(path.stem, path)
        return found

    def _index(self):
        tags_path = self.root / "tags.csv"
        if not tags_path.is_file():
            raise self.missing_error("no tags.csv")
        try:
            table = pd.read_csv(tags_path, dtype={"track_id": str})
        except (pd.errors.ParserError, UnicodeDecodeError) as err:
            raise DataError(f"cannot parse {tags_path} as CSV: {err}") from None
        if "track_id" not in table.columns:
            raise DataError(f"{tags_path} has no column 'track_id'; expected track_id, "
                            "then one 0/1 column per tag")
        if table["track_id"].duplicated().any():
            dup = table["track_id"][table["track_id"].duplicated()].iloc[0]
            raise DataError(f"{tags_path}: track {dup!r} is listed twice")
        table = table.set_index("track_id")
        tag_cols = list(table.columns)
        if not tag_cols:
            raise DataError(f"{tags_path} has no tag columns")
        values = table[tag_cols]
        bad = ~values.isin([0, 1]).all()
        if bad.any():
            raise DataError(f"{tags_path}: tag columns must hold 0 or 1; "
                            f"{list(bad.index[bad])[:3]} do not")
        matrix = values.to_numpy() == 1
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
        header = pd.read_csv(self.root / "tags.csv", nrows=0)
        labels = self.labels
        names = [c for c in header.columns if c != "track_id"]
        return tags_to_matrix(labels["tags"], names, labels.index)

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

    def validate(self, *, check_audio=True, verbose=False):
        """Check every track: a missing preview counts as missing, an unreadable one as invalid."""
        report = super().validate(check_audio=check_audio, verbose=verbose)
        missing = self.missing_previews()
        return ValidationReport(report.name, report.n_tracks,
                                missing=sorted(set(report.missing) | set(missing)),
                                invalid=report.invalid)
