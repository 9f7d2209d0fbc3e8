"""ISMIR 2004 Genre collection (the ISMIR 2004 audio description contest), real or synthetic.

The collection comes from Magnatune: 6 classes, unbalanced, in three
folders of 729 full-length songs each. The training and the development
sets each hold (:data:`CLASS_COUNTS`)

    classical 320, electronic 115, jazz_blues 26, metal_punk 45, rock_pop 101, world 122

Zhang et al. (2015, Sec. 4.1) train on the training set and test on the
development set (split ``'official'``); the third folder (evaluation) is
not used and not read.

Layout under ``<data_home>/ismir2004/``: the unpacked ``ismir04_genre``
archive as the Music Technology Group distributes it::

    audio/training/<genre>/<artist>/<album>/<n>-<title>.mp3
    audio/development/artist_<A>_album_<B>_track_<C>.mp3    (flat, anonymised)
    metadata/training/tracklist.csv
    metadata/development/tracklist.csv
    metadata/development/ground_truth.csv                   (optional)
    synth_labels.csv        (synthetic view only: family, artist, key, tags...)

``<genre>`` is one of the eight Magnatune genres the training folder is
arranged by (classical, electronic, jazz, metal, pop, punk, rock, world) or
one of the six classes. The metadata files are comma-separated, without a
header: ``class, artist, album, track, track number, file path`` (file
path relative to ``audio/<part>/``); ``ground_truth.csv`` pairs a file path
with its class.

What the loader accepts, and what it refuses:

- A track's class is the class its metadata row gives; a training file
  that no metadata row lists takes the class of its genre folder
  (jazz -> jazz_blues, metal and punk -> metal_punk, rock and pop ->
  rock_pop). Class names are read leniently (``jazz-blues``,
  ``Jazz & Blues``). File paths in the metadata are matched ignoring case,
  the audio extension (a copy converted to WAV, as Zhang et al. did, still
  matches) and with ``'`` read as ``_`` (the archive's files were renamed so).
- Hidden files and folders (names starting with ``.``) are ignored, as are
  files that are not audio (:data:`~mirnb.datasets.AUDIO_EXTENSIONS`).
- One track in two files (``x.mp3`` and ``x.wav``) is a
  :class:`~mirnb.errors.DataError` naming both files; so are a development
  file with no class in the metadata, a training file outside a genre
  folder that no metadata row lists, a metadata row that is not
  ``class, ..., file path``, and one file listed with two classes.
- Metadata rows whose file is absent are reported (a warning, and
  :meth:`ISMIR2004.validate`), as are class counts that differ from the
  real collection's.

Track ids are the audio file's path below ``audio/`` without its
extension, e.g. ``training/classical/jacob_heringman/black_cow/16-waissel_polish_dance``
and ``development/artist_100_album_1_track_1``.
"""

import csv
import io
import re
from pathlib import Path

import pandas as pd

from .. import _check
from ..errors import DataError, ParameterError
from .core import AUDIO_EXTENSIONS, Dataset, Skipped, Split, Track, log
from .tables import check_unique, is_hidden, read_text

__all__ = ["ISMIR2004", "CLASSES", "CLASS_COUNTS", "FOLDER_GENRES", "PARTS", "class_of",
           "read_metadata"]

#: The six classes of the contest.
CLASSES = ("classical", "electronic", "jazz_blues", "metal_punk", "rock_pop", "world")

#: Tracks per class in each of the training and the development sets
#: (729 each; Zhang et al. 2015, footnote 9, give these counts).
CLASS_COUNTS = {"classical": 320, "electronic": 115, "jazz_blues": 26, "metal_punk": 45,
                "rock_pop": 101, "world": 122}

#: The eight Magnatune genres that name the training set's folders, and
#: the class each belongs to.
FOLDER_GENRES = {"classical": "classical", "electronic": "electronic", "jazz": "jazz_blues",
                 "blues": "jazz_blues", "metal": "metal_punk", "punk": "metal_punk",
                 "rock": "rock_pop", "pop": "rock_pop", "world": "world"}

#: The parts read: label value -> folder name under ``audio/`` and ``metadata/``.
PARTS = {"train": "training", "development": "development"}

CITATION = """
@techreport{cano2006ismir,
  author      = {Cano, Pedro and G{\\'o}mez, Emilia and Gouyon, Fabien and Herrera, Perfecto
                 and Koppenberger, Markus and Ong, Beesuan and Serra, Xavier
                 and Streich, Sebastian and Wack, Nicolas},
  title       = {{ISMIR} 2004 Audio Description Contest},
  institution = {Music Technology Group, Universitat Pompeu Fabra},
  address     = {Barcelona},
  number      = {MTG-TR-2006-02},
  year        = {2006},
  url         = {http://hdl.handle.net/10230/34013}
}
"""

_ALIASES = {**{c: c for c in CLASSES}, **FOLDER_GENRES, "jazzblues": "jazz_blues",
            "jazz_and_blues": "jazz_blues", "metalpunk": "metal_punk",
            "metal_and_punk": "metal_punk", "rockpop": "rock_pop", "rock_and_pop": "rock_pop"}
_TRACKLIST_FIELDS = ("class", "artist", "album", "track", "track_number", "file_path")
_COUNT_PROBLEM = "class count differs from the real collection's"


def class_of(name):
    """Return the class a genre or class name stands for, or None.

    Parameters
    ----------
    name : str
        A class (``'jazz_blues'``, also ``'jazz-blues'``, ``'Jazz & Blues'``)
        or one of the training folders' genres (``'jazz'``, ``'punk'``).

    Returns
    -------
    str or None
        One of :data:`CLASSES`.
    """
    key = re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower().replace("&", " and "))
    return _ALIASES.get(key.strip("_"))


def _path_key(path):
    """How a file path is matched: lower case, ``/``, ``'`` read as ``_``, no prefix
    and no audio extension (a copy converted to WAV still matches its rows)."""
    key = str(path).strip().replace("\\", "/").lower().replace("'", "_")
    key = re.sub(r"^(\./)+", "", key)
    for ext in AUDIO_EXTENSIONS:
        if key.endswith(ext):
            key = key[: -len(ext)]
    for folder in PARTS.values():
        for prefix in (f"audio/{folder}/", f"{folder}/"):
            if key.startswith(prefix):
                return key[len(prefix):]
    return key


def read_metadata(path):
    """Read a metadata file of the collection (``tracklist.csv`` or ``ground_truth.csv``).

    Each row is comma-separated (fields may be quoted). The file path is the
    field that ends with an audio extension, the class the first field that
    :func:`class_of` recognises; a row of six fields is read as ``class,
    artist, album, track, track number, file path``. A header line (no file
    path) is skipped.

    Parameters
    ----------
    path : Path

    Returns
    -------
    list of dict
        One per row: ``file`` (as written), ``key`` (as matched), ``class``
        (None when the row gives none), ``line``, and ``artist``, ``album``,
        ``title``, ``track_number`` for six-field rows.

    Raises
    ------
    DataError
        The file is empty or unreadable, or a row names no audio file.
    """
    path = Path(path)
    what = "rows of 'class, artist, album, track, track number, file path'"
    text = read_text(path, what=what)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=",", quotechar='"',
                        skipinitialspace=True)
    rows = []
    try:
        for fields in reader:
            line = reader.line_num
            fields = [f.strip() for f in fields]
            if not any(fields):
                continue
            files = [f for f in fields if f.lower().endswith(AUDIO_EXTENSIONS)]
            if not files:
                if not rows and line == 1:  # a header
                    continue
                raise DataError(f"{path}, line {line}: no audio file path in {fields!r}; "
                                f"expected {what}: fix or delete the line")
            cls = next((class_of(f) for f in fields if f not in files and class_of(f)), None)
            row = {"file": files[-1], "key": _path_key(files[-1]), "class": cls,
                   "line": line}
            if len(fields) == len(_TRACKLIST_FIELDS) and fields[-1] == files[-1]:
                row.update(artist=fields[1], album=fields[2], title=fields[3],
                           track_number=fields[4])
            rows.append(row)
    except csv.Error as err:
        raise DataError(f"cannot parse {path}, line {reader.line_num}: {err}; expected "
                        f"{what}") from None
    if not rows:
        raise DataError(f"{path} lists no tracks; expected {what}")
    return rows


class ISMIR2004(Dataset):
    """The ISMIR 2004 Genre collection: training and development sets.

    Parameters
    ----------
    data_home : str or Path, optional
        Folder holding ``ismir2004/``; default ``$MIRNB_DATA`` or
        ``~/mir_datasets``.

    Attributes
    ----------
    labels : pandas.DataFrame
        Per track: ``genre`` (one of :data:`CLASSES`), ``part``
        (``'train'`` or ``'development'``), ``folder_genre`` (the training
        folder's genre, empty for development tracks), ``artist``,
        ``album``, ``title``, ``track_number`` (from the metadata, empty
        where it has none) and ``path``; the synthetic view adds what was
        rendered (``family``, ``key_name``, ``tempo``, ``tags``, ...).

    Examples
    --------
    >>> ds = ISMIR2004()                                  # doctest: +SKIP
    >>> split = ds.splits("official")                     # doctest: +SKIP
    >>> len(split["train"]), len(split["test"])           # doctest: +SKIP
    (729, 729)

    Notes
    -----
    Splits (:meth:`splits`): ``'official'`` (the default: train = training
    set, test = development set, as Zhang et al. 2015 use it), ``'kfold'``
    (stratified by class over both sets) and ``'files'``. The songs are full
    length and vary, so :attr:`expected_duration` is None. The synthetic
    corpus writes a view in the same layout (``mirnb.synth.load('ismir2004')``).

    References
    ----------
    Cano et al., ISMIR 2004 audio description contest, MTG-TR-2006-02 (2006).
    Zhang et al. (2015), Sec. 4.1. Used in ``notebooks/`` chapter on Zhang et al. 2015.
    """

    name = "ISMIR2004"
    folder = "ismir2004"
    expected_duration = None
    citation = CITATION
    index_file = "audio/"
    summary_columns = ("genre", "part")
    split_names = ("official", "kfold", "files")
    expected = """
Expected layout: the unpacked 'ismir04_genre' archive in <data_home>/ismir2004/:
  audio/training/<genre>/<artist>/<album>/<n>-<title>.mp3   (729 songs; <genre> one of
      classical, electronic, jazz, metal, pop, punk, rock, world)
  audio/development/artist_<A>_album_<B>_track_<C>.mp3     (729 songs)
  metadata/training/tracklist.csv       (class, artist, album, track, track number, file path)
  metadata/development/tracklist.csv    (the same; and/or ground_truth.csv: file path, class)
The classes are classical, electronic, jazz_blues, metal_punk, rock_pop and world.
ISMIR2004Genre is not downloaded automatically: get 'ismir04_genre' from the Music
Technology Group (Universitat Pompeu Fabra; see http://ismir2004.ismir.net/genre_contest/
and http://hdl.handle.net/10230/34013) and unpack it so that audio/ and metadata/ sit in
<data_home>/ismir2004/. To use the book's synthetic stand-in instead, run
`mirnb data synth --views ismir2004`.
"""

    def __init__(self, data_home=None):
        super().__init__(data_home)
        self._absent = []

    @property
    def is_synthetic(self):
        """bool: True for the synthetic corpus's view (it has ``synth_labels.csv``)."""
        return (self.root / "synth_labels.csv").is_file()

    # -- the index ---------------------------------------------------------
    def _index(self):
        audio = self.root / "audio"
        absent = [f"audio/{f}/" for f in PARTS.values() if not (audio / f).is_dir()]
        if not (self.root / "metadata" / "development").is_dir() or not any(
                (self.root / "metadata" / "development" / n).is_file()
                for n in ("tracklist.csv", "ground_truth.csv")):
            absent.append("metadata/development/tracklist.csv (or ground_truth.csv)")
        if absent:
            raise self.missing_error("absent: " + ", ".join(absent))
        rows, self._absent = [], []
        for part, folder in PARTS.items():
            rows += self._part_rows(part, folder)
        if not rows:
            raise self.missing_error("audio/training/ and audio/development/ hold no audio "
                                     "files")
        check_unique([r["track_id"] for r in rows], where=[r["path"] for r in rows],
                     what="ISMIR2004 track")
        labels = pd.DataFrame(rows).set_index("track_id").sort_index()
        if self._absent:
            log.warning("ISMIR2004: %d tracks listed in the metadata under %s have no audio "
                        "file (e.g. %s); the loader uses the %d present, validate() lists "
                        "the absent", len(self._absent), self.root / "metadata",
                        ", ".join(self._absent[:3]), len(labels))
        side = self.root / "synth_labels.csv"
        if side.is_file():
            labels = labels.join(self._synth_labels(side, labels), how="left")
        else:
            wrong = self._count_problems(labels)
            if wrong:
                log.warning("ISMIR2004: this copy's class counts differ from the real "
                            "collection's (%s); validate() lists them", "; ".join(
                                f"{s.track_id}: {s.reason}" for s in wrong[:4]))
        return labels

    def _part_rows(self, part, folder):
        """The tracks of one part: their labels from the metadata (or the folder)."""
        base = self.root / "audio" / folder
        meta = self._metadata(folder)
        by_key = {}
        for row in meta:
            by_key.setdefault(row["key"], []).append(row)
        by_name = {}
        for row in meta:
            by_name.setdefault(row["key"].rsplit("/", 1)[-1], []).append(row)
        rows, used = [], set()
        for path in self._audio_files(base):
            rel = path.relative_to(base)
            key = _path_key(rel.as_posix())
            found = by_key.get(key, [])
            if not found:  # listed under another folder: match a name listed once only
                named = by_name.get(key.rsplit("/", 1)[-1], [])
                found = named if len({r["key"] for r in named}) == 1 else []
            classes = {r["class"] for r in found if r["class"] is not None}
            if len(classes) > 1:
                lines = "; ".join(f"{r['source']}, line {r['line']}: {r['class']}"
                                  for r in found if r["class"] is not None)
                raise DataError(f"{path} is listed with two classes ({lines}); a track has "
                                "one class: fix the metadata")
            genre = folder_genre = ""
            if part == "train" and len(rel.parts) > 1 and class_of(rel.parts[0]):
                folder_genre = rel.parts[0]
            if classes:
                genre = classes.pop()
            elif folder_genre:
                genre = class_of(folder_genre)
            else:
                where = self.root / "metadata" / folder / "tracklist.csv"
                if part == "train":
                    why = f"no row of {where} lists it and it is not in a genre folder"
                else:
                    why = f"no row of {where} or of ground_truth.csv beside it lists it"
                raise DataError(f"{path} has no class: {why}; add the row 'class, artist, "
                                f"album, track, track number, {rel.as_posix()}' (class one "
                                f"of {list(CLASSES)}), or move the file out of audio/")
            info = next((r for r in found if "artist" in r), {})
            used.update(id(r) for r in found)
            rows.append({"track_id": f"{folder}/{rel.with_suffix('').as_posix()}",
                         "genre": genre, "part": part, "folder_genre": folder_genre,
                         "artist": info.get("artist", ""), "album": info.get("album", ""),
                         "title": info.get("title", ""),
                         "track_number": info.get("track_number", ""), "path": str(path)})
        listed = {}
        for r in meta:
            listed.setdefault(r["key"], r)
        self._absent += [f"{folder}/{r['file']}" for k, r in listed.items()
                         if not any(id(x) in used for x in by_key[k])]
        return rows

    def _metadata(self, folder):
        """The rows of ``metadata/<folder>/`` (tracklist.csv, then ground_truth.csv)."""
        rows = []
        for name in ("tracklist.csv", "ground_truth.csv"):
            path = self.root / "metadata" / folder / name
            if path.is_file():
                for row in read_metadata(path):
                    row["source"] = path
                    rows.append(row)
        return rows

    @staticmethod
    def _audio_files(base):
        """Audio files below ``base``, hidden files and folders left out, sorted."""
        out = []
        for path in sorted(base.rglob("*")):
            rel = path.relative_to(base)
            if any(is_hidden(p) for p in rel.parts) or not path.is_file():
                continue
            if path.suffix.lower() in AUDIO_EXTENSIONS:
                out.append(path)
        return out

    def _count_problems(self, labels):
        """Classes whose count in a part differs from :data:`CLASS_COUNTS`, as Skipped."""
        counts = labels.groupby(["part", "genre"]).size()
        out = []
        for part in PARTS:
            for cls, n in CLASS_COUNTS.items():
                got = int(counts.get((part, cls), 0))
                if got != n:
                    out.append(Skipped(f"{part}/{cls}",
                                       f"{_COUNT_PROBLEM}: {got} tracks, expected {n}"))
        return out

    def _synth_labels(self, side, labels):
        try:
            extra = pd.read_csv(side, keep_default_na=False, dtype={"track_id": str})
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError,
                pd.errors.EmptyDataError) as err:
            raise DataError(f"cannot read {side} ({type(err).__name__}: {err}); the "
                            "synthetic view is damaged: run `mirnb data synth --views "
                            "ismir2004 --force`") from None
        if "track_id" not in extra.columns:
            raise DataError(f"{side} has no column 'track_id'; the synthetic view is "
                            "damaged: run `mirnb data synth --views ismir2004 --force`")
        check_unique(list(extra["track_id"]), where=side)
        extra = extra.set_index("track_id")
        return extra.drop(columns=[c for c in extra.columns if c in labels])

    def _track(self, track_id, row):
        return Track(track_id, row["path"], row.drop("path").to_dict())

    def _split_item_id(self, item):
        """A split list's item: a track id, or an audio path below ``audio/``."""
        if item in self.labels.index:
            return item
        name = item.replace("\\", "/")
        name = re.sub(r"^(\./)?(audio/)?", "", name)
        for ext in AUDIO_EXTENSIONS:
            if name.lower().endswith(ext):
                return name[: -len(ext)]
        return name

    # -- checks ------------------------------------------------------------
    def validate(self, **kwargs):
        """Check every track, the tracks the metadata lists, and the class counts.

        Metadata rows whose audio file is absent count as missing; on the
        real collection, a class whose count in a part differs from
        :data:`CLASS_COUNTS` counts as invalid (track id ``'<part>/<class>'``).

        Parameters
        ----------
        **kwargs
            Those of :meth:`mirnb.datasets.Dataset.validate`.

        Returns
        -------
        ValidationReport
        """
        report = super().validate(**kwargs)
        report.missing = sorted(set(report.missing) | set(self._absent))
        report.n_tracks = len(self) + len(self._absent)
        if not self.is_synthetic:
            report.invalid = list(report.invalid) + self._count_problems(self.labels)
        return report

    # -- splits ------------------------------------------------------------
    def _split_official(self, *, valid_fraction=0.0, seed=0):
        """The contest's split: train = training set, test = development set.

        Zhang et al. (2015, Sec. 4.1) train on the training set and test on
        the development set; they keep no validation set (``valid`` is empty).

        Parameters
        ----------
        valid_fraction : float in [0, 1)
            Move this fraction of the training set, stratified by class,
            into ``valid`` (a hold-out for early stopping; 0 keeps it empty).
        seed : int
            Seed of the stratified draw (unused when ``valid_fraction`` is 0).

        Returns
        -------
        Split
            Parts 'train', 'valid' and 'test'.
        """
        labels = self.labels
        fraction = _check.fraction("valid_fraction", valid_fraction, closed=True)
        if fraction >= 1:
            raise ParameterError(f"valid_fraction={valid_fraction!r}: expected a number in "
                                 "[0, 1)")
        train = labels[labels.part == "train"]
        test = sorted(labels.index[labels.part == "development"])
        valid = []
        if fraction > 0 and len(train):
            from sklearn.model_selection import train_test_split

            try:
                keep, valid = train_test_split(list(train.index), test_size=fraction,
                                               stratify=train.genre.to_numpy(),
                                               random_state=seed)
            except ValueError as err:  # scikit-learn: too few tracks of a class
                raise self._too_few(f"a stratified valid_fraction={fraction:g}", err,
                                    train.genre) from None
            train = train.loc[keep]
        return Split({"train": sorted(train.index), "valid": sorted(valid), "test": test},
                     name="official")

    def _split_kfold(self, *, n_folds=10, fold=None, seed=0):
        """Stratified K-fold by class over both sets (training and development).

        Parameters
        ----------
        n_folds : int >= 2
        fold : int or None
            Return only this fold (0 to ``n_folds - 1``); None returns the
            list of every fold.
        seed : int

        Returns
        -------
        list of Split, or Split
            Each with the parts 'train' and 'test'.
        """
        return self._kfold(self.labels.genre, n_folds=n_folds, fold=fold, seed=seed)

