"""GTZAN genre collection (Tzanetakis & Cook 2002), real or synthetic view.

Layout under ``<data_home>/gtzan/``::

    genres/<genre>/<genre>.NNNNN.wav     (or .au, as in the original archive)
    splits/{train,valid,test}_filtered.txt   (optional: split 'filtered')
    splits/{train,valid,test}.txt            (optional: split 'files')
    synth_labels.csv                     (synthetic view only: artist, key, tags...)

The real collection holds 1000 clips of about 30 s, 22050 Hz, mono, 16-bit,
100 per genre. Some copies have an unreadable ``jazz.00054``:
:meth:`GTZAN.validate` reports it, and :func:`mirnb.datasets.map_tracks`
skips and reports it during extraction.
"""

from pathlib import Path

import pandas as pd

from .. import _check
from ..cache import file_checksum
from ..errors import DataError, MissingDataError
from .core import Dataset, Split, Track, stratified_kfold, stratified_split

__all__ = ["GTZAN", "GENRES", "FILTERED_SPLIT", "read_split_list"]

GENRES = ("blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop",
          "reggae", "rock")

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
    """
    ids = []
    for line in Path(path).read_text().splitlines():
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
        rows = []
        for path in sorted(genres_dir.glob("*/*")):
            if path.suffix.lower() not in (".wav", ".au"):
                continue
            rows.append({"track_id": path.stem, "genre": path.parent.name,
                         "path": str(path)})
        if not rows:
            raise self.missing_error("genres/ holds no .wav or .au files")
        labels = pd.DataFrame(rows).set_index("track_id")
        bad = labels[[tid.split(".")[0] != g for tid, g in zip(labels.index, labels.genre)]]
        if len(bad):
            raise DataError(f"{len(bad)} GTZAN files sit in the folder of another genre, "
                            f"e.g. {bad.path.iloc[0]}; the file name must start with "
                            "its folder's genre")
        side = self.root / "synth_labels.csv"
        if side.is_file():
            extra = pd.read_csv(side, index_col="track_id", keep_default_na=False)
            extra = extra.drop(columns=[c for c in extra.columns if c in labels])
            labels = labels.join(extra, how="left")
        return labels

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
        return Split(stratified_split(labels.index, labels.genre, fractions=fractions,
                                      seed=seed), name="random")

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
        labels = self.labels
        folds = [Split(f, name="kfold") for f in
                 stratified_kfold(labels.index, labels.genre, n_folds=n_folds, seed=seed)]
        if fold is None:
            return folds
        return folds[_check.choice("fold", fold, range(n_folds))]

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
