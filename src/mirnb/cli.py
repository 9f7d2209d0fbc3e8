"""The ``mirnb`` command.

::

    mirnb run [CHAPTER ...] --profile smoke|default|paper [-p NAME VALUE ...] [--jobs N] [--force]
    mirnb sweep CHAPTER -p NAME V1,V2,... [-p ...] --profile P [--jobs N] [--scheduler ADDRESS]
    mirnb book
    mirnb data synth [--profile smoke|default] [--views gtzan,mtat,msd] [--jobs N]
    mirnb data validate NAME [--synth PROFILE] [--data-home DIR]
    mirnb data info NAME [--synth PROFILE] [--data-home DIR]
    mirnb list
    mirnb tag FILE_OR_FOLDER ... [--model CHAPTER/NAME] [--top-k K] [--format table|json|csv]
              [--taggram OUT.png] [--hop H] [--data-home DIR]
    mirnb models [--data-home DIR]

``mirnb tag --taggram out.png`` draws the taggram of a single file to
``out.png``; with several files it writes one PNG per file, named
``out-<n>-<file stem>.png`` (n = 1, 2, ... in the order of the output).
"""

import argparse
import sys

from .chapters import PROFILES
from .errors import MirnbError


def _jobs(text):
    """``--jobs``: an integer >= 1 (argparse reports the error in one line, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer; give 1 or more") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not >= 1; give the number of "
                                         "parallel processes, 1 or more")
    return value


def _parser():
    p = argparse.ArgumentParser(prog="mirnb", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="execute chapters with papermill")
    r.add_argument("chapters", nargs="*", help="chapter names (default: all)")
    r.add_argument("--profile", default="default", choices=list(PROFILES))
    r.add_argument("-p", "--parameter", nargs=2, action="append", default=[],
                   metavar=("NAME", "VALUE"), help="notebook parameter (repeatable)")
    r.add_argument("--jobs", type=_jobs, default=1, help="chapters run in parallel")
    r.add_argument("--output-dir", default=None, help="default: book/chapters")
    r.add_argument("--force", action="store_true",
                   help="execute even the chapters whose executed notebook is up to date")

    w = sub.add_parser("sweep", help="execute a chapter once per combination of parameters")
    w.add_argument("chapter", help="chapter name, e.g. choi2016")
    w.add_argument("-p", "--parameter", nargs=2, action="append", default=[], required=True,
                   metavar=("NAME", "VALUES"),
                   help="a parameter and its comma-separated values (repeatable)")
    w.add_argument("-f", "--fixed", nargs=2, action="append", default=[],
                   metavar=("NAME", "VALUE"), help="a parameter given to every run")
    w.add_argument("--profile", default="default", choices=list(PROFILES))
    w.add_argument("--jobs", type=_jobs, default=1, help="runs at a time in the local pool")
    w.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on this Dask distributed scheduler, e.g. tcp://host:8786")
    w.add_argument("--output-dir", default=None, help="default: build/sweeps/...")

    sub.add_parser("book", help="build the HTML book from executed chapters")
    sub.add_parser("list", help="list the chapters")

    t = sub.add_parser("tag", help="tag audio files (or name their genre) with a saved model")
    t.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER",
                   help="audio files, and folders whose audio files are all tagged")
    t.add_argument("--model", default="choi2016/fcn4", metavar="CHAPTER/NAME",
                   help="a saved model (see `mirnb models`; default: choi2016/fcn4)")
    t.add_argument("--top-k", type=int, default=5, help="labels shown per file (default 5)")
    t.add_argument("--format", default="table", choices=["table", "json", "csv"])
    t.add_argument("--taggram", default=None, metavar="OUT.png",
                   help="draw the taggram (scores over time) to this PNG; with several "
                        "files, one PNG per file: OUT-<n>-<file stem>.png")
    t.add_argument("--hop", type=float, default=0.5,
                   help="hop between windows, as a fraction of one window (default 0.5)")
    t.add_argument("--data-home", default=None)

    m = sub.add_parser("models", help="list the saved models")
    m.add_argument("--data-home", default=None)

    d = sub.add_parser("data", help="datasets: generate, validate, describe")
    dsub = d.add_subparsers(dest="data_command", required=True)
    s = dsub.add_parser("synth", help="generate the synthetic corpus (cached)")
    s.add_argument("--profile", default="default", choices=["smoke", "default"])
    s.add_argument("--views", default=None, help="comma-separated (default: all)")
    s.add_argument("--jobs", type=_jobs, default=None)
    s.add_argument("--data-home", default=None)
    s.add_argument("--force", action="store_true", help="regenerate even if cached")
    for name in ("validate", "info"):
        x = dsub.add_parser(name, help=f"{name} a dataset")
        x.add_argument("name", help="gtzan, mtat, msd, majorminer or ismir2004")
        x.add_argument("--synth", default=None, metavar="PROFILE",
                       help="use the synthetic view of this profile")
        x.add_argument("--data-home", default=None)
    return p


def _dataset(args):
    from . import datasets

    return datasets.load(args.name, data_home=args.data_home, synth=args.synth)


def _taggrams(results, out):
    """Draw the taggram of each result to a PNG; return the paths written."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import tagging

    out = Path(out)
    paths = [out] if len(results) == 1 else [
        out.with_name(f"{out.stem}-{i}-{Path(r.path).stem}{out.suffix or '.png'}")
        for i, r in enumerate(results, 1)]
    for r, path in zip(results, paths):
        ax = tagging.taggram(r)
        path.parent.mkdir(parents=True, exist_ok=True)
        ax.figure.savefig(path, bbox_inches="tight")
        plt.close(ax.figure)
    return paths


def main(argv=None):
    """Entry point of the ``mirnb`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            from . import run

            outcomes = run.run(args.chapters or None, profile=args.profile,
                               parameters=dict(args.parameter), jobs=args.jobs,
                               output_dir=args.output_dir, force=args.force)
            print(run.timing_table(outcomes))
            failed = [o for o in outcomes if not o.ok]
            for o in failed:
                print(o.error, file=sys.stderr)
            return 1 if failed else 0
        if args.command == "sweep":
            from . import sweep

            grid = {}
            for name, values in args.parameter:
                if name in grid:
                    print(f"mirnb: error: parameter {name!r} is given twice", file=sys.stderr)
                    return 2
                grid[name] = sweep.parse_values(values)
            result = sweep.sweep(args.chapter, grid, profile=args.profile,
                                 fixed=dict(args.fixed), jobs=args.jobs,
                                 scheduler=args.scheduler, output_dir=args.output_dir)
            for r in result.failed:
                print(f"FAILED {r.summary()}\n{r.error}", file=sys.stderr)
            print(f"table: {result.csv}")
            return 1 if result.failed else 0
        if args.command == "book":
            from . import run

            print(f"built {run.build_book()}")
            return 0
        if args.command == "tag":
            from . import tagging

            results = tagging.tag(args.paths, model=args.model, top_k=args.top_k,
                                  data_home=args.data_home, hop=args.hop)
            print(tagging.format_results(results, top_k=args.top_k, fmt=args.format))
            if args.taggram:
                for path in _taggrams(results, args.taggram):
                    print(f"taggram: {path}", file=sys.stderr)
            return 0
        if args.command == "models":
            from . import tagging

            table = tagging.list_models(args.data_home)
            if table.empty:
                print(f"{tagging.NO_MODELS} (none in {tagging.models_root(args.data_home)})")
            else:
                print(table.to_string(index=False))
            return 0
        if args.command == "list":
            from . import run

            for name, path in run.chapters().items():
                print(f"{name:12s} {path}")
            return 0
        if args.data_command == "synth":
            from . import synth

            views = args.views.split(",") if args.views else None
            info = synth.generate(args.profile, views=views, data_home=args.data_home,
                                  n_jobs=args.jobs, force=args.force)
            print(f"synthetic corpus ({args.profile}) at {info['root']}")
            for view, v in info["views"].items():
                print(f"  {view}: {v['n_tracks']} tracks, {v['seconds']:.0f} s to make")
            return 0
        ds = _dataset(args)
        if args.data_command == "validate":
            report = ds.validate(verbose=True)
            print(report)
            return 0 if report.ok else 1
        print(ds.info())
        return 0
    except MirnbError as err:
        print(f"mirnb: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
