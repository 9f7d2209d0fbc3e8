"""MajorMiner tags (Mandel & Ellis 2008), real or synthetic view.

MajorMiner is a web game in which players describe 10 s music clips with
free-text tags; a tag counts for a clip when at least two different players
gave it (the game's own rule for "verified" tags, which Hamel & Eck 2010
also use for their auto-tagging experiment). The game's records are not
published in a fixed archive, so this loader defines the layout it reads
(and the synthetic view writes the same):

Layout under ``<data_home>/majorminer/``::

    votes.tsv            tab-separated, header "clip_id<TAB>user<TAB>tag":
                         one row per tag one player gave one clip
    audio/<clip_id>.mp3  the clip's audio (also .wav, .flac or .ogg)
    synth_labels.csv     synthetic view only: genre, artist, true tags

Repeated rows (a player giving a clip the same tag twice) count once. Tags
are compared after stripping spaces and lower-casing. A clip with votes but
no audio file is listed (its track points at ``audio/<clip_id>.mp3``),
counted in a warning, and reported as missing by
:meth:`~mirnb.datasets.Dataset.validate`.

``votes.tsv`` is read strictly (:func:`mirnb.datasets.tables.read_table`): an
empty or header-only file, a line with more or fewer than three fields, an
empty field and a clip id that is not a plain file name (``a/b``, ``../x``,
``.x``) are errors (:class:`~mirnb.errors.DataError`) naming the file and the line.
Hidden files in ``audio/`` are ignored; one clip with two audio files
(``c1.mp3`` and ``c1.wav``) is a DataError naming both.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from .._check import positive_int
from ..errors import DataError
from .core import AUDIO_EXTENSIONS, Split, TaggedDataset, Track, check_fractions, log
from .tables import check_unique, is_hidden, read_table

_VOTES = ("the tab-separated votes.tsv: a header 'clip_id<TAB>user<TAB>tag', then one line "
          "per tag a player gave a clip")

__all__ = ["MajorMiner"]

CITATION = """
@article{mandel2008web,
  author    = {Mandel, Michael I. and Ellis, Daniel P. W.},
  title     = {A web-based game for collecting music metadata},
  journal   = {Journal of New Music Research},
  volume    = {37}, number = {2}, pages = {151--165}, year = {2008}
}
"""


class MajorMiner(TaggedDataset):
    """MajorMiner clips with per-player tag votes.

    Parameters
    ----------
    data_home : str or Path, optional
        Folder holding ``majorminer/``; default ``$MIRNB_DATA`` or
        ``~/mir_datasets``.
    min_votes : int > 0
        A tag applies to a clip when at least this many different players
        gave it (2 in MajorMiner and in Hamel & Eck 2010).

    Attributes
    ----------
    labels : pandas.DataFrame
        One row per clip (indexed by clip id): ``tags`` (the tags with at
        least ``min_votes`` players, sorted), ``n_users`` (players who tagged
        the clip), ``n_votes`` (distinct (player, tag) pairs) and ``path``;
        plus the synthetic view's ``genre``, ``artist`` and ``true_tags``.

    Examples
    --------
    >>> ds = MajorMiner()                            # doctest: +SKIP
    >>> tags = ds.top_tags(25)                       # doctest: +SKIP
    >>> Y = ds.tag_matrix(tags)                      # doctest: +SKIP

    References
    ----------
    .. [1] Mandel, M. I. & Ellis, D. P. W. (2008). A web-based game for
       collecting music metadata. Journal of New Music Research 37(2).
    .. [2] Hamel & Eck (2010), ISMIR, Sec. 5.2 (the 25 most frequent tags).

    Notes
    -----
    The tag methods (:attr:`tag_names`, :meth:`tag_matrix`, :meth:`tag_counts`,
    :meth:`top_tags`) are those of every tagged dataset, on the tags given by at
    least ``min_votes`` players; :meth:`vote_counts` gives the raw counts. Splits
    (:meth:`splits`): ``'random'`` (the default) and ``'files'``.
    """

    name = "MajorMiner"
    folder = "majorminer"
    expected_duration = 10.0
    citation = CITATION
    index_file = "votes.tsv"
    summary_columns = ("n_users",)
    split_names = ("random", "files")
    default_top_n = 25
    expected = """
Expected files: <data_home>/majorminer/votes.tsv, tab-separated with the header
line 'clip_id<TAB>user<TAB>tag' and one row per tag a player gave a clip, and the
clips' audio as <data_home>/majorminer/audio/<clip_id>.mp3 (or .wav, .flac, .ogg).
MajorMiner's tagging records come from the game at majorminer.org (Mandel & Ellis
2008) and are not downloaded automatically: write them in this format. To use
the book's synthetic stand-in instead, run `mirnb data synth`.
"""

    def __init__(self, data_home=None, *, min_votes=2):
        self.min_votes = positive_int("min_votes", min_votes)
        super().__init__(data_home)
        self._votes = self._counts = None
        if (self.root / "synth_labels.csv").is_file():
            # The synthetic view's clips are shorter than the real ones: no
            # length check unless its length is set on the instance.
            self.expected_duration = None

    def _read_votes(self):
        """The votes, read once: clip_id, user, tag, one row per distinct vote."""
        if self._votes is None:
            self._votes = self._parse_votes()
        return self._votes

    def _parse_votes(self):
        path = self.root / "votes.tsv"
        if not path.is_file():
            raise self.missing_error("no votes.tsv")
        table = read_table(path, sep="\t", what=_VOTES, columns=("clip_id", "user", "tag"))
        lines = table.attrs["lines"]
        votes = table[["clip_id", "user", "tag"]].apply(lambda s: s.str.strip())
        votes["tag"] = votes["tag"].str.lower()
        empty = (votes == "").any(axis=1).to_numpy()
        if empty.any():
            line = lines[int(np.argmax(empty))]
            raise DataError(f"{path}, line {line}: an empty clip_id, user or tag; every "
                            "row needs all three")
        for line, clip in zip(lines, votes["clip_id"]):
            if "/" in clip or "\\" in clip or clip.startswith("."):
                raise DataError(f"{path}, line {line}: clip_id {clip!r} is not a plain file "
                                "name (no '/', '\\' or leading '.'); the clip's audio is "
                                "audio/<clip_id>.mp3")
        return votes.drop_duplicates()

    def _audio_paths(self, clip_ids):
        audio = self.root / "audio"
        files = []
        if audio.is_dir():
            files = sorted(p for p in audio.iterdir() if not is_hidden(p) and p.is_file()
                           and p.suffix.lower() in AUDIO_EXTENSIONS)
        check_unique([p.stem for p in files], where=files, what="MajorMiner clip")
        found = {p.stem: p for p in files}
        return {c: str(found.get(c, audio / f"{c}.mp3")) for c in clip_ids}

    def _index(self):
        votes = self._read_votes()
        counts = self.vote_counts()
        labels = pd.DataFrame(index=counts.index)
        labels.index.name = "clip_id"
        on = counts.to_numpy() >= self.min_votes
        labels["tags"] = [[t for t, v in zip(counts.columns, row) if v] for row in on]
        labels["n_users"] = votes.groupby("clip_id")["user"].nunique().reindex(counts.index)
        labels["n_votes"] = votes.groupby("clip_id").size().reindex(counts.index)
        side = self.root / "synth_labels.csv"
        if side.is_file():
            extra = _read_side(side)
            extra = extra.drop(columns=[c for c in extra.columns if c in labels])
            labels = labels.join(extra, how="left")
        paths = self._audio_paths(labels.index)
        labels["path"] = [paths[c] for c in labels.index]
        absent = sum(not Path(p).is_file() for p in labels["path"])
        if absent:
            log.warning("MajorMiner: %d of %d clips have votes but no audio file under %s",
                        absent, len(labels), self.root / "audio")
        return labels

    def _track(self, track_id, row):
        return Track(track_id, row["path"], row.drop("path").to_dict())

    @property
    def is_synthetic(self):
        """bool: True for the synthetic corpus's view (it has ``synth_labels.csv``)."""
        return (self.root / "synth_labels.csv").is_file()

    def vote_counts(self):
        """pandas.DataFrame: clips x tags (every tag given at least once, sorted),
        the number of players who gave each tag."""
        if self._counts is None:
            if not self.root.exists():
                raise self.missing_error()
            votes = self._read_votes()
            counts = (votes.groupby(["clip_id", "tag"])["user"].nunique()
                      .unstack(fill_value=0).astype(np.int32))
            counts = counts.reindex(sorted(counts.columns), axis=1).sort_index()
            counts.columns.name = None
            counts.index.name = "clip_id"
            self._counts = counts
        return self._counts.copy()

    def player_agreement(self):
        """How often a (clip, tag) pair given by one player, or by two or more, is true.

        On the synthetic view the renderer recorded each clip's true tags
        (``labels['true_tags']``); real MajorMiner has no ground truth, and
        then only the counts are given.

        Returns
        -------
        pandas.DataFrame
            Rows ``'one player'`` and ``'two or more players'``: ``'pairs'``
            and, where the truth is known, ``'share truly present'``.
        """
        pairs = self.vote_counts().stack()
        pairs = pairs[pairs > 0]
        one, more = (pairs == 1).to_numpy(), (pairs >= 2).to_numpy()
        table = pd.DataFrame({"pairs": [int(one.sum()), int(more.sum())]},
                             index=["one player", "two or more players"])
        if "true_tags" in self.labels:
            true_sets = self.labels.true_tags.str.split(";").apply(set)
            is_true = np.array([t in true_sets[c] for c, t in pairs.index])
            table["share truly present"] = [is_true[one].mean(), is_true[more].mean()]
        return table.round(3)

    def _load_tag_matrix(self):
        """Tags given by at least ``min_votes`` different players (the two-player rule)."""
        return self.vote_counts() >= self.min_votes

    def _split_random(self, *, seed=0, fractions=(0.6, 0.2, 0.2)):
        """A random train / valid / test split of the clips.

        MajorMiner has no official split. ``'random'`` shuffles the clips
        with ``seed`` and cuts them by ``fractions``; the tag experiment
        then balances positives and negatives inside each part.

        Parameters
        ----------
        seed : int
        fractions : (float, float, float)
            Train, valid and test fractions.
        """
        fractions = check_fractions(fractions)
        ids = np.array(self.track_ids)
        rng = np.random.default_rng(seed)
        ids = ids[rng.permutation(len(ids))]
        n_test = int(round(fractions[2] * len(ids)))
        n_valid = int(round(fractions[1] * len(ids)))
        return Split({"train": sorted(ids[n_test + n_valid:].tolist()),
                      "valid": sorted(ids[n_test:n_test + n_valid].tolist()),
                      "test": sorted(ids[:n_test].tolist())}, name="random")


def _read_side(path):
    """The synthetic view's ``synth_labels.csv``, indexed by clip id."""
    try:
        extra = pd.read_csv(path, dtype={"clip_id": str}, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as err:
        raise DataError(f"cannot read {path} ({type(err).__name__}: {err}); the synthetic "
                        "view is damaged: run `mirnb data synth --force`") from None
    if "clip_id" not in extra.columns:
        raise DataError(f"{path} has no column 'clip_id'; the synthetic view is damaged: "
                        "run `mirnb data synth --force`")
    check_unique(list(extra["clip_id"]), where=path, what="clip_id")
    return extra.set_index("clip_id")
