"""Calibrate the synthetic corpus: simple baselines must land between chance and perfect.

Generates (or reuses) the synthetic corpus of ``--profile`` and runs
:func:`mirnb.synth.calibrate` on it, the same calibration chapter 0 prints:

- genre and artist: MFCC (20) mean and standard deviation per clip,
  standardised, logistic regression, stratified 50/50 split of the GTZAN view;
- key (24 classes, tonic x mode): chroma statistics, same model and split;
- tags: the same MFCC statistics on the MagnaTagATune view, one logistic
  regression per tag, folder split, AUC-T against the noisy tags (and,
  in ``extra``, against the true ones).

Each accuracy is the mean over ``--splits`` random splits (with the
standard deviation); the tag split is fixed. Writes the records to JSON.
The render speed is measured by ``benchmarks/synth.py``. Usage::

    python benchmarks/calibrate_synth.py --profile default --splits 5
"""

import argparse
import json
import os
import platform
import time
from pathlib import Path

from mirnb import synth


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default", choices=list(synth.SIZES),
                        help="corpus profile (default 'default')")
    parser.add_argument("--splits", type=int, default=5,
                        help="random splits to average (seeds 0..splits-1; default 5)")
    parser.add_argument("--data-home", default=None,
                        help="data home of the corpus (default $MIRNB_DATA or ~/mir_datasets)")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "calibrate_synth.json"))
    args = parser.parse_args(argv)

    start = time.perf_counter()
    results = synth.calibrate(args.profile, seed=list(range(args.splits)),
                              data_home=args.data_home, n_jobs=args.n_jobs,
                              chapter="benchmark", verbose=False)
    wall = time.perf_counter() - start
    out = {
        "what": "simple baselines on the synthetic corpus (mirnb.synth.calibrate)",
        "settings": {**vars(args), "out": os.path.relpath(args.out, Path(__file__).parent.parent)},
        "results": [r.to_dict() for r in results],
        "wall_s": round(wall, 1),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(synth.calibration_table(results)[["Method", "Metric", "Ours", "Chance",
                                            "Classes / tags", "Left out"]].to_string())
    print(f"wall {wall:.0f} s (features included); wrote {path}")
    return out


if __name__ == "__main__":
    main()
