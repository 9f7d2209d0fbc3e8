"""The interface every dataset gives, after mirdata.

A :class:`Dataset` knows where its files are, its track ids, its labels
(one pandas row per track), its splits, how to check itself and how to cite
it. A :class:`Track` loads its audio lazily. The real datasets and the
synthetic corpus's views use the same classes: the synthetic views are
written in the real on-disk layouts.
"""

import abc
import inspect
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import _check
from .. import audio as _audio
from ..errors import DataError, MissingDataError, ParameterError

__all__ = ["data_home", "Dataset", "TaggedDataset", "Track", "ValidationReport", "Skipped",
           "Moved", "Split", "SPLIT_KINDS", "AUDIO_EXTENSIONS", "stratified_split",
           "stratified_kfold", "map_tracks", "read_split_lists"]

log = logging.getLogger("mirnb.datasets")

#: Audio file extensions the loaders look for. One clip with files of several
#: kinds (``x.mp3`` and ``x.wav``) is a :class:`~mirnb.errors.DataError` that
#: names both files.
AUDIO_EXTENSIONS = (".mp3", ".wav", ".flac", ".ogg")

#: The split vocabulary shared by every dataset: name -> what it means. A
#: dataset accepts the names in its :attr:`Dataset.split_names`.
SPLIT_KINDS = {
    "random": "random split, stratified by the dataset's class label where it has one",
    "kfold": "stratified K-fold cross-validation folds",
    "filtered": "GTZAN's fault-filtered split (Kereliuk & Sturm), from its published lists",
    "folder": "MagnaTagATune's folder split: 0-b train, c valid, d-f test",
    "artist": "random split stratified by artist (the MSD artist task)",
    "genre": "random split stratified by genre (the MSD genre task)",
    "key": "random split stratified by key, confident keys only (the MSD key task)",
    "files": "split lists read from files (train / valid / test)",
    "official": "the collection's own training / development halves (ISMIR2004 Genre)",
}

_PARTS = ("train", "valid", "test")
_PART_ALIASES = {"train": "train", "valid": "valid", "validation": "valid", "val": "valid",
                 "test": "test"}


def data_home(data_home=None):
    """Return the folder that holds the datasets.

    The order is: the argument, the ``MIRNB_DATA`` environment variable,
    then ``~/mir_datasets``.
    """
    if data_home is not None:
        return Path(data_home).expanduser()
    env = os.environ.get("MIRNB_DATA")
    if env:
        return Path(env).expanduser()
    return Path("~/mir_datasets").expanduser()


# Dataset.__init__ takes a parameter named data_home, which hides the function.
_resolve_home = data_home


@dataclass
class Skipped:
    """A track left out of a run, with the reason."""

    track_id: str
    reason: str


@dataclass
class Moved:
    """A track moved from one split part to another, and why."""

    track_id: str
    source: str
    target: str
    reason: str = ""


class Split(Mapping):
    """A split of a dataset: part name -> list of track ids, and what was left out.

    It reads like the dict ``{'train': [...], 'valid': [...], 'test': [...]}``
    (``split['train']``, ``split.items()``, ``split == {...}``), and also says
    what :meth:`Dataset.splits` changed on the way.

    Attributes
    ----------
    name : str
        The split's kind, from :data:`SPLIT_KINDS`.
    moved : list of Moved
        Tracks moved between parts (e.g. MagnaTagATune clips moved so that
        no song straddles two parts).
    skipped : list of Skipped
        Listed tracks left out, with the reason (not in the dataset, no
        audio, ...).
    """

    def __init__(self, parts, *, name="", moved=(), skipped=()):
        self._parts = {str(k): list(v) for k, v in dict(parts).items()}
        self.name = name
        self.moved = list(moved)
        self.skipped = list(skipped)

    def __getitem__(self, part):
        return self._parts[part]

    def __iter__(self):
        return iter(self._parts)

    def __len__(self):
        return len(self._parts)

    def __repr__(self):
        sizes = ", ".join(f"{k}: {len(v)}" for k, v in self._parts.items())
        extra = "".join(f", {n} {what}" for n, what in ((len(self.moved), "moved"),
                                                         (len(self.skipped), "skipped")) if n)
        return f"Split({self.name!r}, {sizes}{extra})"


@dataclass
class ValidationReport:
    """What :meth:`Dataset.validate` found.

    Attributes
    ----------
    n_tracks : int
        Tracks listed by the dataset's index.
    missing : list of str
        Track ids whose files are absent.
    invalid : list of Skipped
        Tracks whose files exist but cannot be used, with the reason.
    """

    name: str
    n_tracks: int
    missing: list = field(default_factory=list)
    invalid: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.missing and not self.invalid

    def __str__(self):
        lines = [f"{self.name}: {self.n_tracks} tracks, {len(self.missing)} missing, "
                 f"{len(self.invalid)} invalid"]
        lines += [f"  missing: {t}" for t in self.missing[:20]]
        if len(self.missing) > 20:
            lines.append(f"  ... and {len(self.missing) - 20} more missing")
        lines += [f"  invalid: {s.track_id}: {s.reason}" for s in self.invalid[:20]]
        return "\n".join(lines)


class Track:
    """One track (clip) of a dataset; its audio is read only when asked for.

    Parameters
    ----------
    track_id : str
        Identifier, unique within the dataset.
    audio_path : Path or None
        The audio file, if the dataset has audio.
    labels : dict
        The track's labels (genre, tags, artist, ...), after the dataset's
        conventions.
    """

    def __init__(self, track_id, audio_path=None, labels=None):
        self.track_id = track_id
        self.audio_path = None if audio_path is None else Path(audio_path)
        self.labels = dict(labels or {})

    def __repr__(self):
        return f"{type(self).__name__}({self.track_id!r})"

    def __getattr__(self, name):
        labels = self.__dict__.get("labels", {})
        if name in labels:
            return labels[name]
        raise AttributeError(name)

    def audio(self, *, sr=22050, mono=True, duration=None, policy="pad", **kwargs):
        """Load the audio; see :func:`mirnb.audio.load` for the arguments.

        Returns
        -------
        y : np.ndarray
        sr : int
        """
        if self.audio_path is None:
            raise DataError(f"track {self.track_id!r} has no audio in this dataset")
        return _audio.load(self.audio_path, sr=sr, mono=mono, duration=duration,
                           policy=policy, **kwargs)


class Dataset(abc.ABC):
    """Base class of the datasets.

    Subclasses set :attr:`name`, :attr:`folder`, :attr:`citation` and
    :attr:`expected` (the message for missing data), and implement
    :meth:`_index` (track ids and label rows) and :meth:`_track`.

    Splits: :attr:`split_names` lists the kinds of split (from the shared
    vocabulary :data:`SPLIT_KINDS`) the dataset accepts, its default first.
    The kind ``name`` is made by a method ``_split_<name>(**kwargs)`` that
    returns a :class:`Split`; :meth:`splits` checks the name and the keyword
    arguments and calls it. Every dataset accepts ``'files'``.
    """

    name = "dataset"
    folder = "dataset"
    citation = ""
    expected = ""
    split_names = ("files",)
    #: The file (or folder) that lists the tracks, named when a split list
    #: names a track it lacks; the dataset's name when None.
    index_file = None
    #: Seconds every clip of the dataset should last (GTZAN about 30, MTAT
    #: about 29), or None when clips vary. :meth:`validate` reports clips
    #: shorter than ``duration_tolerance * expected_duration`` as invalid
    #: (truncated). An instance may set it too (a synthetic view with
    #: shorter clips).
    expected_duration = None
    #: Fraction of :attr:`expected_duration` a clip must reach.
    duration_tolerance = 0.9

    def __init__(self, data_home=None):
        self.data_home = _resolve_home(data_home)
        self.root = self.data_home / self.folder
        self._labels = None

    def __repr__(self):
        return f"{type(self).__name__}(root={str(self.root)!r})"

    # -- to be provided by subclasses ------------------------------------
    @abc.abstractmethod
    def _index(self):
        """Return a pandas DataFrame of labels indexed by track id."""

    @abc.abstractmethod
    def _track(self, track_id, row):
        """Return the :class:`Track` for ``track_id`` and its label row."""

    # -- the interface ---------------------------------------------------
    def missing_error(self, detail=""):
        """The :class:`MissingDataError` for this dataset, with the fix."""
        msg = f"{self.name} not found under {self.root}"
        if detail:
            msg += f" ({detail})"
        msg += ".\n" + self.expected.strip()
        msg += ("\nSet MIRNB_DATA or pass data_home= to point at the folder that "
                f"holds '{self.folder}/'.")
        return MissingDataError(msg)

    @property
    def labels(self):
        """pandas.DataFrame: one row of labels per track, indexed by track id."""
        if self._labels is None:
            if not self.root.exists():
                raise self.missing_error()
            self._labels = self._index()
        return self._labels

    @property
    def track_ids(self):
        """list of str: every track id, in a stable order."""
        return list(self.labels.index)

    def __len__(self):
        return len(self.labels)

    def track(self, track_id):
        """Return the :class:`Track` ``track_id``."""
        try:
            row = self.labels.loc[track_id]
        except KeyError:
            raise ParameterError(f"track_id={track_id!r} is not in {self.name} "
                                 f"({len(self)} tracks, e.g. {self.track_ids[:3]})") from None
        return self._track(track_id, row)

    def _kfold(self, classes, *, n_folds=10, fold=None, seed=0, items="tracks"):
        """Stratified K-fold :class:`Split` s by ``classes`` (the ``'kfold'`` kind).

        Parameters
        ----------
        classes : pandas.Series
            The class of each track, indexed by track id.
        n_folds : int >= 2
        fold : int or None
            Return only this fold (0 to ``n_folds - 1``); None returns them all.
        seed : int
        items : str
            What the dataset's tracks are called in the error ("clips", ...).

        Returns
        -------
        list of Split, or Split
            Each with the parts 'train' and 'test'.
        """
        try:
            folds = [Split(f, name="kfold") for f in
                     stratified_kfold(classes.index, classes, n_folds=n_folds, seed=seed)]
        except ValueError as err:  # scikit-learn: fewer tracks of a class than folds
            if isinstance(err, ParameterError):
                raise
            raise self._too_few(f"{n_folds}-fold cross-validation", err, classes,
                                items) from None
        if fold is None:
            return folds
        return folds[_check.choice("fold", fold, range(n_folds))]

    def _too_few(self, what, err, classes, items="tracks"):
        """The DataError of a stratified split that this copy is too small for."""
        counts = classes.value_counts()
        return DataError(f"this copy of {type(self).__name__} under {self.root} has too few "
                         f"{items} for {what} (fewest: {counts.idxmin()!r} with "
                         f"{counts.min()}; scikit-learn says: {err}); complete the copy (see "
                         "validate()) or use a split of fewer parts")

    def splits(self, name=None, **kwargs):
        """Return a split of the track ids: the one way to ask any dataset for one.

        Parameters
        ----------
        name : str or None
            The kind of split, one of :attr:`split_names` (the dataset's
            default, its first, when None). Names mean the same in every
            dataset (see :data:`SPLIT_KINDS`): ``'random'``, ``'kfold'``,
            ``'filtered'``, ``'folder'``, ``'artist'``, ``'genre'``,
            ``'key'``, and ``'files'`` (split lists read from files; see
            :meth:`_split_files`).
        **kwargs
            The keyword arguments of that kind, e.g. ``seed`` and
            ``fractions`` for ``'random'``; see the dataset's
            ``_split_<name>`` method. An argument the kind does not take is
            an error that lists those it takes.

        Returns
        -------
        Split
            A mapping ``{'train': [...], 'valid': [...], 'test': [...]}`` of
            track ids, with ``.moved`` and ``.skipped`` saying what was moved
            between parts or left out. ``'kfold'`` returns a list of
            :class:`Split` (one per fold, parts 'train' and 'test'), or one
            fold's when ``fold`` is given.

        Raises
        ------
        ParameterError
            An unknown split name (the message lists this dataset's names) or
            keyword argument.
        """
        if name is None:
            name = self.split_names[0]
        if not isinstance(name, str) or name not in self.split_names:
            other = "" if name not in SPLIT_KINDS else (
                f" ({name!r} is a split of other datasets: {SPLIT_KINDS[name]})")
            raise ParameterError(f"{self.name} has no split name={name!r}{other}; the "
                                 f"accepted names are {list(self.split_names)}")
        method = getattr(self, f"_split_{name}")
        params = inspect.signature(method).parameters
        unknown = sorted(set(kwargs) - set(params))
        if unknown:
            raise ParameterError(f"{self.name}.splits({name!r}) takes no argument(s) "
                                 f"{unknown}; it takes {list(params) or 'none'}")
        return method(**kwargs)

    # -- split lists from files --------------------------------------------
    def _split_files(self, *, directory=None, train=None, valid=None, test=None,
                     path=None):
        """Split lists read from files (split name ``'files'``).

        The lists come from one of three places:

        - ``directory`` (default ``<root>/splits``): the files ``train.txt``,
          ``valid.txt`` and ``test.txt`` in it;
        - ``train``, ``valid`` and ``test``: the paths of the three lists;
        - ``path``: one file of ``<track_id> <part>`` lines (part ``train``,
          ``valid``/``validation``/``val`` or ``test``).

        A list has one track per line: blank lines and lines starting with
        ``#`` are ignored; of a line's tab-separated fields the first that
        names a track of the dataset is taken (a track id, or what the
        dataset accepts for one, e.g. a file path). Each part's ids are
        sorted, as in every other split. Listed tracks that are
        not in the dataset, or cannot be used, are left out and reported in
        :attr:`Split.skipped` and a logged warning.

        Raises
        ------
        MissingDataError
            A list file is absent.
        DataError
            A track is listed in two parts, or none of a part's listed
            tracks is in the dataset (the wrong list, or the wrong dataset).
        """
        lists = read_split_lists(directory=directory, train=train, valid=valid, test=test,
                                 path=path, default_directory=self.root / "splits")
        labels = self.labels
        parts, skipped, part_of = {}, [], {}
        for part, (source, lines) in lists.items():
            kept, unknown = [], []
            for line in lines:
                fields = [f.strip() for f in line.split("\t") if f.strip()]
                tid = next((t for t in map(self._split_item_id, fields)
                            if t is not None and t in labels.index), None)
                if tid is None:
                    unknown.append(fields[0] if len(fields) == 1 else line)
                    skipped.append(Skipped(unknown[-1],
                                           f"{part}: not in {self.index_file or self.name}"))
                    continue
                problem = self._split_unusable(tid)
                if problem:
                    skipped.append(Skipped(tid, f"{part}: {problem}"))
                    continue
                if part_of.setdefault(tid, part) != part:
                    raise DataError(f"{source}: track {tid!r} is listed in both "
                                    f"{part_of[tid]!r} and {part!r}; a track belongs to "
                                    "one part only: fix the lists")
                if tid not in kept:
                    kept.append(tid)
            if lines and len(unknown) == len(lines):
                raise DataError(f"{source}: none of the {len(lines)} tracks listed for "
                                f"{part!r} is in {self.name} under {self.root} (e.g. "
                                f"{unknown[0]!r}); is it a split list of this dataset?")
            parts[part] = sorted(kept)
        if skipped:
            log.warning("%s: left %d listed tracks out of the split (%s)", self.name,
                        len(skipped), "; ".join(f"{s.track_id}: {s.reason}"
                                                for s in skipped[:3]))
        return Split(parts, name="files", skipped=skipped)

    def _split_item_id(self, item):
        """The track id an item of a split list names, or None.

        The default takes the item itself when it is a track id, else the
        file name without its extension (``genre/genre.00001.wav`` ->
        ``genre.00001``).
        """
        if item in self.labels.index:
            return item
        name = item.replace("\\", "/").rsplit("/", 1)[-1]
        for ext in (*AUDIO_EXTENSIONS, ".au", ".h5"):
            if name.lower().endswith(ext):
                return name[: -len(ext)]
        return name

    def _split_unusable(self, track_id):
        """Why ``track_id`` cannot go into a split (a str), or None when it can."""
        return None

    def validate(self, *, check_audio=True, verbose=False):
        """Check that every indexed track's file exists and (optionally) decodes in full.

        With ``check_audio`` each file is decoded to its end, once, block by
        block (:func:`mirnb.audio.check_file`; about 4 ms per 30 s WAV and
        10 ms per 30 s MP3), so that these are reported as invalid, with the
        file and the reason: a file that cannot be decoded (also part-way
        through), holds no samples, holds NaN or infinite samples, is silent,
        or, when the dataset declares :attr:`expected_duration`, is shorter
        than :attr:`duration_tolerance` times it (a truncated download; the
        length counted is what decodes, not what the header claims).

        Parameters
        ----------
        check_audio : bool
            Decode the files; False only checks that they exist.
        verbose : bool
            Show a progress bar.

        Returns
        -------
        ValidationReport
        """
        from tqdm.auto import tqdm

        min_duration = self._min_valid_duration()
        report = ValidationReport(self.name, len(self))
        for tid in tqdm(self.track_ids, desc=f"validate {self.name}", disable=not verbose):
            tr = self.track(tid)
            path = tr.audio_path
            if path is None:
                continue
            if not path.exists():
                report.missing.append(tid)
            elif check_audio or not path.is_file():
                try:
                    _audio.check_file(path, min_duration=min_duration)
                except DataError as err:
                    report.invalid.append(Skipped(tid, str(err)))
        return report

    def _min_valid_duration(self):
        """Seconds a clip must last to pass :meth:`validate`, or None."""
        expected = self.expected_duration
        if expected is None:
            return None
        expected = _check.positive("expected_duration", expected)
        tol = self.duration_tolerance
        if not 0 < tol <= 1:
            raise ParameterError(f"duration_tolerance={tol!r}: expected a fraction in "
                                 "(0, 1]")
        return expected * tol

    def info(self):
        """Return a short text summary: where, how many tracks, which labels.

        The folder is named relative to the data home (``<data home>/gtzan``),
        so a published page shows no path of the machine that built it.
        """
        labels = self.labels
        try:
            where = "<data home>/" + self.root.relative_to(self.data_home).as_posix()
        except ValueError:
            where = str(self.root)
        lines = [f"{self.name} at {where}", f"  tracks: {len(labels)}",
                 f"  label columns: {', '.join(map(str, labels.columns))}"]
        for col in getattr(self, "summary_columns", ()):
            if col in labels:
                counts = labels[col].value_counts()
                shown = ", ".join(f"{k}: {v}" for k, v in counts.head(12).items())
                more = f", ... ({len(counts)} values)" if len(counts) > 12 else ""
                lines.append(f"  {col}: {shown}{more}")
        return "\n".join(lines)

    def cite(self):
        """Return the BibTeX entry of the dataset's paper."""
        return self.citation.strip()


class TaggedDataset(Dataset):
    """A :class:`Dataset` whose labels include a binary track x tag matrix.

    The protocol: a subclass implements :meth:`_load_tag_matrix`, which
    returns the whole boolean track x tag matrix. It is called once, the
    first time a tag method needs it, and may use :attr:`labels`; the
    result is kept. :attr:`tag_names`, :meth:`tag_matrix`,
    :meth:`tag_counts` and :meth:`top_tags` all read it, so each works on a
    fresh instance. A subclass may override :meth:`tag_counts` to count
    over fewer tracks (e.g. only those with audio); :meth:`top_tags`
    follows it.

    Attributes
    ----------
    default_top_n : int
        ``n`` of :meth:`top_tags` when not given (50, as in Choi et al.
        2016).
    """

    default_top_n = 50

    def __init__(self, data_home=None):
        super().__init__(data_home)
        self._tag_matrix = None

    @abc.abstractmethod
    def _load_tag_matrix(self):
        """Return the full tag matrix.

        Returns
        -------
        pandas.DataFrame of bool
            Tracks x tags: the index holds every track id of :attr:`labels`
            (in any order), the columns every tag name, in the dataset's
            order.
        """

    def _full_tag_matrix(self):
        if self._tag_matrix is None:
            m = self._load_tag_matrix()
            labels = self.labels
            if len(m.index) != len(labels.index) or not m.index.isin(labels.index).all():
                raise DataError(f"{self.name}: the tag matrix and the labels under "
                                f"{self.root} list different tracks; the files disagree, "
                                "fix or re-create them")
            self._tag_matrix = m.reindex(labels.index).astype(bool)
        return self._tag_matrix

    @property
    def tag_names(self):
        """list of str: every tag column, in the dataset's order."""
        return list(self._full_tag_matrix().columns)

    def tag_counts(self, track_ids=None):
        """Tracks per tag, most frequent first (ties in :attr:`tag_names` order).

        Parameters
        ----------
        track_ids : list of str, optional
            Count over these tracks only (default: all).

        Returns
        -------
        pandas.Series of int
        """
        m = self.tag_matrix(track_ids=track_ids)
        return m.sum().sort_values(ascending=False, kind="stable")

    def top_tags(self, n=None, track_ids=None):
        """The ``n`` most frequent tags, by :meth:`tag_counts`.

        Ties keep :attr:`tag_names` order. Tags no track has are never
        returned: when fewer than ``n`` tags are in use a warning says so and
        the list is shorter.

        Parameters
        ----------
        n : int > 0 or None
            Default :attr:`default_top_n` (Choi et al. 2016 use 50, Hamel &
            Eck 2010 use 25 MajorMiner tags).
        track_ids : list of str, optional
            Count over these tracks only (default: all), such as the
            training split, so that the test tracks do not choose the tags
            (Nam et al. 2015 keep the 160 most frequent of the training set).

        Returns
        -------
        list of str
        """
        n = self.default_top_n if n is None else _check.positive_int("n", n)
        counts = self.tag_counts(track_ids)
        counts = counts[counts > 0]
        if len(counts) < n:
            log.warning("%s: only %d tags are used by any track; asked for the top %d",
                        self.name, len(counts), n)
        return list(counts.index[:n])

    def tag_matrix(self, tags=None, track_ids=None):
        """Binary track x tag matrix.

        Parameters
        ----------
        tags : list of str, optional
            Columns to keep, in this order (default: all).
        track_ids : list of str, optional
            Rows to keep, in this order (default: all).

        Returns
        -------
        pandas.DataFrame of bool
        """
        m = self._full_tag_matrix()
        if tags is not None:
            unknown = [t for t in tags if t not in m.columns]
            if unknown:
                raise ParameterError(f"unknown tags {unknown[:5]}; see .tag_names")
            m = m[list(tags)]
        if track_ids is not None:
            track_ids = list(track_ids)
            unknown = [t for t in track_ids if t not in m.index]
            if unknown:
                raise ParameterError(f"unknown track ids {unknown[:5]}: not in {self.name}")
            m = m.loc[track_ids]
        return m.copy()


def tags_to_matrix(tag_lists, tag_names, index):
    """Boolean track x tag matrix from per-track lists of tags.

    Parameters
    ----------
    tag_lists : sequence of list of str
        One list per track.
    tag_names : sequence of str
        The columns; a tag not among them is an error.
    index : sequence of str
        The track ids, one per list.

    Returns
    -------
    pandas.DataFrame of bool
    """
    import pandas as pd

    col = {t: i for i, t in enumerate(tag_names)}
    values = np.zeros((len(index), len(col)), dtype=bool)
    for r, tags in enumerate(tag_lists):
        for t in tags:
            values[r, col[t]] = True
    return pd.DataFrame(values, index=pd.Index(index), columns=list(tag_names))


def read_split_lists(*, directory=None, train=None, valid=None, test=None, path=None,
                     default_directory=None):
    """Read train / valid / test split lists from files.

    Give ``directory`` (with ``train.txt``, ``valid.txt``, ``test.txt``),
    or the three paths ``train``, ``valid`` and ``test``, or ``path``, one
    file of ``<item> <part>`` lines; with none of them ``default_directory``
    is used. Blank lines and lines starting with ``#`` are ignored.

    Returns
    -------
    dict
        part -> (source file, list of the lines' stripped text); for
        ``path``, the items only.

    Raises
    ------
    ParameterError
        The sources are mixed, or only some of the three paths are given.
    MissingDataError
        A file is absent.
    DataError
        A line of ``path`` is not ``<item> <part>``.
    """
    given = {"train": train, "valid": valid, "test": test}
    n_paths = sum(v is not None for v in given.values())
    kinds = [k for k, v in (("directory", directory), ("train/valid/test", n_paths or None),
                            ("path", path)) if v is not None]
    if len(kinds) > 1:
        raise ParameterError(f"split lists from {' and '.join(kinds)}: give one of "
                             "directory=, train= valid= test=, or path=")
    if n_paths and n_paths < 3:
        absent = [k for k, v in given.items() if v is None]
        raise ParameterError(f"split 'files' needs {', '.join(a + '=' for a in absent)}"
                             "<path to a list> as well: give all of train=, valid= and "
                             "test=")
    if path is not None:
        text = _read_list(Path(path))
        out = {p: (Path(path), []) for p in _PARTS}
        for lineno, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p for p in re.split(r"[\s,]+", line) if p]
            if len(parts) != 2 or parts[1].lower() not in _PART_ALIASES:
                raise DataError(f"{path}, line {lineno}: {line!r} is not '<track_id> "
                                "<split>' with split in train / valid / test; fix the line")
            out[_PART_ALIASES[parts[1].lower()]][1].append(parts[0])
        return out
    if not n_paths:
        folder = Path(directory if directory is not None else default_directory)
        given = {p: folder / f"{p}.txt" for p in _PARTS}
    out = {}
    for part, file in given.items():
        file = Path(file)
        lines = [s.strip() for s in _read_list(file).splitlines()]
        out[part] = (file, [s for s in lines if s and not s.startswith("#")])
    return out


def _read_list(path):
    if not path.is_file():
        raise MissingDataError(f"split list not found: {path}. Put the list there (one "
                               "track per line), or pass directory=, train= valid= test= "
                               "or path= to splits('files')")
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise DataError(f"cannot read split list {path} ({err}); check its "
                        "permissions") from None


def check_fractions(fractions):
    """Return ``fractions`` as a tuple of three positive floats that sum to 1."""
    try:
        f = tuple(float(x) for x in fractions)
    except (TypeError, ValueError):
        f = ()
    if len(f) != 3 or min(f) <= 0 or abs(sum(f) - 1) > 1e-6:
        raise ParameterError(f"fractions={fractions!r}: expected three positive "
                             "numbers that sum to 1 (train, valid, test)")
    return f


def _as_array(labels, ids):
    y = np.asarray(labels)
    if len(y) != len(ids):
        raise ParameterError(f"got {len(ids)} track ids but {len(y)} labels")
    return y


def stratified_split(track_ids, labels, *, fractions=(0.5, 0.2, 0.3), seed=0):
    """Random stratified train/valid/test split.

    Parameters
    ----------
    track_ids : sequence of str
    labels : sequence
        One class label per track, used for stratification.
    fractions : (float, float, float)
        Train, valid and test fractions; they must sum to 1. The default is
        Hamel & Eck's 50/20/30 protocol.
    seed : int

    Returns
    -------
    dict
        ``{'train': [...], 'valid': [...], 'test': [...]}``
    """
    from sklearn.model_selection import train_test_split

    ids = list(track_ids)
    y = _as_array(labels, ids)
    _, f_valid, f_test = check_fractions(fractions)
    n_test, n_valid = round(f_test * len(ids)), round(f_valid * len(ids))
    rest_ids, test_ids, rest_y, _ = train_test_split(
        ids, y, test_size=n_test, stratify=y, random_state=seed)
    train_ids, valid_ids = train_test_split(
        rest_ids, test_size=n_valid, stratify=rest_y, random_state=seed)
    return {"train": sorted(train_ids), "valid": sorted(valid_ids), "test": sorted(test_ids)}


def stratified_kfold(track_ids, labels, *, n_folds=10, seed=0):
    """Stratified K-fold cross-validation folds.

    Returns
    -------
    list of dict
        One ``{'train': [...], 'test': [...]}`` per fold; every track is in
        exactly one test fold.
    """
    from sklearn.model_selection import StratifiedKFold

    ids = np.asarray(list(track_ids))
    y = _as_array(labels, ids)
    if _check.positive_int("n_folds", n_folds) < 2:
        raise ParameterError(f"n_folds={n_folds!r}: expected an integer >= 2")
    skf = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return [{"train": sorted(ids[tr].tolist()), "test": sorted(ids[te].tolist())}
            for tr, te in skf.split(ids, y)]


def map_tracks(func, items, *, n_jobs=None, desc=None, verbose=True, on_error="skip",
               uses_librosa=False):
    """Apply ``func`` to each item in parallel, with progress, keeping failures.

    Items that raise a :class:`~mirnb.errors.DataError` (a missing,
    unreadable, silent or too short file) are skipped and reported, never
    dropped silently. Every other exception, a :class:`ParameterError`
    included, is a fault of the call rather than of one item, and propagates.

    Parameters
    ----------
    func : callable
        Called as ``func(item)``. Must be picklable for ``n_jobs > 1``.
    items : sequence of (key, item)
        Pairs; ``key`` (usually a track id) names the item in reports.
    n_jobs : int or None
        Worker processes; ``None`` uses every core, 1 runs in-process.
    desc : str
        Progress bar label.
    on_error : {'skip', 'raise'}
    uses_librosa : bool
        Compile librosa's numba kernels in this process before starting
        workers (see :mod:`mirnb.warmup`): workers that compile them at the
        same time can corrupt numba's cache.

    Returns
    -------
    results : dict
        ``{key: func(item)}`` for the items that succeeded, in input order.
    skipped : list of Skipped
    """
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    items = list(items)
    _check.choice("on_error", on_error, {"skip", "raise"})
    n_jobs = os.cpu_count() if n_jobs is None else int(n_jobs)

    def _safe(key, item):
        try:
            return key, func(item), None
        except DataError as err:
            if on_error == "raise":
                raise
            return key, None, f"{type(err).__name__}: {err}"

    if n_jobs == 1 or len(items) <= 1:
        gen = (_safe(k, it) for k, it in items)
    else:
        if uses_librosa:
            from ..warmup import librosa_kernels

            librosa_kernels()
        gen = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_safe)(k, it) for k, it in items)
    results, skipped = {}, []
    for key, value, err in tqdm(gen, total=len(items), desc=desc, disable=not verbose):
        if err is None:
            results[key] = value
        else:
            skipped.append(Skipped(key, err))
    if skipped:
        log.warning("%s: skipped %d of %d: %s", desc or "map_tracks", len(skipped),
                    len(items), "; ".join(f"{s.track_id} ({s.reason})" for s in skipped[:5]))
    return results, skipped
