"""The interface every dataset gives, after mirdata.

A :class:`Dataset` knows where its files are, its track ids, its labels
(one pandas row per track), its splits, how to check itself and how to cite
it. A :class:`Track` loads its audio lazily. The real datasets and the
synthetic corpus's views use the same classes: the synthetic views are
written in the real on-disk layouts.
"""

import abc
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import audio as _audio
from ..errors import DataError, MissingDataError, ParameterError

__all__ = ["data_home", "Dataset", "TaggedDataset", "Track", "ValidationReport", "Skipped",
           "stratified_split", "stratified_kfold", "map_tracks"]

log = logging.getLogger("mirnb.datasets")


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
    """

    name = "dataset"
    folder = "dataset"
    citation = ""
    expected = ""

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

    def splits(self, name="default", **kwargs):
        """Return a split as a dict of lists of track ids ('train', 'valid', 'test')."""
        raise ParameterError(f"{self.name} has no split {name!r}")

    def validate(self, *, check_audio=True, verbose=False):
        """Check that every indexed track's file exists and (optionally) reads.

        Returns
        -------
        ValidationReport
        """
        from tqdm.auto import tqdm

        report = ValidationReport(self.name, len(self))
        for tid in tqdm(self.track_ids, desc=f"validate {self.name}", disable=not verbose):
            tr = self.track(tid)
            path = tr.audio_path
            if path is None:
                continue
            if not path.is_file():
                report.missing.append(tid)
            elif check_audio:
                try:
                    _audio.load(path, sr=None, duration=1.0, policy="trim")
                except DataError as err:
                    report.invalid.append(Skipped(tid, str(err)))
        return report

    def info(self):
        """Return a short text summary: where, how many tracks, which labels."""
        labels = self.labels
        lines = [f"{self.name} at {self.root}", f"  tracks: {len(labels)}",
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

    Subclasses set ``self._tag_names`` (list) and ``self._matrix`` (a
    boolean DataFrame, tracks x tags) while building their index.
    """

    @property
    def tag_names(self):
        """list of str: every tag column, in file order."""
        self.labels  # noqa: B018 (builds the index)
        return list(self._tag_names)

    def tag_counts(self):
        """pandas.Series: tracks per tag, most frequent first."""
        self.labels  # noqa: B018
        return self._matrix.sum().sort_values(ascending=False, kind="stable")

    def top_tags(self, n=50):
        """Return the ``n`` most frequent tags (Choi et al. 2016 use n=50)."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ParameterError(f"n={n!r}: expected a positive integer")
        return list(self.tag_counts().index[:n])

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
        self.labels  # noqa: B018
        m = self._matrix
        if tags is not None:
            unknown = [t for t in tags if t not in m.columns]
            if unknown:
                raise ParameterError(f"unknown tags {unknown[:5]}; see .tag_names")
            m = m[list(tags)]
        if track_ids is not None:
            m = m.loc[list(track_ids)]
        return m


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
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-6:
        raise ParameterError(f"fractions={fractions!r}: expected three positive "
                             "numbers that sum to 1")
    _, f_valid, f_test = fractions
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
    if not isinstance(n_folds, int) or n_folds < 2:
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
    if on_error not in ("skip", "raise"):
        raise ParameterError(f"on_error={on_error!r}: expected 'skip' or 'raise'")
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
