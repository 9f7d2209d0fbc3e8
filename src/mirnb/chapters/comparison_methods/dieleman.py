"""Comparison adapter of Dieleman et al. (2011): a convolutional DBN on beat chroma and timbre.

The chapter (:mod:`mirnb.chapters.dieleman2011`) reads the MSD's
Echo-Nest analysis; the comparison's tasks give audio clips. :func:`beat_chroma_timbre`
computes the same description from a clip (:func:`mirnb.analysis.analyze`,
then :func:`mirnb.analysis.beat_features` with the chapter's alignment),
through :func:`mirnb.features.extract` (parallel, cached by content).

:class:`BeatStore` holds one task's beat features in memory and answers the
two calls of the chapter's ``BeatShards`` that :func:`dieleman2011.read` and
:func:`dieleman2011.pretrain` make (``load`` and ``stats``), so the chapter's
own scaling and pretraining run unchanged. Clips shorter than the network's
receptive field (:func:`mirnb.models.convdbn.min_length`) are repeated
cyclically up to it: a 10 s clip has 8-27 beats (median 18) and the
default widths (8, 4, 4, 2) need 27.

Genre: the chapter's convolutional MLP (softmax at every output step, track
posterior the mean of the step posteriors), fine-tuned with
:func:`mirnb.models.convdbn.fit_conv_mlp`. Tags: the same network with a
sigmoid output and binary cross-entropy per step
(:func:`mirnb.models.convdbn.fit_conv_tagger`).
"""

import dataclasses

import numpy as np

import keras

from ... import analysis, features
from ...cache import source_version
from .. import dieleman2011
from ...errors import DataError
from ...models import convdbn

__all__ = ["Dieleman", "BeatStore", "beat_chroma_timbre", "SAMPLE_RATES"]

#: Sample rate each task's clips are analysed at (the rate they are stored at).
SAMPLE_RATES = {"genre": 22050, "tags": 16000}


def beat_chroma_timbre(y, *, sr, alignment="segment_fraction"):
    """Beat-aligned chroma and timbre of a waveform, as the MSD gives them.

    :func:`mirnb.analysis.analyze` (Echo-Nest-style segments and beats),
    then :func:`mirnb.analysis.beat_features` (chroma each beat's maximum 1,
    the chapter's shards' ``chroma_norm='max'``). A clip in which no beat is
    found counts as one beat starting at 0.

    Returns
    -------
    dict
        ``'chroma'``, ``'timbre'``: float32 arrays (n_beats, 12).
    """
    a = analysis.analyze(y, sr=sr)
    if len(a.beats_start) == 0:
        a = dataclasses.replace(a, beats_start=np.zeros(1), beats_confidence=np.ones(1))
    chroma, timbre = analysis.beat_features(a, chroma_norm="max", method=alignment)
    return {"chroma": chroma.astype(np.float32), "timbre": timbre.astype(np.float32)}


#: Cache version of :func:`beat_chroma_timbre`: its source and the analysis code it calls.
_VERSION = "/".join(source_version(f) for f in (
    beat_chroma_timbre, analysis.analyze, analysis.beat_features, analysis.segments_to_beats))


def _wrap(x, length):
    """``x`` repeated cyclically along time up to ``length`` steps (unchanged if longer)."""
    return x if len(x) >= length else np.resize(x, (length,) + x.shape[1:])


class BeatStore:
    """One task's beat features in memory, read as the chapter reads ``BeatShards``.

    Track ids are row indices into the task. :meth:`load` gives every track
    repeated cyclically up to ``min_len`` beats; :meth:`stats` is computed on
    the beats as analysed (no repeats).

    Parameters
    ----------
    chroma, timbre : lists of np.ndarray (n_beats_i, 12)
    min_len : int
    """

    def __init__(self, chroma, timbre, min_len):
        self.chroma, self.timbre, self.min_len = chroma, timbre, int(min_len)
        self.lengths = np.array([len(c) for c in chroma])

    def load(self, track_ids, *, scale=None):
        """Chroma and timbre lists of ``track_ids``, standardised with ``scale`` where given."""
        out = []
        for name, tracks in (("chroma", self.chroma), ("timbre", self.timbre)):
            mu, sd = (scale or {}).get(name, (0.0, 1.0))
            out.append([_wrap(((tracks[i] - mu) / sd).astype(np.float32), self.min_len)
                        for i in track_ids])
        return tuple(out)

    def stats(self, track_ids):
        """Mean and SD (0 read as 1) of every dimension over the beats of ``track_ids``."""
        out = {}
        for name, tracks in (("chroma", self.chroma), ("timbre", self.timbre)):
            x = np.concatenate([tracks[i] for i in track_ids]).astype(np.float64)
            sd = x.std(axis=0)
            out[name] = x.mean(axis=0), np.where(sd > 0, sd, 1.0)
        return out


@dataclasses.dataclass
class _State:
    dbn: object
    model: object
    stats: object
    learning_rate: float


def _tagger(model, n_tags):
    """``model`` with its softmax output replaced by ``n_tags`` sigmoid units (zero start)."""
    out = keras.layers.Dense(n_tags, activation="sigmoid", kernel_initializer="zeros",
                             bias_initializer="zeros", name="output")
    return keras.Model(model.inputs, out(model.get_layer("pool4").output), name=model.name)


class Dieleman:
    """Dieleman et al. (2011): a pretrained two-branch convolutional network on beat features."""

    key = "dieleman"
    name = "Dieleman: conv. DBN + conv. MLP"
    paper = "Dieleman et al. 2011"
    chapter = "dieleman2011"

    def __init__(self, profile, **overrides):
        # the chapter's config (stream=False as in smoke and default: pretraining on the
        # training clips in memory); ``overrides`` e.g. epochs=..., pretrain_passes=...
        self.profile = profile
        cfg = dieleman2011.config(profile, stream=False, **overrides)
        self.min_len = convdbn.min_length(cfg.widths)
        # pretraining chunks no longer than the (repeated) clips: a clip of min_len beats is
        # one chunk either way, only without masked padding (the same updates, less work)
        self.cfg = dataclasses.replace(cfg, pretrain_chunk=min(cfg.pretrain_chunk,
                                                               self.min_len))

    def adaptation(self, task):
        pad = (f"beat features computed from the audio (Echo-Nest-style analysis, "
               f"mirnb.analysis) instead of the MSD's; clips shorter than the network's "
               f"{self.min_len}-beat receptive field (widths {tuple(self.cfg.widths)}) "
               f"repeated cyclically up to it; DBN pretrained on the training clips only")
        if task.name == "tags":
            return pad + ("; the softmax output replaced by one sigmoid unit per tag, "
                          "trained with binary cross-entropy at every step, the clip's "
                          "score the mean over steps.")
        return pad + "."

    # ------------------------------------------------------------------
    def prepare(self, task):
        """Beat chroma and timbre of every clip (analysis of the audio, cached).

        Returns
        -------
        BeatStore
        """
        feats, skipped = features.extract(
            task.clips, beat_chroma_timbre, sr=SAMPLE_RATES[task.name], cache=True,
            verbose=False, version=_VERSION, alignment=self.cfg.alignment)
        if len(skipped):
            raise DataError("beat analysis failed on some clips: " + skipped.summary())
        self.extract_report_ = skipped  # n_workers: 0 when cached or run in this process
        rows = [feats[c.track_id] for c in task.clips]
        return BeatStore([r["chroma"] for r in rows], [r["timbre"] for r in rows],
                         self.min_len)

    def _stats(self, store, rows):
        cfg = self.cfg
        return store.stats(rows) if "dataset" in (cfg.timbre_norm, cfg.chroma_norm) else None

    def _network(self, dbn, task, seed):
        if task.multilabel:
            # build_conv_mlp makes a softmax head; the hidden layers are what we keep
            return _tagger(convdbn.build_conv_mlp(2, dbn=dbn, init="pretrained",
                                                  random_state=seed), len(task.labels))
        return convdbn.build_conv_mlp(len(task.labels), dbn=dbn, init="pretrained",
                                      random_state=seed)

    def _train(self, model, store, task, rows, stats, lr, seed):
        cfg = self.cfg
        c, t = dieleman2011.read(store, list(rows), cfg, stats)
        if task.multilabel:
            return convdbn.fit_conv_tagger(model, c, t, task.y[rows], epochs=cfg.epochs,
                                           learning_rate=lr, batch_size=cfg.batch_size,
                                           random_state=seed)
        convdbn.fit_conv_mlp(model, (c, t, task.y[rows].astype(np.int64)),
                             epochs=cfg.epochs, learning_rate=lr, batch_size=cfg.batch_size,
                             random_state=seed)
        return model

    def _valid_score(self, model, store, task, rows, stats):
        """Higher is better: accuracy (genre) or minus the mean binary cross-entropy (tags)."""
        c, t = dieleman2011.read(store, list(rows), self.cfg, stats)
        p = convdbn.track_posteriors(model, c, t)
        y = task.y[rows]
        if not task.multilabel:
            return float(np.mean(np.argmax(p, axis=1) == y))
        p = np.clip(p, 1e-7, 1 - 1e-7)
        return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    def fit(self, feats, task, run):
        """Pretrain the conv DBN on the training clips, then fine-tune the conv MLP.

        Every rate of ``cfg.learning_rates`` is fine-tuned for ``cfg.epochs``
        epochs and the one best on ``run.valid`` after the last epoch kept,
        as the chapter chooses (one rate in the smoke and default profiles:
        no choice, no validation pass).
        """
        cfg, seed = self.cfg, int(run.seed)
        keras.utils.set_random_seed(seed)
        train = list(run.train)
        stats = self._stats(feats, train)
        dbn = dieleman2011.pretrain(feats, train, cfg, seed=seed, stats=stats, verbose=False)
        best = None
        for lr in cfg.learning_rates:
            model = self._train(self._network(dbn, task, seed), feats, task, run.train, stats,
                                lr, seed)
            if len(cfg.learning_rates) == 1:
                return _State(dbn, model, stats, lr)
            score = self._valid_score(model, feats, task, run.valid, stats)
            if best is None or score > best[0]:
                best = (score, _State(dbn, model, stats, lr))
        return best[1]

    def predict(self, state, feats, task, rows):
        """Track posteriors (genre) or tag probabilities: the mean over output steps."""
        c, t = dieleman2011.read(feats, list(rows), self.cfg, state.stats)
        return convdbn.track_posteriors(state.model, c, t).astype(np.float64)

    def represent(self, state, feats, task, rows):
        """The fine-tuned network's last hidden layer (``pool4``, ``maps`` units), averaged
        over each clip's output steps."""
        hidden = keras.Model(state.model.inputs, state.model.get_layer("pool4").output)
        c, t = dieleman2011.read(feats, list(rows), self.cfg, state.stats)
        return convdbn.track_posteriors(hidden, c, t).astype(np.float64)

    def n_params(self, state):
        """Weights of the fine-tuned network: the RBMs' filters and hidden biases, copied in
        and fine-tuned, plus the output layer. The RBMs' visible biases, used in pretraining
        only, are not counted."""
        return int(state.model.count_params())
