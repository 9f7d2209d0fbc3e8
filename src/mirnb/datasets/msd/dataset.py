"""The Million Song Dataset on disk: the :class:`MSD` loader and its :class:`MSDTrack`.

One HDF5 file per track, read with :func:`~mirnb.datasets.msd.read_h5`;
labels come from the files (artist, MusicBrainz tags, key, ...). See
:mod:`mirnb.datasets.msd` for the layout.
"""

import logging
from pathlib import Path

import numpy as np

from ... import _check
from ...analysis import BEAT_METHODS
from ...analysis import beat_features as _beat_features
from ...errors import DataError, ParameterError
from ..core import (Dataset, Skipped, Split, Track, ValidationReport, map_tracks,
                    stratified_split)
from ..tables import is_hidden
from .labels import (_drop_small_classes, _norm_tag, _pick_genre, _ranked_mbtags, key_labels,
                     top_artists)
from .schema import ANALYSIS_ARRAYS, read_h5

__all__ = ["MSD", "MSDTrack"]

log = logging.getLogger("mirnb.datasets.msd")


class MSDTrack(Track):
    """One MSD track: labels, and its HDF5 file read on demand.

    The MSD has no audio, so :attr:`audio_path` is None and :meth:`audio`
    raises :class:`DataError`.

    Attributes
    ----------
    path : Path
        The track's HDF5 file.
    """

    def __init__(self, track_id, path, labels=None):
        super().__init__(track_id, audio_path=None, labels=labels)
        self.path = Path(path)

    def record(self):
        """Return everything in the track's file: :func:`read_h5` of :attr:`path`."""
        return read_h5(self.path)

    def analysis(self):
        """Return the track's analysis as an :class:`mirnb.analysis.Analysis`."""
        return self.record().to_analysis()

    def beat_features(self, **kwargs):
        """Beat-aligned chroma (n_beats, 12) and timbre (n_beats, 12).

        Every keyword goes to :func:`mirnb.analysis.beat_features`:
        ``chroma_norm`` ({None, 'max'}), ``method`` ({'overlap',
        'segment_fraction', 'segment_fraction_strict'}, the beat alignment)
        and ``name`` (default: the track id and the file).

        Raises
        ------
        DataError
            The file is unreadable, or a field holds NaN or infinite values
            (the message names the file and the field).
        """
        kwargs.setdefault("name", f"track {self.track_id!r} ({self.path})")
        return _beat_features(self.record(), **kwargs)


class _BeatFeaturesJob:
    """Picklable per-track work of :meth:`MSD.beat_features`."""

    def __init__(self, chroma_norm, method="overlap"):
        self.chroma_norm = chroma_norm
        self.method = method

    def __call__(self, track):
        return track.beat_features(chroma_norm=self.chroma_norm, method=self.method)


def _check_finite_arrays(record, path=None):
    """Raise DataError if an analysis array of ``record`` holds NaN or inf.

    Parameters
    ----------
    record : MSDRecord
        Read with arrays (``read_h5(path)``).
    path : Path or None
        The file, named in the message.
    """
    bad = [n for n in ANALYSIS_ARRAYS
           if n in record and not np.all(np.isfinite(record[n]))]
    if bad:
        where = f"MSD file {path}" if path is not None else f"MSD track {record.get('track_id')!r}"
        raise DataError(f"{where}: the analysis field(s) {bad} hold NaN or infinite "
                        "values; the file is damaged: download it again, or leave the "
                        "track out.")


_LABEL_COLUMNS = ["artist_id", "artist_name", "title", "release", "song_id", "year",
                  "key", "key_confidence", "mode", "mode_confidence", "tempo",
                  "time_signature", "duration", "loudness", "mbtags", "mbtags_count",
                  "terms", "genre", "path"]



class MSD(Dataset):
    """The Million Song Dataset (or any part of it) on disk.

    Files are found in the MSD's own layout,
    ``<data_home>/msd/data/<A>/<B>/<C>/<TRACKID>.h5``, and also directly
    under the dataset folder, ``<data_home>/msd/<A>/<B>/<C>/<TRACKID>.h5``
    (how the 10,000-song subset unpacks when its ``data`` folder is moved
    up). Both may be mixed.

    Parameters
    ----------
    data_home : str or Path or None
        Folder holding ``msd/``; see :func:`mirnb.datasets.data_home`.
    genres : sequence of str or None
        A genre vocabulary. A track's ``genre`` label is then the first of
        its artist's MusicBrainz tags, by decreasing count, that is in the
        vocabulary (matched case-insensitively; the vocabulary's spelling is
        kept), or None. Without a vocabulary it is the top MusicBrainz tag.
    verbose : bool
        Show a progress bar when indexing more than 100 files.

    Attributes
    ----------
    skipped : list of Skipped
        Files left out of :attr:`labels` because they could not be read,
        with the reason (filled when the labels are first built).

    Notes
    -----
    Splits (:meth:`splits`): ``'artist'`` (the default), ``'genre'``,
    ``'key'`` and ``'files'``. Split lists from files (for instance one file
    of ``<track_id> <split>`` lines, ``path=``; see
    :func:`read_split_file`) usually name tracks of the whole MSD: those
    not in this copy are left out and reported in the split's ``skipped``.

    Building :attr:`labels` opens every file once (about 2 ms each), so the
    10,000-song subset takes some 20 s; the frame is then kept.

    References
    ----------
    Bertin-Mahieux et al. (2011); Dieleman et al. (2011) for the artist,
    genre and key tasks.
    """

    name = "Million Song Dataset"
    folder = "msd"
    split_names = ("artist", "genre", "key", "files")
    citation = """
@inproceedings{bertin-mahieux2011msd,
  author    = {Bertin-Mahieux, Thierry and Ellis, Daniel P. W. and Whitman, Brian
               and Lamere, Paul},
  title     = {The Million Song Dataset},
  booktitle = {Proceedings of the 12th International Society for Music Information
               Retrieval Conference (ISMIR)},
  pages     = {591--596},
  year      = {2011}
}
"""
    expected = """
Expected one HDF5 file per track at msd/data/<A>/<B>/<C>/<TRACKID>.h5, where
A, B and C are the 3rd, 4th and 5th characters of the track id (for example
msd/data/A/A/A/TRAAABD128F429CF47.h5); files directly under msd/<A>/<B>/<C>/
are accepted too. Get the full dataset (280 GB) or the 10,000-song subset
(1.8 GB, 'millionsongsubset.tar.gz') from http://millionsongdataset.com
(pages 'Getting the dataset' and 'Million Song Subset') and unpack it so that
its 'data' folder sits inside msd/. The synthetic corpus
(mirnb.synth) writes the same layout.
"""

    def __init__(self, data_home=None, *, genres=None, verbose=True):
        super().__init__(data_home)
        if genres is not None:
            if not isinstance(genres, str):
                genres = list(genres)
            if isinstance(genres, str) or not genres:
                raise ParameterError(f"genres={genres!r}: expected a non-empty sequence "
                                     "of genre names, or None")
        self.genres = genres
        self._vocab = None if genres is None else {_norm_tag(g): g for g in genres}
        self.verbose = verbose
        self.skipped = []

    def files(self):
        """Sorted list of the .h5 files under the dataset folder, in either layout."""
        found = set(self.root.glob("data/*/*/*/*.h5")) | set(self.root.glob("*/*/*/*.h5"))
        return sorted(p for p in found if p.is_file() and not is_hidden(p))

    def _index(self):
        import pandas as pd
        from tqdm.auto import tqdm

        files = self.files()
        if not files:
            raise self.missing_error("no .h5 files found")
        rows, ids, skipped = [], [], []
        seen = {}
        for path in tqdm(files, desc="index MSD", disable=not self.verbose or len(files) <= 100):
            try:
                rec = read_h5(path, arrays=False)
            except DataError as err:
                skipped.append(Skipped(path.stem, str(err)))
                continue
            tid = rec.track_id or path.stem
            if tid in seen:
                raise DataError(f"MSD track {tid} is in two files: {seen[tid]} and {path}; "
                                "delete one of them")
            seen[tid] = path
            tags, counts = _ranked_mbtags(rec.artist_mbtags, rec.artist_mbtags_count)
            rows.append({
                "artist_id": rec.artist_id, "artist_name": rec.artist_name,
                "title": rec.title, "release": rec.release, "song_id": rec.song_id,
                "year": rec.year, "key": rec.key, "key_confidence": rec.key_confidence,
                "mode": rec.mode, "mode_confidence": rec.mode_confidence,
                "tempo": rec.tempo, "time_signature": rec.time_signature,
                "duration": rec.duration, "loudness": rec.loudness,
                "mbtags": tags, "mbtags_count": counts, "terms": list(rec.artist_terms),
                "genre": _pick_genre(tags, counts, self._vocab), "path": path})
            ids.append(tid)
        self.skipped = skipped
        if skipped:
            log.warning("MSD: skipped %d of %d files: %s", len(skipped), len(files),
                        "; ".join(f"{s.track_id} ({s.reason})" for s in skipped[:5]))
        df = pd.DataFrame(rows, index=pd.Index(ids, name="track_id"),
                          columns=_LABEL_COLUMNS).sort_index()
        genre = df["genre"].astype(object)
        df["genre"] = genre.where(genre.notna(), None)
        return df

    def _track(self, track_id, row):
        return MSDTrack(track_id, row["path"], labels=row.to_dict())

    def validate(self, *, check_audio=True, verbose=False):
        """Check that every indexed file exists and (with ``check_audio``) reads fully.

        The MSD has no audio; ``check_audio`` reads each file's arrays and
        reports a file as invalid when it lacks part of the schema or an
        analysis array holds NaN or infinite values.

        Returns
        -------
        ValidationReport
        """
        from tqdm.auto import tqdm

        report = ValidationReport(self.name, len(self))
        for tid, path in tqdm(self.labels["path"].items(), total=len(self),
                              desc="validate MSD", disable=not verbose):
            if not Path(path).is_file():
                report.missing.append(tid)
            elif check_audio:
                try:
                    _check_finite_arrays(read_h5(path), path)
                except DataError as err:
                    report.invalid.append(Skipped(tid, str(err)))
        report.invalid.extend(self.skipped)
        return report

    def beat_features(self, track_ids=None, *, chroma_norm=None, method="overlap", n_jobs=1,
                      verbose=None):
        """Beat-aligned chroma and timbre of many tracks; bad tracks skipped and reported.

        Parameters
        ----------
        track_ids : list of str or None
            Default: every track.
        chroma_norm : {None, 'max'}
            See :func:`mirnb.analysis.beat_features`.
        method : {'overlap', 'segment_fraction', 'segment_fraction_strict'}
            Beat alignment; see :func:`mirnb.analysis.segments_to_beats`.
        n_jobs : int or None
            Worker processes (1: this process).
        verbose : bool or None
            Progress bar; default the dataset's ``verbose``.

        Returns
        -------
        features : dict
            ``{track_id: (chroma, timbre)}`` for the usable tracks, in order.
        skipped : list of Skipped
            Tracks whose file is unreadable or whose analysis holds NaN or
            infinite values, with the reason naming the file and the field
            (also logged).
        """
        _check.choice("chroma_norm", chroma_norm, (None, "max"))
        _check.choice("method", method, BEAT_METHODS)
        ids = self.track_ids if track_ids is None else list(track_ids)
        items = [(tid, self.track(tid)) for tid in ids]
        return map_tracks(_BeatFeaturesJob(chroma_norm, method), items, n_jobs=n_jobs,
                          desc="MSD beat features",
                          verbose=self.verbose if verbose is None else verbose)

    def _split_artist(self, *, n_artists=None, fractions=(0.5, 0.2, 0.3), seed=0,
                      min_tracks=5):
        """Tracks stratified by artist (the artist task of Dieleman et al. 2011).

        Parameters
        ----------
        n_artists : int or None
            Keep only the tracks of the most frequent artists.
        fractions : (float, float, float)
            Train, valid and test fractions.
        seed : int
        min_tracks : int
            Leave out artists with fewer tracks (a stratified three-way split
            needs a few per class).
        """
        labels = self.labels
        df = labels[labels["artist_id"].astype(bool)]
        if n_artists is not None:
            keep = set(top_artists(df, _check.positive_int("n_artists", n_artists)))
            df = df[df["artist_id"].isin(keep)]
        return self._stratified("artist", list(df.index), df["artist_id"].to_numpy(),
                                fractions=fractions, seed=seed, min_tracks=min_tracks)

    def _split_genre(self, *, n_genres=None, fractions=(0.5, 0.2, 0.3), seed=0,
                     min_tracks=5):
        """Tracks with a genre label, stratified by genre (the genre task).

        Parameters
        ----------
        n_genres : int or None
            Keep only the tracks of the most frequent genres.
        fractions, seed, min_tracks
            As for ``'artist'``.
        """
        labels = self.labels
        df = labels[labels["genre"].notna()]
        if n_genres is not None:
            n_genres = _check.positive_int("n_genres", n_genres)
            counts = df["genre"].value_counts()
            top = sorted(counts.index, key=lambda g: (-counts[g], str(g)))[:n_genres]
            df = df[df["genre"].isin(top)]
        return self._stratified("genre", list(df.index), df["genre"].to_numpy(),
                                fractions=fractions, seed=seed, min_tracks=min_tracks)

    def _split_key(self, *, min_confidence=0.5, classes=12, fractions=(0.5, 0.2, 0.3),
                   seed=0, min_tracks=5):
        """Tracks with a confident key, stratified by key (the key task).

        Parameters
        ----------
        min_confidence : float in [0, 1]
            Keep tracks whose key confidence is at least this (see
            :func:`key_labels`).
        classes : {12, 24}
            Tonic, or tonic and mode.
        fractions, seed, min_tracks
            As for ``'artist'``.
        """
        ids, y = key_labels(self.labels, min_confidence=min_confidence, classes=classes)
        return self._stratified("key", ids, y, fractions=fractions, seed=seed,
                                min_tracks=min_tracks)

    def _stratified(self, name, ids, y, *, fractions, seed, min_tracks):
        min_tracks = _check.positive_int("min_tracks", min_tracks)
        ids, y = _drop_small_classes(ids, y, min_tracks)
        if not ids:
            raise ParameterError(f"splits({name!r}): no class has {min_tracks} or more "
                                 "tracks; lower min_tracks or add data")
        try:
            return Split(stratified_split(ids, y, fractions=fractions, seed=seed), name=name)
        except ValueError as err:
            if isinstance(err, ParameterError):
                raise
            raise ParameterError(f"splits({name!r}) cannot stratify {len(ids)} tracks in "
                                 f"{len(set(y))} classes with fractions={fractions}: {err}. "
                                 "Raise min_tracks or change the fractions.") from None
