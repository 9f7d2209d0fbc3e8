"""Compile librosa's numba kernels once, in one process, before parallel work.

librosa compiles its numba kernels on first use and caches them on disk.
When several processes compile the same ``guvectorize`` kernel at once, the
cache can end up with files from different processes, and every later
process that loads them crashes with a segmentation fault (numba issue
#10128, librosa issue #1998). mirnb therefore compiles the kernels it uses
in one process before it starts workers: ``make env`` does it after
installing, and :func:`mirnb.datasets.map_tracks` does it in the parent
process before spawning workers that use librosa.
"""

import functools

__all__ = ["librosa_kernels"]


@functools.cache
def librosa_kernels():
    """Run each librosa function mirnb uses once, for float32 and float64.

    The first call in a fresh environment takes about 20-30 s (compilation);
    later calls in new processes load the cache in a few seconds; repeated
    calls in one process return at once.
    """
    import numpy as np
    import librosa

    sr = 22050
    t = np.arange(sr * 2) / sr
    clicks = np.zeros_like(t)
    clicks[:: sr // 2] = 1.0
    for dtype in (np.float32, np.float64):
        y = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + clicks.cumsum() % 2) + clicks).astype(dtype)
        env = librosa.onset.onset_strength(y=y, sr=sr)
        librosa.onset.onset_detect(onset_envelope=env, sr=sr, backtrack=True)
        librosa.onset.onset_detect(y=y, sr=sr, units="time")
        librosa.beat.beat_track(onset_envelope=env, sr=sr)
        librosa.feature.mfcc(y=y, sr=sr)
        librosa.feature.chroma_stft(y=y, sr=sr)
        librosa.feature.chroma_cqt(y=y, sr=sr)
        librosa.feature.melspectrogram(y=y, sr=sr)
        librosa.feature.spectral_flatness(y=y)
        librosa.util.localmax(env)
    return True


if __name__ == "__main__":
    import time

    start = time.perf_counter()
    librosa_kernels()
    print(f"librosa kernels ready in {time.perf_counter() - start:.1f} s")
