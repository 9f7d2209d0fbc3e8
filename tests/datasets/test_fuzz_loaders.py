"""Malformed dataset folders, table-driven, for the GTZAN, MTAT, MajorMiner, MSD
previews and MSD song-file loaders (the ISMIR2004 loader's are in test_ismir2004.py).

Each case builds a small valid folder, breaks one thing, then uses the
dataset the way a chapter does (labels, tracks, tags, a split, validation).
The expected outcome is one of :data:`OUTCOMES`; anything else (a pandas,
NumPy or ``KeyError`` traceback, or a result the check finds wrong) fails.
"""

import logging
import re
from dataclasses import dataclass

import pytest

from mirnb.datasets import TaggedDataset
from mirnb.datasets.gtzan import GENRES, GTZAN
from mirnb.datasets.majorminer import MajorMiner
from mirnb.datasets.msd_previews import MSDPreviews
from mirnb.datasets.mtat import MTAT
from mirnb.errors import DataError, MissingDataError

#: What a malformed input may lead to.
OUTCOMES = {
    "missing": "MissingDataError naming the expected files and how to get them",
    "error": "DataError naming the file (and the line, where there is one) and the fix",
    "reported": "loads; the malformed item is skipped or read another way, and a warning "
                "or validate() reports it",
    "read": "loads correctly: the input is harmless debris or a documented variant",
}


# -- the valid folders the cases break ------------------------------------------------

def _gtzan(home):
    for genre in GENRES:
        folder = home / "gtzan" / "genres" / genre
        folder.mkdir(parents=True)
        for i in range(100):  # complete; the audio is never decoded here
            (folder / f"{genre}.{i:05d}.wav").touch()


MTAT_TAGS = ("guitar", "rock", "piano")
MTAT_CLIPS = [  # clip_id, mp3_path, tags (0/1), track_number, artist
    ("1", "0/ann-a-01-x-0-29.mp3", "110", "1", "ann"),
    ("2", "1/ann-a-01-x-29-58.mp3", "100", "1", "ann"),
    ("3", "c/bob-b-02-y-0-29.mp3", "001", "2", "bob"),
    ("4", "d/cat-c-03-z-0-29.mp3", "010", "3", "cat"),
    ("5", "e/dan-d-04-w-0-29.mp3", "011", "4", "dan"),
    ("6", "f/dan-d-04-w-29-58.mp3", "001", "4", "dan"),
]
INFO_COLUMNS = ("clip_id", "track_number", "title", "artist", "album", "url",
                "segmentStart", "segmentEnd", "original_url", "mp3_path")


def _tsv(rows):
    return "".join("\t".join(f'"{v}"' for v in row) + "\n" for row in rows)


def _mtat(home):
    root = home / "mtat"
    root.mkdir(parents=True)
    ann = [("clip_id", *MTAT_TAGS, "mp3_path")]
    ann += [(c, *tags, path) for c, path, tags, _, _ in MTAT_CLIPS]
    info = [INFO_COLUMNS] + [(c, n, "t", a, "alb", "", 0, 29, "", path)
                             for c, path, _, n, a in MTAT_CLIPS]
    (root / "annotations_final.csv").write_text(_tsv(ann))
    (root / "clip_info_final.csv").write_text(_tsv(info))
    for _, path, *_ in MTAT_CLIPS:
        (root / path).parent.mkdir(exist_ok=True)
        (root / path).touch()


MM_VOTES = "clip_id\tuser\ttag\n" + "".join(
    f"{c}\t{u}\t{t}\n" for c in ("c1", "c2", "c3") for u in ("ann", "bob")
    for t in ("rock", "jazz" if c == "c2" else "pop"))


def _majorminer(home):
    root = home / "majorminer"
    (root / "audio").mkdir(parents=True)
    (root / "votes.tsv").write_text(MM_VOTES)
    for c in ("c1", "c2", "c3"):
        (root / "audio" / f"{c}.mp3").touch()


MSD_IDS = [f"TRAAB{i:02d}128F0000000" for i in range(4)]


def _msd_previews(home):
    root = home / "msd_previews"
    (root / "previews" / "A" / "B").mkdir(parents=True)
    (root / "splits").mkdir()
    rows = ["track_id,rock,jazz"] + [f"{t},{i % 2},{1 - i % 2}" for i, t in enumerate(MSD_IDS)]
    (root / "tags.csv").write_text("\n".join(rows) + "\n")
    for t in MSD_IDS:
        (root / "previews" / "A" / "B" / f"{t}.mp3").touch()
    for part, ids in (("train", MSD_IDS[:2]), ("valid", MSD_IDS[2:3]), ("test", MSD_IDS[3:])):
        (root / "splits" / f"{part}.txt").write_text("\n".join(ids) + "\n")


DATASETS = {  # name: (builder, folder, class, split and its arguments)
    "gtzan": (_gtzan, "gtzan", GTZAN, ("kfold", {"n_folds": 2})),
    "mtat": (_mtat, "mtat", MTAT, ("folder", {})),
    "majorminer": (_majorminer, "majorminer", MajorMiner, ("random", {})),
    "msd_previews": (_msd_previews, "msd_previews", MSDPreviews, ("files", {})),
}


# -- ways to break them ------------------------------------------------------------

def write(rel, content):
    def mutate(root):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return mutate


def sub(rel, old, new, count=1):
    def mutate(root):
        path = root / rel
        text = path.read_text()
        assert old in text, f"the case's text {old!r} is not in {path}"
        path.write_text(text.replace(old, new, count))
    return mutate


def recode(rel, fn):
    def mutate(root):
        path = root / rel
        path.write_bytes(fn(path.read_bytes()))
    return mutate


def remove(rel):
    def mutate(root):
        path = root / rel
        if path.is_dir():
            for p in sorted(path.rglob("*"), reverse=True):
                p.rmdir() if p.is_dir() else p.unlink()
            path.rmdir()
        else:
            path.unlink()
    return mutate


def link(rel, target):
    def mutate(root):
        (root / rel).symlink_to(root / target, target_is_directory=True)
    return mutate


def both(*mutations):
    def mutate(root):
        for m in mutations:
            m(root)
    return mutate


def _remove_folder(root):
    remove(".")(root)


CRLF = (lambda b: b.replace(b"\n", b"\r\n"))
BOM = (lambda b: b"\xef\xbb\xbf" + b)
UTF16 = (lambda b: b.decode().encode("utf-16"))


@dataclass
class Case:
    id: str
    dataset: str
    mutate: object
    outcome: str
    match: str = ""          # regex the message must match (error, missing)
    file: str = ""           # the file the message must name (error)
    check: object = None     # check(ds, log_text) for reported and read
    warns: str = ""          # text the warnings must hold (reported)


def _n(n):
    return lambda ds, log: len(ds) == n


def _missing(n):
    return lambda ds, log: len(ds.validate(check_audio=False).missing) == n


def _song_alone(clip):
    return lambda ds, log: ds.labels.loc[clip, "song"] == f"clip:{clip}"


ANN, INFO = "annotations_final.csv", "clip_info_final.csv"
G = "genres/blues"
CASES = [
    # ---- GTZAN --------------------------------------------------------------------
    Case("gtzan-no-folder", "gtzan", _remove_folder, "missing", r"gtzan/genres/<genre>"),
    Case("gtzan-genres-is-a-file", "gtzan", both(remove("genres"), write("genres", "x")),
         "missing", "no genres/ folder"),
    Case("gtzan-genres-empty", "gtzan", both(remove("genres"), write("genres/.keep", "")),
         "missing", "holds no .wav or .au files"),
    Case("gtzan-genre-folder-missing", "gtzan", remove("genres/jazz"), "reported",
         warns="100 of its 1000 clips are absent", check=_missing(100)),
    Case("gtzan-genre-folder-empty", "gtzan",
         both(remove("genres/jazz"), write("genres/jazz/.keep", "")), "reported",
         warns="100 of its 1000 clips are absent", check=_missing(100)),
    Case("gtzan-appledouble", "gtzan", write("genres/disco/._disco.00000.wav", b"\x00\x05"),
         "read", check=_n(1000)),
    Case("gtzan-ds-store", "gtzan", both(write("genres/.DS_Store", b"\x00"),
                                         write(f"{G}/.DS_Store", b"\x00")), "read",
         check=_n(1000)),
    Case("gtzan-hidden-folder", "gtzan", write("genres/.Trash/rock.00007.wav", b""), "read",
         check=_n(1000)),
    Case("gtzan-wav-and-au", "gtzan", write(f"{G}/blues.00000.au", b""), "error",
         r"two files give .*blues\.00000", "blues.00000.au"),
    Case("gtzan-another-genres-clip", "gtzan", write(f"{G}/rock.00009.wav", b""), "error",
         "folder of another genre", "rock.00009.wav"),
    Case("gtzan-unknown-genre-folder", "gtzan", write("genres/polka/polka.00000.wav", b""),
         "error", "not one of GTZAN's ten genre folders", "polka"),
    Case("gtzan-nested-folder", "gtzan", write(f"{G}/old/blues.00005.wav", b""), "reported",
         warns="a folder inside a genre folder", check=_n(1000)),
    Case("gtzan-copy-debris", "gtzan", write(f"{G}/blues.00001 (1).wav", b""), "reported",
         warns="not named <genre>.NNNNN",
         check=lambda ds, log: [s.track_id for s in ds.validate(check_audio=False).invalid]
         == ["blues/blues.00001 (1).wav"]),
    Case("gtzan-stray-text-file", "gtzan", write(f"{G}/notes.txt", "x"), "reported",
         warns="not a .wav or .au file", check=_n(1000)),
    Case("gtzan-clip-outside-genre-folder", "gtzan", write("genres/blues.00010.wav", b""),
         "reported", warns="not in a genre folder", check=_n(1000)),
    Case("gtzan-symlink-loop", "gtzan", link(f"{G}/loop", "genres"), "reported",
         warns="a folder inside a genre folder", check=_n(1000)),
    Case("gtzan-upper-case-extension", "gtzan", both(remove(f"{G}/blues.00003.wav"),
                                                     write(f"{G}/blues.00003.WAV", b"")),
         "read", check=lambda ds, log: ds.track("blues.00003").audio_path.suffix == ".WAV"),
    Case("gtzan-id-outside-the-index", "gtzan", write(f"{G}/blues.00100.wav", b""),
         "reported", warns="not in GTZAN's index", check=_n(1001)),
    Case("gtzan-synth-labels-empty", "gtzan", write("synth_labels.csv", b""), "error",
         "synthetic view is damaged", "synth_labels.csv"),
    Case("gtzan-synth-labels-no-id", "gtzan", write("synth_labels.csv", "id,artist\nx,y\n"),
         "error", "no column 'track_id'", "synth_labels.csv"),
    # ---- MagnaTagATune ---------------------------------------------------------------
    Case("mtat-no-folder", "mtat", _remove_folder, "missing", "annotations_final.csv"),
    Case("mtat-no-annotations", "mtat", remove(ANN), "missing", "no annotations_final.csv"),
    Case("mtat-annotations-empty", "mtat", write(ANN, b""), "error", r"is empty \(0 bytes\)",
         ANN),
    Case("mtat-annotations-blank", "mtat", write(ANN, "\n\n  \n"), "error", "is empty", ANN),
    Case("mtat-annotations-header-only", "mtat",
         write(ANN, '"clip_id"\t"rock"\t"mp3_path"\n'), "error", "header but no rows", ANN),
    Case("mtat-annotations-comma", "mtat", recode(ANN, lambda b: b.replace(b"\t", b",")),
         "error", "looks comma-separated, not tab-separated", ANN),
    Case("mtat-no-mp3-path-column", "mtat", sub(ANN, '"mp3_path"', '"path"'), "error",
         "no column 'mp3_path'", ANN),
    Case("mtat-no-tag-columns", "mtat", write(ANN, '"clip_id"\t"mp3_path"\n"1"\t"0/a.mp3"\n'),
         "error", "no tag columns", ANN),
    Case("mtat-repeated-tag-column", "mtat", sub(ANN, '"piano"', '"rock"'), "error",
         "names the column 'rock' twice", ANN),
    Case("mtat-too-few-fields", "mtat", sub(ANN, '"1"\t"0"\t"0"\t"1/', '"1"\t"0"\t"1/'),
         "error", "line 3: 4 fields where the header has 5", ANN),
    Case("mtat-too-many-fields", "mtat", sub(ANN, '"0"\t"0"\t"1"\t"c/', '"0"\t"0"\t"1"\t"1"\t"c/'),
         "error", "line 4: 6 fields", ANN),
    Case("mtat-tag-1.0", "mtat", sub(ANN, '"1"\t"1"\t"0"', '"1"\t"1.0"\t"0"'), "error",
         "line 2: tag column 'rock' holds '1.0'", ANN),
    Case("mtat-tag-2", "mtat", sub(ANN, '"0"\t"0"\t"1"\t"c/', '"0"\t"0"\t"2"\t"c/'), "error",
         "line 4: tag column 'piano' holds '2'", ANN),
    Case("mtat-tag-empty", "mtat", sub(ANN, '"0"\t"0"\t"1"\t"c/', '"0"\t""\t"1"\t"c/'),
         "error", "line 4: tag column 'rock' holds ''", ANN),
    Case("mtat-repeated-clip-id", "mtat", sub(ANN, '"2"\t', '"1"\t'), "error",
         "clip_id '1' appears twice, on lines 2 and 3", ANN),
    Case("mtat-empty-clip-id", "mtat", sub(ANN, '"2"\t', '""\t'), "error",
         "line 3: the clip_id is empty", ANN),
    Case("mtat-repeated-mp3-path", "mtat", sub(ANN, "1/ann-a-01-x-29-58", "0/ann-a-01-x-0-29"),
         "error", "mp3_path .* appears twice, on lines 2 and 3", ANN),
    Case("mtat-mp3-path-traversal", "mtat", sub(ANN, "1/ann-a-01", "../../ann-a-01"), "error",
         "line 3: mp3_path '../../ann.* leaves the dataset's folder", ANN),
    Case("mtat-mp3-path-absolute", "mtat", sub(ANN, "1/ann-a-01", "/tmp/ann-a-01"), "error",
         "leaves the dataset's folder", ANN),
    Case("mtat-mp3-path-empty", "mtat", sub(ANN, "1/ann-a-01-x-29-58.mp3", ""), "error",
         "line 3: the mp3_path is empty", ANN),
    Case("mtat-folder-outside-0-f", "mtat", sub(ANN, "1/ann-a-01", "g/ann-a-01"), "error",
         "folders outside 0-9, a-f", ANN),
    Case("mtat-nul-byte", "mtat", sub(ANN, "bob-b", "bob\x00b"), "error", "line 4: a NUL byte",
         ANN),
    Case("mtat-unclosed-quote", "mtat", sub(ANN, '"2"\t', '"2\t'), "error",
         "line 3: 4 fields where", ANN),
    Case("mtat-quoted-field-over-lines", "mtat", sub(INFO, '"t"\t"ann"', '"t\n"\t"ann"'),
         "error", "line 2: a quoted field runs on to line 3", INFO),
    Case("mtat-bom", "mtat", recode(ANN, BOM), "read", check=_n(6)),
    Case("mtat-windows-line-ends", "mtat", both(recode(ANN, CRLF), recode(INFO, CRLF)), "read",
         check=lambda ds, log: ds.labels.loc["6", "mp3_path"] == "f/dan-d-04-w-29-58.mp3"),
    Case("mtat-utf16", "mtat", recode(ANN, UTF16), "read",
         check=lambda ds, log: ds.tag_names == list(MTAT_TAGS)),
    Case("mtat-blank-lines", "mtat", sub(ANN, '\n"3"', '\n\n\n"3"'), "read", check=_n(6)),
    Case("mtat-latin1-title", "mtat", recode(INFO, lambda b: b.replace(b'"t"', b'"caf\xe9"', 1)),
         "reported", warns="is not UTF-8; the file is read as Latin-1",
         check=lambda ds, log: ds.labels.loc["1", "title"] == "caf\u00e9"),
    Case("mtat-info-empty", "mtat", write(INFO, b""), "error", "is empty", INFO),
    Case("mtat-info-header-only", "mtat", write(INFO, _tsv([INFO_COLUMNS])), "error",
         "header but no rows", INFO),
    Case("mtat-info-no-artist-album", "mtat",
         both(sub(INFO, '"artist"', '"performer"'), sub(INFO, '"album"', '"record"')), "error",
         "no column 'artist', 'album'", INFO),
    Case("mtat-info-too-few-fields", "mtat", sub(INFO, '"alb"\t', ""), "error",
         "line 2: 9 fields where the header has 10", INFO),
    Case("mtat-info-repeated-clip-id", "mtat", sub(INFO, '"2"\t"1"', '"1"\t"1"'), "error",
         "clip_id '1' appears twice", INFO),
    Case("mtat-info-lacks-clips", "mtat",
         write(INFO, _tsv([INFO_COLUMNS, ("1", 1, "t", "ann", "alb", "", 0, 29, "", "0/x")])),
         "reported", warns="5 clips are not in",
         check=lambda ds, log: ds.labels["song"].nunique() == 6
         and len(ds.splits("folder")["test"]) == 3),
    Case("mtat-info-empty-song-fields", "mtat", sub(INFO, '"3"\t"2"\t"t"\t"bob"\t"alb"',
                                                    '"3"\t""\t"t"\t""\t""'),
         "reported", warns="have no artist, album and track", check=_song_alone("3")),
    Case("mtat-info-absent", "mtat", remove(INFO), "reported",
         warns="clips cannot be grouped by song", check=_n(6)),
    # ---- MajorMiner ------------------------------------------------------------------
    Case("mm-no-folder", "majorminer", _remove_folder, "missing", "votes.tsv"),
    Case("mm-no-votes", "majorminer", remove("votes.tsv"), "missing", "no votes.tsv"),
    Case("mm-votes-empty", "majorminer", write("votes.tsv", b""), "error",
         r"is empty \(0 bytes\)", "votes.tsv"),
    Case("mm-votes-header-only", "majorminer", write("votes.tsv", "clip_id\tuser\ttag\n"),
         "error", "header but no rows", "votes.tsv"),
    Case("mm-votes-comma", "majorminer", recode("votes.tsv", lambda b: b.replace(b"\t", b",")),
         "error", "looks comma-separated", "votes.tsv"),
    Case("mm-votes-no-user", "majorminer", sub("votes.tsv", "\tuser\t", "\tplayer\t"),
         "error", "no column 'user'", "votes.tsv"),
    Case("mm-votes-too-few-fields", "majorminer", sub("votes.tsv", "c1\tbob\trock", "c1\tbob"),
         "error", "line 4: 2 fields where the header has 3", "votes.tsv"),
    Case("mm-votes-too-many-fields", "majorminer", sub("votes.tsv", "c2\tann\tjazz",
                                                       "c2\tann\tjazz\textra"),
         "error", "line 7: 4 fields", "votes.tsv"),
    Case("mm-votes-empty-user", "majorminer", sub("votes.tsv", "c3\tann\t", "c3\t \t"),
         "error", "line 10: an empty clip_id, user or tag", "votes.tsv"),
    Case("mm-clip-id-traversal", "majorminer", sub("votes.tsv", "c3\tann", "../../c3\tann"),
         "error", "is not a plain file name", "votes.tsv"),
    Case("mm-audio-mp3-and-wav", "majorminer", write("audio/c2.wav", b""), "error",
         "two files give the MajorMiner clip 'c2'", "c2.wav"),
    Case("mm-audio-appledouble", "majorminer", write("audio/._c1.mp3", b"\x00"), "read",
         check=lambda ds, log: not ds.validate(check_audio=False).missing),
    Case("mm-audio-nested", "majorminer", both(remove("audio/c1.mp3"),
                                               write("audio/old/c1.mp3", b"")),
         "reported", warns="1 of 3 clips have votes but no audio",
         check=lambda ds, log: ds.validate(check_audio=False).missing == ["c1"]),
    Case("mm-votes-bom-crlf", "majorminer", recode("votes.tsv", lambda b: BOM(CRLF(b))),
         "read", check=lambda ds, log: ds.labels.loc["c2", "tags"] == ["jazz", "rock"]),
    Case("mm-votes-latin1", "majorminer", recode("votes.tsv", lambda b: b.replace(
        b"c3\tann\tpop", b"c3\tann\tpop\xe9", 1)), "reported", warns="read as Latin-1",
        check=lambda ds, log: "pop\u00e9" in ds.vote_counts().columns),
    Case("mm-votes-nul", "majorminer", sub("votes.tsv", "c3\tann\tpop", "c3\tann\tp\x00p"),
         "error", "a NUL byte", "votes.tsv"),
    Case("mm-synth-labels-empty", "majorminer", write("synth_labels.csv", b""), "error",
         "synthetic view is damaged", "synth_labels.csv"),
    # ---- MSD previews ----------------------------------------------------------------
    Case("msdp-no-tags", "msd_previews", remove("tags.csv"), "missing", "no tags.csv"),
    Case("msdp-no-previews", "msd_previews", remove("previews"), "missing",
         "no previews/ folder"),
    Case("msdp-tags-empty", "msd_previews", write("tags.csv", b""), "error", "is empty",
         "tags.csv"),
    Case("msdp-tags-header-only", "msd_previews", write("tags.csv", "track_id,rock\n"),
         "error", "header but no rows", "tags.csv"),
    Case("msdp-tags-tab", "msd_previews", recode("tags.csv", lambda b: b.replace(b",", b"\t")),
         "error", "looks tab-separated, not comma-separated", "tags.csv"),
    Case("msdp-no-tag-columns", "msd_previews", write("tags.csv", f"track_id\n{MSD_IDS[0]}\n"),
         "error", "no tag columns", "tags.csv"),
    Case("msdp-repeated-id", "msd_previews", sub("tags.csv", MSD_IDS[1], MSD_IDS[0]),
         "error", "appears twice, on lines 2 and 3", "tags.csv"),
    Case("msdp-empty-id", "msd_previews", sub("tags.csv", MSD_IDS[1], ""), "error",
         "line 3: the track_id is empty", "tags.csv"),
    Case("msdp-tag-2", "msd_previews", sub("tags.csv", f"{MSD_IDS[2]},0", f"{MSD_IDS[2]},2"),
         "error", "line 4: tag column 'rock' holds '2'", "tags.csv"),
    Case("msdp-tag-word", "msd_previews", sub("tags.csv", f"{MSD_IDS[2]},0",
                                              f"{MSD_IDS[2]},yes"),
         "error", "holds 'yes'", "tags.csv"),
    Case("msdp-tag-1.0", "msd_previews", sub("tags.csv", f"{MSD_IDS[1]},1,0",
                                             f"{MSD_IDS[1]},1.0,0.0"),
         "read", check=lambda ds, log: ds.labels.loc[MSD_IDS[1], "tags"] == ["rock"]),
    Case("msdp-too-few-fields", "msd_previews", sub("tags.csv", f"{MSD_IDS[3]},1,0",
                                                    f"{MSD_IDS[3]},1"),
         "error", "line 5: 2 fields where the header has 3", "tags.csv"),
    Case("msdp-bom-crlf", "msd_previews", recode("tags.csv", lambda b: BOM(CRLF(b))), "read",
         check=lambda ds, log: ds.tag_names == ["rock", "jazz"]),
    Case("msdp-latin1-tag", "msd_previews",
         recode("tags.csv", lambda b: b.replace(b"jazz", b"jazz\xe9", 1)), "reported",
         warns="read as Latin-1", check=lambda ds, log: ds.tag_names[1] == "jazz\u00e9"),
    Case("msdp-two-previews", "msd_previews", write(f"previews/{MSD_IDS[0]}.wav", b""),
         "error", f"two files give the MSD track '{MSD_IDS[0]}'", f"{MSD_IDS[0]}.wav"),
    Case("msdp-hidden", "msd_previews", both(write(f"previews/A/B/._{MSD_IDS[0]}.mp3", b"\0"),
                                             write(f"previews/.old/{MSD_IDS[1]}.mp3", b"")),
         "read", check=lambda ds, log: not ds.missing_previews()),
    Case("msdp-symlink-loop", "msd_previews", link("previews/A/loop", "previews"), "reported",
         warns="loops back", check=lambda ds, log: not ds.missing_previews()),
    Case("msdp-missing-preview", "msd_previews", remove(f"previews/A/B/{MSD_IDS[3]}.mp3"),
         "reported", warns="1 of 4 tracks in tags.csv have no preview",
         check=lambda ds, log: ds.splits("files").skipped[0].track_id == MSD_IDS[3]),
]


def _use(name, ds):
    """Use the dataset as a chapter does."""
    split, kwargs = DATASETS[name][3]
    ds.labels  # noqa: B018
    for tid in ds.track_ids[:3]:
        ds.track(tid)
    if isinstance(ds, TaggedDataset):
        ds.tag_matrix()
        ds.top_tags(2)
    ds.splits(split, **kwargs)
    return ds.validate(check_audio=False)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_malformed_folder_is_refused_or_reported(case, tmp_path, caplog):
    build, folder, cls, _ = DATASETS[case.dataset]
    build(tmp_path)
    case.mutate(tmp_path / folder)
    ds = cls(data_home=tmp_path)
    with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
        if case.outcome in ("missing", "error"):
            with pytest.raises(DataError) as err:
                _use(case.dataset, ds)
            assert isinstance(err.value, MissingDataError) == (case.outcome == "missing")
            msg = str(err.value)
            assert case.match and re.search(case.match, msg), msg
            assert case.file in msg or case.outcome == "missing", msg
        else:
            _use(case.dataset, ds)
            assert case.check(ds, caplog.text), f"{case.id}: wrong result"
    if case.outcome == "reported":
        assert case.warns and case.warns in caplog.text, caplog.text
    if case.outcome == "read":
        assert not any(r.levelno >= logging.WARNING for r in caplog.records), caplog.text


def test_the_cases_cover_every_loader_and_outcome():
    counts = {}
    for c in CASES:
        assert c.outcome in OUTCOMES and c.dataset in DATASETS
        counts[c.outcome] = counts.get(c.outcome, 0) + 1
    assert set(counts) == set(OUTCOMES) and len({c.id for c in CASES}) == len(CASES)
    assert {c.dataset for c in CASES} == set(DATASETS) and len(CASES) >= 80


def test_a_valid_folder_loads_without_warnings(tmp_path, caplog):
    """The fuzz baseline itself: every builder gives a folder that loads cleanly."""
    for name, (build, folder, cls, _) in DATASETS.items():
        build(tmp_path / name)
        with caplog.at_level(logging.WARNING, logger="mirnb.datasets"):
            report = _use(name, cls(data_home=tmp_path / name))
        ds = cls(data_home=tmp_path / name)
        assert report.ok and report.n_tracks == len(ds) > 0
        assert not caplog.text, (name, caplog.text)
        caplog.clear()


# -- MSD song files (HDF5) ------------------------------------------------------------

def _msd_home(tmp_path):
    import shutil
    from pathlib import Path

    fixtures = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "msd"
    files = sorted(fixtures.glob("*.h5"))
    if not files:
        pytest.skip(f"no MSD fixtures in {fixtures}")
    root = tmp_path / "msd" / "data"
    out = []
    for f in files:
        d = root / f.stem[2] / f.stem[3] / f.stem[4]
        d.mkdir(parents=True, exist_ok=True)
        out.append(Path(shutil.copy(f, d / f.name)))
    return out


def _drop_group(path, group):
    import h5py

    with h5py.File(path, "r+") as h:
        del h[group]


MSD_CASES = [  # (id, mutation of the copied files, outcome, what the report must say)
    ("random-bytes", lambda f: f[0].write_bytes(bytes(range(256)) * 8), "reported", "HDF5"),
    ("empty-file", lambda f: f[0].write_bytes(b""), "reported", "HDF5"),
    ("truncated", lambda f: f[0].write_bytes(f[0].read_bytes()[:5000]), "reported",
     "truncated"),
    ("no-metadata-group", lambda f: _drop_group(f[0], "metadata"), "reported", "metadata/"),
    ("no-analysis-group", lambda f: _drop_group(f[0], "analysis"), "reported", "analysis/"),
    ("appledouble-debris", lambda f: f[0].with_name("._" + f[0].name).write_bytes(b"\0" * 64),
     "read", None),
    ("same-track-twice", lambda f: (f[0].parent.parent / "Z").mkdir()
     or (f[0].parent.parent / "Z" / f[0].name).write_bytes(f[0].read_bytes()), "error",
     "two files"),
    ("folder-named-like-a-song", lambda f: (f[0].parent / "TRZZZZZ128F0000000.h5").mkdir(),
     "read", None),
]


@pytest.mark.parametrize("case", MSD_CASES, ids=[c[0] for c in MSD_CASES])
def test_a_malformed_msd_copy_is_refused_or_reported(case, tmp_path):
    from mirnb.datasets.msd import MSD

    name, mutate, outcome, says = case
    files = _msd_home(tmp_path)
    mutate(files)
    if outcome == "error":
        with pytest.raises(DataError, match=says):
            MSD(tmp_path).labels  # noqa: B018
        return
    ds = MSD(tmp_path)
    labels = ds.labels
    report = ds.validate()
    if outcome == "read":
        assert len(labels) == len(files) and report.ok and not ds.skipped
    else:
        assert len(labels) == len(files) - 1
        assert [s.track_id for s in ds.skipped] == [files[0].stem]
        assert says in ds.skipped[0].reason and str(files[0]) in ds.skipped[0].reason
        assert not report.ok
