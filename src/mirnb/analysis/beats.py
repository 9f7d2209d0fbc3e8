"""Segment-level features averaged over beats: the input of Dieleman et al. (2011).

The MSD's features come per *segment* (onset to onset); Dieleman et al.
average them over each *beat*. :func:`segments_to_beats` does it for any
segment-level values, by one of three methods (:data:`BEAT_METHODS`): the
time-weighted mean (``'overlap'``), MSongsDB's segment-fraction weighting
with its edge cases fixed (``'segment_fraction'``), or exactly as MSongsDB
computes it, edge cases included (``'segment_fraction_strict'``).
:func:`beat_features` applies it to the chroma and timbre of an
:class:`~mirnb.analysis.Analysis` or an MSD track record.

References
----------
.. [1] S. Dieleman, P. Brakel and B. Schrauwen, "Audio-based music
   classification with a pretrained convolutional network", ISMIR 2011,
   Sec. 2.2 (beat-aligned chroma and timbre).
.. [2] T. Bertin-Mahieux and D. P. W. Ellis, "Large-scale cover song
   recognition using hashed chroma landmarks", WASPAA 2011; its code in
   MSongsDB (``beat_aligned_feats.py``) defines the segment-fraction beat
   alignment.
"""

import numbers
from collections.abc import Mapping

import numpy as np

from .. import _check
from ..errors import DataError, ParameterError

__all__ = ["BEAT_METHODS", "segments_to_beats", "beat_features", "compare_methods", "lost_beats"]

#: Beat-alignment methods of :func:`segments_to_beats` and :func:`beat_features`.
BEAT_METHODS = ("overlap", "segment_fraction", "segment_fraction_strict")


def _times(name, t):
    t = np.asarray(t, dtype=np.float64)
    if t.ndim != 1:
        raise ParameterError(f"{name} has shape {t.shape}: expected a 1-D array of times")
    if not np.all(np.isfinite(t)):
        raise ParameterError(f"{name} contains NaN or infinite times")
    if len(t) > 1 and np.any(np.diff(t) < 0):
        raise ParameterError(f"{name} must be non-decreasing (times in seconds)")
    return t


def _align_overlap(v, s, b, duration):
    """Duration-weighted mean of the piecewise-constant segment signal per beat."""
    seg_end = np.append(s[1:], max(duration, s[-1]))
    cum = np.vstack([np.zeros((1, v.shape[1])),
                     np.cumsum(v * (seg_end - s)[:, None], axis=0)])

    def integral(t):
        j = np.clip(np.searchsorted(s, t, side="right") - 1, 0, len(s) - 1)
        return cum[j] + v[j] * (t - s[j])[:, None], j

    b_end = np.append(b[1:], max(duration, b[-1]))
    f0, j0 = integral(b)
    f1, _ = integral(b_end)
    width = b_end - b
    out = np.empty((len(b), v.shape[1]))
    ok = width > 0
    out[ok] = (f1[ok] - f0[ok]) / width[ok, None]
    out[~ok] = v[j0[~ok]]
    return out


def _align_fraction(v, s, b, duration):
    """Segment-fraction weighting with the edge cases fixed (see segments_to_beats).

    Segment ``j`` of length ``L_j`` inside beat ``[b, e)`` for ``o_ij``
    seconds gets weight ``o_ij / L_j``. Integrating the signal
    ``v_j / L_j`` over time gives ``sum_j w_ij v_j`` and integrating
    ``1 / L_j`` gives ``sum_j w_ij``, so both come from cumulative sums in
    O(n_segments + n_beats): ``F(t) = sum_{k<j} v_k + v_j (t - s_j) / L_j``
    for ``t`` in segment ``j``, clamped to ``[s_0, end of the last segment]``.
    """
    seg_end = np.append(s[1:], max(duration, s[-1]))
    length = seg_end - s
    inv = np.divide(1.0, length, out=np.zeros_like(length), where=length > 0)
    cum_v = np.vstack([np.zeros((1, v.shape[1])), np.cumsum(v * (length * inv)[:, None],
                                                             axis=0)])
    cum_w = np.concatenate([[0.0], np.cumsum(length * inv)])

    def integral(t):
        t = np.clip(t, s[0], seg_end[-1])
        j = np.clip(np.searchsorted(s, t, side="right") - 1, 0, len(s) - 1)
        frac = (t - s[j]) * inv[j]
        return cum_v[j] + v[j] * frac[:, None], cum_w[j] + frac

    b_end = np.append(b[1:], max(duration, b[-1]))
    f0, g0 = integral(b)
    f1, g1 = integral(b_end)
    wsum = g1 - g0
    out = np.empty((len(b), v.shape[1]))
    ok = wsum > 0
    out[ok] = (f1[ok] - f0[ok]) / wsum[ok, None]
    # fix 4: no weight (zero-length beat, beat outside every segment): the
    # segment in progress at the beat start (the first one before it)
    j0 = np.clip(np.searchsorted(s, b[~ok], side="right") - 1, 0, len(s) - 1)
    out[~ok] = v[j0]
    return out


def _align_fraction_strict(v, s, b, duration):
    """MSongsDB's segment-fraction warp, bugs included (see segments_to_beats).

    A re-implementation from the prose description of Bertin-Mahieux &
    Ellis's ``beat_aligned_feats.py`` (spec dieleman2011 Sec. 6.1), not a
    copy of its (GPL) code. Each step below is one step of that description.
    """
    n = len(s)
    seg_end = np.append(s[1:], max(duration, s[-1]))
    length = seg_end - s
    b_end = np.append(b[1:], duration)
    out = np.zeros((len(b), v.shape[1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, (t0, t1) in enumerate(zip(b, b_end)):
            # 1. the segment in progress: first segment starting at or after
            #    the beat start, minus one (-1, i.e. the last segment, when
            #    the beat starts at or before the first segment)
            after = int(np.searchsorted(s, t0, side="left"))
            # 2. no segment starts at or after the beat: the loop stops and
            #    this beat and every later one stay zero
            if after == n:
                break
            first = after - 1
            # 3. first segment starting at or after the beat end; none: first
            stop = int(np.searchsorted(s, t1, side="left"))
            if stop == n:
                stop = first
            # 4. weight 1 on segments first .. stop-1 (index -1 is the last
            #    segment), then fractions of their own lengths at both edges.
            #    The description lists segments "first ... stop-1"; for
            #    first = -1 that is read as the last segment, then 0 .. stop-1
            #    (had the original used a numpy slice w[-1:stop], which is
            #    empty, segments 0 .. stop-2 would get no weight instead)
            idx = np.arange(first, stop) % n
            w = np.ones(len(idx))
            wf = (seg_end[first] - t0) / length[first]
            if len(idx) == 0:
                idx, w = np.array([first % n]), np.array([wf])
            else:
                w[0] = wf
            if stop - 1 > first:
                w[-1] = (t1 - s[stop - 1]) / length[stop - 1]
            # 5. normalise the column (0 / 0 gives NaN)
            out[i] = (w @ v[idx]) / w.sum()
    return out


def segments_to_beats(values, starts, beats, *, duration, method="overlap"):
    """Average segment-level features over beat intervals.

    Segment ``j`` holds ``values[j]`` on ``[starts[j], starts[j + 1])`` (the
    last until ``duration``); beat ``i`` covers ``[beats[i], beats[i + 1])``
    (the last until ``duration``). Row ``i`` of the result is a weighted
    mean of the segments that overlap beat ``i``; ``method`` sets the
    weights.

    - ``'overlap'`` (default): the time average of the piecewise-constant
      segment signal over the beat. Each segment counts in proportion to
      the seconds it shares with the beat. Time before the first segment
      counts as the first segment; the last beat runs until ``duration``,
      or until itself if it is later. A zero-length beat takes the segment
      active at its start. This is a duration-weighted average, like Ellis's
      ``msd_beatchroma.m`` / ``resample_mx.m`` (except for the last beat,
      which those treat as zero-length) and like
      :func:`mirnb.features.beat_sync` on a frame grid.
    - ``'segment_fraction'``: the weighting of Bertin-Mahieux & Ellis's
      ``beat_aligned_feats.py`` (MSongsDB, WASPAA 2011 cover-song code), the
      features of Dieleman et al. (2011): segment ``j`` gets weight
      ``w_ij = overlap(segment j, beat i) / length(segment j)``, the
      fraction of *its own* length that lies in the beat, and each beat's
      weights are divided by their sum. A short segment wholly inside a
      beat counts as much as a long one, so this is close to a plain mean
      over the segments touching the beat, with partial edges
      down-weighted. The edge cases of the original are fixed: (1) a beat
      at or before the first segment start does not wrap around to the
      last segment; (2) a beat after the last segment start takes the last
      segment; (3) the last beat counts every segment up to ``duration``;
      (4) a beat with no weight (zero length, or outside every segment)
      takes the segment in progress at its start, the last one starting at
      or before it (the first segment for a beat before it). Never NaN.
      Zero-length segments get no weight (strict counts one inside a beat
      with weight 1). Away from these edges it equals the strict method
      exactly.
    - ``'segment_fraction_strict'``: the same weighting computed as the
      MSongsDB code does, with its bugs, for bit-compatibility with
      pipelines built on it. For each beat ``[b, e)``: ``first`` is the
      index of the first segment starting at or after ``b``, minus 1 (the
      segment in progress); if no segment starts at or after ``b``, this
      beat and *every later beat* are left all zero; ``stop`` is the first
      segment starting at or after ``e``, or ``first`` if there is none;
      segments ``first .. stop-1`` get weight 1, then segment ``first``
      gets the fraction of its own length after ``b`` and, if
      ``stop - 1 > first``, segment ``stop - 1`` the fraction of its own
      length before ``e``; the weights are divided by their sum. Hence:

      * a beat at or before the first segment start has ``first = -1``,
        which wraps around: the *last* segment joins the mean with a
        weight above 1 (the segments up to ``stop - 1`` keep theirs);
      * a beat whose end lies after the last segment start (always the
        last beat) uses only the segment in progress at its start;
      * every beat starting after the last segment start is zero;
      * a beat starting exactly on a segment start gives segment
        ``first`` weight 0; when no other segment is counted (the last
        beat, any beat ending after the last segment start, or a
        zero-length beat, i.e. a duplicate beat time) the sum is 0 and the
        row is **NaN**. A zero-length beat strictly inside a segment takes
        that segment.

      The result may therefore hold zero and NaN rows.

    Parameters
    ----------
    values : np.ndarray, shape (n_segments, d) or (n_segments,)
    starts : np.ndarray, shape (n_segments,)
        Segment start times, non-decreasing.
    beats : np.ndarray, shape (n_beats,)
        Beat start times, non-decreasing.
    duration : float > 0
        End of the track in seconds (the MSD's ``songs.duration``).
    method : {'overlap', 'segment_fraction', 'segment_fraction_strict'}
        The weighting, see above.

    Returns
    -------
    np.ndarray, shape (n_beats, d) (or (n_beats,) for 1-D ``values``)
        Finite except for the NaN rows of ``'segment_fraction_strict'``.

    See Also
    --------
    mirnb.features.beat_sync : the same idea on a frame grid (frame features
        cut at beat frame indices), for features computed from audio.

    Examples
    --------
    >>> v = np.array([[0.], [10.], [20.]])
    >>> segments_to_beats(v, [0, 1, 2], [0.5, 1.5], duration=3)
    array([[ 5.        ],
           [16.66666667]])

    With segments ``[0, 1)``, ``[1, 2.5)``, ``[2.5, 3)``, beat 1,
    ``[1.5, 3)``, holds 1 s (2/3) of segment 1 and all 0.5 s of segment 2:

    >>> t = [0, 1, 2.5]
    >>> segments_to_beats(v, t, [0.5, 1.5], duration=3)   # (1*10 + 0.5*20) / 1.5
    array([[ 5.        ],
           [13.33333333]])
    >>> segments_to_beats(v, t, [0.5, 1.5], duration=3,
    ...                   method="segment_fraction")      # (2/3*10 + 1*20) / (5/3)
    array([[ 4.],
           [16.]])
    >>> segments_to_beats(v, t, [0.5, 1.5], duration=3,
    ...                   method="segment_fraction_strict")  # last beat: segment 1 only
    array([[ 4.],
           [10.]])

    References
    ----------
    .. [1] S. Dieleman, P. Brakel and B. Schrauwen, ISMIR 2011, Sec. 2.2:
       "The segments are mapped to beats, and then the feature vectors for
       all segments corresponding to the same beat are averaged."
    .. [2] T. Bertin-Mahieux and D. P. W. Ellis, "Large-scale cover song
       recognition using hashed chroma landmarks", WASPAA 2011, and its code
       ``Tasks_Demos/CoverSongs/waspaa11/beat_aligned_feats.py`` in
       MSongsDB (the segment-fraction weighting; the alignment is Ron
       Weiss's).
    """
    _check.choice("method", method, BEAT_METHODS)
    v = np.asarray(values, dtype=np.float64)
    one_d = v.ndim == 1
    if one_d:
        v = v[:, None]
    if v.ndim != 2:
        raise ParameterError(f"values has shape {v.shape}: expected (n_segments, d)")
    s = _times("starts", starts)
    b = _times("beats", beats)
    duration = _check.positive("duration", duration)
    if len(s) != len(v):
        raise ParameterError(f"starts has {len(s)} entries but values has {len(v)} rows")
    if not np.all(np.isfinite(v)):
        row = int(np.argmax(~np.isfinite(v).all(axis=1)))
        raise ParameterError(f"values holds NaN or infinite entries (first in row {row}); "
                             "they would spread to every beat they overlap")
    if len(s) == 0:
        raise ParameterError("starts is empty: need at least one segment")
    if len(b) == 0:
        out = np.zeros((0, v.shape[1]))
    elif method == "overlap":
        out = _align_overlap(v, s, b, duration)
    elif method == "segment_fraction":
        out = _align_fraction(v, s, b, duration)
    else:
        out = _align_fraction_strict(v, s, b, duration)
    return out[:, 0] if one_d else out


def _field(source, name, where=None):
    if isinstance(source, Mapping):
        if name not in source:
            if where:
                raise DataError(f"{where}: no field {name!r}; the record is incomplete")
            raise ParameterError(f"source has no field {name!r}: expected an Analysis or "
                                 "an MSD track record")
        return source[name]
    if not hasattr(source, name):
        if where:
            raise DataError(f"{where}: no field {name!r}; the record is incomplete")
        raise ParameterError(f"source has no field {name!r}: expected an Analysis or an "
                             "MSD track record")
    return getattr(source, name)


def _source_name(source):
    """How errors name ``source``: its track id when it has one."""
    tid = source.get("track_id") if isinstance(source, Mapping) else getattr(
        source, "track_id", None)
    return f"track {tid!r}" if tid else None


def _finite_field(source, name, where, *, ndim):
    """``source[name]`` as float64 of ``ndim`` dims; DataError when not finite."""
    raw = _field(source, name, where)
    try:
        a = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{where or 'source'}: field {name!r} is not numeric "
                        f"({type(raw).__name__})") from None
    if a.ndim != ndim:
        raise DataError(f"{where or 'source'}: field {name!r} has shape {a.shape}; "
                        f"expected {ndim} dimension(s)")
    bad = ~np.isfinite(a)
    if bad.any():
        idx = np.argwhere(bad)[0]
        raise DataError(f"{where or 'source'}: field {name!r} holds {int(bad.sum())} NaN "
                        f"or infinite value(s) (first at index {tuple(int(i) for i in idx)}"
                        "); the analysis is corrupt. Download the file again, or leave the "
                        "track out.")
    return a


def beat_features(source, *, chroma_norm=None, method="overlap", name=None):
    """Beat-aligned chroma and timbre of an analysis or an MSD track record.

    The segment chroma and timbre are averaged over each beat with
    :func:`segments_to_beats`, the input of Dieleman et al. (2011), whose
    Sec. 2.2 maps segments to beats and averages them.

    Parameters
    ----------
    source : Analysis or MSDRecord or Mapping
        Anything with ``segments_start``, ``segments_pitches``,
        ``segments_timbre``, ``beats_start`` and ``duration``, by attribute
        or by key.
    chroma_norm : {None, 'max'}
        ``None`` keeps the weighted means; ``'max'`` divides each beat's
        chroma by its maximum, so that it peaks at 1 like the segment chroma
        (MSongsDB's ``get_btchromas`` does the same). A beat whose chroma is
        all zero stays all zero (spec dieleman2011 Sec. 5, item 2), and a
        NaN row of ``'segment_fraction_strict'`` stays NaN.
    method : {'overlap', 'segment_fraction', 'segment_fraction_strict'}
        How segments are weighted within a beat; see
        :func:`segments_to_beats`. ``'segment_fraction'`` is the weighting
        of Bertin-Mahieux & Ellis (2011) that Dieleman et al. follow, with
        its edge cases fixed; ``'segment_fraction_strict'`` keeps the edge
        cases of the MSongsDB code, so trailing beats may be all zero and
        some beats NaN; ``'overlap'`` (default) weights by seconds of
        overlap.
    name : str or None
        Names the track (e.g. its file) in error messages; default its
        ``track_id`` when it has one.

    Returns
    -------
    chroma : np.ndarray, shape (n_beats, 12)
    timbre : np.ndarray, shape (n_beats, n_timbre)

    Raises
    ------
    DataError
        A field holds NaN or infinite values, has the wrong number of
        dimensions, or is missing from a record that names its track; the
        message names the track and the field. Over a dataset, skip such
        tracks with :func:`mirnb.datasets.map_tracks`, which reports them.
    ParameterError
        ``chroma_norm`` or ``method`` is unknown, or ``source`` is not a
        record at all.

    Examples
    --------
    >>> chroma, timbre = beat_features(analysis, chroma_norm="max",
    ...                                method="segment_fraction")  # doctest: +SKIP

    References
    ----------
    Dieleman et al. (2011), Sec. 2.2; Bertin-Mahieux & Ellis (2011), see
    :func:`segments_to_beats`.
    """
    _check.choice("chroma_norm", chroma_norm, (None, "max"))
    _check.choice("method", method, BEAT_METHODS)
    where = name or _source_name(source)
    starts = _finite_field(source, "segments_start", where, ndim=1)
    beats = _finite_field(source, "beats_start", where, ndim=1)
    pitches = _finite_field(source, "segments_pitches", where, ndim=2)
    timbre = _finite_field(source, "segments_timbre", where, ndim=2)
    duration = _field(source, "duration", where)
    if not isinstance(duration, numbers.Real) or not np.isfinite(duration) or not duration > 0:
        duration = float(np.max(np.concatenate([np.atleast_1d(starts), np.atleast_1d(beats),
                                                [1e-3]])))
    try:
        chroma = segments_to_beats(pitches, starts, beats, duration=duration, method=method)
        timbre = segments_to_beats(timbre, starts, beats, duration=duration, method=method)
    except ParameterError as err:  # inconsistent arrays of one record: its data is bad
        if where is None:
            raise
        raise DataError(f"{where}: {err}") from None
    if chroma_norm == "max" and len(chroma):
        m = chroma.max(axis=1, keepdims=True)
        # an all-zero beat stays zero (spec dieleman2011 Sec. 5 item 2, as
        # MSongsDB's get_btchromas); a NaN row stays NaN
        chroma = chroma / np.where(m > 0, m, 1.0)
    return chroma, timbre


def lost_beats(source, method="segment_fraction_strict"):
    """How many beats of one track ``method`` leaves all-zero or NaN.

    With MSongsDB's original weighting (the default) these are its edge
    cases: beats after the last segment start zeroed, a beat on a segment
    start NaN (see :func:`segments_to_beats`).

    Parameters
    ----------
    source : Analysis or MSDRecord or Mapping
        One track, as for :func:`beat_features`.
    method : str
        One of :data:`BEAT_METHODS`.

    Returns
    -------
    int
    """
    _, t = beat_features(source, method=method)
    return int((~np.isfinite(t).all(axis=1) | (np.abs(t).sum(axis=1) == 0)).sum())


def compare_methods(source):
    """The beat-alignment methods side by side on one track.

    Parameters
    ----------
    source : Analysis or MSDRecord or Mapping
        One track, as for :func:`beat_features`.

    Returns
    -------
    pandas.DataFrame
        One row per method of :data:`BEAT_METHODS`: beats, all-zero beats,
        NaN beats, and the mean absolute difference of the max-normalised
        chroma and of the timbre from ``'overlap'`` (the time-weighted
        mean), over the beats where both are finite.
    """
    import pandas as pd

    ref_c, ref_t = beat_features(source, chroma_norm="max", method="overlap")
    rows = []
    for method in BEAT_METHODS:
        c, t = beat_features(source, chroma_norm="max", method=method)
        ok = np.isfinite(t).all(axis=1) & np.isfinite(c).all(axis=1)
        rows.append({"method": method, "beats": len(t),
                     "all-zero beats": int((np.abs(t).sum(axis=1) == 0).sum()),
                     "NaN beats": int((~ok).sum()),
                     "chroma: mean |diff| from overlap": float(np.abs(c[ok] - ref_c[ok]).mean()),
                     "timbre: mean |diff| from overlap": float(np.abs(t[ok] - ref_t[ok]).mean())})
    return pd.DataFrame(rows).set_index("method")
