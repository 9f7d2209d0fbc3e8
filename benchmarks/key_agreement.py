"""Agreement of `mirnb.analysis` key estimates with the key the synthetic corpus rendered.

Renders clips from the synthetic world (``per_genre`` per genre, a fixed seed),
analyses each with :func:`mirnb.analysis.analyze`, and compares ``key`` / ``mode``
with the rendered tonic and mode. Writes benchmarks/results/key_agreement.json;
each run is stored under its ``--label`` so before / after runs sit side by side.
Not part of the tests.

    .venv/bin/python benchmarks/key_agreement.py --label after --seeds 0 1 2 3

Each seed is a different synthetic world (its own artists) with 5 clips of 20 s
per genre, 100 clips in all; runs are stored as ``<label>/seed<k>``. The
estimator's settings were chosen on seeds 0 and 1 (seed 2 was consulted once,
seed 3 not until the final run). Takes about a minute per seed on one core.

The rendered audio is cached under ``--cache`` (default /tmp/mirnb_key_agreement),
so that repeated runs only re-analyse.

Metrics (n tracks):

- ``tonic``: analysed key == rendered tonic (mode ignored, as Dieleman et al.'s
  12-class key task);
- ``tonic_mode``: tonic and mode both right;
- ``fifth``: analysed tonic a fifth above or below the rendered one;
- ``relative``: the relative major / minor of the rendered key (tonic and mode);
- ``parallel``: right tonic, wrong mode;
- ``mirex``: the MIREX key score, 1 right, 0.5 fifth (same mode), 0.3 relative,
  0.2 parallel, averaged;
- ``tonic_confident_half`` / ``tonic_other_half``: tonic agreement among the
  half of the tracks with the highest ``key_confidence`` / the other half;
- ``auc_confidence``: probability that a right track has a higher
  ``key_confidence`` than a wrong one (0.5: confidence tells nothing).

The ``notes/...`` rows run :func:`mirnb.analysis.estimate_key` on the score's own
pitch-class histogram (note durations times velocities, no audio): about what
Krumhansl-Schmuckler key finding can reach on this music.
"""

import argparse
import hashlib
import json
import platform
import time
from pathlib import Path

import numpy as np

SR = 22050


def render_set(seed=0, per_genre=5, seconds=20.0, cache=None, artists_per_genre=6):
    """Render ``per_genre`` clips of every genre; cached as .npz files.

    Returns a list of dicts with ``y``, ``key``, ``mode`` (1 major, 0 minor),
    ``notes`` (the score's pitch-class histogram: note duration times velocity),
    ``genre`` and ``name``.
    """
    from mirnb.synth import World, render
    from mirnb.synth.vocabulary import GENRES

    tag = hashlib.sha256(f"v2:{seed}:{per_genre}:{seconds}:{artists_per_genre}:{SR}".encode()
                         ).hexdigest()[:12]
    folder = Path(cache or "/tmp/mirnb_key_agreement") / tag
    folder.mkdir(parents=True, exist_ok=True)
    world = None
    out = []
    for g, genre in enumerate(GENRES):
        for i in range(per_genre):
            path = folder / f"{genre}_{i}.npz"
            if not path.exists():
                if world is None:
                    world = World(seed, artists_per_genre=artists_per_genre)
                artists = world.artists_of(genre)
                score = world.compose(artists[i % len(artists)],
                                      seed=1000 * seed + 37 * g + i, duration=seconds)
                y, labels = render(score, sr=SR)
                notes = np.zeros(12)
                for part in score.notes.values():
                    for n in part:
                        notes[n.pitch % 12] += n.duration * n.velocity
                tmp = path.with_suffix(".tmp.npz")
                np.savez(tmp, y=y, key=int(labels["key"]),
                         mode=int(labels["mode"] == "major"), notes=notes)
                tmp.replace(path)
            with np.load(path) as z:
                out.append({"y": z["y"], "key": int(z["key"]), "mode": int(z["mode"]),
                            "notes": z["notes"], "genre": genre, "name": path.stem})
    return out


def _auc(score, positive):
    """Mann-Whitney AUC of ``score`` separating ``positive`` from the rest (ties 1/2)."""
    pos, neg = score[positive], score[~positive]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    diff = pos[:, None] - neg[None, :]
    return float(((diff > 0) + 0.5 * (diff == 0)).mean())


def score(keys, modes, true_keys, true_modes, confidence):
    """The metrics of the module docstring, as a dict."""
    k, m = np.asarray(keys), np.asarray(modes)
    tk, tm = np.asarray(true_keys), np.asarray(true_modes)
    conf = np.asarray(confidence, dtype=float)
    d = (k - tk) % 12
    tonic = d == 0
    same_mode = m == tm
    fifth = (d == 7) | (d == 5)
    # relative: major key X -> minor X+9; minor X -> major X+3
    rel_shift = np.where(tm == 1, 9, 3)
    relative = (d == rel_shift) & ~same_mode
    parallel = tonic & ~same_mode
    mirex = (1.0 * (tonic & same_mode) + 0.5 * (fifth & same_mode) + 0.3 * relative
             + 0.2 * parallel)
    order = np.argsort(-conf, kind="stable")
    half = np.zeros(len(k), bool)
    half[order[: (len(k) + 1) // 2]] = True
    r = lambda x: round(float(np.mean(x)), 3) if len(x) else float("nan")  # noqa: E731
    return {"n": int(len(k)), "tonic": r(tonic), "tonic_mode": r(tonic & same_mode),
            "fifth": r(fifth), "relative": r(relative), "parallel": r(parallel),
            "mirex": r(mirex), "tonic_confident_half": r(tonic[half]),
            "tonic_other_half": r(tonic[~half]),
            "auc_confidence": round(_auc(conf, tonic), 3)}


def evaluate(tracks):
    """Analyse every track; return the metrics, per-genre tonic agreement and timings."""
    from mirnb.analysis import analyze

    analyze(tracks[0]["y"][:SR], sr=SR)            # compile numba once
    keys, modes, confs, secs = [], [], [], []
    for t in tracks:
        t0 = time.perf_counter()
        a = analyze(t["y"], sr=SR)
        secs.append(time.perf_counter() - t0)
        keys.append(a.key)
        modes.append(a.mode)
        confs.append(a.key_confidence)
    tk = [t["key"] for t in tracks]
    tm = [t["mode"] for t in tracks]
    result = score(keys, modes, tk, tm, confs)
    genres = {}
    for t, k in zip(tracks, keys):
        genres.setdefault(t["genre"], []).append(k == t["key"])
    result["by_genre_tonic"] = {g: round(float(np.mean(v)), 2) for g, v in genres.items()}
    result["analyze_s_per_track"] = round(float(np.mean(secs)), 3)
    return result


COLUMNS = ["n", "tonic", "tonic_mode", "fifth", "relative", "parallel", "mirex",
           "tonic_confident_half", "tonic_other_half", "auc_confidence"]


def table(runs):
    """The runs as a text table, with the mean over seeds of each label."""
    by_label = {}
    for name, res in runs.items():
        by_label.setdefault(name.split("/")[0], []).append(res)
    rows = dict(runs)
    for label, results in by_label.items():
        if len(results) > 1:
            rows[f"{label}/mean"] = {c: round(float(np.mean([r[c] for r in results])), 3)
                                     for c in COLUMNS}
            rows[f"{label}/mean"]["n"] = int(sum(r["n"] for r in results))
    heads = ["n", "tonic", "tonic+mode", "fifth", "relative", "parallel", "mirex",
             "conf. half", "other half", "AUC conf."]
    lines = [f"{'run':<14}" + "".join(f"{h:>11}" for h in heads)]
    for name in sorted(rows):
        lines.append(f"{name:<14}" + "".join(f"{rows[name][c]:>11}" for c in COLUMNS))
    return "\n".join(lines)


def evaluate_score(tracks):
    """Krumhansl-Schmuckler on the score's notes: what the profiles reach without audio."""
    from mirnb.analysis import estimate_key

    res = [estimate_key(t["notes"]) for t in tracks]
    return score([r[0] for r in res], [r[2] for r in res], [t["key"] for t in tracks],
                 [t["mode"] for t in tracks], [r[1] for r in res])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    p.add_argument("--per-genre", type=int, default=5)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--label", default="after")
    p.add_argument("--cache", default="/tmp/mirnb_key_agreement")
    p.add_argument("--out", default=str(Path(__file__).parent / "results" /
                                        "key_agreement.json"))
    args = p.parse_args()
    out = Path(args.out)
    old = json.loads(out.read_text()) if out.exists() else {}
    runs = old.setdefault("runs", {})
    for seed in args.seeds:
        tracks = render_set(seed, args.per_genre, args.seconds, args.cache)
        result = evaluate(tracks)
        result.update(seed=seed, per_genre=args.per_genre, seconds=args.seconds,
                      machine=platform.processor() or platform.machine())
        runs[f"{args.label}/seed{seed}"] = result
        runs[f"notes/seed{seed}"] = evaluate_score(tracks)
    old["table"] = table(runs).splitlines()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(old, indent=2) + "\n")
    print(table(runs))


if __name__ == "__main__":
    main()
