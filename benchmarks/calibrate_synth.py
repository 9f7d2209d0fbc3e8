"""Calibrate the synthetic corpus: simple baselines must land between chance and perfect.

Renders a GTZAN-sized slice of the synthetic world (the ten GTZAN genres,
``--per-genre`` clips each, six artists per genre), computes four simple
baselines with librosa and scikit-learn, and writes them with the render
speed to JSON:

- genre: MFCC (20) mean and standard deviation per clip, standardised,
  logistic regression, stratified 50/50 split;
- artist: the same features and model over the same clips, split 50/50
  stratified by artist;
- key (24 classes, tonic x mode): chroma (``librosa.feature.chroma_stft``)
  mean per clip, logistic regression;
- tags: crowd-noised tags (:func:`mirnb.compose.noisy_tags`) as labels, one
  logistic regression per tag on the MFCC features, ROC-AUC averaged over
  tags with at least 3 positives in both halves (scored against the noisy
  test tags, and against the true ones).

Each number is the mean over ``--splits`` random splits (with the standard
deviation). Usage::

    python benchmarks/calibrate_synth.py --per-genre 24 --duration 10
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from mirnb import compose


def _clip(job):
    """Render one clip and compute its features (runs in a worker)."""
    import librosa

    world = compose.World(job["seed"], artists_per_genre=job["artists_per_genre"],
                          genres=compose.GTZAN_GENRES)
    artist = world.artist(job["artist_id"])
    t0 = time.perf_counter()
    score = world.compose(artist, seed=job["clip_seed"], duration=job["duration"])
    t1 = time.perf_counter()
    y, labels = compose.render(score, sr=job["sr"])
    t2 = time.perf_counter()
    mfcc = librosa.feature.mfcc(y=y, sr=job["sr"], n_mfcc=20)
    chroma = librosa.feature.chroma_stft(y=y, sr=job["sr"])
    rng = np.random.default_rng([job["seed"], job["clip_seed"], 77])
    return {
        "mfcc": np.concatenate([mfcc.mean(axis=1), mfcc.std(axis=1)]),
        "chroma": chroma.mean(axis=1),
        "genre": labels["genre"], "artist_id": labels["artist_id"],
        "key24": f"{labels['key']}-{labels['mode']}", "tags": labels["tags"],
        "noisy": compose.noisy_tags(labels["tags"], rng=rng),
        "compose_s": t1 - t0, "render_s": t2 - t1,
    }


def _split(y, seed):
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    return train_test_split(idx, test_size=0.5, stratify=y, random_state=seed)


def _logreg():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000, C=1.0))


def _accuracy(X, y, strat, seed):
    tr, te = _split(strat, seed)
    model = _logreg().fit(X[tr], y[tr])
    return float(np.mean(model.predict(X[te]) == y[te]))


def _tag_auc(X, noisy, true, strat, seed, vocabulary):
    from sklearn.metrics import roc_auc_score

    tr, te = _split(strat, seed)
    Yn = np.array([[t in row for t in vocabulary] for row in noisy], dtype=int)
    Yt = np.array([[t in row for t in vocabulary] for row in true], dtype=int)
    auc_noisy, auc_true, used = [], [], []
    for j, tag in enumerate(vocabulary):
        ytr, yte = Yn[tr, j], Yn[te, j]
        if ytr.sum() < 3 or yte.sum() < 3 or ytr.sum() == len(tr) or yte.sum() == len(te):
            continue
        p = _logreg().fit(X[tr], ytr).predict_proba(X[te])[:, 1]
        auc_noisy.append(roc_auc_score(yte, p))
        if 0 < Yt[te, j].sum() < len(te):
            auc_true.append(roc_auc_score(Yt[te, j], p))
        used.append(tag)
    return float(np.mean(auc_noisy)), float(np.mean(auc_true)), used


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="world seed (default 0)")
    parser.add_argument("--per-genre", type=int, default=24, help="clips per genre (default 24)")
    parser.add_argument("--duration", type=float, default=10.0, help="clip length in s (default 10)")
    parser.add_argument("--sr", type=int, default=22050, help="sample rate (default 22050)")
    parser.add_argument("--artists-per-genre", type=int, default=6)
    parser.add_argument("--splits", type=int, default=5, help="random splits to average (default 5)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "calibrate_synth.json"))
    args = parser.parse_args(argv)

    from joblib import Parallel, delayed

    world = compose.World(args.seed, artists_per_genre=args.artists_per_genre,
                          genres=compose.GTZAN_GENRES)
    jobs = []
    for genre in compose.GTZAN_GENRES:
        artists = world.artists_of(genre)
        for i in range(args.per_genre):
            jobs.append({"seed": args.seed, "artists_per_genre": args.artists_per_genre,
                         "artist_id": artists[i % len(artists)].artist_id, "clip_seed": 1000 + i,
                         "duration": args.duration, "sr": args.sr})
    start = time.perf_counter()
    rows = Parallel(n_jobs=args.n_jobs, batch_size=4)(delayed(_clip)(j) for j in jobs)
    wall = time.perf_counter() - start

    X = np.array([r["mfcc"] for r in rows])
    C = np.array([r["chroma"] for r in rows])
    genre = np.array([r["genre"] for r in rows])
    artist = np.array([r["artist_id"] for r in rows])
    key = np.array([r["key24"] for r in rows])
    seeds = range(args.splits)

    def summary(values):
        return {"mean": float(np.mean(values)), "sd": float(np.std(values)), "splits": list(values)}

    results = {
        "genre_accuracy": summary([_accuracy(X, genre, genre, s) for s in seeds]),
        "artist_accuracy": summary([_accuracy(X, artist, artist, s) for s in seeds]),
        "key_accuracy": summary([_accuracy(C, key, genre, s) for s in seeds]),
    }
    tag_runs = [_tag_auc(X, [r["noisy"] for r in rows], [r["tags"] for r in rows], genre, s,
                         compose.TAGS) for s in seeds]
    results["tag_auc_noisy"] = summary([t[0] for t in tag_runs])
    results["tag_auc_true"] = summary([t[1] for t in tag_runs])
    results["tags_scored"] = tag_runs[0][2]
    render_s = np.array([r["render_s"] for r in rows])
    compose_s = np.array([r["compose_s"] for r in rows])
    out = {
        "what": "simple baselines on the synthetic corpus (mirnb.compose), GTZAN genres",
        "settings": {**vars(args), "out": os.path.relpath(args.out, Path(__file__).parent.parent),
                     "n_clips": len(rows), "n_artists": len(set(artist)),
                     "n_keys_present": len(set(key))},
        "chance": {"genre": 1 / len(compose.GTZAN_GENRES), "artist": 1 / len(set(artist)),
                   "key": float(max(np.mean(key == k) for k in set(key)))},
        "results": results,
        "speed": {"render_s_mean": float(render_s.mean()), "render_s_p95": float(np.percentile(render_s, 95)),
                  "compose_s_mean": float(compose_s.mean()),
                  "realtime_factor": float(args.duration / render_s.mean()),
                  "wall_s": wall, "n_jobs": args.n_jobs},
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    for name, r in results.items():
        if isinstance(r, dict):
            print(f"{name:16s} {r['mean']:.3f} +- {r['sd']:.3f}")
    print(f"render {render_s.mean() * 1000:.0f} ms per {args.duration:g} s clip "
          f"({args.duration / render_s.mean():.0f}x real time); wall {wall:.0f} s; wrote {path}")
    return out


if __name__ == "__main__":
    main()
