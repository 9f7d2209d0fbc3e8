"""The Million Song Dataset: HDF5 reader and writer in the real schema, a
:class:`MSD` loader, and the side files' label helpers.

The MSD has no audio. Each track is one HDF5 file (written by PyTables) at
``data/<A>/<B>/<C>/<TRACKID>.h5``, where A, B, C are the 3rd, 4th and 5th
characters of the track id (``TRAAABD128F429CF47`` lives in
``data/A/A/A/``). A file holds three groups:

``analysis/``
    The Echo Nest analysis: a one-row compound table ``songs`` (key, mode,
    tempo, duration, time signature, loudness, fades, sample rate, track id,
    their confidences and ``idx_*`` offsets), and one extendable float64
    array per segment / beat / bar / tatum / section field, e.g.
    ``segments_pitches`` (n x 12) and ``segments_timbre`` (n x 12).
``metadata/``
    A one-row table ``songs`` (artist and song ids and names, release,
    7digital ids, familiarity, hotttnesss, location, ...), the artist's Echo
    Nest terms with their frequencies and weights, and ``similar_artists``.
``musicbrainz/``
    A one-row table ``songs`` (year) and the artist's MusicBrainz tags with
    their counts.

The ``idx_*`` fields give where each song's rows start in the arrays; they
matter only in aggregate files that hold several songs, and are 0 in the
per-track files. :func:`read_h5` honours them (``songidx``); :func:`write_h5`
writes one song per file with the offsets at 0, as the real files do.

:func:`write_h5` writes a file in the same schema, with the same groups,
datasets, dtypes, compound fields, chunking, compression and PyTables
attributes, so the synthetic corpus (:mod:`mirnb.analysis` run on rendered
audio) is read by the same :class:`MSD` loader as the real data.

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
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .. import _check
from ..analysis import Analysis, beat_features as _beat_features
from ..errors import DataError, MissingDataError, ParameterError
from .core import Dataset, Skipped, Track, ValidationReport, stratified_split

__all__ = ["MSD", "MSDTrack", "MSDRecord", "read_h5", "write_h5", "h5_path",
           "top_artists", "mbtag_genres", "key_labels", "read_duplicates",
           "drop_duplicates", "read_lastfm_tags", "tag_matrix", "read_split_file",
           "ANALYSIS_ARRAYS"]

log = logging.getLogger("mirnb.datasets.msd")

# ---------------------------------------------------------------------------
# The schema, as found in the real files (PyTables 2.x, table version 2.6).
# ---------------------------------------------------------------------------
#: The analysis arrays: name -> (PyTables title, columns or None).
ANALYSIS_ARRAYS = {
    "segments_start": ("array of start times of segments", None),
    "segments_confidence": ("array of confidence of segments", None),
    "segments_pitches": ("array of pitches of segments (chromas)", 12),
    "segments_timbre": ("array of timbre of segments (MFCC-like)", 12),
    "segments_loudness_max": ("array of max loudness of segments", None),
    "segments_loudness_max_time": ("array of max loudness time of segments", None),
    "segments_loudness_start": ("array of loudness of segments at start time", None),
    "sections_start": ("array of start times of sections", None),
    # the real files carry this title (sic) on beats_confidence
    "sections_confidence": ("array of confidence of sections", None),
    "beats_start": ("array of start times of beats", None),
    "beats_confidence": ("array of confidence of sections", None),
    "bars_start": ("array of start times of bars", None),
    "bars_confidence": ("array of confidence of bars", None),
    "tatums_start": ("array of start times of tatums", None),
    "tatums_confidence": ("array of confidence of tatums", None),
}

_I4, _F8 = "<i4", "<f8"

_ANALYSIS_SONGS = [
    ("analysis_sample_rate", _I4), ("audio_md5", "S32"), ("danceability", _F8),
    ("duration", _F8), ("end_of_fade_in", _F8), ("energy", _F8),
    ("idx_bars_confidence", _I4), ("idx_bars_start", _I4),
    ("idx_beats_confidence", _I4), ("idx_beats_start", _I4),
    ("idx_sections_confidence", _I4), ("idx_sections_start", _I4),
    ("idx_segments_confidence", _I4), ("idx_segments_loudness_max", _I4),
    ("idx_segments_loudness_max_time", _I4), ("idx_segments_loudness_start", _I4),
    ("idx_segments_pitches", _I4), ("idx_segments_start", _I4),
    ("idx_segments_timbre", _I4), ("idx_tatums_confidence", _I4),
    ("idx_tatums_start", _I4), ("key", _I4), ("key_confidence", _F8),
    ("loudness", _F8), ("mode", _I4), ("mode_confidence", _F8),
    ("start_of_fade_out", _F8), ("tempo", _F8), ("time_signature", _I4),
    ("time_signature_confidence", _F8), ("track_id", "S32"),
]
_METADATA_SONGS = [
    ("analyzer_version", "S32"), ("artist_7digitalid", _I4),
    ("artist_familiarity", _F8), ("artist_hotttnesss", _F8), ("artist_id", "S32"),
    ("artist_latitude", _F8), ("artist_location", "S1024"),
    ("artist_longitude", _F8), ("artist_mbid", "S40"), ("artist_name", "S1024"),
    ("artist_playmeid", _I4), ("genre", "S1024"), ("idx_artist_terms", _I4),
    ("idx_similar_artists", _I4), ("release", "S1024"), ("release_7digitalid", _I4),
    ("song_hotttnesss", _F8), ("song_id", "S32"), ("title", "S1024"),
    ("track_7digitalid", _I4),
]
_MUSICBRAINZ_SONGS = [("idx_artist_mbtags", _I4), ("year", _I4)]

#: group -> (group title, songs-table title, fields, songs chunk rows)
_GROUPS = {
    "analysis": ("Echo Nest analysis of the song",
                 "table of Echo Nest analysis for one song", _ANALYSIS_SONGS, 37),
    "metadata": ("metadata about the song", "table of metadata for one song",
                 _METADATA_SONGS, 3),
    "musicbrainz": ("data about the song coming from MusicBrainz",
                    "table of data coming from MusicBrainz", _MUSICBRAINZ_SONGS, 1024),
}

#: the other arrays: name -> (group, title, dtype, chunk length)
_SIDE_ARRAYS = {
    "similar_artists": ("metadata", "array of similar artists Echo Nest id", "S20", 409),
    "artist_terms": ("metadata", "array of terms (Echo Nest tags) for an artist",
                     "S256", 32),
    "artist_terms_freq": ("metadata",
                          "array of term (Echo Nest tags) frequencies for an artist",
                          _F8, 1024),
    "artist_terms_weight": ("metadata",
                            "array of term (Echo Nest tags) weights for an artist",
                            _F8, 1024),
    "artist_mbtags": ("musicbrainz", "array of tags from MusicBrainz for an artist",
                      "S256", 32),
    "artist_mbtags_count": ("musicbrainz",
                            "array of tag counts from MusicBrainz for an artist", _I4, 2048),
}
#: which idx_ field of which table indexes each array
_IDX = {name: ("analysis", f"idx_{name}") for name in ANALYSIS_ARRAYS}
_IDX.update({"artist_terms": ("metadata", "idx_artist_terms"),
             "artist_terms_freq": ("metadata", "idx_artist_terms"),
             "artist_terms_weight": ("metadata", "idx_artist_terms"),
             "similar_artists": ("metadata", "idx_similar_artists"),
             "artist_mbtags": ("musicbrainz", "idx_artist_mbtags"),
             "artist_mbtags_count": ("musicbrainz", "idx_artist_mbtags")})

_STRING_LISTS = ("similar_artists", "artist_terms", "artist_mbtags")
_FILTERS = np.int64(65793)  # PyTables' packed Filters(complevel=1, zlib, shuffle)
_ROOT_ATTRS = {"CLASS": "GROUP", "FILTERS": _FILTERS, "PYTABLES_FORMAT_VERSION": "2.0",
               "TITLE": "H5 Song File", "VERSION": "1.0"}
#: songs-table fields that :func:`write_h5` fills with NaN when not given
_NAN_DEFAULTS = {"artist_latitude", "artist_longitude", "song_hotttnesss"}
_TRACK_ID = re.compile(r"^[A-Za-z0-9_-]{5,32}$")


def _decode(b):
    if isinstance(b, bytes):
        try:
            return b.decode("utf-8")
        except UnicodeDecodeError:
            return b.decode("latin-1")
    return str(b)


def _scalar(value, dtype):
    if dtype.startswith("S"):
        return _decode(value)
    if dtype == _I4:
        return int(value)
    return float(value)


# ---------------------------------------------------------------------------
# the record
# ---------------------------------------------------------------------------
class MSDRecord(Mapping):
    """Everything in one MSD song file, by key or by attribute.

    Strings are ``str`` (UTF-8 decoded), integers ``int``, reals ``float``,
    the analysis arrays float64 NumPy arrays, ``artist_terms``,
    ``artist_mbtags`` and ``similar_artists`` lists of ``str``,
    ``artist_terms_freq`` / ``artist_terms_weight`` float64 arrays and
    ``artist_mbtags_count`` an int32 array. The ``idx_*`` offsets are not
    kept (they describe the file's layout, not the song).

    Two records compare equal when every field is equal (NaN equals NaN).
    """

    def __init__(self, data):
        self.__dict__["_data"] = dict(data)

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __getattr__(self, name):
        try:
            return self.__dict__["_data"][name]
        except KeyError:
            raise AttributeError(f"MSDRecord has no field {name!r}") from None

    def __setattr__(self, name, value):
        raise AttributeError("MSDRecord is read-only")

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._data))

    def __repr__(self):
        n = len(self._data.get("segments_start", ()))
        return (f"MSDRecord({self._data.get('track_id')!r}, "
                f"{self._data.get('artist_name')!r} - {self._data.get('title')!r}, "
                f"{n} segments)")

    def __eq__(self, other):
        if not isinstance(other, MSDRecord) or set(self) != set(other):
            return False
        for k, a in self._data.items():
            b = other[k]
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                a, b = np.asarray(a), np.asarray(b)
                if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
                    return False
                if not np.array_equal(a, b, equal_nan=a.dtype.kind == "f"):
                    return False
            elif isinstance(a, float) and isinstance(b, float):
                if not (a == b or (np.isnan(a) and np.isnan(b))):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None

    def to_analysis(self):
        """Return the analysis part as an :class:`mirnb.analysis.Analysis`.

        Raises
        ------
        ParameterError
            The record was read with ``arrays=False``.
        """
        if "segments_start" not in self._data:
            raise ParameterError("this record was read with arrays=False; read it again "
                                 "with read_h5(path) to get the analysis arrays")
        kw = {name: self._data[name] for name in ANALYSIS_ARRAYS}
        for name in ("key", "key_confidence", "mode", "mode_confidence", "tempo",
                     "time_signature", "time_signature_confidence", "duration",
                     "loudness", "end_of_fade_in", "start_of_fade_out"):
            kw[name] = self._data[name]
        kw["sample_rate"] = self._data["analysis_sample_rate"]
        return Analysis(**kw)

    def write_kwargs(self):
        """Keyword arguments that make :func:`write_h5` reproduce this record.

        ``write_h5(path, rec, **rec.write_kwargs())`` writes a file that
        :func:`read_h5` reads back equal to ``rec``.
        """
        skip = set(ANALYSIS_ARRAYS) | {"key", "key_confidence", "mode", "mode_confidence",
                                       "tempo", "time_signature",
                                       "time_signature_confidence", "duration",
                                       "loudness", "end_of_fade_in", "start_of_fade_out",
                                       "analysis_sample_rate"}
        return {k: v for k, v in self._data.items() if k not in skip}


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------
def h5_path(root, track_id, *, data_dir=True):
    """Where the file of ``track_id`` lives under an MSD root.

    Parameters
    ----------
    root : str or Path
        The dataset folder (the one holding ``data/``).
    track_id : str
        An MSD track id such as ``'TRAAABD128F429CF47'``.
    data_dir : bool
        Put the file under ``root/data/`` (the MSD's own layout) or directly
        under ``root/``.

    Returns
    -------
    Path
        ``root/data/<A>/<B>/<C>/<track_id>.h5`` with A, B, C the 3rd, 4th and
        5th characters of the id.
    """
    track_id = _check_track_id(track_id)
    base = Path(root) / "data" if data_dir else Path(root)
    return base / track_id[2] / track_id[3] / track_id[4] / f"{track_id}.h5"


def _check_track_id(track_id):
    if not isinstance(track_id, str) or not _TRACK_ID.match(track_id):
        raise ParameterError(f"track_id={track_id!r}: expected 5 to 32 letters, digits, "
                             "'_' or '-', such as 'TRAAABD128F429CF47'")
    return track_id


def _slice(h5, name, songidx, nrows):
    group, idx_field = _IDX[name]
    ds = h5[f"{group}/{name}"]
    if nrows == 1:
        return ds[()]
    table = h5[f"{group}/songs"]
    start = int(table[songidx][idx_field])
    stop = int(table[songidx + 1][idx_field]) if songidx + 1 < nrows else ds.shape[0]
    return ds[start:stop]


def read_h5(path, *, songidx=0, arrays=True):
    """Read one song of an MSD HDF5 file.

    Parameters
    ----------
    path : str or Path
        A per-track file such as ``data/A/A/A/TRAAABD128F429CF47.h5``, or an
        aggregate file holding several songs.
    songidx : int >= 0
        Which song of an aggregate file; per-track files hold one (0).
    arrays : bool
        Read the analysis arrays (segments, beats, ...). ``False`` reads only
        the tables and the artist's terms, tags and similar artists, which
        is several times faster for building label tables.

    Returns
    -------
    MSDRecord
        Every field of the three ``songs`` tables (except the ``idx_*``
        offsets), the analysis arrays (when ``arrays``), ``artist_terms``,
        ``artist_terms_freq``, ``artist_terms_weight``, ``similar_artists``,
        ``artist_mbtags`` and ``artist_mbtags_count``.

    Raises
    ------
    MissingDataError
        The file does not exist.
    DataError
        The file cannot be opened as HDF5, or lacks part of the schema.
    ParameterError
        ``songidx`` is out of range.

    References
    ----------
    Bertin-Mahieux et al. (2011); the field list is the MSD's "field list"
    page. Used in ``00_data`` and ``03_dieleman2011``.
    """
    import h5py

    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"MSD file not found: {path}")
    if isinstance(songidx, bool) or not isinstance(songidx, (int, np.integer)) or songidx < 0:
        raise ParameterError(f"songidx={songidx!r}: expected an integer >= 0")
    try:
        h5 = h5py.File(path, "r")
    except (OSError, ValueError) as err:
        raise DataError(f"cannot open MSD file {path} as HDF5 ({err}). The file is "
                        "truncated or not an HDF5 file: download it again, or delete "
                        "it.") from None
    data = {}
    try:
        with h5:
            nrows = h5["analysis/songs"].shape[0]
            if songidx >= nrows:
                raise ParameterError(f"songidx={songidx}: {path} holds {nrows} song(s), "
                                     f"expected 0 <= songidx < {nrows}")
            for group, (_, _, fields, _) in _GROUPS.items():
                row = h5[f"{group}/songs"][songidx]
                for name, dtype in fields:
                    if not name.startswith("idx_"):
                        data[name] = _scalar(row[name], dtype)
            if arrays:
                for name in ANALYSIS_ARRAYS:
                    data[name] = np.asarray(_slice(h5, name, songidx, nrows),
                                            dtype=np.float64)
            for name, (_, _, dtype, _) in _SIDE_ARRAYS.items():
                values = _slice(h5, name, songidx, nrows)
                if name in _STRING_LISTS:
                    data[name] = [_decode(v) for v in values]
                elif dtype == _I4:
                    data[name] = np.asarray(values, dtype=np.int32)
                else:
                    data[name] = np.asarray(values, dtype=np.float64)
    except KeyError as err:
        raise DataError(f"MSD file {path} lacks part of the schema ({err}); it is not a "
                        "Million Song Dataset song file, or it is damaged: download it "
                        "again.") from None
    except OSError as err:
        raise DataError(f"cannot read MSD file {path} ({err}): the file is damaged; "
                        "download it again, or delete it.") from None
    return MSDRecord(data)


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------
def _attr_str(s):
    return np.bytes_(s.encode("ascii"))


def _encode(name, value, size):
    b = str(value).encode("utf-8")
    if len(b) > size:
        raise ParameterError(f"{name}={value!r} is {len(b)} bytes in UTF-8; the MSD schema "
                             f"holds at most {size}")
    return b


def _get(analysis, name, *alts):
    for key in (name, *alts):
        if isinstance(analysis, Mapping):
            if key in analysis:
                return analysis[key]
        elif hasattr(analysis, key):
            return getattr(analysis, key)
    raise ParameterError(f"analysis has no field {name!r}: pass an Analysis from "
                         "mirnb.analysis.analyze or an MSDRecord")


def _analysis_arrays(analysis):
    out = {}
    for name, (_, cols) in ANALYSIS_ARRAYS.items():
        a = np.asarray(_get(analysis, name), dtype=np.float64)
        if cols is None and a.ndim != 1:
            raise ParameterError(f"{name} has shape {a.shape}: expected (n,)")
        if cols is not None and (a.ndim != 2 or a.shape[1] != cols) \
                and not (a.size == 0 and a.ndim in (1, 2)):
            raise ParameterError(f"{name} has shape {a.shape}: the MSD schema needs "
                                 f"(n, {cols})")
        if cols is not None:
            a = a.reshape(-1, cols)
        out[name] = a
    groups = {"segments": [k for k in out if k.startswith("segments_")]}
    for prefix in ("beats", "bars", "tatums", "sections"):
        groups[prefix] = [f"{prefix}_start", f"{prefix}_confidence"]
    for prefix, names in groups.items():
        lengths = {k: len(out[k]) for k in names}
        if len(set(lengths.values())) > 1:
            raise ParameterError(f"the {prefix} arrays differ in length: {lengths}")
    return out


def _table_row(fields, values, where):
    dtype = np.dtype(fields)
    row = np.zeros(1, dtype=dtype)
    for name, kind in fields:
        v = values.get(name)
        if name.startswith("idx_"):
            row[name] = 0
        elif kind.startswith("S"):
            row[name] = _encode(name, "" if v is None else v, int(kind[1:]))
        elif kind == _I4:
            if v is None:
                v = 0
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) \
                    or not -2**31 <= int(v) < 2**31:
                raise ParameterError(f"{name}={v!r}: expected a 32-bit integer ({where})")
            row[name] = int(v)
        else:
            if v is None:
                v = np.nan if name in _NAN_DEFAULTS else 0.0
            try:
                row[name] = float(v)
            except (TypeError, ValueError):
                raise ParameterError(f"{name}={v!r}: expected a number ({where})") from None
    return row


def _set_table_attrs(ds, fields, title):
    ds.attrs["CLASS"] = _attr_str("TABLE")
    for i, (name, kind) in enumerate(fields):
        ds.attrs[f"FIELD_{i}_NAME"] = _attr_str(name)
        if kind.startswith("S"):
            ds.attrs.create(f"FIELD_{i}_FILL", np.bytes_(b""), dtype="S1")
        elif kind == _I4:
            ds.attrs[f"FIELD_{i}_FILL"] = np.int32(0)
        else:
            ds.attrs[f"FIELD_{i}_FILL"] = np.float64(0.0)
    ds.attrs["NROWS"] = np.int64(1)
    ds.attrs["TITLE"] = _attr_str(title)
    ds.attrs["VERSION"] = _attr_str("2.6")


def _earray(group, name, data, title, dtype, chunks):
    data = np.asarray(data, dtype=dtype)
    maxshape = (None,) + data.shape[1:]
    ds = group.create_dataset(name, data=data, maxshape=maxshape, chunks=chunks,
                              compression="gzip", compression_opts=1, shuffle=True)
    ds.attrs["CLASS"] = _attr_str("EARRAY")
    ds.attrs["EXTDIM"] = np.int32(0)
    ds.attrs["TITLE"] = _attr_str(title)
    ds.attrs["VERSION"] = _attr_str("1.0")


_WRITE_EXTRA = ({n for n, _ in _ANALYSIS_SONGS if not n.startswith("idx_")}
                - {"analysis_sample_rate", "duration", "end_of_fade_in", "key",
                   "key_confidence", "loudness", "mode", "mode_confidence",
                   "start_of_fade_out", "tempo", "time_signature",
                   "time_signature_confidence", "track_id"}) \
    | ({n for n, _ in _METADATA_SONGS if not n.startswith("idx_")}
       - {"artist_id", "artist_name", "title", "release", "song_id"}) \
    | {"similar_artists"}


def write_h5(path, analysis, *, track_id, song_id, artist_id, artist_name, title,
             release="", year=0, artist_terms=(), artist_terms_freq=None,
             artist_terms_weight=None, artist_mbtags=(), artist_mbtags_count=None,
             **extra):
    """Write one song as an MSD HDF5 file, in the real schema, atomically.

    The file has the real files' groups (``analysis``, ``metadata``,
    ``musicbrainz``), their compound ``songs`` tables with the same fields
    and dtypes (``idx_*`` offsets 0), the same extendable arrays with the
    same dtypes, chunking and gzip level-1 compression with shuffle, and
    the same PyTables attributes (CLASS, TITLE, VERSION, FIELD_i_NAME,
    ...). It is written to a temporary file in the same folder and renamed
    into place, so a crash never leaves half a file.

    Parameters
    ----------
    path : str or Path
        Output file; its folders are created. Use :func:`h5_path` for the MSD
        layout.
    analysis : Analysis or MSDRecord or Mapping
        The analysis arrays and scalars (``segments_*``, ``beats_*``,
        ``bars_*``, ``tatums_*``, ``sections_*``, ``key``, ``mode``,
        ``tempo``, ..., and ``sample_rate`` or ``analysis_sample_rate``).
        ``segments_pitches`` and ``segments_timbre`` must have 12 columns.
    track_id, song_id, artist_id, artist_name, title, release : str
        Identifiers and names (at most 32 bytes for ids, 1024 for names).
    year : int
        Release year, 0 if unknown (the MSD's convention).
    artist_terms : sequence of str
        Echo Nest terms of the artist (at most 256 bytes each).
    artist_terms_freq, artist_terms_weight : array-like or None
        One value per term; ``None`` writes ones.
    artist_mbtags : sequence of str
        MusicBrainz tags of the artist.
    artist_mbtags_count : array-like of int or None
        One count per tag; ``None`` writes ones.
    **extra
        Any other field of the ``songs`` tables: ``audio_md5``,
        ``danceability``, ``energy``, ``analyzer_version``,
        ``artist_7digitalid``, ``artist_familiarity``, ``artist_hotttnesss``,
        ``artist_latitude``, ``artist_location``, ``artist_longitude``,
        ``artist_mbid``, ``artist_playmeid``, ``genre``,
        ``release_7digitalid``, ``song_hotttnesss``, ``track_7digitalid``,
        and the list ``similar_artists`` (artist ids, at most 20 bytes).
        Fields not given are written as 0, the empty string, or NaN for
        ``artist_latitude``, ``artist_longitude`` and ``song_hotttnesss``
        (the real files' "unknown").

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ParameterError
        An unknown field, a string too long for its field, arrays of
        inconsistent lengths, or a malformed track id.

    References
    ----------
    Bertin-Mahieux et al. (2011). Used by the synthetic corpus's MSD view
    (``mirnb.datasets.synth``) and ``00_data``.
    """
    import h5py

    unknown = set(extra) - _WRITE_EXTRA
    if unknown:
        raise ParameterError(f"unknown MSD field(s) {sorted(unknown)}; the extra fields "
                             f"write_h5 accepts are {sorted(_WRITE_EXTRA)}")
    _check_track_id(track_id)
    arrays = _analysis_arrays(analysis)
    values = dict(extra)
    values.update(track_id=track_id, song_id=song_id, artist_id=artist_id,
                  artist_name=artist_name, title=title, release=release, year=year)
    for name in ("key", "mode", "time_signature"):
        values[name] = int(_get(analysis, name))
    for name in ("key_confidence", "mode_confidence", "tempo", "time_signature_confidence",
                 "duration", "loudness", "end_of_fade_in", "start_of_fade_out"):
        values[name] = float(_get(analysis, name))
    values["analysis_sample_rate"] = int(_get(analysis, "analysis_sample_rate",
                                              "sample_rate"))

    terms = [str(t) for t in artist_terms]
    mbtags = [str(t) for t in artist_mbtags]
    similar = [str(t) for t in (extra.get("similar_artists") or ())]
    side = {
        "similar_artists": np.array([_encode("similar_artists", s, 20) for s in similar],
                                    dtype="S20"),
        "artist_terms": np.array([_encode("artist_terms", t, 256) for t in terms],
                                 dtype="S256"),
        "artist_mbtags": np.array([_encode("artist_mbtags", t, 256) for t in mbtags],
                                  dtype="S256"),
    }
    for name, given, n, dtype in (
            ("artist_terms_freq", artist_terms_freq, len(terms), np.float64),
            ("artist_terms_weight", artist_terms_weight, len(terms), np.float64),
            ("artist_mbtags_count", artist_mbtags_count, len(mbtags), np.int32)):
        a = np.ones(n, dtype=dtype) if given is None else np.asarray(given, dtype=dtype)
        if a.shape != (n,):
            raise ParameterError(f"{name} has shape {a.shape}: expected ({n},), one value "
                                 f"per {'term' if 'terms' in name else 'tag'}")
        side[name] = a

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".h5.tmp")
    os.close(fd)
    try:
        with h5py.File(tmp, "w", libver="earliest") as h5:
            for k, v in _ROOT_ATTRS.items():
                h5.attrs[k] = _attr_str(v) if isinstance(v, str) else v
            for group_name, (gtitle, ttitle, fields, chunk) in _GROUPS.items():
                g = h5.create_group(group_name)
                g.attrs["CLASS"] = _attr_str("GROUP")
                g.attrs["FILTERS"] = _FILTERS
                g.attrs["TITLE"] = _attr_str(gtitle)
                g.attrs["VERSION"] = _attr_str("1.0")
                row = _table_row(fields, values, f"{group_name}/songs")
                ds = g.create_dataset("songs", data=row, maxshape=(None,),
                                      chunks=(chunk,), compression="gzip",
                                      compression_opts=1, shuffle=True)
                _set_table_attrs(ds, fields, ttitle)
            for name, (atitle, cols) in ANALYSIS_ARRAYS.items():
                chunks = (1024,) if cols is None else (85, cols)
                _earray(h5["analysis"], name, arrays[name], atitle, np.float64, chunks)
            for name, (group_name, atitle, dtype, chunk) in _SIDE_ARRAYS.items():
                _earray(h5[group_name], name, side[name], atitle, dtype, (chunk,))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


# ---------------------------------------------------------------------------
# the dataset
# ---------------------------------------------------------------------------
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

        See :func:`mirnb.analysis.beat_features` for the keyword arguments.
        """
        return _beat_features(self.record(), **kwargs)


_LABEL_COLUMNS = ["artist_id", "artist_name", "title", "release", "song_id", "year",
                  "key", "key_confidence", "mode", "mode_confidence", "tempo",
                  "time_signature", "duration", "loudness", "mbtags", "mbtags_count",
                  "terms", "genre", "path"]


def _norm_tag(t):
    return " ".join(str(t).lower().split())


def _ranked_mbtags(tags, counts):
    order = sorted(range(len(tags)), key=lambda i: -int(counts[i]) if i < len(counts) else 0)
    return [tags[i] for i in order], [int(counts[i]) if i < len(counts) else 0
                                      for i in order]


def _pick_genre(tags, counts, vocab, min_count=1):
    """Highest-count tag (with count >= min_count) that is in ``vocab``."""
    for tag, c in zip(*_ranked_mbtags(tags, counts)):
        if c < min_count:
            continue
        if vocab is None:
            return tag
        hit = vocab.get(_norm_tag(tag))
        if hit is not None:
            return hit
    return None


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
    Building :attr:`labels` opens every file once (about 2 ms each), so the
    10,000-song subset takes some 20 s; the frame is then kept.

    References
    ----------
    Bertin-Mahieux et al. (2011); Dieleman et al. (2011) for the artist,
    genre and key tasks. Used in ``00_data`` and ``03_dieleman2011``.
    """

    name = "Million Song Dataset"
    folder = "msd"
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
(mirnb.datasets.synth) writes the same layout.
"""

    def __init__(self, data_home=None, *, genres=None, verbose=True):
        super().__init__(data_home)
        if genres is not None:
            if isinstance(genres, str):
                raise ParameterError(f"genres={genres!r}: expected a sequence of genre "
                                     "names, not one string")
            genres = list(genres)
            if not genres:
                raise ParameterError("genres=[]: expected at least one genre name or None")
        self.genres = genres
        self._vocab = None if genres is None else {_norm_tag(g): g for g in genres}
        self.verbose = verbose
        self.skipped = []

    def files(self):
        """Sorted list of the .h5 files under the dataset folder, in either layout."""
        found = set(self.root.glob("data/*/*/*/*.h5")) | set(self.root.glob("*/*/*/*.h5"))
        return sorted(p for p in found if p.is_file())

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
                skipped.append(Skipped(tid, f"duplicate of {seen[tid]}: {path} ignored"))
                continue
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

        The MSD has no audio; ``check_audio`` reads each file's arrays.

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
                    read_h5(path)
                except DataError as err:
                    report.invalid.append(Skipped(tid, str(err)))
        report.invalid.extend(self.skipped)
        return report

    def splits(self, name="artist", *, path=None, fractions=(0.5, 0.2, 0.3), seed=0,
               n_artists=None, n_genres=None, min_tracks=5, min_confidence=0.5,
               classes=12):
        """Train / valid / test split of the tracks.

        Parameters
        ----------
        name : {'artist', 'genre', 'key', 'file'}
            ``'artist'``: tracks stratified by artist (the artist task).
            ``'genre'``: tracks with a genre label, stratified by genre.
            ``'key'``: tracks whose key confidence is at least
            ``min_confidence``, stratified by key (see :func:`key_labels`).
            ``'file'``: read from ``path``, see :func:`read_split_file`; ids
            not in this dataset are left out with a logged warning.
        path : str or Path
            Split file for ``'file'``.
        fractions : (float, float, float)
            Train, valid and test fractions for the random splits.
        seed : int
        n_artists, n_genres : int or None
            Keep only the tracks of the most frequent artists / genres.
        min_tracks : int
            Leave out classes with fewer tracks than this (a stratified
            three-way split needs a few per class).
        min_confidence : float in [0, 1]
            Key split only.
        classes : {12, 24}
            Key split only: tonic, or tonic and mode.

        Returns
        -------
        dict
            ``{'train': [...], 'valid': [...], 'test': [...]}``, sorted ids.
        """
        _check.choice("name", name, {"artist", "genre", "key", "file"})
        labels = self.labels
        if name == "file":
            if path is None:
                raise ParameterError("splits('file') needs path=, a text file of "
                                     "'<track_id> <split>' lines")
            split = read_split_file(path)
            known = set(labels.index)
            out, dropped = {}, 0
            for k, ids in split.items():
                out[k] = sorted(t for t in ids if t in known)
                dropped += len(ids) - len(out[k])
            if dropped:
                log.warning("MSD split file %s: %d track ids are not in this dataset and "
                            "were left out", path, dropped)
            return out
        min_tracks = _check.positive_int("min_tracks", min_tracks)
        if name == "artist":
            df = labels[labels["artist_id"].astype(bool)]
            if n_artists is not None:
                keep = set(top_artists(df, _check.positive_int("n_artists", n_artists)))
                df = df[df["artist_id"].isin(keep)]
            ids, y = list(df.index), df["artist_id"].to_numpy()
        elif name == "genre":
            df = labels[labels["genre"].notna()]
            if n_genres is not None:
                n_genres = _check.positive_int("n_genres", n_genres)
                counts = df["genre"].value_counts()
                top = sorted(counts.index, key=lambda g: (-counts[g], str(g)))[:n_genres]
                df = df[df["genre"].isin(top)]
            ids, y = list(df.index), df["genre"].to_numpy()
        else:
            ids, y = key_labels(labels, min_confidence=min_confidence, classes=classes)
        ids, y = _drop_small_classes(ids, y, min_tracks)
        if not ids:
            raise ParameterError(f"splits({name!r}): no class has {min_tracks} or more "
                                 "tracks; lower min_tracks or add data")
        try:
            return stratified_split(ids, y, fractions=fractions, seed=seed)
        except ValueError as err:
            if isinstance(err, ParameterError):
                raise
            raise ParameterError(f"splits({name!r}) cannot stratify {len(ids)} tracks in "
                                 f"{len(set(y))} classes with fractions={fractions}: {err}. "
                                 "Raise min_tracks or change the fractions.") from None


def _drop_small_classes(ids, y, min_tracks):
    y = np.asarray(y)
    if len(y) == 0:
        return [], y
    values, counts = np.unique(y, return_counts=True)
    ok = set(values[counts >= min_tracks].tolist())
    keep = np.array([v in ok for v in y.tolist()], dtype=bool)
    return [t for t, k in zip(ids, keep) if k], y[keep]


# ---------------------------------------------------------------------------
# label helpers
# ---------------------------------------------------------------------------
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


def mbtag_genres(labels, vocabulary, *, min_count=1, min_tracks=1):
    """Genre labels from MusicBrainz artist tags and a genre vocabulary.

    A track's genre is the vocabulary entry matching (case-insensitively)
    its artist's MusicBrainz tag with the highest count among the tags that
    are in the vocabulary and were applied at least ``min_count`` times.

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
    vocab = {_norm_tag(g): g for g in vocabulary}
    out = {}
    for tid, tags, counts in zip(labels.index, labels["mbtags"], labels["mbtags_count"]):
        g = _pick_genre(list(tags), list(counts), vocab, min_count)
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
    (``validation`` and ``val`` are accepted) or ``test``.

    Returns
    -------
    dict
        ``{'train': [...], 'valid': [...], 'test': [...]}`` in file order.

    Raises
    ------
    MissingDataError, DataError
        The file is absent, or a line is malformed (its number is given).
    """
    text = _read_text(path, "split file")
    alias = {"train": "train", "valid": "valid", "validation": "valid", "val": "valid",
             "test": "test"}
    out = {"train": [], "valid": [], "test": []}
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [p for p in re.split(r"[\s,]+", line) if p]
        if len(parts) != 2 or parts[1].lower() not in alias:
            raise DataError(f"{path}, line {lineno}: {line!r} is not '<track_id> <split>' "
                            "with split in train / valid / test; fix the line")
        out[alias[parts[1].lower()]].append(parts[0])
    return out


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
