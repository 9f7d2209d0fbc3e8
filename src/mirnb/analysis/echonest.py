"""Echo-Nest-style analysis of any audio: segments, beats, bars, key.

The Million Song Dataset ships no audio, only the Echo Nest's analysis of
each track: onset-based *segments*, each with a 12-bin chroma vector
("pitches"), a 12-d timbre vector and loudness values, plus beats, bars,
tatums, sections, key, mode and tempo. :func:`analyze` computes the same
kind of description from a waveform, so that the synthetic corpus can be
written in the MSD's HDF5 schema (:mod:`mirnb.datasets.msd`) and any model
built on MSD features can also be run on audio we have.

It is an approximation built from librosa parts, not the Echo Nest's
(closed) analyzer; each field's docstring says how it is computed. The
numbers have the same units and roughly the same ranges as the real ones,
but a model trained on real MSD features should not be expected to transfer
to these without retraining.

The beat alignment of these fields is :mod:`mirnb.analysis.beats`.

References
----------
.. [1] T. Jehan and D. DesRoches, "Analyzer Documentation", The Echo Nest,
   version 3.2, 2011 (the meaning of segments, timbre, loudness, tatums).
.. [2] T. Bertin-Mahieux, D. P. W. Ellis, B. Whitman and P. Lamere, "The
   Million Song Dataset", ISMIR 2011.
.. [3] C. L. Krumhansl, *Cognitive Foundations of Musical Pitch*, Oxford
   University Press, 1990, ch. 4 (the key-finding algorithm and the
   Krumhansl-Kessler probe-tone profiles).
"""

from dataclasses import dataclass, fields

import numpy as np

from .. import _check
from ..errors import ParameterError

__all__ = ["Analysis", "analyze", "estimate_key", "MAJOR_PROFILE", "MINOR_PROFILE"]

#: Krumhansl-Kessler probe-tone ratings of the 12 pitch classes in a major
#: key, tonic first (Krumhansl 1990, Table 2.1).
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66,
                          2.29, 2.88])
#: The same for a minor key, tonic first.
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69,
                          3.34, 3.17])

#: Loudness floor in dB, as in the MSD files (silence reads -60 dB).
LOUDNESS_FLOOR_DB = -60.0
#: Mel bands behind the timbre coefficients.
N_MELS = 40
#: Lowest sample rate :func:`analyze` accepts.
MIN_SR = 4000
#: Scale applied to MFCC 1.. so that their spread resembles the Echo Nest's
#: timbre coefficients (roughly -200..200); see :func:`analyze`.
TIMBRE_SCALE = 2.0
#: Correlation margin that counts as full confidence in :func:`estimate_key`.
KEY_MARGIN = 0.2
#: Pitch range of the key chroma of :func:`analyze`, MIDI numbers ``[lo, hi)``:
#: C2 (65 Hz) to B6 (1976 Hz).
KEY_PITCHES = (36, 96)
#: Window of the STFT behind the key chroma, seconds (8192 samples at 22050 Hz:
#: 2.7 Hz bins, finer than a semitone from C2 up).
KEY_WINDOW = 0.37
#: Gain of the log compression of the key chroma's semitone spectrum,
#: ``log1p(KEY_COMPRESSION * X / mean(X))``.
KEY_COMPRESSION = 100.0
#: Harmonics per tone in the audio key profiles of :func:`estimate_key`.
KEY_HARMONICS = 6
#: Amplitude decay per harmonic that :func:`analyze` passes to :func:`estimate_key`.
KEY_HARMONIC_DECAY = 0.8
#: Target section length in seconds (the real MSD has about one per 20 s).
SECTION_SECONDS = 20.0
#: Half-width in seconds of the windows compared to find section boundaries.
SECTION_WINDOW = 5.0


@dataclass(eq=False)
class Analysis:
    """An Echo-Nest-style analysis of one track, with the MSD's field names.

    Times are in seconds from the start of the track, loudness in dB
    (0 dB is a full-scale sinusoid, -60 dB the floor), confidences in
    [0, 1]. Every array is float64, like the MSD's.

    Attributes
    ----------
    segments_start : np.ndarray, shape (n,)
        Segment onsets, increasing, the first at 0.
    segments_pitches : np.ndarray, shape (n, 12)
        Chroma per segment, pitch class C first; each row's maximum is 1.
    segments_timbre : np.ndarray, shape (n, n_timbre)
        Timbre per segment: a loudness-like coefficient, then scaled MFCCs.
    segments_loudness_max : np.ndarray, shape (n,)
        Peak frame loudness in the segment, dB.
    segments_loudness_max_time : np.ndarray, shape (n,)
        Offset of that peak from the segment's start, seconds.
    segments_loudness_start : np.ndarray, shape (n,)
        Loudness at the segment's first frame, dB.
    segments_confidence : np.ndarray, shape (n,)
        Onset strength of the segment's onset over the track's maximum.
    beats_start, beats_confidence : np.ndarray, shape (n_beats,)
    bars_start, bars_confidence : np.ndarray, shape (n_bars,)
    tatums_start, tatums_confidence : np.ndarray, shape (n_tatums,)
    sections_start, sections_confidence : np.ndarray, shape (n_sections,)
    key : int
        Tonic pitch class, 0 = C, ..., 11 = B.
    key_confidence : float
    mode : int
        1 major, 0 minor.
    mode_confidence : float
    tempo : float
        Beats per minute.
    time_signature : int
        Beats per bar (3 or 4 here).
    time_signature_confidence : float
    duration : float
        Seconds.
    loudness : float
        Overall loudness, dB.
    end_of_fade_in, start_of_fade_out : float
        Seconds.
    sample_rate : int
        Sample rate of the analysed audio.
    """

    segments_start: np.ndarray
    segments_pitches: np.ndarray
    segments_timbre: np.ndarray
    segments_loudness_max: np.ndarray
    segments_loudness_max_time: np.ndarray
    segments_loudness_start: np.ndarray
    segments_confidence: np.ndarray
    beats_start: np.ndarray
    beats_confidence: np.ndarray
    bars_start: np.ndarray
    bars_confidence: np.ndarray
    tatums_start: np.ndarray
    tatums_confidence: np.ndarray
    sections_start: np.ndarray
    sections_confidence: np.ndarray
    key: int
    key_confidence: float
    mode: int
    mode_confidence: float
    tempo: float
    time_signature: int
    time_signature_confidence: float
    duration: float
    loudness: float
    end_of_fade_in: float
    start_of_fade_out: float
    sample_rate: int

    @property
    def n_segments(self):
        """int: number of segments."""
        return len(self.segments_start)

    def to_dict(self):
        """Return the fields as a plain dict (arrays are not copied)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __repr__(self):
        return (f"Analysis({self.duration:.2f} s, {self.n_segments} segments, "
                f"{len(self.beats_start)} beats, tempo {self.tempo:.1f}, "
                f"key {self.key} mode {self.mode}, {self.time_signature}/4)")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _validate_signal(y):
    if not isinstance(y, np.ndarray):
        raise ParameterError(f"y must be a numpy array, got {type(y).__name__}")
    if y.ndim == 2:
        y = y.mean(axis=0)
    if y.ndim != 1:
        raise ParameterError(f"y has shape {y.shape}: expected (n,) or (channels, n)")
    if not np.issubdtype(y.dtype, np.floating):
        raise ParameterError(f"y has dtype {y.dtype}: expected floating-point audio in "
                             "[-1, 1]")
    if not np.all(np.isfinite(y)):
        raise ParameterError("y contains NaN or infinite samples")
    return np.ascontiguousarray(y, dtype=np.float32)


def _n_fft_for(sr):
    """FFT size of about 93 ms (2048 at 22050 Hz), a power of two."""
    return int(2 ** max(6, int(round(np.log2(0.0929 * sr)))))


def _local_max(env, frames, radius=1):
    """Largest value of ``env`` within ``radius`` frames of each frame."""
    if len(frames) == 0:
        return np.zeros(0)
    frames = np.clip(np.asarray(frames, dtype=int), 0, len(env) - 1)
    offs = np.arange(-radius, radius + 1)
    idx = np.clip(frames[:, None] + offs[None, :], 0, len(env) - 1)
    return env[idx].max(axis=1)


def _pearson_rows(profiles, x):
    """Pearson correlation of each row of ``profiles`` with ``x``."""
    p = profiles - profiles.mean(axis=1, keepdims=True)
    xc = x - x.mean()
    den = np.linalg.norm(p, axis=1) * np.linalg.norm(xc)
    if den.max() <= 0:
        return np.zeros(len(profiles))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = p @ xc / den
    return np.nan_to_num(r)


#: Pitch-class offset of harmonic ``h`` (1-based) above its fundamental:
#: ``round(12 log2 h) mod 12`` for h = 1..8 (octaves, fifth, major third, minor seventh).
_HARMONIC_PC = (0, 0, 7, 0, 4, 7, 10, 0)


def _harmonic_template(decay, n=KEY_HARMONICS):
    """Pitch-class pattern of one harmonic tone: harmonic h has amplitude decay**(h-1)."""
    t = np.zeros(12)
    for h in range(n):
        t[_HARMONIC_PC[h]] += decay ** h
    return t


def _key_profiles(harmonic_decay):
    """The 24 key profiles, shape (2, 12, 12): [mode, tonic, pitch class]; mode 0 minor.

    With ``harmonic_decay > 0`` each profile is circularly convolved with
    :func:`_harmonic_template`: the chroma the profile's pitch classes would
    give if each sounded as a harmonic tone.
    """
    base = [MINOR_PROFILE, MAJOR_PROFILE]
    if harmonic_decay:
        t = _harmonic_template(harmonic_decay)
        base = [np.array([np.dot(p[(i - np.arange(12)) % 12], t) for i in range(12)])
                for p in base]
    return np.stack([np.stack([np.roll(p, k) for k in range(12)]) for p in base])


def estimate_key(chroma, *, harmonic_decay=0.0):
    """Krumhansl-Schmuckler key finding from a 12-bin pitch-class profile.

    The profile is correlated (Pearson) with the 24 rotations of the
    Krumhansl-Kessler major and minor probe-tone profiles; the best one
    gives the key and mode.

    Confidences come from margins between correlations. With ``r`` the 24
    correlations and ``r1`` the best:

    - ``key_confidence = clip((r1 - r2) / KEY_MARGIN, 0, 1)`` where ``r2``
      is the best correlation of any key with a *different tonic* (either
      mode);
    - ``mode_confidence = clip((r1 - r3) / KEY_MARGIN, 0, 1)`` where ``r3``
      is the best correlation of any key in the *other mode* (often the
      relative major or minor).

    :data:`KEY_MARGIN` is 0.2: closely related keys (a fifth apart, or
    relative major and minor) share most notes, so their correlations
    differ by about 0.1 even for clear tonal music, and a margin of 0.2 or
    more is taken as certain. Both confidences are 0 when ``r1 <= 0``, and
    for a flat profile (silence, white noise).

    Parameters
    ----------
    chroma : np.ndarray, shape (12,)
        Non-negative pitch-class weights, C first.
    harmonic_decay : float in [0, 1)
        0 (default) correlates with the probe-tone profiles themselves, the
        right model for note counts or durations (symbolic music). A value
        ``s > 0`` makes *audio* profiles: each pitch class of a profile
        also sounds its harmonics 2..:data:`KEY_HARMONICS` with amplitude
        ``s**(h - 1)``, folded onto their pitch classes (the 3rd and 6th
        harmonics a fifth up, the 5th a major third up). The chroma of
        real instruments holds those harmonics too, so plain profiles
        favour the key a fifth *above* the true one; comparing like with
        like removes that bias (the idea of Gomez 2006, who builds
        harmonics into the key profiles for audio).

    Returns
    -------
    key : int
        Tonic, 0 = C ... 11 = B.
    key_confidence : float
    mode : int
        1 major, 0 minor.
    mode_confidence : float
    correlations : np.ndarray, shape (2, 12)
        Row 0 minor, row 1 major; column = tonic.

    References
    ----------
    Krumhansl (1990), ch. 4; the profiles are in :data:`MAJOR_PROFILE` and
    :data:`MINOR_PROFILE`. E. Gomez, "Tonal description of polyphonic
    audio for music content processing", INFORMS Journal on Computing
    18(3), 2006 (key profiles with harmonics for audio).
    """
    c = np.asarray(chroma, dtype=float)
    if c.shape != (12,) or not np.all(np.isfinite(c)):
        raise ParameterError(f"chroma has shape {c.shape}: expected 12 finite values")
    harmonic_decay = _check.number("harmonic_decay", harmonic_decay)
    if not 0.0 <= harmonic_decay < 1.0:
        raise ParameterError(f"harmonic_decay={harmonic_decay!r}: expected a number in "
                             "[0, 1), e.g. 0 for symbolic profiles or 0.8 for audio chroma")
    profiles = _key_profiles(harmonic_decay)
    r = np.stack([_pearson_rows(profiles[0], c), _pearson_rows(profiles[1], c)])
    mode, key = np.unravel_index(int(np.argmax(r)), r.shape)
    r1 = r[mode, key]
    if r1 <= 0 or r1 - r.min() <= 1e-12:
        return int(key), 0.0, int(mode), 0.0, r
    others = r.copy()
    others[:, key] = -np.inf
    r2 = others.max()
    r3 = r[1 - mode].max()
    key_conf = float(np.clip((r1 - r2) / KEY_MARGIN, 0.0, 1.0))
    mode_conf = float(np.clip((r1 - r3) / KEY_MARGIN, 0.0, 1.0))
    return int(key), key_conf, int(mode), mode_conf, r


def _key_chroma(y, sr):
    """Track chroma for key finding: semitone spectrum, log-compressed, folded.

    A long-window power STFT (:data:`KEY_WINDOW`, hop a quarter of it)
    resolves semitones down to :data:`KEY_PITCHES`'s lower end; each FFT bin
    goes to its nearest equal-tempered semitone (A4 = 440 Hz) within
    :data:`KEY_PITCHES`, and the bins of a semitone are averaged (a mean,
    not a sum: a semitone spans more bins the higher it is, and summing
    would tilt the chroma of noise and drums toward B). The
    semitone spectrogram ``X`` is compressed as
    ``log1p(KEY_COMPRESSION * X / mean(X))`` (so that loud notes and drum
    hits do not swamp the rest), summed over time and folded onto 12 pitch
    classes. Returns zeros for silence.
    """
    import librosa

    n_fft = int(2 ** round(np.log2(KEY_WINDOW * sr)))
    n_fft = max(64, min(n_fft, int(2 ** np.floor(np.log2(len(y))))))
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=n_fft // 4)).astype(np.float64) ** 2
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    lo, hi = KEY_PITCHES
    with np.errstate(divide="ignore"):
        pitch = np.round(69 + 12 * np.log2(freqs / 440.0))
    # the bins of one semitone are contiguous: average them with reduceat
    first = np.searchsorted(pitch[1:], np.arange(lo, hi + 1), side="left") + 1
    n_bins = np.diff(first)
    X = np.add.reduceat(S, np.minimum(first, len(freqs) - 1), axis=0)[:-1]
    X = np.where(n_bins[:, None] > 0, X / np.maximum(n_bins, 1)[:, None], 0.0)
    mean = X.mean()
    if not mean > 0:
        return np.zeros(12)
    X = np.log1p(KEY_COMPRESSION * X / mean).sum(axis=1)
    return np.bincount((np.arange(lo, hi) % 12), weights=X, minlength=12)


def _accents(env, loud, frames):
    """Accent of each beat: z-scored local loudness plus z-scored onset strength."""
    if len(frames) == 0:
        return np.zeros(0)
    parts = []
    for x in (_local_max(loud, frames, radius=2), _local_max(env, frames, radius=2)):
        sd = x.std()
        parts.append((x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x))
    a = parts[0] + parts[1]
    return a - a.min()


def _metre(accents):
    """Choose 3 or 4 beats per bar and the downbeat phase from beat accents.

    Returns ``(m, confidence, phase)``. The normalised autocorrelation of the
    mean-removed accent sequence is compared at lags 3 and 4; the larger
    wins (4 on a tie) and the confidence is the difference of the two
    correlations, clipped to [0, 1]. With fewer than 8 beats the metre is 4
    with confidence 0. The phase is the beat offset whose every m-th beat
    has the largest mean accent.
    """
    a = np.asarray(accents, dtype=float)
    if len(a) < 8:
        m, conf = 4, 0.0
    else:
        x = a - a.mean()
        energy = float(np.dot(x, x))
        if energy <= 1e-12:
            m, conf = 4, 0.0
        else:
            r3 = float(np.dot(x[:-3], x[3:])) / energy
            r4 = float(np.dot(x[:-4], x[4:])) / energy
            m = 3 if r3 > r4 else 4
            conf = float(np.clip(abs(r4 - r3), 0.0, 1.0))
    if len(a) == 0:
        return m, conf, 0
    phase = int(np.argmax([a[p::m].mean() if len(a[p::m]) else -np.inf
                           for p in range(min(m, len(a)))]))
    return m, conf, phase


def _sections(features, starts, duration):
    """Split the track into sections at the strongest feature changes.

    Each segment start is a candidate boundary, scored by its novelty: the
    distance between the mean standardised features of the segments that
    start in the :data:`SECTION_WINDOW` seconds before it and of those in the
    :data:`SECTION_WINDOW` seconds from it. The best candidates are taken
    greedily, at least ``0.4 * SECTION_SECONDS`` apart and from either end,
    up to about one section per :data:`SECTION_SECONDS`. The first section
    starts at 0 with confidence 1; a boundary's confidence is its novelty
    over the largest novelty.
    """
    n = features.shape[0]
    k = int(max(1, round(duration / SECTION_SECONDS)))
    if k <= 1 or n < 3:
        return np.zeros(1), np.ones(1)
    z = features - features.mean(axis=0)
    sd = z.std(axis=0)
    z = z / np.where(sd > 0, sd, 1.0)
    cum = np.vstack([np.zeros((1, z.shape[1])), np.cumsum(z, axis=0)])
    lo = np.searchsorted(starts, starts - SECTION_WINDOW, side="left")
    hi = np.searchsorted(starts, starts + SECTION_WINDOW, side="left")
    idx = np.arange(n)
    n_left, n_right = idx - lo, hi - idx
    novelty = np.zeros(n)
    ok = (n_left > 0) & (n_right > 0)
    left = (cum[idx[ok]] - cum[lo[ok]]) / n_left[ok, None]
    right = (cum[hi[ok]] - cum[idx[ok]]) / n_right[ok, None]
    novelty[ok] = np.linalg.norm(right - left, axis=1)
    min_gap = 0.4 * SECTION_SECONDS
    chosen = []
    for j in np.argsort(-novelty, kind="stable"):
        if len(chosen) >= k - 1 or novelty[j] <= 0:
            break
        t = starts[j]
        if t < min_gap or duration - t < min_gap:
            continue
        if any(abs(t - starts[c]) < min_gap for c in chosen):
            continue
        chosen.append(j)
    chosen = sorted(chosen)
    sec_start = np.concatenate([[0.0], starts[chosen]])
    conf = np.ones(len(sec_start))
    if chosen:
        conf[1:] = novelty[chosen] / novelty.max()
    return sec_start.astype(np.float64), conf


# --------------------------------------------------------------------------
# analysis
# --------------------------------------------------------------------------
def analyze(y, *, sr, hop_length=512, n_timbre=12):
    """Analyse a waveform into Echo-Nest-style segments, beats, bars and key.

    The spectral steps share one magnitude STFT (Hann window of about 93 ms,
    ``n_fft = 2048`` at 22050 Hz), except key finding, which has a longer
    one of its own:

    - **Loudness** per frame is the RMS over a window of half the FFT size
      (46 ms at 22050 Hz), in dB relative to full scale, ``20 log10(rms)``,
      floored at -60 dB (a full-scale sine reads -3 dB).
    - **Segments** start at onsets: librosa's spectral-flux onset envelope on
      a 40-band log-mel spectrogram, peak-picked, then *backtracked* to the
      preceding RMS minimum so that a segment starts just before its attack.
      The first segment starts at 0. ``segments_confidence`` is the onset
      envelope at the peak over its maximum (0 for the first segment unless
      an onset is found there).
    - **Pitches** are librosa's STFT chroma (tuning assumed 0 cents),
      averaged over the segment's frames, then divided by the row maximum so
      that each row peaks at exactly 1; a silent segment gets all ones, as in
      the MSD files.
    - **Timbre**: ``timbre[0]`` is the segment's mean frame loudness plus
      60 dB (0 for silence, about 57 for a full-scale sine); ``timbre[k]``
      for ``k >= 1`` is the segment mean of MFCC ``k`` (orthonormal DCT-II of
      the 40-band mel spectrum in dB, floored 80 dB below full scale), times
      :data:`TIMBRE_SCALE`. With 40 bands the coefficients of music span
      roughly -200..200, like the Echo Nest's. The mapping is fixed (no
      per-track normalisation), so values are comparable across tracks.
    - **loudness_max**, its time offset within the segment, and
      **loudness_start** come from the frame loudness.
    - **Beats**: ``librosa.beat.beat_track`` on the same onset envelope
      (start_bpm 120, weak leading and trailing beats trimmed).
      ``beats_confidence`` is the local onset strength at the beat over the
      maximum. ``tempo`` is 60 over the mean inter-beat interval, leaving
      out intervals more than 25 % away from the median (librosa's global
      estimate when there are fewer than two beats).
    - **Bars**: each beat gets an accent, the z-scored peak loudness plus
      the z-scored peak onset strength within two frames of the beat. The
      metre (3 or 4 beats per bar) is the lag, 3 or 4 beats, with the larger
      normalised autocorrelation of the accents (4 on a tie or with fewer
      than 8 beats); ``time_signature_confidence`` is the difference of the
      two correlations, clipped to [0, 1]. The downbeat is the phase with
      the strongest mean accent, and the bars start every
      ``time_signature`` beats from there. ``bars_confidence`` is the
      downbeat's accent over the largest accent.
    - **Tatums** are the beats subdivided by 2 (beats plus midpoints).
    - **Sections**: boundaries at the segment starts where the mean
      standardised timbre and chroma of the 5 s before and the 5 s after
      differ most, at least 8 s apart, about one section per 20 s; a
      boundary's confidence is that difference over the largest one (the
      first section starts at 0 with confidence 1).
    - **Key and mode**: Krumhansl-Schmuckler key finding (:func:`estimate_key`,
      which also gives the confidences) on a track chroma of its own, built
      for this (see ``_key_chroma``): a second power STFT with a long window
      (:data:`KEY_WINDOW`, 0.37 s, hop a quarter of it) that resolves
      semitones down to C2, the bins averaged per equal-tempered semitone
      from C2 to B6 (:data:`KEY_PITCHES`; the bass below is left
      out, its semitones are not resolved), log-compressed
      (``log1p(100 X / mean(X))``), summed over time and folded to 12 pitch
      classes. The profiles are *audio* profiles
      (``harmonic_decay=`` :data:`KEY_HARMONIC_DECAY`): each of their pitch
      classes sounds with harmonics, as real notes do in the chroma.
      Why: the segment chroma (93 ms window) smears low notes into their
      neighbouring semitones, and the harmonics of every note (the 3rd a
      fifth up) pull plain profiles toward the key a fifth above; on the
      synthetic corpus that estimate agreed with the rendered tonic on 40 %
      of clips, 27 % a fifth off, and this one agrees on 72 % (the
      profiles on the score's own notes: 73 %; ``benchmarks/key_agreement.py``).
    - ``loudness`` is the RMS of the whole signal in dB; ``end_of_fade_in``
      and ``start_of_fade_out`` are the first frame and the end of the last
      frame whose loudness is within 20 dB of the track's 95th percentile.

    Parameters
    ----------
    y : np.ndarray, shape (n,) or (channels, n)
        Floating-point audio in [-1, 1]; several channels are averaged.
    sr : int >= 4000
        Sample rate of ``y``.
    hop_length : int > 0
        Frame hop in samples; it sets the time resolution (23 ms at the
        default and 22050 Hz).
    n_timbre : int in [1, 40]
        Timbre coefficients per segment. The MSD schema has 12.

    Returns
    -------
    Analysis

    Raises
    ------
    ParameterError
        ``sr``, ``hop_length`` or ``n_timbre`` out of range, ``y`` not a
        finite float array, or shorter than one FFT frame.

    Notes
    -----
    A 10 s clip at 22050 Hz takes 20 to 100 ms on one core (measured on the
    book's 2-core machine; the key's STFT is about 15 ms of it), once
    librosa's numba functions are compiled; the first call in a fresh
    process without numba's cache takes several seconds more.

    References
    ----------
    Jehan & DesRoches (2011) for the meaning of each field; Bertin-Mahieux
    et al. (2011) for the MSD's use of them; Krumhansl (1990) for key
    finding.
    """
    import librosa

    sr = _check.positive_int("sr", sr)
    if sr < MIN_SR:
        raise ParameterError(f"sr={sr}: expected an integer >= {MIN_SR} (lower rates leave "
                             f"too little bandwidth for {N_MELS} mel bands)")
    hop_length = _check.positive_int("hop_length", hop_length)
    n_timbre = _check.int_range("n_timbre", n_timbre, 1, N_MELS)
    y = _validate_signal(y)
    n_fft = _n_fft_for(sr)
    if len(y) < n_fft:
        raise ParameterError(f"y has {len(y)} samples: analyze needs at least one FFT "
                             f"frame ({n_fft} samples, {n_fft / sr:.3f} s at sr={sr})")
    duration = len(y) / sr
    frame_s = hop_length / sr

    # one STFT for everything
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop_length))
    power = S.astype(np.float64) ** 2
    n_frames = S.shape[1]

    # frame loudness (RMS in dBFS) from the time signal
    rms = librosa.feature.rms(y=y, frame_length=max(n_fft // 2, 2), hop_length=hop_length)[0]
    rms = rms[:n_frames].astype(np.float64)
    if len(rms) < n_frames:
        rms = np.pad(rms, (0, n_frames - len(rms)))
    loud = np.maximum(20 * np.log10(np.maximum(rms, 1e-12)), LOUDNESS_FLOOR_DB)

    # mel spectrum in dB relative to a full-scale sinusoid (|X| = n_fft / 4)
    mel_fb = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=N_MELS, norm=None)
    mel = mel_fb @ (power * (4.0 / n_fft) ** 2)
    mel_db = np.maximum(10 * np.log10(np.maximum(mel, 1e-10)), -80.0)
    import scipy.fft

    mfcc = scipy.fft.dct(mel_db, type=2, norm="ortho", axis=0)[:n_timbre]

    # onsets -> segments
    env = librosa.onset.onset_strength(S=mel_db, sr=sr, hop_length=hop_length)
    env = env[:n_frames].astype(np.float64)
    env_max = float(env.max()) if env.size and env.max() > 0 else 1.0
    peaks = librosa.onset.onset_detect(onset_envelope=env, sr=sr, hop_length=hop_length,
                                       units="frames")
    peaks = np.asarray(peaks, dtype=int)
    starts_f = librosa.onset.onset_backtrack(peaks, rms) if len(peaks) else peaks
    conf_by_start = {}
    for st, pk in zip(np.asarray(starts_f, dtype=int), peaks):
        c = float(env[pk] / env_max)
        conf_by_start[int(st)] = max(c, conf_by_start.get(int(st), 0.0))
    bounds = np.unique(np.concatenate([[0], np.asarray(starts_f, dtype=int)]))
    bounds = bounds[(bounds >= 0) & (bounds < n_frames)]
    n_seg = len(bounds)
    counts = np.diff(np.concatenate([bounds, [n_frames]])).astype(np.float64)

    chroma = librosa.feature.chroma_stft(S=power, sr=sr, n_fft=n_fft, norm=None, tuning=0.0)
    seg_chroma = np.add.reduceat(chroma, bounds, axis=1).T / counts[:, None]
    row_max = seg_chroma.max(axis=1, keepdims=True)
    silent = row_max[:, 0] <= 1e-12
    seg_chroma = np.where(silent[:, None], 1.0,
                          seg_chroma / np.where(silent, 1.0, row_max[:, 0])[:, None])

    seg_loud_mean = np.add.reduceat(loud, bounds) / counts
    seg_mfcc = np.add.reduceat(mfcc, bounds, axis=1).T / counts[:, None]
    timbre = np.empty((n_seg, n_timbre))
    timbre[:, 0] = seg_loud_mean - LOUDNESS_FLOOR_DB
    timbre[:, 1:] = TIMBRE_SCALE * seg_mfcc[:, 1:]

    loud_max = np.maximum.reduceat(loud, bounds)
    ends = np.concatenate([bounds[1:], [n_frames]])
    loud_max_time = np.array([np.argmax(loud[b:e]) for b, e in zip(bounds, ends)],
                             dtype=np.float64) * frame_s
    loud_start = loud[bounds]
    seg_conf = np.array([conf_by_start.get(int(b), 0.0) for b in bounds])
    seg_start = bounds * frame_s

    # beats, tempo, metre, bars, tatums
    tempo_lib, beat_frames = librosa.beat.beat_track(onset_envelope=env, sr=sr,
                                                     hop_length=hop_length, units="frames")
    beat_frames = np.unique(np.asarray(beat_frames, dtype=int))
    beats = beat_frames * frame_s
    accents = _accents(env, loud, beat_frames)
    beats_conf = np.clip(_local_max(env, beat_frames, radius=1) / env_max, 0, 1)
    if len(beats) >= 2:
        ibi = np.diff(beats)
        med = float(np.median(ibi))
        tempo = 60.0 / float(np.mean(ibi[np.abs(ibi - med) <= 0.25 * med]))
    else:
        tempo = float(np.atleast_1d(tempo_lib)[0])
    metre, metre_conf, phase = _metre(accents)
    bars = beats[phase::metre]
    acc_max = accents.max() if len(accents) and accents.max() > 0 else 1.0
    bars_conf = np.clip(accents[phase::metre] / acc_max, 0, 1)
    if len(beats) >= 2:
        mids = 0.5 * (beats[:-1] + beats[1:])
        tatums = np.sort(np.concatenate([beats, mids]))
    else:
        tatums = beats.copy()
    tatum_frames = np.round(tatums / frame_s).astype(int)
    tatums_conf = np.clip(_local_max(env, tatum_frames, radius=1) / env_max, 0, 1)

    # sections
    sec_feat = np.concatenate([timbre, seg_chroma], axis=1)
    sections, sections_conf = _sections(sec_feat, seg_start, duration)

    # key and mode
    key, key_conf, mode, mode_conf, _ = estimate_key(_key_chroma(y, sr),
                                                     harmonic_decay=KEY_HARMONIC_DECAY)

    # global loudness and fades
    total_rms = float(np.sqrt(np.mean(y.astype(np.float64) ** 2)))
    loudness = max(20 * np.log10(max(total_rms, 1e-12)), LOUDNESS_FLOOR_DB)
    ref = float(np.percentile(loud, 95))
    above = np.flatnonzero(loud >= ref - 20.0)
    if len(above) and ref > LOUDNESS_FLOOR_DB:
        fade_in = float(above[0] * frame_s)
        fade_out = float(min(duration, (above[-1] + 1) * frame_s))
    else:
        fade_in, fade_out = 0.0, float(duration)

    f64 = lambda a: np.ascontiguousarray(a, dtype=np.float64)  # noqa: E731
    return Analysis(
        segments_start=f64(seg_start), segments_pitches=f64(seg_chroma),
        segments_timbre=f64(timbre), segments_loudness_max=f64(loud_max),
        segments_loudness_max_time=f64(loud_max_time),
        segments_loudness_start=f64(loud_start), segments_confidence=f64(seg_conf),
        beats_start=f64(beats), beats_confidence=f64(beats_conf),
        bars_start=f64(bars), bars_confidence=f64(bars_conf),
        tatums_start=f64(tatums), tatums_confidence=f64(tatums_conf),
        sections_start=f64(sections), sections_confidence=f64(sections_conf),
        key=int(key), key_confidence=float(key_conf), mode=int(mode),
        mode_confidence=float(mode_conf), tempo=float(tempo),
        time_signature=int(metre), time_signature_confidence=float(metre_conf),
        duration=float(duration), loudness=float(loudness),
        end_of_fade_in=fade_in, start_of_fade_out=fade_out, sample_rate=int(sr))
