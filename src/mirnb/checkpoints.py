"""Checkpoints of a Keras training run: what a run is, and saving it so that it resumes exactly.

- :func:`fingerprint` hashes everything that changes a run's result: the
  architecture, loss and optimizer settings, the backend and dtype policy,
  the training and validation data (sampled, so a memory map is never read
  in full), the stopping rule, the epochs, and what the caller adds (the
  dataset's name and version, the chapter's config). A checkpoint folder is
  resumed only by a run with the same fingerprint.
- :class:`EpochCheckpoint` saves after every epoch: the model and the best
  weights into a fresh versioned subfolder, then ``state.json`` naming it,
  written atomically; a crash between the two leaves the previous state in
  force, and a resume checks the optimizer's step count against the state.
- :func:`choose_folder` and :func:`load_checkpoint` pick and read the
  checkpoint of a run (used by :func:`mirnb.training.fit_tagger`).
"""

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

import keras

from . import _check
from .cache import atomic_write
from .errors import ParameterError

__all__ = ["FINGERPRINT_TOKEN", "EpochCheckpoint", "fingerprint", "choose_folder",
           "load_checkpoint", "read_state", "say", "seed_variables", "seed_states",
           "write_text", "digest", "bytes_digest"]

log = logging.getLogger("mirnb.training")


def _batches():
    from .training import Batches

    return Batches


def write_text(path, text):
    atomic_write(path, lambda tmp: tmp.write_text(text))


#: Prefix of the versioned folders that hold one checkpoint each.
_VERSION_PREFIX = "ckpt-"


class EpochCheckpoint(keras.callbacks.Callback):
    """Early stopping on a monitored value, with a checkpoint after every epoch.

    After each epoch it records the logs, keeps the best weights, stops
    training once ``patience`` epochs have passed without an improvement
    larger than ``min_delta``, and, with a folder, writes a checkpoint.

    A checkpoint is one unit: a fresh versioned subfolder
    ``ckpt-<epoch>-<random>/`` receives the whole model (``last.keras``,
    optimizer state included) and the best weights so far
    (``best.weights.h5``); only then is ``state.json`` (epoch, history, best
    value and epoch, epochs waited, optimizer steps, fingerprint, and the
    name of that subfolder) replaced atomically. ``state.json`` is the
    commit point: an interruption at any moment leaves it naming a complete
    checkpoint whose model matches its state, and the previous subfolders
    are removed only after it is written. Without a folder the best weights
    are kept in memory and nothing is written.

    Parameters
    ----------
    directory : str or Path or None
    monitor : str
        A key of the epoch logs (``'val_auc'``).
    mode : {'max', 'min'}
    patience : int >= 1
    min_delta : float >= 0
    state : dict, optional
        The state read back from ``state.json`` when resuming.
    fingerprint : str
        Identifies the run (see :func:`fit_tagger`); stored with the state.
    info : dict, optional
        More about the run, stored with the state as it is (JSON values):
        :func:`fit_tagger` puts the fingerprint without the epoch budget,
        the budget and a digest of each part of the fingerprint there.
    """

    def __init__(self, directory=None, *, monitor="val_auc", mode="max", patience=5,
                 min_delta=0.0, state=None, fingerprint="", info=None):
        super().__init__()
        self.directory = None if directory is None else Path(directory)
        self.monitor = monitor
        self.mode = _check.choice("mode", mode, {"max", "min"})
        self.patience = _check.positive_int("patience", patience)
        self.min_delta = float(min_delta)
        state = dict(state or {})
        self.history = {k: list(v) for k, v in state.get("history", {}).items()}
        self.best = state.get("best")
        self.best_epoch = state.get("best_epoch")
        self.wait = int(state.get("wait", 0))
        self.epoch = int(state.get("epoch", 0))
        self.stopped_early = bool(state.get("stopped_early", False))
        self.checkpoint = state.get("checkpoint")
        self.fingerprint = fingerprint
        self.info = dict(info or {})
        self.best_weights = None
        self._improved_now = False

    def _improved(self, value):
        if self.best is None:
            return True
        if self.mode == "max":
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None:
            return None
        return int(np.asarray(optimizer.iterations))

    def state(self, finished=False):
        """The resumable state, as written to ``state.json``."""
        return {"epoch": self.epoch, "history": self.history, "best": self.best,
                "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_early": self.stopped_early, "finished": finished,
                "monitor": self.monitor, "fingerprint": self.fingerprint,
                "checkpoint": self.checkpoint, "iterations": self._iterations(),
                **self.info, "seed_states": seed_states(self.model)}

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.monitor not in logs:
            raise ParameterError(f"{self.monitor!r} is not in the epoch logs "
                                 f"{sorted(logs)}; put ValidationAUC before this callback")
        for k, v in logs.items():
            self.history.setdefault(k, []).append(float(v))
        self.epoch = epoch + 1
        value = float(logs[self.monitor])
        self._improved_now = self._improved(value)
        if self._improved_now:
            self.best, self.best_epoch, self.wait = value, epoch + 1, 0
            if self.directory is None:
                self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_early = True
                self.model.stop_training = True
        if self.directory is not None:
            self.save()

    def save(self, finished=False):
        """Write one checkpoint: a new versioned subfolder, then ``state.json``.

        The subfolder receives ``last.keras`` and ``best.weights.h5`` (the
        model's weights if this epoch improved on the best, else a link to,
        or a copy of, the previous checkpoint's); ``state.json`` is then
        replaced atomically to name it, and older subfolders are removed.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=f"{_VERSION_PREFIX}{self.epoch:05d}-",
                                       dir=self.directory))
        os.chmod(folder, 0o755)
        try:
            self.model.save(folder / "last.keras")
            best = folder / "best.weights.h5"
            previous = self._folder()
            if self._improved_now:
                self.model.save_weights(best)
            elif previous is not None and (previous / "best.weights.h5").is_file():
                try:
                    os.link(previous / "best.weights.h5", best)
                except OSError:
                    shutil.copy2(previous / "best.weights.h5", best)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._improved_now = False
        self.checkpoint = folder.name
        write_text(self.directory / "state.json",
                           json.dumps(self.state(finished), indent=1))
        self._remove_stale()

    def _folder(self):
        """The subfolder of the current checkpoint, or None."""
        if self.directory is None or not self.checkpoint:
            return None
        folder = self.directory / self.checkpoint
        return folder if folder.is_dir() else None

    def _remove_stale(self):
        """Remove checkpoint subfolders (and old-style files) that state.json does not name."""
        for path in self.directory.glob(f"{_VERSION_PREFIX}*"):
            if path.is_dir() and path.name != self.checkpoint:
                shutil.rmtree(path, ignore_errors=True)
        for name in ("last.keras", "best.weights.h5"):  # the layout before versioned folders
            with contextlib.suppress(FileNotFoundError):
                (self.directory / name).unlink()

    def restore_best(self):
        """Set the model's weights to those of the best epoch."""
        folder = self._folder()
        if folder is not None and (folder / "best.weights.h5").is_file():
            self.model.load_weights(folder / "best.weights.h5")
        elif self.best_weights is not None:
            self.model.set_weights(self.best_weights)




def seed_variables(model):
    """``{'<layer name>/<i>': state variable}`` of every layer's random generators."""
    out = {}
    for layer in model._flatten_layers(include_self=False):
        for i, gen in enumerate(getattr(layer, "_seed_generators", [])):
            out[f"{layer.name}/{i}"] = gen.state
    return out


def seed_states(model):
    """The states of the model's random generators (dropout masks).

    Keras does not save them with the model; a resumed run restores them so
    that it draws the dropout masks an uninterrupted run would.
    """
    if model is None:
        return {}
    return {k: np.asarray(v).tolist() for k, v in seed_variables(model).items()}


#: In a ``checkpoint_dir``, replaced by the run's short fingerprint (see :func:`fit_tagger`).
FINGERPRINT_TOKEN = "{fingerprint}"


def _json_default(obj):
    """JSON for what :func:`json.dumps` does not know, stable across processes."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {"dataclass": type(obj).__qualname__, **dataclasses.asdict(obj)}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return {"dtype": str(obj.dtype), "shape": list(obj.shape),
                "sha256": hashlib.sha256(np.ascontiguousarray(obj).tobytes()).hexdigest()}
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=_canonical)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, bytes):
        return obj.hex()
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(obj))  # no memory addresses


def _canonical(obj):
    try:
        return json.dumps(obj, sort_keys=True, default=_json_default, separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise ParameterError(f"cannot describe {obj!r} for a checkpoint fingerprint ({err}); "
                             "use dicts with str keys, lists, numbers and strings") from None


def digest(obj):
    return hashlib.sha256(_canonical(obj).encode()).hexdigest()


def bytes_digest(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def _rows_identity(x, y, rows):
    """What identifies some rows of inputs and targets, cheaply.

    The row numbers and the targets are hashed whole; of the inputs (maybe a
    large memory map) the shape, the dtype and three rows (first, middle,
    last of ``rows``).
    """
    rows = np.asarray(rows, dtype=np.int64)
    n = rows.size
    sample = np.unique(rows[[0, n // 2, n - 1]]) if n else rows
    out = {"rows": int(n), "rows_sha": bytes_digest(rows),
           "x_shape": list(getattr(x, "shape", (len(x),))),
           "x_dtype": str(getattr(x, "dtype", type(x).__name__)),
           "x_sample_sha": bytes_digest(np.asarray(x[sample])) if n else None}
    if y is not None:
        out["y_sha"] = bytes_digest(np.asarray(y)[rows])
    return out


def _loss_description(loss):
    if loss is None or isinstance(loss, str):
        return loss
    try:
        return keras.saving.serialize_keras_object(loss)
    except (TypeError, ValueError, AttributeError):
        return loss


def _optimizer_description(optimizer):
    """The optimizer's class and settings, without its (session-numbered) names."""
    def strip(obj):
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in obj.items() if k != "name"}
        if isinstance(obj, (list, tuple)):
            return [strip(v) for v in obj]
        return obj

    if optimizer is None:
        return None
    return {"class": type(optimizer).__name__, "config": strip(optimizer.get_config())}


def fingerprint(model, *, train, valid, epochs, patience, min_delta, batch_size,
                 steps_per_epoch, monitor="val_auc", mode="max", extra=None):
    """What identifies a training run, hashed.

    Parameters
    ----------
    model : keras.Model
        Compiled, not yet trained.
    train : Batches
    valid : ValidationAUC
    epochs, patience, min_delta, batch_size, steps_per_epoch, monitor, mode
        As given to :func:`fit_tagger`.
    extra : dict, optional
        The caller's description of the data and hyperparameters.

    Returns
    -------
    dict
        ``full``: 16 hex digits over every part; ``base``: the same without
        the epoch budget (a run continues one of a smaller budget);
        ``short``: the first 10 digits of ``base``, for folder names;
        ``parts``: ``{part: digest}``, to tell which part two runs differ in.
    """
    optimizer = getattr(model, "optimizer", None)
    vx = valid.x
    parts = {
        "format": 2,
        "backend": keras.backend.backend(),
        "dtype policy": keras.mixed_precision.dtype_policy().name,
        "architecture": model.get_config(),
        "loss": _loss_description(getattr(model, "loss", None)),
        "optimizer": _optimizer_description(optimizer),
        "training batches": {"batch_size": train.batch_size, "shuffle": train.shuffle,
                             "seed": train.seed, "steps_per_epoch": steps_per_epoch,
                             "data": _rows_identity(train.x, train.y, train.indices)},
        "validation": {"batch_size": batch_size, "y_sha": bytes_digest(valid.y),
                       "data": (_rows_identity(vx.x, None, vx.indices)
                                if isinstance(vx, _batches())
                                else _rows_identity(vx, None, np.arange(len(vx))))},
        "early stopping": {"monitor": monitor, "mode": mode, "patience": patience,
                           "min_delta": min_delta},
        "epochs": epochs,
    }
    if extra is not None:
        if not isinstance(extra, dict):
            raise ParameterError(f"fingerprint_extra={extra!r}: expected a dict")
        parts.update({f"extra.{k}": v for k, v in extra.items()})
    digests = {k: digest(v)[:16] for k, v in parts.items()}
    full = digest(digests)[:16]
    base = digest({k: d for k, d in digests.items() if k != "epochs"})[:16]
    return {"full": full, "base": base, "short": base[:10], "parts": digests}


def read_state(directory):
    try:
        state = json.loads((directory / "state.json").read_text())
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def say(message, verbose):
    """A warning in the log, and on stdout when ``verbose``."""
    log.warning("%s", message)
    if verbose:
        print(message, flush=True)


def _same_run(state, fp, epochs):
    """Whether a stored state can be resumed by the run ``fp`` (and if not, why)."""
    if state.get("fingerprint") == fp["full"]:
        return True, ""
    if state.get("fingerprint_base") == fp["base"]:
        if int(state.get("epoch", 0)) <= epochs:
            return True, ""  # the same run with a larger epoch budget: a prefix of this one
        return False, (f"it already ran {state.get('epoch')} epochs, more than "
                       f"epochs={epochs}")
    stored = state.get("fingerprint_parts")
    if not isinstance(stored, dict):
        return False, "it was written by an older version of mirnb, without a full fingerprint"
    differ = sorted(k for k in set(stored) | set(fp["parts"])
                    if stored.get(k) != fp["parts"].get(k))
    return False, f"it differs in {', '.join(differ)}"


def choose_folder(directory, fp, epochs, verbose):
    """The folder a run uses: ``directory`` or, if that holds another run, its own.

    Its own folder is ``<directory>-<short fingerprint>``, or, if that holds
    this run with more epochs than ``epochs``, ``<directory>-<full fingerprint>``.

    Returns
    -------
    folder : Path
    state : dict or None
        The state to resume from (None: start afresh).
    """
    candidates = [directory]
    for tag in (fp["short"], fp["full"][:10]):  # the second: a checkpoint past the budget
        if not directory.name.endswith(tag):
            candidates.append(directory.with_name(f"{directory.name}-{tag}"))
    refused = []
    for folder in candidates:
        if not (folder / "state.json").exists():
            if refused:
                say(f"checkpoint_dir={str(refused[0][0])!r} holds a checkpoint of another "
                     f"run ({refused[0][1]}); not resuming it: starting afresh in "
                     f"{str(folder)!r}", verbose)
            return folder, None
        state = read_state(folder)
        if state is None:
            say(f"{str(folder / 'state.json')!r} cannot be read; starting afresh there",
                 verbose)
            return folder, None
        same, why = _same_run(state, fp, epochs)
        if same:
            if refused:
                say(f"checkpoint_dir={str(refused[0][0])!r} holds a checkpoint of another "
                     f"run ({refused[0][1]}); using this run's own folder {str(folder)!r}",
                     verbose)
            return folder, state
        refused.append((folder, why))
    raise ParameterError(
        f"checkpoint_dir={str(directory)!r} and {str(candidates[-1])!r} both hold checkpoints "
        f"of other runs ({'; '.join(w for _, w in refused)}); use another folder, or "
        "resume=False to overwrite")


def load_checkpoint(folder, state):
    """The model of a checkpoint, with its random generators restored.

    Returns
    -------
    model : keras.Model or None
        None when the files do not match the state (the reason is returned).
    reason : str
    """
    name = state.get("checkpoint")
    if not isinstance(name, str) or not name.startswith(_VERSION_PREFIX):
        return None, "state.json names no checkpoint"
    path = folder / name / "last.keras"
    if not path.is_file():
        return None, f"{name}/last.keras is missing"
    if state.get("best_epoch") is not None and not (folder / name / "best.weights.h5").is_file():
        return None, f"{name}/best.weights.h5 is missing"
    try:
        model = keras.saving.load_model(path)
    except Exception as err:  # a damaged file: zip, HDF5 or deserialization errors
        return None, f"{name}/last.keras cannot be loaded ({type(err).__name__}: {err})"
    steps = state.get("iterations")
    if steps is not None and model.optimizer is not None:
        found = int(np.asarray(model.optimizer.iterations))
        if found != int(steps):
            return None, (f"its model has taken {found} optimizer steps, "
                          f"its state.json says {steps}")
    seeds = seed_variables(model)
    for k, value in state.get("seed_states", {}).items():
        if k in seeds:
            seeds[k].assign(np.asarray(value, dtype=seeds[k].dtype))
    return model, ""
