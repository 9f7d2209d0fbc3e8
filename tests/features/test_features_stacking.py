"""Tests of mirnb.features.stacking: features stacked into one array of network inputs."""

import numpy as np
import soundfile as sf

from mirnb import features as F
from mirnb.datasets import Track


def test_extract_stacked_writes_a_memory_map_and_reports_skips(tmp_path):
    sr = 12000
    tracks = []
    for i in range(3):
        path = tmp_path / f"c{i}.wav"
        t = np.arange(sr) / sr
        sf.write(path, 0.3 * np.sin(2 * np.pi * (200 + 100 * i) * t), sr)
        tracks.append(Track(f"c{i}", path))
    tracks.append(Track("gone", tmp_path / "gone.wav"))
    X, ids, skipped = F.extract_stacked(
        tracks, "log_mel", sr=sr, path=tmp_path / "mel.npy", chunk_size=2, n_jobs=1,
        verbose=False, cache=False, n_fft=512, hop_length=256, n_mels=16)
    assert ids == ["c0", "c1", "c2"] and [s.track_id for s in skipped] == ["gone"]
    assert X.shape == (3, 16, 1 + sr // 256, 1)
    assert np.load(tmp_path / "mel.npy", mmap_mode="r").shape[0] == 4  # rows for every track
    W, _, report = F.extract_stacked(tracks[:2], F.waveform, sr=sr, n_frames=sr // 2,
                                     n_jobs=1, verbose=False, cache=False)
    assert W.shape == (2, sr // 2)
    np.testing.assert_allclose(W[1], 0.3 * np.sin(2 * np.pi * 300 * np.arange(sr // 2) / sr),
                               atol=1e-4)  # cropped, not resampled
    assert [(r.track_id, r.length) for r in report.resized] == [("c0", sr), ("c1", sr)]
