"""The Million Song Dataset's HDF5 song files: reader and writer in the real schema.

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

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ...analysis import Analysis
from ...cache import atomic_write
from ...errors import DataError, MissingDataError, ParameterError

__all__ = ["MSDRecord", "read_h5", "write_h5", "h5_path", "ANALYSIS_ARRAYS"]

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


def _check_schema(h5, path, arrays):
    """Raise DataError naming the first group, dataset or field ``h5`` lacks."""
    fix = ("the file does not follow the MSD song-file schema: it is not a Million Song "
           "Dataset song file, or it is damaged. Download it again, or delete it.")
    for group, (_, _, fields, _) in _GROUPS.items():
        obj = h5.get(group)
        if obj is None or not hasattr(obj, "keys"):
            raise DataError(f"MSD file {path} has no group '{group}/' (expected the "
                            f"groups {', '.join(g + '/' for g in _GROUPS)}); {fix}")
        table = obj.get("songs")
        if table is None or not hasattr(table, "dtype"):
            raise DataError(f"MSD file {path} has no table '{group}/songs'; {fix}")
        names = table.dtype.names or ()
        absent = [n for n, _ in fields if n not in names]
        if absent:
            raise DataError(f"MSD file {path}: the table '{group}/songs' lacks the "
                            f"field(s) {absent[:5]}; {fix}")
    needed = [(_IDX[n][0], n) for n in (ANALYSIS_ARRAYS if arrays else ())]
    needed += [(g, n) for n, (g, _, _, _) in _SIDE_ARRAYS.items()]
    for group, name in needed:
        if not hasattr(h5[group].get(name), "dtype"):
            raise DataError(f"MSD file {path} has no dataset '{group}/{name}'; {fix}")


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
        The file cannot be opened as HDF5, or lacks part of the schema (the
        message names the group, dataset or field).
    ParameterError
        ``songidx`` is out of range.

    References
    ----------
    Bertin-Mahieux et al. (2011); the field list is the MSD's "field list"
    page.
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
            _check_schema(h5, path, arrays)
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
    except (OSError, ValueError, TypeError, IndexError) as err:
        if isinstance(err, ParameterError):
            raise
        raise DataError(f"cannot read MSD file {path} ({type(err).__name__}: {err}): the "
                        "file is damaged; download it again, or delete it.") from None
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
    Bertin-Mahieux et al. (2011).
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

    def write(tmp):
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

    return atomic_write(path, write)
