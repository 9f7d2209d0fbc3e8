"""Speed of the synthetic corpus: seconds of audio made per second of wall time.

Writes benchmarks/results/synth.json. Not part of the tests.

    .venv/bin/python benchmarks/synth.py [--profile smoke] [--jobs 2]
"""

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from mirnb import synth


def render_speed(n=12, seconds=10.0, sr=22050):
    """Single-process render speed, seconds of audio per second."""
    world = synth.World(0)
    synth.render(world.compose(world.artists[0], seed=0, duration=1.0), sr=sr)
    start = time.perf_counter()
    for i in range(n):
        artist = world.artists[(7 * i) % len(world.artists)]
        synth.render(world.compose(artist, seed=i, duration=seconds), sr=sr)
    return n * seconds / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--profile", default="smoke", choices=list(synth.SIZES))
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "synth.json"))
    args = p.parse_args()
    result = {"machine": platform.processor() or platform.machine(), "profile": args.profile,
              "jobs": args.jobs, "render_audio_s_per_s_one_core": round(render_speed(), 1),
              "views": {}}
    with tempfile.TemporaryDirectory() as home:
        manifest = synth.generate(args.profile, data_home=home, n_jobs=args.jobs)
        for view, entry in manifest["views"].items():
            params = entry["params"]
            n_audio = entry["n_tracks"] * params["seconds"]
            result["views"][view] = {
                "tracks": entry["n_tracks"], "wall_s": entry["seconds"],
                "audio_s": n_audio, "audio_s_per_s": round(n_audio / entry["seconds"], 1)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
