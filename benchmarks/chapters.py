"""Time per chapter for each profile, through `mirnb run` (papermill).

Writes benchmarks/results/chapters.json. Not part of the tests. The
synthetic corpus is made first (and its time reported apart), so that the
chapter times do not include it.

    .venv/bin/python benchmarks/chapters.py [--profiles smoke default]
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from mirnb import run, synth


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--profiles", nargs="+", default=["smoke", "default"])
    p.add_argument("--data-home", default=None, help="reuse a corpus (default: the data home)")
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "chapters.json"))
    args = p.parse_args()
    result = {}
    for profile in args.profiles:
        start = time.perf_counter()
        synth.generate(profile if profile in synth.SIZES else "default",
                       data_home=args.data_home, verbose=False)
        corpus_s = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as out:
            params = {"data_home": args.data_home} if args.data_home else {}
            outcomes = run.run(profile=profile, parameters=params, output_dir=out,
                               progress=False)
        result[profile] = {"corpus_s": round(corpus_s, 1),
                           "chapters": {o.chapter: {"ok": o.ok, "seconds": round(o.seconds, 1)}
                                        for o in outcomes}}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
