"""The two-branch convolutional DBN of Dieleman et al. (2011) and its convolutional MLP.

The models of Dieleman, Brakel & Schrauwen (2011), on beat-aligned chroma
``(T, 12)`` in [0, 1] and per-track z-scored timbre ``(T, 12)``:

- :class:`ConvDBN`: RBM 1a (chroma, binary) and 1b (timbre, Gaussian),
  convolutional RBMs (:class:`mirnb.models.crbm.ConvRBM`), their hidden
  probabilities max-pooled and concatenated, and RBM 3 on top (Sec.
  5.1-5.2, Fig. 3), trained greedily: :meth:`ConvDBN.fit` on tracks in
  memory, :meth:`ConvDBN.fit_stream` on a stream of chunk batches (the
  MSD), fed for instance by :func:`zscored_chunks`.
- :func:`build_conv_mlp`: the network as a Keras functional model for
  fine-tuning (Sec. 6), pretrained or with the moment-matched random control
  (:func:`moment_matched`); :func:`fit_conv_mlp`, :func:`step_posteriors`
  and :func:`track_posteriors` train and read it on variable-length tracks.
- :func:`receptive_field`, :func:`output_length`, :func:`min_length`: the
  shape arithmetic of the widths ``(w1, p1, w3, p2)``.

Fine-tuning pads batches of tracks at the end: with valid convolutions and
floor pooling the first ``output_length(T)`` output steps of a padded track
are exactly those of the unpadded track, and :func:`step_weights` gives the
padded steps weight 0 in the loss; :func:`track_posteriors` averages valid
steps only.

References
----------
.. [1] Dieleman, S., Brakel, P. & Schrauwen, B. (2011). Audio-based music
   classification with a pretrained convolutional network. ISMIR, Sec. 5-6,
   Fig. 3, Table 1.
.. [2] Lee, H., Grosse, R., Ranganath, R. & Ng, A. Y. (2009). Convolutional
   deep belief networks for scalable unsupervised learning of hierarchical
   representations. ICML.
"""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError

import keras
from keras import ops

from .. import _check
from ..errors import ParameterError
from ..training import STEPS_PER_EXECUTION, Batches
from .crbm import ConvRBM, _tracks, pad_tracks
from .rbm import _order_seed, _seed, _verbose

__all__ = ["PAPER", "zscore_tracks", "zscored_chunks", "receptive_field", "output_length",
           "min_length", "ConvDBN", "max_pool", "moment_matched", "build_conv_mlp",
           "step_weights", "step_posteriors", "track_posteriors", "fit_conv_mlp",
           "fit_conv_tagger"]

#: The paper's settings (Sec. 5-6): maps, widths (w1, p1, w3, p2), RBM learning rates
#: (1a, 1b, 3), sparsity targets (1a, 1b, 3), relative sparsity cost, pretraining
#: passes, fine-tuning learning rates and epochs.
PAPER = {"maps": 100, "widths": (8, 4, 8, 4), "learning_rates": (0.005, 0.0001, 0.005),
         "sparsity_targets": (0.05, 0.05, 0.1), "sparsity_cost": 0.1, "n_iter": 1,
         "finetune_learning_rates": (0.05, 0.005, 0.0005), "epochs": 30}


def zscore_tracks(tracks):
    """Each track with zero mean and unit variance per dimension, as the network's timbre.

    Dieleman et al. (2011), Sec. 5.2: the timbre features "were first
    normalized per track to have zero mean and unit variance". A constant
    dimension (standard deviation 0) becomes 0.

    Parameters
    ----------
    tracks : list of array_like, each (T_i, D)

    Returns
    -------
    list of np.ndarray, each (T_i, D), float32
    """
    out = []
    for x in tracks:
        x = np.asarray(x, dtype=np.float64)
        sd = x.std(axis=0)
        out.append(((x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)).astype(np.float32))
    return out


def zscored_chunks(batches, chunk, batch_size, *, hop=None, seed=0):
    """A stream of whole tracks as batches of chunks, timbre z-scored per whole track.

    The paper z-scores each track's timbre over the whole track (Sec. 5.2),
    which a chunk alone cannot do: this z-scores every track as it streams
    past (:func:`zscore_tracks`), then cuts it into full chunks, for
    :meth:`ConvDBN.fit_stream`. The chunks of each incoming batch (and those
    left over from the one before) are shuffled and emitted in batches of
    ``batch_size``; at most one incoming batch and one outgoing batch are
    held at a time.

    Parameters
    ----------
    batches : iterable of (chroma, timbre) or (ids, chroma, timbre)
        Whole tracks, raw timbre: ``chroma`` and ``timbre`` lists of (T_i,
        12) arrays, as ``BeatShards(out).batches(64)`` (without ``chunk``)
        yields.
    chunk : int > 0
        Beats per chunk (tracks shorter than this are left out).
    batch_size : int > 0
    hop : int > 0 or None
        Beats between the starts of a track's chunks (default ``chunk``:
        disjoint chunks). The first start is drawn in ``[0, hop)``, so
        another seed cuts another grid; ``chunk - w1 + 1`` gives every
        layer-1 window once (but the few cut off at the track ends).
    seed : int
        Draws the grids and the shuffles; pass another one each pass.

    Yields
    ------
    chroma, timbre : np.ndarray, shape (batch_size, chunk, 12), float32
        The last batch may be smaller.

    Examples
    --------
    >>> import itertools
    >>> passes = itertools.count()
    >>> stream = lambda: zscored_chunks(shards.batches(64, seed=(s := next(passes))),
    ...                                 64, 32, seed=s)  # doctest: +SKIP
    >>> ConvDBN(random_state=0).fit_stream(stream)  # doctest: +SKIP
    """
    chunk = _check.positive_int("chunk", chunk)
    batch_size = _check.positive_int("batch_size", batch_size)
    hop = chunk if hop is None else _check.positive_int("hop", hop)
    rng = np.random.default_rng(seed)
    cs, ts = [], []
    for item in batches:
        for c, t in zip(item[-2], zscore_tracks(item[-1])):
            c = np.asarray(c, dtype=np.float32)
            if len(c) != len(t):
                raise ParameterError(f"a track has {len(c)} beats of chroma and {len(t)} of "
                                     "timbre: expected the same beats")
            n = len(c) - chunk + 1
            for a in range(int(rng.integers(min(hop, max(n, 1)))), n, hop):
                cs.append(c[a:a + chunk])
                ts.append(t[a:a + chunk])
        order = rng.permutation(len(cs))
        cs, ts = [cs[i] for i in order], [ts[i] for i in order]
        while len(cs) >= batch_size:
            yield np.stack(cs[:batch_size]), np.stack(ts[:batch_size])
            del cs[:batch_size], ts[:batch_size]
    if cs:
        yield np.stack(cs), np.stack(ts)


# ----------------------------------------------------------------------------
# shape arithmetic
# ----------------------------------------------------------------------------
def _widths(widths):
    try:
        w = tuple(widths)
    except TypeError:
        w = ()
    if len(w) != 4:
        raise ParameterError(f"widths={widths!r}: expected four positive integers "
                             "(w1, p1, w3, p2), e.g. the paper's (8, 4, 8, 4)")
    return tuple(_check.positive_int(n, v) for n, v in zip(("w1", "p1", "w3", "p2"), w))


def receptive_field(widths):
    """Beats seen by one output step: ``(w3 + p2 - 1) * p1 + w1 - 1``.

    ``widths`` is ``(w1, p1, w3, p2)``: layer-1 filter width (beats), pool
    1, layer-3 filter width (pooled steps), pool 2. The paper's (8, 4, 8, 4)
    gives 51 beats (Dieleman et al. 2011, Sec. 5.1; spec Sec. 1.4).
    """
    w1, p1, w3, p2 = _widths(widths)
    return (w3 + p2 - 1) * p1 + w1 - 1


def output_length(n_beats, widths, *, pooling="floor"):
    """Output steps of the network for a track of ``n_beats`` beats.

    Valid convolutions; ``pooling='floor'`` drops an incomplete last block
    (Keras ``MaxPooling1D(padding='valid')``, as :func:`build_conv_mlp`),
    ``'ceil'`` keeps it (Theano 2011's ``ignore_border=False``). For (8, 4,
    8, 4): T = 50 -> 0 and 51 -> 1 (floor); 36 -> 1 (ceil).

    Parameters
    ----------
    n_beats : int >= 0
    widths : (w1, p1, w3, p2)
    pooling : {'floor', 'ceil'}

    Returns
    -------
    int >= 0
    """
    n = _check.int_range("n_beats", n_beats, 0)
    _check.choice("pooling", pooling, ("floor", "ceil"))
    w1, p1, w3, p2 = _widths(widths)
    pool = (lambda m, p: m // p) if pooling == "floor" else (lambda m, p: -(-m // p))
    n1 = max(n - w1 + 1, 0)
    n3 = max(pool(n1, p1) - w3 + 1, 0)
    return pool(n3, p2)


def min_length(widths, *, pooling="floor"):
    """The fewest beats that give one output step.

    ``receptive_field(widths)`` with floor pooling (51 for (8, 4, 8, 4));
    ``(w3 - 1) * p1 + w1`` with ceil pooling (36), where one incomplete
    block of each pooling suffices.
    """
    _check.choice("pooling", pooling, ("floor", "ceil"))
    w1, p1, w3, _ = _widths(widths)
    return receptive_field(widths) if pooling == "floor" else (w3 - 1) * p1 + w1


# ----------------------------------------------------------------------------
# the two-branch convolutional DBN
# ----------------------------------------------------------------------------
def max_pool(H, pool):
    """Max over non-overlapping blocks of ``pool`` steps, incomplete last block dropped.

    Parameters
    ----------
    H : array_like, shape (T, K)
    pool : int > 0

    Returns
    -------
    np.ndarray, shape (T // pool, K)
    """
    H = np.asarray(H)
    p = _check.positive_int("pool", pool)
    n = H.shape[0] // p
    return H[:n * p].reshape(n, p, H.shape[1]).max(axis=1)


def _pairs(chroma, timbre, min_len=1, why="layer-1 filter width"):
    c = _tracks(chroma, "chroma", min_len=min_len, why=why)
    t = _tracks(timbre, "timbre", min_len=min_len, why=why)
    if len(c) != len(t):
        raise ParameterError(f"chroma has {len(c)} tracks and timbre {len(t)}: expected "
                             "one timbre array per chroma array")
    for i, (a, b) in enumerate(zip(c, t)):
        if len(a) != len(b):
            raise ParameterError(f"track {i}: chroma has {len(a)} beats, timbre {len(b)}: "
                                 "expected the same beats")
    return c, t


class ConvDBN(BaseEstimator):
    """The paper's convolutional DBN: RBMs 1a (chroma), 1b (timbre) and 3, trained greedily.

    RBM 1a (binary visible units, mean field) models beat chroma and RBM 1b
    (Gaussian) per-track z-scored timbre, each with ``maps`` filters of
    ``w1`` beats. Their hidden probabilities are max-pooled by ``p1``
    (floor) and concatenated to ``2 * maps`` channels, on which RBM 3
    (binary visible) learns ``maps`` filters of ``w3`` pooled steps.

    Parameters
    ----------
    maps : int > 0
        Maps of every RBM (the paper: 100).
    widths : (w1, p1, w3, p2)
        The paper: (8, 4, 8, 4); ``p2`` is used by the MLP only.
    learning_rates : (lr_1a, lr_1b, lr_3)
        The paper: (0.005, 0.0001, 0.005).
    sparsity_targets : (rho_1a, rho_1b, rho_3)
        The paper: (0.05, 0.05, 0.1).
    sparsity_cost : float >= 0
        The paper: 0.1 for all three.
    chroma_visible : {'bernoulli', 'gaussian'}
        RBM 1a's visible units: binary, for chroma in [0, 1] (the paper), or
        Gaussian, for chroma standardised like the timbre (ours: binary
        units barely learn on the synthetic corpus's chroma, see the
        dieleman2011 chapter).
    n_iter : int > 0
        Passes for each RBM (the paper: one pass over the MSD).
    batch_size, momentum
        As :class:`ConvRBM` (ours: the paper is silent).
    chunk : int or None
        Chunk length of RBMs 1a and 1b in beats; RBM 3 gets ``max(w3,
        chunk // p1)`` pooled steps (the same span of beats). :meth:`fit`
        only: :meth:`fit_stream` takes the chunks it is given.
    random_state : int, numpy Generator or None
        RBMs 1a, 1b and 3 get seeds ``random_state + 0, 1, 2``.
    verbose : {0, 1, 2} or bool

    Attributes
    ----------
    rbm_chroma_, rbm_timbre_, rbm_top_ : ConvRBM
        RBMs 1a, 1b and 3.
    history_ : dict
        ``{'1a': ..., '1b': ..., '3': ...}``, each RBM's ``history_``: one
        entry per pass (:meth:`fit`) or per batch (:meth:`fit_stream`).
    n_skipped_ : int
        Tracks too short for one layer-3 window (fewer than ``w1 + p1 * w3
        - 1`` beats): used by RBMs 1a and 1b, left out of RBM 3 (0 after
        :meth:`fit_stream`, whose chunks are all long enough).

    References
    ----------
    .. [1] Dieleman et al. (2011), Sec. 5.1-5.2 and Fig. 3.
    .. [2] Lee et al. (2009), ICML (greedy convolutional DBNs).
    """

    def __init__(self, maps=100, widths=(8, 4, 8, 4), *, learning_rates=(0.005, 0.0001, 0.005),
                 sparsity_targets=(0.05, 0.05, 0.1), sparsity_cost=0.1,
                 chroma_visible="bernoulli", n_iter=1, batch_size=32, chunk=64, momentum=0.0,
                 random_state=None, verbose=0):
        self.maps = maps
        self.widths = widths
        self.learning_rates = learning_rates
        self.sparsity_targets = sparsity_targets
        self.sparsity_cost = sparsity_cost
        self.chroma_visible = chroma_visible
        self.n_iter = n_iter
        self.batch_size = batch_size
        self.chunk = chunk
        self.momentum = momentum
        self.random_state = random_state
        self.verbose = verbose

    def _three(self, name):
        v = getattr(self, name)
        if not isinstance(v, (list, tuple)) or len(v) != 3:
            raise ParameterError(f"{name}={v!r}: expected three values, for RBMs 1a, 1b, 3")
        return tuple(v)

    def fit(self, chroma, timbre, y=None):
        """Train RBMs 1a and 1b, then RBM 3 on their pooled, concatenated probabilities.

        Parameters
        ----------
        chroma : list of array_like (T_i, 12)
            Values in [0, 1] (``chroma_visible='bernoulli'``) or standardised.
        timbre : list of array_like (T_i, 12), z-scored per track
        y : ignored

        Returns
        -------
        self
        """
        w1, p1, w3, _ = _widths(self.widths)
        c, t = _pairs(chroma, timbre, min_len=w1)
        chunk = self.chunk
        if chunk is not None:
            chunk = _check.positive_int("chunk", chunk)
        rbm = self._rbms(self.n_iter)
        self.rbm_chroma_ = rbm(0, self._chroma_visible(), chunk).fit(c)
        self.rbm_timbre_ = rbm(1, "gaussian", chunk).fit(t)
        pooled = self._pooled(c, t)
        keep = [h for h in pooled if len(h) >= w3]
        self.n_skipped_ = len(pooled) - len(keep)
        if not keep:
            raise ParameterError(f"no track reaches one layer-3 window (w1 + p1 * w3 - 1 = "
                                 f"{w1 + p1 * w3 - 1} beats): use longer tracks or smaller "
                                 "widths")
        top_chunk = None if chunk is None else max(w3, chunk // p1)
        self.rbm_top_ = rbm(2, "bernoulli", top_chunk).fit(keep)
        self.history_ = {"1a": self.rbm_chroma_.history_, "1b": self.rbm_timbre_.history_,
                         "3": self.rbm_top_.history_}
        self.n_features_in_ = c[0].shape[1] + t[0].shape[1]
        return self

    def _chroma_visible(self):
        return _check.choice("chroma_visible", self.chroma_visible, ("bernoulli", "gaussian"))

    def _rbms(self, n_iter):
        """``rbm(i, visible, chunk)``: a fresh ConvRBM for RBM 1a (0), 1b (1) or 3 (2)."""
        _check.positive_int("maps", self.maps)
        w1, _, w3, _ = _widths(self.widths)
        lrs, rhos = self._three("learning_rates"), self._three("sparsity_targets")
        seed = _seed(self.random_state)

        def rbm(i, visible, chunk):
            return ConvRBM(self.maps, w1 if i < 2 else w3, visible=visible,
                           learning_rate=lrs[i], sparsity_target=rhos[i], chunk=chunk,
                           sparsity_cost=self.sparsity_cost, n_iter=n_iter,
                           batch_size=self.batch_size, momentum=self.momentum,
                           random_state=None if seed is None else seed + i,
                           verbose=self.verbose)
        return rbm

    def fit_stream(self, batches, *, n_iter=None):
        """Train greedily on a stream of chunk batches, holding one batch at a time.

        For data that does not fit in memory (the paper's one pass over the
        MSD). ``n_iter`` passes over ``batches()`` train RBMs 1a (chroma)
        and 1b (timbre) together, one :meth:`ConvRBM.partial_fit` step each
        per batch; then ``n_iter`` more passes train RBM 3 on every batch
        put through 1a and 1b, max-pooled by ``p1`` and concatenated. Each
        RBM's visible biases come from its first batch; seeds as :meth:`fit`.

        Parameters
        ----------
        batches : callable
            ``batches()`` returns a fresh iterable over one pass of
            ``(chroma, timbre)`` or ``(ids, chroma, timbre)``, ``chroma``
            (values in [0, 1]) and ``timbre`` float32 arrays (B, L, 12) of
            B full chunks of L beats, ``L >= w1 + p1 * w3 - 1`` (one layer-3
            window; keep L fixed). The timbre must be z-scored per whole
            track before it was cut (the paper): :func:`zscored_chunks` does
            it on ``BeatShards.batches`` of whole tracks. Called ``2 *
            n_iter`` times.
        n_iter : int > 0 or None
            Passes per stage (default: ``self.n_iter``).

        Returns
        -------
        self
        """
        if not callable(batches):
            raise ParameterError(f"batches: expected a callable that returns a fresh iterable "
                                 f"of batches each pass, got {type(batches).__name__}; pass "
                                 "e.g. lambda: shards.batches(32, chunk=64)")
        n_iter = _check.positive_int("n_iter", self.n_iter if n_iter is None else n_iter)
        w1, p1, w3, _ = _widths(self.widths)
        rbm = self._rbms(n_iter)
        self.rbm_chroma_ = rbm(0, self._chroma_visible(), None)
        self.rbm_timbre_ = rbm(1, "gaussian", None)
        self.rbm_top_ = rbm(2, "bernoulli", None)
        stages = ((self.rbm_chroma_, self.rbm_timbre_), (self.rbm_top_,))
        verbose = _verbose(self.verbose)
        for stage, rbms in enumerate(stages):
            for p in range(n_iter):
                n = 0
                for item in batches():
                    c, t = self._chunk_pair(item, w1 + p1 * w3 - 1)
                    if stage == 0:
                        self.rbm_chroma_.partial_fit(c)
                        self.rbm_timbre_.partial_fit(t)
                    else:
                        self.rbm_top_.partial_fit(self._pooled_batch(c, t))
                    n += 1
                if n == 0:
                    raise ParameterError("batches() yielded no batch: expected at least one "
                                         "(B, L, 12) batch each pass")
                if verbose:
                    print(f"ConvDBN stage {'3' if stage else '1a+1b'} pass {p + 1}/{n_iter}: "
                          f"{n} batches, recon error " + ", ".join(
                              f"{r.history_['recon_error'][-1]:.4g}" for r in rbms),
                          flush=True)
        self.history_ = {"1a": self.rbm_chroma_.history_, "1b": self.rbm_timbre_.history_,
                         "3": self.rbm_top_.history_}
        self.n_skipped_ = 0
        self.n_features_in_ = self.rbm_chroma_.n_features_in_ + self.rbm_timbre_.n_features_in_
        return self

    def _chunk_pair(self, item, min_len):
        if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
            raise ParameterError(f"batches() yielded a {type(item).__name__}: expected "
                                 "(chroma, timbre) or (ids, chroma, timbre)")
        c, t = (np.asarray(a, dtype=np.float32) for a in item[-2:])
        if c.ndim != 3 or c.shape != t.shape:
            raise ParameterError(f"a batch has chroma {c.shape} and timbre {t.shape}: "
                                 "expected two arrays (B, L, 12) of the same shape (stream "
                                 "chunks, e.g. shards.batches(32, chunk=64))")
        if c.shape[1] < min_len:
            raise ParameterError(f"chunks of {c.shape[1]} beats are too short: RBM 3 needs "
                                 f"w1 + p1 * w3 - 1 = {min_len} beats for one window; "
                                 f"stream chunks of at least {min_len} beats")
        if self.chroma_visible == "bernoulli" and (c.min() < 0 or c.max() > 1):
            raise ParameterError(f"chroma holds values in [{c.min():.3g}, {c.max():.3g}]: "
                                 "RBM 1a's binary units need values in [0, 1] (or use "
                                 "chroma_visible='gaussian' on standardised chroma)")
        return c, t

    def _pooled_batch(self, c, t):
        """RBM 3's input for a batch of chunks: (B, (L - w1 + 1) // p1, 2 maps)."""
        _, p1, _, _ = _widths(self.widths)
        h = [ops.max_pool(r.model_.hidden_probs(ops.convert_to_tensor(x)), p1, p1, "valid")
             for r, x in ((self.rbm_chroma_, c), (self.rbm_timbre_, t))]
        return ops.convert_to_numpy(ops.concatenate(h, axis=-1))

    def _pooled(self, c, t):
        _, p1, _, _ = _widths(self.widths)
        return [np.concatenate([max_pool(a, p1), max_pool(b, p1)], axis=1)
                for a, b in zip(self.rbm_chroma_.transform(c), self.rbm_timbre_.transform(t))]

    def transform(self, chroma, timbre, *, layer="4"):
        """Per-track activations of one layer.

        Parameters
        ----------
        chroma, timbre : lists of array_like (T_i, 12)
        layer : {'2', '3', '4'}
            ``'2'``: the pooled, concatenated probabilities of 1a and 1b
            ``(n2_i, 2 maps)``; ``'3'``: RBM 3's probabilities; ``'4'``:
            those max-pooled by ``p2`` (the conv MLP's ``pool4`` output with
            pretrained weights).

        Returns
        -------
        list of np.ndarray
        """
        if not hasattr(self, "rbm_top_"):
            raise NotFittedError("this ConvDBN is not fitted yet: call fit(chroma, timbre)")
        _check.choice("layer", layer, ("2", "3", "4"))
        w1, p1, w3, p2 = _widths(self.widths)
        c, t = _pairs(chroma, timbre, w1 if layer == "2" else w1 + p1 * w3 - 1,
                      f"layer {min(int(layer), 3)}")
        h = self._pooled(c, t)
        if layer == "2":
            return h
        h = self.rbm_top_.transform(h)
        return h if layer == "3" else [max_pool(x, p2) for x in h]


# ----------------------------------------------------------------------------
# the convolutional MLP
# ----------------------------------------------------------------------------
_CONVS = (("conv1a", "rbm_chroma_"), ("conv1b", "rbm_timbre_"), ("conv3", "rbm_top_"))


def moment_matched(dbn, random_state=None):
    """The random-initialisation control: Gaussian draws matching each pretrained tensor.

    Every weight tensor and every hidden-bias vector (W1a, c1a, W1b, c1b,
    W3, c3) is drawn i.i.d. from N(mean, var) of the corresponding tensor of
    the fitted ``dbn``, so the control starts with the same scale but none
    of the learnt structure (spec Sec. 2.3, Sec. 5 item 8).

    Parameters
    ----------
    dbn : ConvDBN, fitted
    random_state : int, numpy Generator or None

    Returns
    -------
    dict
        ``{'conv1a': [kernel, bias], 'conv1b': ..., 'conv3': ...}`` in Keras
        ``Conv1D`` layout: kernel (w, C, K), bias (K,).

    References
    ----------
    .. [1] Dieleman et al. (2011), Sec. 6 (random weights with the mean and
       variance of the DBN's).
    """
    rng = np.random.default_rng(_seed(random_state))
    out = {}
    for layer, attr in _CONVS:
        kernel, bias = _pretrained(dbn, attr)
        out[layer] = [rng.normal(t.mean(), t.std(), t.shape).astype(np.float32)
                      for t in (kernel, bias)]
    return out


def _pretrained(dbn, attr):
    rbm = getattr(dbn, attr, None)
    if rbm is None:
        raise NotFittedError("the ConvDBN is not fitted: call dbn.fit(chroma, timbre) first")
    return np.transpose(rbm.components_, (1, 2, 0)).copy(), rbm.intercept_hidden_.copy()


def build_conv_mlp(n_classes, *, maps=None, widths=None, dbn=None, init="pretrained",
                   n_chroma=12, n_timbre=12, random_state=None, name="conv_mlp"):
    """The convolutional MLP of Fig. 3, for fine-tuning (Sec. 6).

    Layers (names): inputs ``chroma`` and ``timbre`` ``(batch, T, 12)``;
    ``conv1a``, ``conv1b`` (``Conv1D``, ``maps`` filters of ``w1``, valid,
    sigmoid); ``pool2a``, ``pool2b`` (max-pool ``p1``, floor); ``concat``
    (``2 maps`` channels); ``conv3`` (``w3``, sigmoid); ``pool4`` (``p2``);
    ``output`` (``Dense`` softmax at every step, weights and bias at zero).

    Parameters
    ----------
    n_classes : int > 0
    maps : int or None
        Default: the dbn's, else 100. Must agree with the dbn.
    widths : (w1, p1, w3, p2) or None
        Default: the dbn's, else (8, 4, 8, 4). Must agree with the dbn.
    dbn : ConvDBN or None
        A fitted DBN.
    init : {'pretrained', 'random'}
        ``'pretrained'``: RBM weights and hidden biases copied in, visible
        biases dropped. ``'random'``: with a ``dbn``, :func:`moment_matched`
        (the paper's control); without one, Keras's Glorot-uniform kernels
        and zero biases (not the paper's control).
    n_chroma, n_timbre : int
        Input channels (taken from the dbn when given).
    random_state : int, numpy Generator or None
    name : str

    Returns
    -------
    keras.Model
        ``{'chroma': (B, T, 12), 'timbre': (B, T, 12)} -> (B, output_length(T), n_classes)``
        per-step posteriors.

    References
    ----------
    .. [1] Dieleman et al. (2011), Sec. 5.1, Fig. 3 and Sec. 6.
    """
    n_classes = _check.positive_int("n_classes", n_classes)
    _check.choice("init", init, ("pretrained", "random"))
    if dbn is not None:
        if not hasattr(dbn, "rbm_top_"):
            raise NotFittedError("the ConvDBN is not fitted: call dbn.fit(chroma, timbre) "
                                 "first")
        for arg, mine, theirs in (("maps", maps, dbn.maps),
                                  ("widths", None if widths is None else _widths(widths),
                                   _widths(dbn.widths))):
            if mine is not None and mine != theirs:
                raise ParameterError(f"{arg}={mine!r} but the dbn has {theirs!r}: leave "
                                     f"{arg}=None to take the dbn's")
        maps, widths = dbn.maps, dbn.widths
        n_chroma = dbn.rbm_chroma_.n_features_in_
        n_timbre = dbn.rbm_timbre_.n_features_in_
    elif init == "pretrained":
        raise ParameterError("init='pretrained' needs a fitted ConvDBN: pass dbn=..., or "
                             "use init='random'")
    maps = _check.positive_int("maps", PAPER["maps"] if maps is None else maps)
    w1, p1, w3, p2 = _widths(PAPER["widths"] if widths is None else widths)
    seed = _seed(random_state)

    def conv(n, w, layer_name, s):
        init_ = keras.initializers.GlorotUniform(seed=None if seed is None else seed + s)
        return keras.layers.Conv1D(n, w, activation="sigmoid", padding="valid",
                                   kernel_initializer=init_, name=layer_name)

    chroma = keras.Input(shape=(None, n_chroma), name="chroma")
    timbre = keras.Input(shape=(None, n_timbre), name="timbre")
    a = keras.layers.MaxPooling1D(p1, p1, name="pool2a")(conv(maps, w1, "conv1a", 0)(chroma))
    b = keras.layers.MaxPooling1D(p1, p1, name="pool2b")(conv(maps, w1, "conv1b", 1)(timbre))
    x = keras.layers.Concatenate(axis=-1, name="concat")([a, b])
    x = keras.layers.MaxPooling1D(p2, p2, name="pool4")(conv(maps, w3, "conv3", 2)(x))
    out = keras.layers.Dense(n_classes, activation="softmax", kernel_initializer="zeros",
                             bias_initializer="zeros", name="output")(x)
    model = keras.Model({"chroma": chroma, "timbre": timbre}, out, name=name)
    if dbn is not None:
        weights = (moment_matched(dbn, seed) if init == "random"
                   else {layer: list(_pretrained(dbn, attr)) for layer, attr in _CONVS})
        for layer, values in weights.items():
            model.get_layer(layer).set_weights(values)
    return model


def _model_widths(model):
    try:
        return (model.get_layer("conv1a").kernel_size[0], model.get_layer("pool2a").pool_size[0],
                model.get_layer("conv3").kernel_size[0], model.get_layer("pool4").pool_size[0])
    except (ValueError, AttributeError):
        raise ParameterError("model: expected a network from build_conv_mlp (layers "
                             "conv1a, pool2a, conv3, pool4)") from None


def step_weights(lengths, widths, *, n_steps=None, per_track=True):
    """Loss weights of the output steps of padded tracks: 0 on padding.

    Parameters
    ----------
    lengths : sequence of int
        Beats of each track.
    widths : (w1, p1, w3, p2)
    n_steps : int or None
        Output steps of the padded batch (default: the most any track has).
    per_track : bool
        True: ``1 / n_i`` on the ``n_i = output_length(T_i)`` valid steps, so
        that with the ``'mean_with_sample_weight'`` reduction every track's
        mean cross-entropy counts once (one track per minibatch, as the
        paper, is the special case). False: 1 on every valid step.

    Returns
    -------
    np.ndarray, shape (n_tracks, n_steps), float32
    """
    n = [output_length(int(t), widths) for t in lengths]
    short = [i for i, k in enumerate(n) if k == 0]
    if short:
        raise ParameterError(f"{len(short)} tracks (the first: index {short[0]}, "
                             f"{lengths[short[0]]} beats) are shorter than the "
                             f"{min_length(widths)} beats the network needs: drop them "
                             "(and count them)")
    n_steps = max(n) if n_steps is None else _check.int_range("n_steps", n_steps, max(n))
    out = np.zeros((len(n), n_steps), dtype=np.float32)
    for i, k in enumerate(n):
        out[i, :k] = 1.0 / k if per_track else 1.0
    return out


def _inputs(chroma, timbre, multiple, rows, length=None):
    """Padded model inputs; dummy all-zero tracks fill the batch up to ``rows``."""
    out = {}
    for key, tracks in (("chroma", chroma), ("timbre", timbre)):
        x = pad_tracks(tracks, length=length, multiple=multiple)
        out[key] = np.concatenate([x, np.zeros((rows - len(x),) + x.shape[1:], x.dtype)])
    return out


class _TrackBatches(Batches):
    """Shuffled, padded batches ``({'chroma', 'timbre'}, step labels, step weights)``.

    Every batch is padded to the longest track of the whole set, so that all
    batches have one shape: Keras's TensorFlow data adapter fixes the shape
    of a :class:`keras.utils.PyDataset`'s batches from its first one. ``y``
    is a class per track, or a 0/1 tag row per track (then every valid step
    gets its track's row).
    """

    def __init__(self, chroma, timbre, y, widths, *, per_track=True, **kwargs):
        super().__init__(chroma, y, **kwargs)
        self.timbre, self.widths, self.per_track = timbre, widths, per_track
        _, p1, _, p2 = widths
        self.multiple = max(p1 * p2, 16)
        self.length = max(len(x) for x in chroma)

    def __getitem__(self, i):
        if not 0 <= i < len(self):
            raise IndexError(f"batch {i} of {len(self)}")
        rows = self._rows(i)
        x = _inputs([self.x[r] for r in rows], [self.timbre[r] for r in rows], self.multiple,
                    rows=min(self.batch_size, len(self.indices)), length=self.length)
        n = output_length(x["chroma"].shape[1], self.widths)
        w = np.zeros((len(x["chroma"]), n), dtype=np.float32)
        w[:len(rows)] = step_weights([len(self.x[r]) for r in rows], self.widths,
                                     n_steps=n, per_track=self.per_track)
        labels = np.asarray(self.y)
        if labels.ndim == 2:
            y = np.zeros(w.shape + labels.shape[1:], dtype=np.float32)
            y[:len(rows)] = labels[rows][:, None, :]
        else:
            y = np.zeros(w.shape, dtype=np.int32)
            y[:len(rows)] = labels[rows, None]
        return x, y, w


def step_posteriors(model, chroma, timbre, *, batch_size=32):
    """Per-step class posteriors of each track, padding removed.

    Parameters
    ----------
    model : keras.Model from :func:`build_conv_mlp`
    chroma, timbre : lists of array_like (T_i, 12)
    batch_size : int > 0
        Tracks per forward pass (sorted by length, padded to a multiple of
        ``max(p1 * p2, 16)`` beats; the last batch is filled up with dummy
        tracks, so that few shapes are compiled).

    Returns
    -------
    list of np.ndarray, shape (output_length(T_i), n_classes)
    """
    widths = _model_widths(model)
    c, t = _pairs(chroma, timbre)
    n = step_weights([len(x) for x in c], widths).astype(bool).sum(axis=1)  # checks lengths
    batch_size = _check.positive_int("batch_size", batch_size)
    order = np.argsort([len(x) for x in c], kind="stable")
    out = [None] * len(c)
    for i in range(0, len(order), batch_size):
        rows = order[i:i + batch_size]
        x = _inputs([c[r] for r in rows], [t[r] for r in rows],
                    max(widths[1] * widths[3], 16), rows=min(batch_size, len(c)))
        res = ops.convert_to_numpy(model.predict_on_batch(x))
        for j, r in enumerate(rows):
            out[r] = res[j, :n[r]].copy()
    return out


def track_posteriors(model, chroma, timbre, *, batch_size=32):
    """Track posteriors: the mean of the per-step posteriors over each track's valid steps.

    The paper's prediction is the argmax of these (Sec. 5.1); equal to
    :func:`mirnb.metrics.frame_vote` with ``method='mean'`` on the steps.

    Returns
    -------
    np.ndarray, shape (n_tracks, n_classes)
    """
    return np.stack([p.mean(axis=0) for p in step_posteriors(model, chroma, timbre,
                                                              batch_size=batch_size)])


def _labelled(data, name, n_classes):
    if not isinstance(data, (tuple, list)) or len(data) != 3:
        raise ParameterError(f"{name}: expected a triple (chroma_list, timbre_list, labels)")
    c, t = _pairs(data[0], data[1])
    y = np.asarray(data[2])
    if y.shape != (len(c),) or not np.issubdtype(y.dtype, np.integer):
        raise ParameterError(f"{name}: labels of shape {y.shape}, dtype {y.dtype}: "
                             f"expected {len(c)} integer class indices")
    if y.min() < 0 or y.max() >= n_classes:
        raise ParameterError(f"{name}: labels in [{y.min()}, {y.max()}]; the model has "
                             f"{n_classes} classes")
    return c, t, y


def fit_conv_mlp(model, train, valid=None, *, test=None, epochs=30, learning_rate=0.05,
                 batch_size=16, per_track=True, random_state=None, verbose=0):
    """Fine-tune the conv MLP with plain SGD; track-level accuracy after every epoch.

    The loss is the cross-entropy of every valid output step against its
    track's label, each track's steps averaged (``per_track``, see
    :func:`step_weights`), padded steps weighted 0; no weight decay, no
    momentum (Sec. 6; spec Sec. 2.3, Sec. 5 item 7).

    Parameters
    ----------
    model : keras.Model from :func:`build_conv_mlp`
    train, valid, test : (chroma_list, timbre_list, labels)
        ``valid`` and ``test`` are optional; both are scored after every
        epoch of the same run (the paper reads epochs 20 and 30).
    epochs : int > 0
    learning_rate : float > 0
        The paper tries 0.05, 0.005, 0.0005.
    batch_size : int > 0
        Tracks per update (the paper: probably one; batches are padded and
        masked).
    per_track : bool
    random_state : int, numpy Generator or None
        Seeds the order of the tracks.
    verbose : {0, 1, 2} or bool

    Returns
    -------
    dict of lists, one entry per epoch
        ``'loss'`` (training), and for each of ``valid`` / ``test`` given:
        ``'val_accuracy'``, ``'val_nll'`` / ``'test_accuracy'``,
        ``'test_nll'`` (track-level accuracy and mean negative log track
        posterior of the true class).
    """
    widths = _model_widths(model)
    n_classes = int(model.output_shape[-1])
    epochs = _check.positive_int("epochs", epochs)
    lr = _check.positive("learning_rate", learning_rate)
    c, t, y = _labelled(train, "train", n_classes)
    sets = {k: _labelled(d, k, n_classes) for k, d in (("val", valid), ("test", test))
            if d is not None}
    step_weights([len(x) for x in c], widths)
    seed = _seed(random_state)
    batches = _TrackBatches(c, t, y, widths, per_track=per_track,
                            batch_size=_check.positive_int("batch_size", batch_size),
                            shuffle=True, seed=_order_seed(seed))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr),
                  loss=keras.losses.SparseCategoricalCrossentropy(
                      reduction="mean_with_sample_weight"),
                  steps_per_execution=STEPS_PER_EXECUTION)
    hist = {"loss": []}
    verbose = _verbose(verbose)

    class Score(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            hist["loss"].append(float((logs or {}).get("loss", np.nan)))
            line = []
            for k, (cs, ts, ys) in sets.items():
                post = track_posteriors(model, cs, ts)
                acc = float(np.mean(np.argmax(post, axis=1) == ys))
                nll = float(-np.mean(np.log(np.maximum(post[np.arange(len(ys)), ys], 1e-12))))
                hist.setdefault(f"{k}_accuracy", []).append(acc)
                hist.setdefault(f"{k}_nll", []).append(nll)
                line.append(f"{k}_accuracy {acc:.4f}")
            if verbose and line:
                print(f"epoch {epoch + 1}/{epochs}: " + ", ".join(line), flush=True)

    model.fit(batches, epochs=epochs, shuffle=False, verbose=verbose, callbacks=[Score()])
    return hist


def fit_conv_tagger(model, chroma, timbre, tags, *, epochs=30, learning_rate=0.05,
                    batch_size=16, per_track=True, random_state=None, verbose=0):
    """Fine-tune a conv MLP with sigmoid outputs on tags: :func:`fit_conv_mlp` for many labels.

    Every valid output step is trained towards its track's tag row with
    binary cross-entropy, each track's steps averaged, padded steps weighted
    0; plain SGD, as :func:`fit_conv_mlp`. The paper classifies (genre,
    artist, key); the book's closing chapter also tags with it.

    Parameters
    ----------
    model : keras.Model
        Its output a sigmoid per tag at every step, e.g.
        :func:`build_conv_mlp`'s network with its last layer replaced.
    chroma, timbre : lists of np.ndarray, shape (n_beats_i, 12)
    tags : array_like, shape (n_tracks, n_tags)
        0/1 tags per track.
    epochs, learning_rate, batch_size, per_track, random_state, verbose
        As in :func:`fit_conv_mlp`.

    Returns
    -------
    keras.Model
        The same model, trained.
    """
    tags = np.asarray(tags, dtype=np.float32)
    if tags.ndim != 2 or len(tags) != len(chroma) or tags.shape[1] != model.output_shape[-1]:
        raise ParameterError(f"tags has shape {tags.shape}: expected ({len(chroma)}, "
                             f"{model.output_shape[-1]}), one 0/1 row per track")
    batches = _TrackBatches(list(chroma), list(timbre), tags, _model_widths(model),
                            per_track=per_track,
                            batch_size=_check.positive_int("batch_size", batch_size),
                            shuffle=True, seed=_order_seed(_seed(random_state)))
    model.compile(optimizer=keras.optimizers.SGD(
        learning_rate=_check.positive("learning_rate", learning_rate)),
        loss=keras.losses.BinaryCrossentropy(reduction="mean_with_sample_weight"),
        steps_per_execution=STEPS_PER_EXECUTION)
    model.fit(batches, epochs=_check.positive_int("epochs", epochs), shuffle=False,
              verbose=_verbose(verbose))
    return model
