"""How long ``make book`` takes from a fresh clone: cold, warm and unchanged.

Writes ``benchmarks/results/book_build.json``, which the book's appendix
("How long this book took to build") shows. Not run by the tests: at the
default profile on 2 cores it takes about an hour.

In a fresh ``git clone`` of the repository's ``HEAD``, with an empty data
home (no corpus, no feature cache) and no ``.venv``, it times three builds
one after another:

- ``cold``: ``make book``: the environment is installed, the synthetic corpus
  generated, the features extracted and every chapter executed;
- ``warm``: ``make book FORCE=1``: corpus and caches kept, every chapter
  executed again;
- ``unchanged``: ``make book``: nothing changed, so no chapter is executed.

For each it records the wall seconds of the whole ``make book`` and, per
chapter, the seconds of its execution (from the executed notebook's
``mirnb`` metadata) and whether this build executed it. Run nothing else
CPU-heavy meanwhile.

Usage::

    python benchmarks/book_build.py [--profile default] [--jobs 2] [--workdir DIR]
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

#: The targets of issue 14 (2 cores, default profile), in seconds.
TARGETS = {"cold": 40 * 60, "warm": 20 * 60, "unchanged": 2 * 60, "chapter": 6 * 60}

PHASES = (("cold", []), ("warm", ["FORCE=1"]), ("unchanged", []))


def chapter_times(chapters_dir, since):
    """``{chapter: {"seconds", "executed"}}`` from the executed notebooks.

    ``executed``: papermill finished it after ``since`` (an aware datetime),
    i.e. in the build being measured; otherwise it kept an earlier run.
    """
    out = {}
    for path in sorted(Path(chapters_dir).glob("[0-9][0-9]_*.ipynb")):
        meta = json.loads(path.read_text()).get("metadata", {})
        timings = (meta.get("mirnb") or {}).get("timings") or {}
        end = (meta.get("papermill") or {}).get("end_time")
        executed = bool(end) and datetime.fromisoformat(end) >= since
        out[path.stem] = {"seconds": timings.get("total"), "executed": executed,
                          "threads": timings.get("threads")}
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--workdir", default="/tmp/mirnb-book-build")
    parser.add_argument("--out", default=str(HERE / "results" / "book_build.json"))
    args = parser.parse_args(argv)

    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    clone, home = work / "clone", work / "home"
    home.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    commit = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"],
                            check=True, capture_output=True, text=True).stdout.strip()
    env = {k: v for k, v in os.environ.items()
           if k not in ("MIRNB_CACHE", "MIRNB_ROOT", "VIRTUAL_ENV")}
    env["MIRNB_DATA"] = str(home)
    phases = {}
    for name, extra in PHASES:
        since = datetime.now(timezone.utc)
        start = time.perf_counter()
        with open(work / f"{name}.log", "w") as log:
            rc = subprocess.run(["make", "book", f"PROFILE={args.profile}",
                                 f"JOBS={args.jobs}", *extra], cwd=clone, env=env,
                                stdout=log, stderr=subprocess.STDOUT).returncode
        wall = time.perf_counter() - start
        chapters = chapter_times(clone / "book" / "chapters", since)
        executed = {c: t["seconds"] for c, t in chapters.items() if t["executed"]}
        phases[name] = {"command": " ".join(["make book", *extra]), "rc": rc,
                        "wall_s": round(wall, 1), "target_s": TARGETS[name],
                        "met": rc == 0 and wall <= TARGETS[name],
                        "chapters_executed": len(executed),
                        "longest_chapter_s": max(executed.values(), default=None),
                        "chapters": chapters}
        print(f"{name:10s} rc {rc}  {wall / 60:6.1f} min  (target {TARGETS[name] / 60:.0f}); "
              f"{len(executed)} chapters executed", flush=True)
        if rc != 0:
            print(f"make book failed: see {work / (name + '.log')}", file=sys.stderr)
            break
    result = {
        "benchmark": "book_build", "commit": commit,
        "measured": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "profile": args.profile, "jobs": args.jobs,
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "note": "wall seconds of the whole `make book` in a fresh clone (cold: empty data "
                "home, no .venv); chapter seconds from the executed notebooks; "
                f"a chapter's target is {TARGETS['chapter']} s",
        "phases": phases}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")
    return 0 if all(p["rc"] == 0 for p in phases.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
