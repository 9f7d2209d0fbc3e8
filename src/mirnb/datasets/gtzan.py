"""GTZAN genre collection (Tzanetakis & Cook 2002), real or synthetic view.

Layout under ``<data_home>/gtzan/``::

    genres/<genre>/<genre>.NNNNN.wav     (or .au, as in the original archive)
    splits/{train,valid,test}_filtered.txt   (optional: split 'filtered')
    splits/{train,valid,test}.txt            (optional: split 'files')
    synth_labels.csv                     (synthetic view only: artist, key, tags...)

The real collection holds 1000 clips of about 30 s, 22050 Hz, mono, 16-bit,
100 per genre (:data:`TRACK_IDS`). Some copies have an unreadable
``jazz.00054``: :meth:`GTZAN.validate` reports it, and
:func:`mirnb.datasets.map_tracks` skips and reports it during extraction.

What the loader accepts, and what it refuses:

- Hidden files and folders (names starting with ``.``, e.g. macOS's
  ``._disco.00000.wav``) are ignored.
- Other entries inside a genre folder (nested folders, files that are not
  ``<genre>.NNNNN.wav``/``.au``) are ignored, and a warning lists them;
  misnamed audio files are also reported by :meth:`GTZAN.validate`.
- One clip in two files (``blues.00000.wav`` and ``blues.00000.au``), a clip
  in another genre's folder, and a folder that is not one of the ten genres
  but holds audio are errors (:class:`~mirnb.errors.DataError`).
- A partial copy (a genre folder missing, some clips absent) still loads,
  with one warning giving the count; :meth:`GTZAN.validate` lists every
  absent clip of the real collection's index. The synthetic view has its
  own, smaller, index.
"""

import re
from pathlib import Path

import pandas as pd

from ..cache import file_checksum
from ..errors import DataError, MissingDataError, ParameterError
from .core import Dataset, Skipped, Split, Track, log, stratified_split
from .tables import check_unique, is_hidden, read_text

__all__ = ["GTZAN", "GENRES", "TRACK_IDS", "FILTERED_SPLIT", "read_split_list"]

GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop",
          "reggae", "rock")

#: The real collection's index: 100 clips per genre, ``<genre>.00000`` to
#: ``<genre>.00099``.
TRACK_IDS = tuple(f"{g}.{i:05d}" for g in GENRES for i in range(100))

_EXTENSIONS = (".wav", ".au")
_CLIP_NAME = re.compile(r"^([A-Za-z]+)\.(\d{5})$")
_OTHER_AUDIO = (".mp3", ".flac", ".ogg", ".aif", ".aiff", ".m4a")
_KNOWN = frozenset(TRACK_IDS)
_MISNAMED = "not named <genre>.NNNNN"

#: The fault-filtered split of Kereliuk, Sturm & Larsen (2015), 443/197/290
#: tracks, as published in the repository coreyker/dnn-mgr (branch master).
FILTERED_SPLIT = {
    part: {
        "url": ("https://raw.githubusercontent.com/coreyker/dnn-mgr/master/gtzan/"
                f"{part}_filtered.txt"),
        "sha256": sha,
    }
    for part, sha in [
        ("train", "2b04966cef1486f1a7767b74271533fa23e220388db804a1937835e1fc4fa3fa"),
        ("valid", "f8fbee7c52397a0e0f3a91dc54fedecb2e27f5bdc9a9daeab8cb10d077e26956"),
        ("test", "09cafa6a89ce0a27f30ed250d56ecb4d03c22fffb5a693f96c7ae655ee02ac72"),
    ]
}

CITATION = """
@article{tzanetakis2002musical,
  author  = {Tzanetakis, George and Cook, Perry},
  title   = {Musical genre classification of audio signals},
  journal = {IEEE Transactions on Speech and Audio Processing},
  volume  = {10}, number = {5}, pages = {293--302}, year = {2002}
}
"""


def read_split_list(path):
    """Read a split list: one ``genre/genre.NNNNN.wav`` (or track id) per line.

    Returns
    -------
    list of str
        Track ids such as ``'blues.00012'``.

    Raises
    ------
    MissingDataError
        The file is absent.
    DataError
        The file cannot be read.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"split list not found: {path}")
    if path.stat().st_size == 0:
        return []
    ids = []
    for line in read_text(path, what="one genre/genre.NNNNN.wav per line").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name = line.replace("\\", "/").split("/")[-1]
        for ext in (".wav", ".au"):
            if name.endswith(ext):
                name = name[: -len(ext)]
        ids.append(name)
    return ids


class GTZAN(Dataset):
    """The GTZAN genre collection.

    Parameters
    ----------
    data_home : str or Path, optional
        Folder holding ``gtzan/``; default ``$MIRNB_DATA`` or ``~/mir_datasets``.

    Examples
    --------
    >>> ds = GTZAN()                                   # doctest: +SKIP
    >>> split = ds.splits("random", seed=0)            # doctest: +SKIP
    >>> y, sr = ds.track(split["train"][0]).audio()    # doctest: +SKIP

    Notes
    -----
    The synthetic corpus writes a view in the same layout. Splits
    (:meth:`splits`): ``'random'`` (the default), ``'kfold'``, ``'filtered'`` and
    ``'files'``.
    """

    name = "GTZAN"
    folder = "gtzan"
    expected_duration = 30.0
    citation = CITATION
    index_file = "genres/"
    summary_columns = ("genre", "artist", "mode")
    split_names = ("random", "kfold", "filtered", "files")
    expected = """
Expected layout: <data_home>/gtzan/genres/<genre>/<genre>.NNNNN.wav for the ten
genres blues, classical, country, disco, hiphop, jazz, metal, pop, reggae, rock
(1000 clips, 22050 Hz mono). GTZAN is not downloaded automatically: get the
archive 'genres.tar.gz' (for instance from the Marsyas site or a Kaggle mirror)
and unpack it into <data_home>/gtzan/. To use the book's synthetic stand-in
instead, run `mirnb data synth`.
"""

    def _index(self):
        genres_dir = self.root / "genres"
        if not genres_dir.is_dir():
            raise self.missing_error("no genres/ folder")
        rows, self._ignored = self._scan(genres_dir)
        if not rows:
            raise self.missing_error("genres/ holds no .wav or .au files")
        labels = pd.DataFrame(rows).set_index("track_id")
        bad = labels[[tid.split(".")[0] != g for tid, g in zip(labels.index, labels.genre)]]
        if len(bad):
            raise DataError(f"{len(bad)} GTZAN files sit in the folder of another genre, "
                            f"e.g. {bad.path.iloc[0]}; the file name must start with "
                            "its folder's genre")
        check_unique(list(labels.index), where=list(labels.path), what="GTZAN clip")
        if self._ignored:
            log.warning("GTZAN: ignored %d entries under %s that are not clips "
                        "(<genre>/<genre>.NNNNN.wav): %s", len(self._ignored), genres_dir,
                        "; ".join(f"{s.track_id} ({s.reason})" for s in self._ignored[:5]))
        side = self.root / "synth_labels.csv"
        if side.is_file():
            labels = labels.join(self._synth_labels(side, labels), how="left")
        else:
            present = set(labels.index)
            absent = [t for t in TRACK_IDS if t not in present]
            extra = [t for t in labels.index if t not in _KNOWN]
            if absent:
                log.warning("GTZAN: %d of its %d clips are absent under %s (e.g. %s); the "
                            "loader uses the %d present, validate() lists the absent",
                            len(absent), len(TRACK_IDS), genres_dir, ", ".join(absent[:3]),
                            len(labels))
            if extra:
                log.warning("GTZAN: %d clips under %s are not in GTZAN's index (e.g. %s); "
                            "the real collection numbers them 00000-00099", len(extra),
                            genres_dir, ", ".join(extra[:3]))
        return labels

    def _scan(self, genres_dir):
        """The clips under ``genres/``: (rows, ignored entries as Skipped)."""
        rows, ignored = [], []

        def ignore(path, reason):
            ignored.append(Skipped(str(path.relative_to(genres_dir)), reason))

        for folder in sorted(genres_dir.iterdir()):
            if is_hidden(folder):
                continue
            if not folder.is_dir():
                if folder.suffix.lower() in _EXTENSIONS + _OTHER_AUDIO:
                    ignore(folder, "not in a genre folder")
                continue
            entries = sorted(p for p in folder.iterdir() if not is_hidden(p))
            if folder.name not in GENRES:
                if any(p.suffix.lower() in _EXTENSIONS for p in entries):
                    raise DataError(f"{folder} holds audio but is not one of GTZAN's ten "
                                    f"genre folders {list(GENRES)}; rename it or move it "
                                    "out of genres/")
                ignore(folder, "not a genre folder")
                continue
            for path in entries:
                if path.is_dir():
                    ignore(path, "a folder inside a genre folder")
                elif path.suffix.lower() not in _EXTENSIONS:
                    ignore(path, "not a .wav or .au file")
                elif not _CLIP_NAME.match(path.stem):
                    ignore(path, _MISNAMED)
                else:
                    rows.append({"track_id": path.stem, "genre": folder.name,
                                 "path": str(path)})
        return rows, ignored

    def _synth_labels(self, side, labels):
        try:
            extra = pd.read_csv(side, keep_default_na=False, dtype={"track_id": str})
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError,
                pd.errors.EmptyDataError) as err:
            raise DataError(f"cannot read {side} ({type(err).__name__}: {err}); the "
                            "synthetic view is damaged: run `mirnb data synth --force`"
                            ) from None
        if "track_id" not in extra.columns:
            raise DataError(f"{side} has no column 'track_id'; the synthetic view is "
                            "damaged: run `mirnb data synth --force`")
        check_unique(list(extra["track_id"]), where=side)
        extra = extra.set_index("track_id")
        return extra.drop(columns=[c for c in extra.columns if c in labels])

    def validate(self, **kwargs):
        """Check every clip: absent, unreadable, or misnamed.

        On the real collection every clip of :data:`TRACK_IDS` that is not
        on disk counts as missing (a copy of 10 clips reports 990 missing);
        audio files that are not named ``<genre>.NNNNN`` count as invalid.

        Parameters
        ----------
        **kwargs
            Those of :meth:`mirnb.datasets.Dataset.validate`.

        Returns
        -------
        ValidationReport
        """
        report = super().validate(**kwargs)
        if not self.is_synthetic:
            absent = [t for t in TRACK_IDS if t not in self.labels.index]
            report.missing = sorted(set(report.missing) | set(absent))
            report.n_tracks = len(_KNOWN | set(self.labels.index))
        report.invalid = list(report.invalid) + [
            s for s in self._ignored if s.reason == _MISNAMED]
        return report

    def __init__(self, data_home=None):
        super().__init__(data_home)
        self._ignored = []
        if (self.root / "synth_labels.csv").is_file():
            # The synthetic view's clips are shorter than the real ones: no
            # length check unless its length is set on the instance.
            self.expected_duration = None

    def _track(self, track_id, row):
        return Track(track_id, row["path"], row.drop("path").to_dict())

    @property
    def is_synthetic(self):
        """bool: True for the synthetic corpus's view (it has ``synth_labels.csv``)."""
        return (self.root / "synth_labels.csv").is_file()

    def _split_random(self, *, seed=0, fractions=(0.5, 0.2, 0.3)):
        """Stratified random split by genre (Hamel & Eck 2010 use 50/20/30).

        Parameters
        ----------
        seed : int
        fractions : (float, float, float)
            Train, valid and test fractions.
        """
        labels = self.labels
        try:
            parts = stratified_split(labels.index, labels.genre, fractions=fractions,
                                     seed=seed)
        except ValueError as err:  # scikit-learn: too few clips to stratify
            if isinstance(err, ParameterError):
                raise
            raise self._too_few("a stratified random split", err, labels.genre,
                                "clips") from None
        return Split(parts, name="random")

    def _split_kfold(self, *, n_folds=10, fold=None, seed=0):
        """Stratified K-fold by genre (Zhang et al. 2015 use 10-fold CV).

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
        return self._kfold(self.labels.genre, n_folds=n_folds, fold=fold, seed=seed,
                           items="clips")

    def _split_filtered(self):
        """The fault-filtered split of Kereliuk & Sturm (443/197/290); real GTZAN only.

        Read from ``gtzan/splits/{train,valid,test}_filtered.txt``, or
        downloaded with pooch and checked against its sha256.
        """
        return Split(self._filtered(), name="filtered")

    def _filtered(self):
        split = {}
        for part, spec in FILTERED_SPLIT.items():
            path = self._split_file(part, spec)
            ids = read_split_list(path)
            absent = [t for t in ids if t not in self.labels.index]
            if absent:
                kind = "the synthetic view" if self.is_synthetic else "this copy"
                raise DataError(f"the fault-filtered {part} list names {len(absent)} "
                                f"tracks that {kind} of GTZAN lacks (e.g. {absent[:3]}); "
                                "this split is defined for the real GTZAN only")
            split[part] = ids
        return split

    def _split_file(self, part, spec):
        local = self.root / "splits" / f"{part}_filtered.txt"
        if local.is_file():
            if file_checksum(local) != spec["sha256"]:
                raise DataError(f"{local} does not match the published file (sha256 "
                                f"{spec['sha256']}); delete it and download {spec['url']}")
            return local
        try:
            import pooch

            return Path(pooch.retrieve(spec["url"], known_hash=f"sha256:{spec['sha256']}",
                                       fname=local.name, path=local.parent, progressbar=False))
        except Exception as err:  # network errors come in many types
            raise MissingDataError(
                f"cannot get the fault-filtered {part} list ({type(err).__name__}: {err}). "
                f"Download {spec['url']} by hand and place it at {local}.") from None
