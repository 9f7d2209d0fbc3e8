"""Training helpers: seeding, the input pipeline, fitting with checkpoints and resume.

- :func:`set_seed` seeds Python, NumPy and the Keras backend, and asks
  TensorFlow for deterministic kernels: two runs with one seed on a CPU give
  identical weights.
- :func:`set_mixed_precision` turns on float16 compute on a GPU (a no-op,
  with a warning, on a CPU).
- :class:`Batches` is the input pipeline: batches of spectrograms (or
  waveforms) and tag vectors from any array, a memory-mapped one included,
  shuffled by a seeded permutation per epoch.
- :func:`compile_model` compiles with a named optimizer and step size.
- :func:`fit_tagger` trains a compiled tagger, measures the macro ROC-AUC
  on the validation set after every epoch (:class:`ValidationAUC`), stops
  early on it, checkpoints every epoch (the model and its state as one unit)
  and resumes an interrupted run where it stopped: only a run with the
  same fingerprint (model, optimizer, batches, data, settings) resumes a
  checkpoint.
- :class:`TaggingData` holds inputs, tag vectors and a split by row;
  :func:`train_tagger` builds, trains and tests one tagger on it.
- :func:`pipeline_throughput` and :func:`step_throughput` measure, in clips
  per second, how fast the input pipeline delivers batches and how fast a
  training step consumes them.

References
----------
.. [1] Kingma, D. P. & Ba, J. (2015). Adam: a method for stochastic
   optimization. ICLR.
.. [2] Choi, K., Fazekas, G. & Sandler, M. (2016). Automatic tagging using
   deep convolutional neural networks. ISMIR, Sec. 5.1 (Adam, binary
   cross-entropy) and Sec. 3 (AUC-ROC). Early stopping is the book's.

"""

import dataclasses
import json
import logging
import math
import random
import time
import warnings
from pathlib import Path

import numpy as np

import keras

from . import _check
from .checkpoints import (FINGERPRINT_TOKEN, EpochCheckpoint, bytes_digest, choose_folder,
                          digest, fingerprint, load_checkpoint, say, write_text)
from .errors import ParameterError

__all__ = ["set_seed", "set_mixed_precision", "gpu_available", "compile_model",
           "Batches", "ValidationAUC",
           "FitResult", "fit_tagger", "predict", "pipeline_throughput", "step_throughput",
           "TaggingData", "TaggerRun", "train_tagger"]

log = logging.getLogger("mirnb.training")


# ----------------------------------------------------------------------------
# seeding and precision
# ----------------------------------------------------------------------------
def set_seed(seed, *, deterministic=True):
    """Seed Python, NumPy and the Keras backend; make TensorFlow deterministic.

    Parameters
    ----------
    seed : int >= 0
    deterministic : bool
        Under the TensorFlow backend, also call
        :func:`tf.config.experimental.enable_op_determinism`, so that two
        runs with the same seed give the same weights on a CPU (it can slow
        some GPU kernels down). The setting lasts for the process.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed={seed!r}: expected an integer >= 0")
    keras.utils.set_random_seed(int(seed))
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def gpu_available():
    """Whether the Keras backend sees a GPU."""
    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return bool(tf.config.list_physical_devices("GPU"))
        if backend == "jax":
            import jax

            return any(d.platform == "gpu" for d in jax.devices())
        if backend == "torch":
            import torch

            return bool(torch.cuda.is_available())
    except (ImportError, RuntimeError):
        return False
    return False


def set_mixed_precision(enabled):
    """Compute in float16 (variables in float32) on a GPU; float32 elsewhere.

    Call it before building the model. The models of
    :mod:`mirnb.models.fcn` keep their sigmoid output (and
    :class:`mirnb.layers.LogMelSpectrogram`) in float32.

    Parameters
    ----------
    enabled : bool

    Returns
    -------
    str
        The global dtype policy now in force: ``'mixed_float16'`` or
        ``'float32'``. Asked for on a machine without a GPU, it stays
        ``'float32'`` and a warning says why.
    """
    if not isinstance(enabled, bool):
        raise ParameterError(f"enabled={enabled!r}: expected True or False")
    policy = "float32"
    if enabled:
        if gpu_available():
            policy = "mixed_float16"
        else:
            warnings.warn("mixed precision asked for, but the Keras backend sees no GPU; "
                          "training in float32", UserWarning, stacklevel=2)
    keras.mixed_precision.set_dtype_policy(policy)
    return policy


#: Training steps per call of Keras's compiled train function, in every
#: ``compile`` of the book. Most of the book's models are small; on a CPU,
#: TensorFlow spends more time dispatching a step than computing it, and
#: several steps per call cut that overhead (2 CPU cores, Batches, epoch
#: overhead included: a 3 x 256 sigmoid net with AdaDelta, 8.5 ms a step
#: at 1, 4.5 ms at 32; FCN-4 at the default size, 41 and 35 ms; see
#: ``benchmarks/steps_per_execution.py``). The batches, their order and the
#: arithmetic are the same; Keras calls batch-level callbacks once per call.
STEPS_PER_EXECUTION = 32


def compile_model(model, *, loss="binary_crossentropy", optimizer="adam", learning_rate=1e-3):
    """Compile a model with a named optimizer at a given step size.

    Parameters
    ----------
    model : keras.Model
    loss : str or keras loss
        ``'binary_crossentropy'`` for taggers (sigmoid outputs, Choi et al.
        2016, Sec. 5.1), ``'sparse_categorical_crossentropy'`` for a softmax
        over classes.
    optimizer : str
        A Keras optimizer name: ``'adam'`` (Choi et al. 2016, Sec. 5.1),
        ``'sgd'``, ``'adadelta'`` (Nam et al. 2015), ...
    learning_rate : float > 0
        The optimizer's step size (Keras's Adam default, 0.001, where a paper
        gives none).

    Returns
    -------
    keras.Model
        The same model, compiled.
    """
    learning_rate = _check.positive("learning_rate", learning_rate)
    if not isinstance(optimizer, str):
        raise ParameterError(f"optimizer={optimizer!r}: expected a Keras optimizer name "
                             "such as 'adam', 'sgd' or 'adadelta'")
    try:
        opt = keras.optimizers.get({"class_name": optimizer,
                                    "config": {"learning_rate": learning_rate}})
    except ValueError:
        raise ParameterError(f"optimizer={optimizer!r}: not a Keras optimizer; try 'adam', "
                             "'sgd', 'adadelta' or 'rmsprop'") from None
    model.compile(optimizer=opt, loss=loss, steps_per_execution=STEPS_PER_EXECUTION)
    return model


# ----------------------------------------------------------------------------
# the input pipeline
# ----------------------------------------------------------------------------
class Batches(keras.utils.PyDataset):
    """Seeded batches of inputs and targets for :meth:`keras.Model.fit`.

    The one input pipeline of the book's Keras training: taggers (inputs and
    tag vectors) and RBMs (inputs as their own targets) alike. Shuffling
    uses a local generator, never the global ones.

    Parameters
    ----------
    x : array_like, shape (n_clips, ...)
        Inputs: spectrograms ``(n_clips, n_bins, n_frames, 1)``, waveforms
        ``(n_clips, n_samples)``, or MFCC stacks. Any array with NumPy
        indexing works, a :func:`numpy.memmap` included: only the rows of
        one batch are read at a time.
    y : array_like, shape (n_clips, ...) or None
        Targets, e.g. binary tag vectors (None: inputs only, for prediction).
    batch_size : int > 0
    shuffle : bool
        Visit the clips in a new random order every epoch. The order of
        epoch ``e`` is ``default_rng([seed, e]).permutation(n)``, so a run
        resumed at epoch ``e`` sees the batches an uninterrupted run would.
    seed : int
    indices : sequence of int, optional
        Rows of ``x`` and ``y`` to use (default: all).
    **kwargs
        ``workers``, ``use_multiprocessing``, ``max_queue_size`` of
        :class:`keras.utils.PyDataset`.
    """

    def __init__(self, x, y=None, *, batch_size=32, shuffle=True, seed=0, indices=None,
                 **kwargs):
        super().__init__(**kwargs)
        n = len(x)
        if y is not None and len(y) != n:
            raise ParameterError(f"x has {n} rows but y has {len(y)}")
        self.x, self.y = x, y
        self.batch_size = _check.positive_int("batch_size", batch_size)
        self.indices = np.arange(n) if indices is None else np.asarray(indices, dtype=int)
        if self.indices.size == 0:
            raise ParameterError("Batches: no rows (empty x or indices)")
        if self.indices.min() < 0 or self.indices.max() >= n:
            raise ParameterError(f"indices must lie in [0, {n})")
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.epoch = 0
        self._order = self._permutation()

    def _permutation(self):
        if not self.shuffle:
            return self.indices
        rng = np.random.default_rng([self.seed, self.epoch])
        return self.indices[rng.permutation(self.indices.size)]

    def set_epoch(self, epoch):
        """Order the clips as in epoch ``epoch`` (used when a run resumes)."""
        self.epoch = int(epoch)
        self._order = self._permutation()

    def __len__(self):
        return math.ceil(self.indices.size / self.batch_size)

    def _rows(self, i):
        rows = self._order[i * self.batch_size:(i + 1) * self.batch_size]
        # shuffled batches are read in row order: contiguous reads from a memory map
        return np.sort(rows) if self.shuffle else rows

    def __getitem__(self, i):
        if not 0 <= i < len(self):
            raise IndexError(f"batch {i} of {len(self)}")
        rows = self._rows(i)
        xb = np.asarray(self.x[rows], dtype=np.float32)
        if self.y is None:
            return (xb,)
        return xb, np.asarray(self.y[rows], dtype=np.float32)

    def on_epoch_end(self):
        self.set_epoch(self.epoch + 1)

    @property
    def targets(self):
        """The tag vectors of batches ``0, 1, ...`` of the current epoch, concatenated."""
        if self.y is None:
            raise ParameterError("these batches have no targets")
        rows = np.concatenate([self._rows(i) for i in range(len(self))])
        return np.asarray(self.y[rows])


# ----------------------------------------------------------------------------
# callbacks
# ----------------------------------------------------------------------------
class ValidationAUC(keras.callbacks.Callback):
    """Macro ROC-AUC (and PR-AUC) over tags on validation data, after each epoch.

    Adds ``val_auc`` and ``val_pr_auc`` to the epoch's logs (and so to the
    History), for the callbacks after it: early stopping and checkpoints
    monitor ``val_auc``. Tags with a single class in the validation set are
    left out of the mean, as in :func:`mirnb.metrics.auc_tag`; the number
    used is in :attr:`n_tags_used_`.

    Parameters
    ----------
    x : array_like or Batches
        Validation inputs, or unshuffled batches with targets.
    y : array_like, shape (n_clips, n_tags), optional
        Validation tags (taken from ``x`` when it is a :class:`Batches`).
    batch_size : int

    References
    ----------
    .. [1] Choi, Fazekas & Sandler (2016), Sec. 3 (AUC-ROC). The paper
       gives no stopping rule; early stopping on it is the book's.
    """

    def __init__(self, x, y=None, *, batch_size=32):
        super().__init__()
        if isinstance(x, Batches):
            if x.shuffle:
                raise ParameterError("validation batches must not be shuffled")
            y = x.targets if y is None else y
        if y is None:
            raise ParameterError("ValidationAUC needs the validation tags y")
        self.x, self.y = x, np.asarray(y)
        self.batch_size = _check.positive_int("batch_size", batch_size)
        self.n_tags_used_ = None

    def on_epoch_end(self, epoch, logs=None):
        from . import metrics

        scores = predict(self.model, self.x, batch_size=self.batch_size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            auc = metrics.auc_tag(self.y, scores)
            pr = metrics.pr_auc(self.y, scores)
        self.n_tags_used_ = auc["Tags used"]
        if logs is not None:
            logs["val_auc"] = float(auc["AUC-T"])
            logs["val_pr_auc"] = float(pr["PR-AUC"])


# ----------------------------------------------------------------------------
# fitting
# ----------------------------------------------------------------------------
@dataclasses.dataclass
class FitResult:
    """What :func:`fit_tagger` did.

    Attributes
    ----------
    model : keras.Model
        The trained model with the best epoch's weights (a resumed run
        returns the model read from the checkpoint).
    history : dict
        Per-epoch logs: ``loss``, ``val_auc``, ``val_pr_auc``, ... over all
        epochs, those before a resume included.
    best_epoch : int
        1-based epoch with the best validation AUC.
    best_auc : float
    epochs : int
        Epochs run in total.
    resumed_from : int
        Epochs already done when this call started (0 for a fresh run).
    stopped_early : bool
    seconds : float
        Wall time of this call.
    checkpoint_dir : Path or None
        The folder the checkpoints went to: ``checkpoint_dir`` with its
        ``{fingerprint}`` filled in, or the run's own folder when that held
        another run's checkpoint.
    fingerprint : str
        The run's fingerprint (16 hex digits; see :func:`fit_tagger`).
    """

    model: object
    history: dict
    best_epoch: int
    best_auc: float
    epochs: int
    resumed_from: int
    stopped_early: bool
    seconds: float
    checkpoint_dir: object = None
    fingerprint: str = ""


def fit_tagger(model, train, valid, *, epochs, patience=5, min_delta=0.0, batch_size=32,
               checkpoint_dir=None, resume=True, steps_per_epoch=None, verbose=2,
               fingerprint_extra=None):
    """Train a compiled tagger with early stopping on validation ROC-AUC.

    Parameters
    ----------
    model : keras.Model
        Compiled (e.g. with :func:`compile_model`).
    train : Batches
        Training batches (shuffled).
    valid : Batches or (x, y)
        Validation data, unshuffled.
    epochs : int > 0
        The most epochs to run in total (a resumed run counts the epochs
        already done).
    patience : int > 0
        Epochs without improvement of ``val_auc`` before stopping.
    min_delta : float >= 0
    batch_size : int
        Batch size for the validation predictions.
    checkpoint_dir : str or Path, optional
        Folder of the checkpoints, written after every epoch (see
        :class:`EpochCheckpoint`). The text ``{fingerprint}`` in it is
        replaced by the run's short fingerprint (10 hex digits, the epoch
        budget left out), so that runs that differ in anything else never
        share a folder: e.g. ``runs / 'fcn4-{fingerprint}'``. Without it
        nothing is written.
    resume : bool
        If the folder holds a checkpoint of this run, load it (weights,
        optimizer and dropout generators) and continue from the epoch it
        reached; a finished run is not trained again. A run with a larger
        ``epochs`` than the checkpoint's continues it (the shorter run is a
        prefix of the longer one). A folder holding a checkpoint of another
        run (another fingerprint, or this run past the ``epochs`` asked
        for) is never resumed nor overwritten: the run starts afresh in its
        own folder, ``<checkpoint_dir>-<fingerprint>``, and a warning says
        so. A checkpoint whose files do not match its state (an interrupted
        or damaged write, optimizer steps that differ from the state's) is
        not resumed either: the run starts afresh in the folder, with a
        warning. ``resume=False``
        starts afresh in ``checkpoint_dir`` whatever it holds.
    steps_per_epoch : int, optional
        Limit the batches per epoch (the smoke profile).
    verbose : int
        Keras's verbosity (2: one line per epoch, for papermill); with 0,
        warnings go to the ``mirnb.training`` log only.
    fingerprint_extra : dict, optional
        The caller's description of everything else that changes the result
        and that the model and the batches do not show: the data set and
        its version, the split, the seed of the initial weights, the
        experiment's config. Values are dicts with str keys, lists, numbers,
        strings, dataclasses or arrays (hashed).

    Returns
    -------
    FitResult

    Notes
    -----
    The fingerprint of a run hashes the architecture (the model's config),
    the loss, the optimizer and its settings, the Keras backend and dtype
    policy, the training batches (batch size, shuffling, seed, steps per
    epoch, and a digest of the rows, targets and some inputs), the
    validation data, the early stopping settings, the epoch budget and
    ``fingerprint_extra``. It does not see the global seed that drew the
    initial weights: pass it in ``fingerprint_extra`` (:func:`train_tagger`
    does).

    References
    ----------
    .. [1] Choi, Fazekas & Sandler (2016), Sec. 5.1 (Adam, binary cross-entropy).
    """
    epochs = _check.positive_int("epochs", epochs)
    if not isinstance(train, Batches):
        raise ParameterError("train: expected Batches")
    if isinstance(valid, Batches):
        val_cb = ValidationAUC(valid, batch_size=batch_size)
    else:
        try:
            vx, vy = valid
        except (TypeError, ValueError):
            raise ParameterError("valid: expected Batches or an (x, y) pair") from None
        val_cb = ValidationAUC(vx, vy, batch_size=batch_size)
    fp = fingerprint(model, train=train, valid=val_cb, epochs=epochs, patience=patience,
                      min_delta=float(min_delta), batch_size=batch_size,
                      steps_per_epoch=steps_per_epoch, extra=fingerprint_extra)
    directory = None
    if checkpoint_dir is not None:
        directory = Path(str(checkpoint_dir).replace(FINGERPRINT_TOKEN, fp["short"]))
    state = None
    if directory is not None and resume:
        directory, state = choose_folder(directory, fp, epochs, verbose)
        if state is not None:
            loaded, why = load_checkpoint(directory, state)
            if loaded is None:
                say(f"the checkpoint in {str(directory)!r} does not match its state ({why}); "
                     "not resuming it: starting afresh", verbose)
                state = None
            else:
                model = loaded
                log.info("resuming from %s at epoch %d", directory, state["epoch"])
    start = time.perf_counter()
    ckpt = EpochCheckpoint(directory, patience=patience, min_delta=min_delta, state=state,
                           fingerprint=fp["full"],
                           info={"fingerprint_base": fp["base"],
                                 "fingerprint_parts": fp["parts"], "epochs_budget": epochs})
    initial = ckpt.epoch
    if initial < epochs and not ckpt.stopped_early:
        train.set_epoch(initial)
        model.fit(train, epochs=epochs, initial_epoch=initial, callbacks=[val_cb, ckpt],
                  shuffle=False, steps_per_epoch=steps_per_epoch, verbose=verbose)
    ckpt.set_model(model)
    ckpt.restore_best()
    if directory is not None and ckpt.checkpoint is not None:
        write_text(directory / "state.json", json.dumps(ckpt.state(True), indent=1))
    return FitResult(model=model, history=ckpt.history, best_epoch=ckpt.best_epoch,
                     best_auc=ckpt.best, epochs=ckpt.epoch, resumed_from=initial,
                     stopped_early=ckpt.stopped_early,
                     seconds=time.perf_counter() - start, checkpoint_dir=directory,
                     fingerprint=fp["full"])


def predict(model, x, *, batch_size=32):
    """Tag scores of a model for inputs ``x`` (an array or unshuffled Batches).

    Returns
    -------
    np.ndarray, shape (n_clips, n_tags), float32
    """
    if isinstance(x, Batches):
        batches = (x[i][0] for i in range(len(x)))
        batch_size = x.batch_size
    else:
        batch_size = _check.positive_int("batch_size", batch_size)
        batches = (x[i:i + batch_size] for i in range(0, len(x), batch_size))
    out = []
    for xb in batches:
        xb = np.asarray(xb, dtype=np.float32)
        n = len(xb)
        if n < batch_size:  # one input shape: no retracing for the last batch
            xb = np.concatenate([xb, np.zeros((batch_size - n,) + xb.shape[1:], xb.dtype)])
        out.append(np.asarray(model.predict_on_batch(xb))[:n])
    return np.concatenate(out).astype(np.float32)


# ----------------------------------------------------------------------------
# throughput
# ----------------------------------------------------------------------------
def pipeline_throughput(batches, *, n_batches=None, seconds=None):
    """Clips per second that the input pipeline alone delivers.

    Parameters
    ----------
    batches : keras.utils.PyDataset or callable
        A dataset of batches (its batches ``0 .. n_batches - 1`` are read),
        or a callable ``batches(i)`` returning batch ``i``.
    n_batches : int, optional
        Batches to read (default: all of a dataset).
    seconds : float, optional
        Stop after about this many seconds.

    Returns
    -------
    dict
        ``clips_per_s``, ``batches``, ``clips``, ``seconds``.
    """
    get = batches if callable(batches) and not hasattr(batches, "__getitem__") \
        else batches.__getitem__
    total = n_batches if n_batches is not None else len(batches)
    total = _check.positive_int("n_batches", total)
    clips, done = 0, 0
    start = time.perf_counter()
    for i in range(total):
        b = get(i)
        x = b[0] if isinstance(b, tuple) else b
        clips += len(x)
        done += 1
        if seconds is not None and time.perf_counter() - start > seconds:
            break
    dt = time.perf_counter() - start
    return {"clips_per_s": clips / dt, "batches": done, "clips": clips, "seconds": dt}


def step_throughput(model, x, y, *, n_steps=5, warmup=1):
    """Clips per second that training steps consume (forward, backward, update).

    ``warmup`` steps (tracing and compilation) run first and are not timed.

    Parameters
    ----------
    model : keras.Model
        Compiled.
    x, y : np.ndarray
        One batch.
    n_steps, warmup : int

    Returns
    -------
    dict
        ``clips_per_s``, ``steps``, ``batch_size``, ``seconds``.
    """
    n_steps = _check.positive_int("n_steps", n_steps)
    for _ in range(int(warmup)):
        model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(n_steps):
        model.train_on_batch(x, y)
    dt = time.perf_counter() - start
    return {"clips_per_s": n_steps * len(x) / dt, "steps": n_steps, "batch_size": len(x),
            "seconds": dt}


# ----------------------------------------------------------------------------
# one experiment: data, training, evaluation
# ----------------------------------------------------------------------------
@dataclasses.dataclass
class TaggingData:
    """Inputs, tag vectors and a train / valid / test split, by row.

    Attributes
    ----------
    x : array_like, shape (n_clips, ...)
        Inputs (in memory or a memory map).
    y : np.ndarray, shape (n_clips, n_tags), float32
    ids : list of str
        Track id of each row.
    tags : list of str
        Tag of each column of ``y``.
    parts : dict
        ``{'train': rows, 'valid': rows, 'test': rows}`` (arrays of int).
    """

    x: object
    y: np.ndarray
    ids: list
    tags: list
    parts: dict

    @classmethod
    def from_split(cls, x, ids, Y, split):
        """Rows of ``x`` (one per id of ``ids``) with the tags ``Y`` and a split.

        Parameters
        ----------
        x : array_like, shape (len(ids), ...)
        ids : list of str
        Y : pandas.DataFrame
            Binary tags indexed by track id (a superset of ``ids`` is fine).
        split : dict
            ``{'train': [ids], 'valid': [ids], 'test': [ids]}``; ids without
            a row in ``x`` (skipped clips) are left out.
        """
        ids = list(ids)
        if len(ids) != len(x):
            raise ParameterError(f"x has {len(x)} rows but ids has {len(ids)}")
        missing = [i for i in ids if i not in Y.index]
        if missing:
            raise ParameterError(f"{len(missing)} ids have no tags, e.g. {missing[:3]}")
        row = {t: r for r, t in enumerate(ids)}
        parts = {}
        for part in ("train", "valid", "test"):
            rows = sorted(row[t] for t in split.get(part, []) if t in row)
            if not rows:
                raise ParameterError(f"the split leaves no {part} clip with an input")
            parts[part] = np.asarray(rows, dtype=int)
        y = Y.loc[ids].to_numpy(dtype=np.float32)
        return cls(x=x, y=y, ids=ids, tags=[str(t) for t in Y.columns], parts=parts)

    @property
    def input_shape(self):
        """Shape of one input (without the clip axis)."""
        return tuple(self.x.shape[1:])

    def batches(self, part, *, batch_size=32, shuffle=False, seed=0):
        """:class:`Batches` of one part of the split."""
        _check.choice("part", part, set(self.parts))
        return Batches(self.x, self.y, batch_size=batch_size, shuffle=shuffle, seed=seed,
                          indices=self.parts[part])

    def targets(self, part):
        """Tag vectors of one part, in row order."""
        return self.y[self.parts[part]]

    def counts(self):
        """Clips per part, as a dict."""
        return {p: int(len(r)) for p, r in self.parts.items()}


@dataclasses.dataclass
class TaggerRun:
    """One trained and evaluated tagger (see :func:`train_tagger`).

    Attributes
    ----------
    name : str
    model : keras.Model
    fit : FitResult
    scores : np.ndarray, shape (n_test, n_tags)
        Test-set tag probabilities.
    report : OrderedDict
        :func:`mirnb.metrics.tagging_report` on the test set (``'AUC-T'``
        is the paper's ROC-AUC, macro over tags; ``'PR-AUC'``; P@3).
    per_tag : pandas.Series
        Test ROC-AUC of every tag (NaN where undefined).
    n_params : int
    train_clips_per_s : float
        Training clips processed per second of :meth:`keras.Model.fit`
        (validation included).
    """

    name: str
    model: object
    fit: FitResult
    scores: np.ndarray
    report: dict
    per_tag: object
    n_params: int
    train_clips_per_s: float

    @property
    def auc(self):
        """Test ROC-AUC, macro over tags."""
        return float(self.report["AUC-T"])


def _data_identity(data):
    """What identifies a :class:`TaggingData`: its clips, tags, split and content (digests)."""
    x = data.x
    n = len(data.ids)
    sample = np.unique(np.asarray([0, n // 2, n - 1], dtype=np.int64)) if n else []
    return {"clips": n, "input_shape": list(data.input_shape),
            "x_dtype": str(getattr(x, "dtype", type(x).__name__)),
            "x_sample_sha": bytes_digest(np.asarray(x[sample])) if n else None,
            "ids_sha": digest(list(map(str, data.ids)))[:16],
            "tags": list(map(str, data.tags)),
            "y_sha": bytes_digest(np.asarray(data.y)),
            "split": {p: {"clips": int(len(r)), "sha": bytes_digest(np.asarray(r, np.int64))}
                      for p, r in sorted(data.parts.items())}}


def train_tagger(build, data, *, epochs, patience=5, batch_size=32, optimizer="adam",
                 learning_rate=1e-3, loss="binary_crossentropy", seed=0, checkpoint_dir=None,
                 name=None, verbose=2, run_info=None):
    """Build, train (early stopping on validation AUC) and test one tagger.

    Parameters
    ----------
    build : callable
        ``build()`` returns an uncompiled Keras model (e.g. a ``lambda``
        around :func:`mirnb.models.fcn.build_fcn`). It is called after
        :func:`set_seed`, so the initial weights follow ``seed``.
    data : TaggingData
    epochs, patience : int
        See :func:`fit_tagger`.
    batch_size : int
    optimizer : str
        A Keras optimizer name (see :func:`compile_model`).
    learning_rate : float
    loss : str
        A Keras loss name: ``'binary_crossentropy'`` for sigmoid tag outputs
        (the default), ``'categorical_crossentropy'`` for a softmax head over
        one-hot classes (early stopping still watches the validation ROC-AUC).
    seed : int
        Seeds the weights, the batch order and dropout.
    checkpoint_dir : str or Path, optional
        Checkpoints and resume (see :func:`fit_tagger`; ``{fingerprint}``
        in it is replaced by the run's short fingerprint).
    name : str, optional
        Default: the model's name.
    verbose : int
    run_info : dict, optional
        The caller's description of the run, part of the checkpoint
        fingerprint: e.g. ``dataset`` (its description and version),
        ``split`` (its name), ``config`` (the experiment's whole config).
        The fingerprint always holds ``seed`` and a digest of ``data`` (its
        clip ids, tags, split, tag vectors, input shape and a few inputs),
        besides what :func:`fit_tagger` puts there.

    Returns
    -------
    TaggerRun

    """
    from . import metrics

    if not isinstance(data, TaggingData):
        raise ParameterError("data: expected TaggingData")
    set_seed(seed)
    model = compile_model(build(), loss=loss, optimizer=optimizer, learning_rate=learning_rate)
    name = name or model.name
    if verbose:
        print(f"--- {name}: {model.count_params():,} parameters, input "
              f"{' x '.join(map(str, data.input_shape))}, {data.counts()}", flush=True)
    train = data.batches("train", batch_size=batch_size, shuffle=True, seed=seed)
    valid = data.batches("valid", batch_size=batch_size)
    if run_info is not None and not isinstance(run_info, dict):
        raise ParameterError(f"run_info={run_info!r}: expected a dict or None")
    extra = {"seed": seed, "data": _data_identity(data),
             **{f"run.{k}": v for k, v in (run_info or {}).items()}}
    fit = fit_tagger(model, train, valid, epochs=epochs, patience=patience,
                     batch_size=batch_size, checkpoint_dir=checkpoint_dir, verbose=verbose,
                     fingerprint_extra=extra)
    model = fit.model
    scores = predict(model, data.batches("test", batch_size=batch_size))
    y_test = data.targets("test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = metrics.tagging_report(y_test, scores, k=(3,), tags=data.tags)
        per_tag = metrics.per_tag_auc(y_test, scores, tags=data.tags)
    ran = fit.epochs - fit.resumed_from
    rate = (ran * len(data.parts["train"]) / fit.seconds if ran and fit.seconds > 0
            else float("nan"))
    if verbose:
        print(f"    {name}: test ROC-AUC {report['AUC-T']:.3f}, PR-AUC {report['PR-AUC']:.3f} "
              f"(best epoch {fit.best_epoch} of {fit.epochs}, {fit.seconds:.1f} s)", flush=True)
    return TaggerRun(name=name, model=model, fit=fit, scores=scores, report=report,
                     per_tag=per_tag, n_params=int(model.count_params()),
                     train_clips_per_s=rate)
