"""Saved models with model cards, and tagging of your own audio files.

A chapter that trains a model worth keeping saves it with :func:`save_model`,
beside a :class:`ModelCard` that says what it is: the paper and chapter, the
task and its labels (in output order), the data it was trained on (synthetic
or real, with its version), the split, the seed, the test metrics, the exact
front end that turns audio into its input, and its limits. Anyone can then
list the saved models (:func:`list_models`, ``mirnb models``) and tag their
own files with one (:func:`tag`, ``mirnb tag``)::

    >>> from mirnb import tagging
    >>> results = tagging.tag(["song.mp3", "my_folder/"], model="choi2016/fcn4")
    >>> print(tagging.format_results(results, top_k=5))
    >>> tagging.taggram(results[0])

A saved model is a folder::

    <data_home>/mirnb_runs/models/<chapter>/<name>/
        model.keras   the Keras model (``model.save``), loaded with compile=False
        card.json     the card (:meth:`ModelCard.to_dict`)
        card.md       the card, to read (:meth:`ModelCard.markdown`)

A file is tagged the way the chapter computed its training inputs: it is
loaded at the card's sample rate and mixed down to mono
(:func:`mirnb.audio.load`), turned into a log-mel spectrogram
(:func:`mirnb.features.log_mel`, the card's ``front_end``), cut into windows
of one model input (``n_frames`` frames) that overlap by ``1 - hop``, and the
model's outputs are averaged over the windows. A genre model's outputs are a
softmax posterior, so its averaged scores still sum to one.
"""

import csv
import dataclasses
import io
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from . import _check
from .cache import atomic_write
from .errors import DataError, MissingDataError, ParameterError

__all__ = ["ModelCard", "Tagging", "save_model", "load_model", "list_models", "models_root",
           "tag", "taggram", "format_results", "TASKS", "DATA_KINDS", "FORMATS",
           "TAG_EXTENSIONS", "NO_MODELS"]

log = logging.getLogger("mirnb.tagging")

#: What a model predicts: independent tags (sigmoid outputs) or one genre
#: among exclusive classes (a softmax posterior).
TASKS = ("tags", "genre")

#: What a model was trained on.
DATA_KINDS = ("synthetic", "real")

#: Output formats of :func:`format_results`.
FORMATS = ("table", "json", "csv")

#: File extensions :func:`tag` picks up in a folder: the datasets' audio
#: extensions (:data:`mirnb.datasets.core.AUDIO_EXTENSIONS`) plus GTZAN's
#: original ``.au`` and AIFF, which libsndfile reads too.
TAG_EXTENSIONS = (".mp3", ".wav", ".flac", ".ogg", ".au", ".aif", ".aiff")

#: What to do when no model has been saved yet.
NO_MODELS = ("no trained model yet: run `mirnb run choi2016` (a tagger) or "
             "`mirnb run comparison` (a genre model)")

#: The keys a card's ``front_end`` must have.
FRONT_END_KEYS = ("kind", "sr", "n_fft", "hop_length", "n_mels", "top_db", "n_frames")

# Extra parameters of mirnb.features.log_mel a card may fix (the defaults otherwise).
_LOG_MEL_EXTRAS = ("fmin", "fmax", "power", "window", "center", "log", "amin", "ref", "c")

_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")

# The most windows given to the model at once (bounds memory on long files).
_MAX_BATCH = 64


# ----------------------------------------------------------------------------
# model cards
# ----------------------------------------------------------------------------
def _now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _code_version():
    from .results import code_version

    return code_version()


def _path_part(what, value):
    """Check a chapter or model name: it becomes a folder name."""
    if not isinstance(value, str) or not _NAME_RE.match(value):
        raise ParameterError(f"{what}={value!r}: expected a name of letters, digits, '_', "
                             "'.' and '-' (it becomes a folder name), e.g. 'fcn4'")
    return value


@dataclass
class ModelCard:
    """What a saved model is, what it was trained on, and how to feed it.

    Parameters
    ----------
    name : str
        The model's name within its chapter, e.g. ``'fcn4'``.
    chapter : str
        The chapter that trained it, e.g. ``'choi2016'``.
    paper : str
        The paper it re-implements, e.g. ``'Choi et al. 2016'``.
    task : {'tags', 'genre'}
        ``'tags'``: one sigmoid probability per tag. ``'genre'``: a softmax
        posterior over exclusive genres.
    labels : list of str, length n_labels
        The tags or genres, in the order of the model's outputs.
    profile : str
        The run profile (``'smoke'``, ``'default'``, ``'paper'``).
    data_kind : {'synthetic', 'real'}
    dataset : str
        What the training data was, e.g. ``'synthetic mtat view, default corpus'``.
    dataset_version : str
        Version or content key of the data.
    split : str
        The split the test metrics come from, e.g. ``'folder (0-b / c / d-f)'``.
    seed : int, list of int or None
    metrics : dict
        Test metric name -> value. The first one is the card's main metric
        (:func:`list_models` shows it).
    front_end : dict
        How audio becomes one model input: ``kind='log_mel'``, ``sr``,
        ``n_fft``, ``hop_length``, ``n_mels``, ``top_db`` (None or dB) and
        ``n_frames`` (frames of one input, whose shape is
        ``(n_mels, n_frames, 1)``). Other parameters of
        :func:`mirnb.features.log_mel` (``fmin``, ``fmax``, ...) may be
        added; they are passed on.
    limits : str
        Extra limits to state, beside those the card states itself.
    created : str
        ISO 8601 time; now by default.
    code_version : str
        :func:`mirnb.results.code_version` by default.

    Raises
    ------
    ParameterError
        A field is missing or of the wrong kind.
    """

    name: str
    chapter: str
    paper: str
    task: str
    labels: list
    profile: str
    data_kind: str
    dataset: str
    dataset_version: str = ""
    split: str = ""
    seed: object = None
    metrics: dict = field(default_factory=dict)
    front_end: dict = field(default_factory=dict)
    limits: str = ""
    created: str = field(default_factory=_now)
    code_version: str = field(default_factory=_code_version)

    def __post_init__(self):
        _path_part("name", self.name)
        _path_part("chapter", self.chapter)
        _check.choice("task", self.task, TASKS)
        _check.choice("data_kind", self.data_kind, DATA_KINDS)
        labels = list(self.labels) if isinstance(self.labels, (list, tuple, np.ndarray)) else None
        if not labels or not all(isinstance(x, str) and x for x in labels):
            raise ParameterError(f"labels={self.labels!r}: expected a non-empty list of "
                                 "label names (str), in the order of the model's outputs")
        if len(set(labels)) != len(labels):
            raise ParameterError(f"labels: {sorted({x for x in labels if labels.count(x) > 1})} "
                                 "appear more than once; each output needs its own name")
        self.labels = labels
        self.seed = _check_seed(self.seed)
        if not isinstance(self.metrics, dict):
            raise ParameterError(f"metrics={self.metrics!r}: expected a dict of test "
                                 "metric name -> number")
        self.metrics = {str(k): _check.number(f"metrics[{k!r}]", v)
                        for k, v in self.metrics.items()}
        self.front_end = _check_front_end(self.front_end)
        for attr in ("paper", "profile", "dataset", "dataset_version", "split", "limits",
                     "created", "code_version"):
            if not isinstance(getattr(self, attr), str):
                raise ParameterError(f"{attr}={getattr(self, attr)!r}: expected a str")

    @property
    def model(self):
        """``'<chapter>/<name>'``: how :func:`load_model` and :func:`tag` name it."""
        return f"{self.chapter}/{self.name}"

    @property
    def window_seconds(self):
        """Seconds of audio one model input covers (``n_frames`` frames)."""
        fe = self.front_end
        return (fe["n_frames"] - 1) * fe["hop_length"] / fe["sr"]

    @property
    def input_shape(self):
        """``(n_mels, n_frames, 1)``: the shape of one model input."""
        return (self.front_end["n_mels"], self.front_end["n_frames"], 1)

    def to_dict(self):
        """The card as a JSON-ready dict (:meth:`from_dict` reads it back)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d):
        """Make a card from :meth:`to_dict`'s output; unknown keys are ignored.

        Raises
        ------
        ParameterError
            ``d`` is not a dict, lacks a required field or holds a bad value.
        """
        if not isinstance(d, dict):
            raise ParameterError(f"a model card is a dict, not {type(d).__name__}")
        names = {f.name for f in dataclasses.fields(cls)}
        required = [f.name for f in dataclasses.fields(cls)
                    if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING]
        missing = [k for k in required if k not in d]
        if missing:
            raise ParameterError(f"model card lacks {missing}")
        return cls(**{k: v for k, v in d.items() if k in names})

    def limits_text(self):
        """The card's **Limits**: what the model cannot be trusted with (Markdown)."""
        fe = self.front_end
        out = []
        if self.data_kind == "synthetic":
            out.append("**This model was trained on the book's synthetic corpus, not on real "
                       "recordings: it will not tag real music well.** Its scores show what "
                       "the method learns from the synthetic data; they are not the paper's "
                       "model and not a reproduction of the paper's numbers.")
        else:
            out.append(f"Trained on {self.dataset}: it knows only these {len(self.labels)} "
                       f"{'tags' if self.task == 'tags' else 'genres'}, with that data's "
                       "biases (its recordings, its annotators, its label noise).")
        if self.task == "genre":
            out.append("A genre model always answers one of its genres, even for music "
                       "of none of them: its scores are a posterior over these genres only.")
        else:
            out.append("Tag scores are independent probabilities, not calibrated on your "
                       "music; compare them across files rather than reading them as certainties.")
        out.append(f"It hears {self.window_seconds:.2f} s at a time at {fe['sr']} Hz "
                   f"(up to {fe['sr'] / 2:g} Hz); a file's scores are the mean over its "
                   "windows, and a file shorter than one window cannot be tagged.")
        if self.limits:
            out.append(self.limits)
        return out

    def markdown(self):
        """The card as Markdown: title, provenance, test metrics, front end, limits.

        Returns
        -------
        str
        """
        fe = self.front_end
        seed = ", ".join(map(str, self.seed)) if isinstance(self.seed, list) else self.seed
        data = f"{self.data_kind}: {self.dataset}" + (
            f" (version {self.dataset_version})" if self.dataset_version else "")
        rows = [("model", f"`{self.model}`"), ("chapter", self.chapter),
                ("paper", self.paper),
                ("task", f"{self.task} ({len(self.labels)} labels)"),
                ("profile", self.profile), ("data", data), ("split", self.split or "-"),
                ("seed", "-" if seed is None else seed),
                ("code version", self.code_version), ("created", self.created)]
        lines = [f"# Model card: {self.model}", "", "| | |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in rows]
        lines += ["", "## Test metrics", ""]
        if self.metrics:
            lines += ["| metric | value |", "|---|---|"]
            lines += [f"| {k} | {v:.4g} |" for k, v in self.metrics.items()]
        else:
            lines.append("None recorded.")
        extras = {k: v for k, v in fe.items() if k not in FRONT_END_KEYS}
        lines += ["", "## Front end", "",
                  f"Log-mel spectrogram (`mirnb.features.log_mel`): audio at {fe['sr']} Hz, "
                  f"mono; n_fft {fe['n_fft']}, hop_length {fe['hop_length']}, "
                  f"{fe['n_mels']} mel bands, top_db {fe['top_db']}"
                  + "".join(f", {k} {v}" for k, v in extras.items())
                  + f". One input is {fe['n_mels']} x {fe['n_frames']} "
                  f"({self.window_seconds:.2f} s).",
                  "", "## Labels", "", ", ".join(self.labels),
                  "", "## Limits", ""]
        lines += [f"- {x}" for x in self.limits_text()]
        return "\n".join(lines) + "\n"


def _check_seed(seed):
    if seed is None:
        return None
    seeds = list(seed) if isinstance(seed, (list, tuple)) else [seed]
    if not seeds or not all(isinstance(x, (int, np.integer)) and not isinstance(x, bool)
                            for x in seeds):
        raise ParameterError(f"seed={seed!r}: expected an int, a list of ints or None")
    seeds = [int(x) for x in seeds]
    return seeds if isinstance(seed, (list, tuple)) else seeds[0]


def _check_front_end(fe):
    if not isinstance(fe, dict):
        raise ParameterError(f"front_end={fe!r}: expected a dict with {list(FRONT_END_KEYS)}")
    missing = [k for k in FRONT_END_KEYS if k not in fe]
    if missing:
        raise ParameterError(f"front_end lacks {missing}: a card needs {list(FRONT_END_KEYS)}, "
                             "e.g. {'kind': 'log_mel', 'sr': 12000, 'n_fft': 512, "
                             "'hop_length': 256, 'n_mels': 96, 'top_db': None, "
                             "'n_frames': 1366}")
    out = dict(fe)
    _check.choice("front_end['kind']", out["kind"], ("log_mel",))
    for k in ("sr", "n_fft", "hop_length", "n_mels", "n_frames"):
        out[k] = _check.positive_int(f"front_end[{k!r}]", out[k])
    if out["top_db"] is not None:
        out["top_db"] = _check.nonneg("front_end['top_db']", out["top_db"])
    unknown = [k for k in out if k not in FRONT_END_KEYS + _LOG_MEL_EXTRAS]
    if unknown:
        raise ParameterError(f"front_end has unknown keys {unknown}: allowed are "
                             f"{list(FRONT_END_KEYS + _LOG_MEL_EXTRAS)}")
    return out


# ----------------------------------------------------------------------------
# saving, listing, loading
# ----------------------------------------------------------------------------
def models_root(data_home=None):
    """The folder of saved models: ``<data_home>/mirnb_runs/models``.

    ``data_home`` is resolved by :func:`mirnb.datasets.core.data_home` (the
    argument, then ``MIRNB_DATA``, then ``~/mir_datasets``).
    """
    from .datasets.core import data_home as _home

    return _home(data_home) / "mirnb_runs" / "models"


def _model_shapes(model):
    """``(input shape without batch, number of outputs)`` of a Keras model."""
    shape = tuple(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    out = model.outputs[0].shape[-1] if getattr(model, "outputs", None) else None
    return shape, out


def _check_fit(model, card, where):
    shape, n_out = _model_shapes(model)
    if n_out is not None and n_out != len(card.labels):
        raise where(f"model {card.model} has {n_out} outputs but its card lists "
                    f"{len(card.labels)} labels: give one label per output, in order")
    if shape is not None and None not in shape and shape != card.input_shape:
        raise where(f"model {card.model} takes inputs of shape {shape} but its card's "
                    f"front end makes {card.input_shape} (n_mels, n_frames, 1): make the "
                    "card's front_end describe the model's input")


def save_model(model, card, *, data_home=None):
    """Save a trained Keras model with its card.

    The folder is written next to its destination under a temporary name
    and renamed into place, so a reader never sees a half-written model; a
    model saved before under the same name is replaced.

    Parameters
    ----------
    model : keras.Model
        Takes inputs of shape ``(batch, n_mels, n_frames, 1)`` (the card's
        :attr:`ModelCard.input_shape`) and gives ``(batch, n_labels)``.
    card : ModelCard
    data_home : str or Path, optional
        See :func:`models_root`.

    Returns
    -------
    Path
        ``<data_home>/mirnb_runs/models/<chapter>/<name>``.

    Raises
    ------
    ParameterError
        ``card`` is not a :class:`ModelCard`, or the model's input or output
        shape does not match the card.
    """
    if not isinstance(card, ModelCard):
        raise ParameterError(f"card={card!r}: expected a mirnb.tagging.ModelCard")
    if not hasattr(model, "save"):
        raise ParameterError(f"model={model!r}: expected a Keras model")
    _check_fit(model, card, ParameterError)
    parent = models_root(data_home) / card.chapter
    parent.mkdir(parents=True, exist_ok=True)
    dest = parent / card.name
    tmp = Path(tempfile.mkdtemp(prefix=f".{card.name}.", suffix=".tmp", dir=parent))
    try:
        os.chmod(tmp, 0o755)
        model.save(tmp / "model.keras")
        atomic_write(tmp / "card.json",
                     lambda p: p.write_text(json.dumps(card.to_dict(), indent=2) + "\n"))
        atomic_write(tmp / "card.md", lambda p: p.write_text(card.markdown()))
        old = None
        if dest.exists():
            old = parent / f".{card.name}.{os.getpid()}.{id(tmp):x}.old"
            os.rename(dest, old)
        os.rename(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return dest


def _read_card(folder):
    path = folder / "card.json"
    try:
        return ModelCard.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError) as err:  # ParameterError is a ValueError
        raise DataError(f"model card {path} is unreadable ({err}): save the model again "
                        f"or remove the folder {folder}") from None


def _saved(data_home=None):
    """``{'<chapter>/<name>': folder}`` of the complete saved models, sorted."""
    root = models_root(data_home)
    out = {}
    if root.is_dir():
        for card in sorted(root.glob("*/*/card.json")):
            folder = card.parent
            if folder.name.startswith(".") or folder.parent.name.startswith("."):
                continue
            if (folder / "model.keras").is_file():
                out[f"{folder.parent.name}/{folder.name}"] = folder
    return out


LIST_COLUMNS = ["model", "task", "profile", "data_kind", "main metric", "n_labels", "path"]


def list_models(data_home=None):
    """The saved models, one row each.

    Parameters
    ----------
    data_home : str or Path, optional
        See :func:`models_root`.

    Returns
    -------
    pandas.DataFrame
        Columns ``model`` (``'<chapter>/<name>'``), ``task``, ``profile``,
        ``data_kind``, ``main metric`` (the card's first test metric, as
        ``'<name> <value>'``), ``n_labels`` and ``path`` (the model's
        folder). No rows (the same columns) when none is saved. A model
        whose card cannot be read is left out, with a logged warning.
    """
    rows = []
    for name, folder in _saved(data_home).items():
        try:
            card = _read_card(folder)
        except DataError as err:
            log.warning("%s", err)
            continue
        main = next(iter(card.metrics.items()), None)
        rows.append({"model": name, "task": card.task, "profile": card.profile,
                     "data_kind": card.data_kind,
                     "main metric": "-" if main is None else f"{main[0]} {main[1]:.4g}",
                     "n_labels": len(card.labels), "path": str(folder)})
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def load_model(name, data_home=None):
    """Load a saved model and its card.

    Parameters
    ----------
    name : str
        ``'<chapter>/<name>'``, e.g. ``'choi2016/fcn4'``. A bare name
        (``'fcn4'``) is accepted when exactly one chapter saved a model of
        that name.
    data_home : str or Path, optional
        See :func:`models_root`.

    Returns
    -------
    model : keras.Model
        Not compiled (for prediction).
    card : ModelCard

    Raises
    ------
    ParameterError
        No saved model has this name: the message lists the saved ones, or,
        when there are none, says which chapter to run to get one.
    DataError
        The model file or its card is unreadable, or they do not match.
    """
    if not isinstance(name, str) or not name:
        raise ParameterError(f"model={name!r}: expected a saved model's name such as "
                             "'choi2016/fcn4'")
    saved = _saved(data_home)
    if "/" not in name:
        hits = [k for k in saved if k.split("/", 1)[1] == name]
        if len(hits) == 1:
            name = hits[0]
        elif hits:
            raise ParameterError(f"model {name!r} is ambiguous: give one of "
                                 f"{', '.join(hits)}")
    if name not in saved:
        where = models_root(data_home)
        if not saved:
            raise ParameterError(f"model {name!r}: {NO_MODELS}. (No model is saved in "
                                 f"{where}; --data-home or MIRNB_DATA chooses the folder.)")
        raise ParameterError(f"unknown model {name!r}: the saved models are "
                             f"{', '.join(saved)} (in {where}); see `mirnb models`")
    folder = saved[name]
    card = _read_card(folder)
    import keras

    from . import layers  # noqa: F401  (registers the package's serialisable layers)

    path = folder / "model.keras"
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as err:  # Keras raises many kinds for a corrupt archive
        raise DataError(f"cannot load model {name} from {path}: {err}. Save it again by "
                        f"running its chapter, or remove {folder}") from None
    _check_fit(model, card, DataError)
    return model, card


# ----------------------------------------------------------------------------
# tagging
# ----------------------------------------------------------------------------
@dataclass
class Tagging:
    """The tags (or genre) of one audio file.

    Attributes
    ----------
    path : Path
        The file.
    labels : list of str, length n_labels
        The card's labels, in the model's output order.
    scores : np.ndarray, shape (n_labels,)
        Mean of the model's outputs over the windows (a genre model's still
        sum to one).
    windows : np.ndarray, shape (n_windows, n_labels)
        The model's output for every window.
    times : np.ndarray, shape (n_windows,)
        Start of every window, in seconds.
    card : ModelCard
        The model that tagged it.
    """

    path: Path
    labels: list
    scores: np.ndarray
    windows: np.ndarray
    times: np.ndarray
    card: ModelCard

    def top(self, k=5):
        """The ``k`` best labels and their scores, best first.

        Returns
        -------
        list of (str, float)
            At most ``n_labels`` pairs.
        """
        k = _check.positive_int("top_k", k)
        order = np.argsort(-self.scores, kind="stable")[:k]
        return [(self.labels[i], float(self.scores[i])) for i in order]


def _audio_files(paths):
    """Expand files and folders (recursively, sorted) into a list of files."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    try:
        paths = list(paths)
    except TypeError:
        raise ParameterError(f"paths={paths!r}: expected a file or folder, or a list of "
                             "them") from None
    if not paths:
        raise ParameterError("paths is empty: give at least one audio file or folder")
    files = []
    for p in paths:
        if not isinstance(p, (str, os.PathLike)):
            raise ParameterError(f"paths: {p!r} is not a path")
        p = Path(p).expanduser()
        if p.is_dir():
            found = sorted(f for f in p.rglob("*")
                           if f.is_file() and f.suffix.lower() in TAG_EXTENSIONS
                           and not f.name.startswith("."))
            if not found:
                raise DataError(f"folder {p} holds no audio files (looked for "
                                f"{', '.join(TAG_EXTENSIONS)}, in subfolders too)")
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise MissingDataError(f"audio file not found: {p}")
    return files


def _check_hop(hop):
    ok = isinstance(hop, (int, float, np.floating, np.integer)) and not isinstance(hop, bool)
    if not ok or not 0 < hop <= 1:
        raise ParameterError(f"hop={hop!r}: expected a number in (0, 1], the hop between "
                             "windows as a fraction of one window (0.5: half-overlapping "
                             "windows; 1: no overlap)")
    return float(hop)


def _resolve_model(model, data_home):
    if isinstance(model, str):
        return load_model(model, data_home)
    if (isinstance(model, tuple) and len(model) == 2 and isinstance(model[1], ModelCard)
            and hasattr(model[0], "predict")):
        return model
    raise ParameterError(f"model={model!r}: expected a saved model's name such as "
                         "'choi2016/fcn4', or a (keras model, ModelCard) pair from load_model")


def _windows(path, card, hop):
    """``(windows, times)``: the log-mel windows of one file, shapes
    ``(n_windows, n_mels, n_frames, 1)`` and ``(n_windows,)``."""
    from . import audio, features

    fe = card.front_end
    sr, hop_length, n_frames = fe["sr"], fe["hop_length"], fe["n_frames"]
    y, _ = audio.load(path, sr=sr, mono=True)
    need = (n_frames - 1) * hop_length  # center=True: 1 + len(y) // hop_length frames
    if len(y) < need:
        raise DataError(f"audio file {path} is {len(y) / sr:.2f} s long: model {card.model} "
                        f"needs at least {need / sr:.2f} s (one input of {n_frames} frames "
                        f"at hop_length {hop_length}, {sr} Hz)")
    kw = {k: fe[k] for k in _LOG_MEL_EXTRAS if k in fe}
    if fe["top_db"] is not None:
        kw["top_db"] = fe["top_db"]
    S = features.log_mel(y, sr=sr, n_fft=fe["n_fft"], hop_length=hop_length,
                         n_mels=fe["n_mels"], **kw).astype(np.float32)
    if S.shape[1] < n_frames:
        raise DataError(f"audio file {path} gives {S.shape[1]} frames, fewer than the "
                        f"{n_frames} of one input of model {card.model}")
    step = max(1, int(round(hop * n_frames)))
    starts = np.arange(0, S.shape[1] - n_frames + 1, step)
    X = np.stack([S[:, s:s + n_frames] for s in starts])[..., None]
    return X, starts * hop_length / sr


def _predict(model, X):
    out = [np.asarray(model(X[i:i + _MAX_BATCH], training=False), dtype=np.float64)
           for i in range(0, len(X), _MAX_BATCH)]
    return np.concatenate(out)


def tag(paths, *, model="choi2016/fcn4", top_k=5, data_home=None, hop=0.5, verbose=True):
    """Tag audio files (or name their genre) with a saved model.

    Each file is loaded at the card's sample rate and mixed down to mono
    (:func:`mirnb.audio.load`; any rate and channel count is accepted),
    turned into the card's log-mel spectrogram (:func:`mirnb.features.log_mel`,
    shape ``(n_mels, n_total_frames)``), cut into windows of ``n_frames``
    frames every ``hop * n_frames`` frames (at least 1; frames after the last
    whole window are not used), and the model's outputs, shape
    ``(n_windows, n_labels)``, are averaged over the windows. The windows
    go to the model in batches of up to 64 (one batch for files up to 64
    windows).

    Parameters
    ----------
    paths : str, Path or list of them
        Audio files, and folders in which every audio file
        (:data:`TAG_EXTENSIONS`, subfolders included, in sorted order) is
        tagged.
    model : str or (keras.Model, ModelCard)
        A saved model's name (``'<chapter>/<name>'``, see :func:`list_models`)
        or the pair :func:`load_model` returns.
    top_k : int > 0
        Checked here for the caller's convenience; :meth:`Tagging.top` and
        :func:`format_results` use it.
    data_home : str or Path, optional
        Where the saved models are (see :func:`models_root`).
    hop : float in (0, 1]
        Hop between windows, as a fraction of one window.
    verbose : bool
        Show a progress bar (``tqdm.auto``) when there are several files.

    Returns
    -------
    list of Tagging
        One per file, in order.

    Raises
    ------
    ParameterError
        A bad parameter, or an unknown model (the message lists the saved
        ones, or says which chapter to run to get one).
    MissingDataError
        A path does not exist.
    DataError
        A file is unreadable, silent or shorter than one window (the
        message names the file), or a folder holds no audio files.

    Examples
    --------
    >>> results = tag(["a.wav", "albums/"], model="choi2016/fcn4")
    >>> results[0].top(3)
    [('guitar', 0.81), ('rock', 0.66), ('drums', 0.52)]
    """
    _check.positive_int("top_k", top_k)
    hop = _check_hop(hop)
    verbose = _check.boolean("verbose", verbose)
    files = _audio_files(paths)
    net, card = _resolve_model(model, data_home)
    from tqdm.auto import tqdm

    results = []
    for path in tqdm(files, desc=f"tagging with {card.model}", unit="file",
                     disable=not (verbose and len(files) > 1)):
        X, times = _windows(path, card, hop)
        windows = _predict(net, X)
        if windows.shape != (len(X), len(card.labels)):
            raise DataError(f"model {card.model} gave outputs of shape {windows.shape} for "
                            f"{len(X)} windows; its card lists {len(card.labels)} labels")
        results.append(Tagging(path=path, labels=list(card.labels),
                               scores=windows.mean(axis=0), windows=windows, times=times,
                               card=card))
    return results


# ----------------------------------------------------------------------------
# showing the results
# ----------------------------------------------------------------------------
def taggram(result, *, ax=None, top=None):
    """Draw a taggram: the score of every label (rows) in every window (columns).

    Parameters
    ----------
    result : Tagging
    ax : matplotlib.axes.Axes, optional
        Drawn on; a new figure (as wide as the book's page) when None.
    top : int > 0 or None
        Show only the ``top`` labels of highest mean score, best first
        (None: every label, in the model's output order).

    Returns
    -------
    matplotlib.axes.Axes
        Time in seconds on x (each column covers one window), labels on y,
        a colour bar labelled ``'score'`` from 0 to 1.
    """
    if not isinstance(result, Tagging):
        raise ParameterError(f"result={result!r}: expected a mirnb.tagging.Tagging from tag()")
    W = result.windows  # (n_windows, n_labels)
    if top is None:
        rows = np.arange(W.shape[1])
    else:
        top = _check.positive_int("top", top)
        rows = np.argsort(-result.scores, kind="stable")[:top]
    from . import plotting

    ax = plotting._new_ax(ax, (plotting.PAGE_WIDTH, min(8.0, 1.2 + 0.18 * len(rows))))
    step = (result.times[1] - result.times[0] if len(result.times) > 1
            else result.card.window_seconds)
    x0, x1 = result.times[0], result.times[-1] + step
    img = ax.imshow(W[:, rows].T, aspect="auto", origin="upper", interpolation="nearest",
                    cmap="magma", vmin=0.0, vmax=1.0, extent=(x0, x1, len(rows) - 0.5, -0.5))
    ax.set_yticks(np.arange(len(rows)))
    ax.set_yticklabels([result.labels[i] for i in rows])
    ax.set_xlabel("window start (s)")
    ax.set_title(f"{Path(result.path).name}: {result.card.model} "
                 f"({len(result.times)} windows of {result.card.window_seconds:.2f} s)")
    ax.figure.colorbar(img, ax=ax, label="score")
    return ax


def format_results(results, *, top_k=5, fmt="table"):
    """Format taggings as text: an aligned table, JSON or CSV.

    Parameters
    ----------
    results : Tagging or list of Tagging
    top_k : int > 0
        Labels shown per file, best first (at most the model's labels).
    fmt : {'table', 'json', 'csv'}
        ``'table'``: each file, then its top-k labels and scores, aligned.
        ``'json'``: a list of ``{"path", "model", "task", "top": [{"label",
        "score"}, ...], "scores": {label: score}}`` (every label's score).
        ``'csv'``: a header ``path,label,score,rank``, then the top-k rows of
        every file.

    Returns
    -------
    str
    """
    top_k = _check.positive_int("top_k", top_k)
    if fmt not in FORMATS:
        raise ParameterError(f"fmt={fmt!r}: expected one of {list(FORMATS)} "
                             "(--format table, json or csv)")
    if isinstance(results, Tagging):
        results = [results]
    if not all(isinstance(r, Tagging) for r in results):
        raise ParameterError("results: expected Tagging objects from mirnb.tagging.tag()")
    if fmt == "json":
        return json.dumps([{"path": str(r.path), "model": r.card.model, "task": r.card.task,
                            "top": [{"label": lab, "score": round(s, 6)}
                                    for lab, s in r.top(top_k)],
                            "scores": {lab: round(float(s), 6)
                                       for lab, s in zip(r.labels, r.scores)}}
                           for r in results], indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["path", "label", "score", "rank"])
        for r in results:
            for rank, (lab, s) in enumerate(r.top(top_k), 1):
                w.writerow([str(r.path), lab, f"{s:.6f}", rank])
        return buf.getvalue().rstrip("\n")
    blocks = []
    for r in results:
        top = r.top(top_k)
        width = max(len(lab) for lab, _ in top)
        what = "genre" if r.card.task == "genre" else "tags"
        head = (f"{r.path}  [{r.card.model}, {what}, {len(r.times)} window"
                f"{'s' if len(r.times) != 1 else ''}]")
        blocks.append("\n".join([head] + [f"  {i:>2}. {lab:<{width}}  {s:.3f}"
                                          for i, (lab, s) in enumerate(top, 1)]))
    return "\n\n".join(blocks)
