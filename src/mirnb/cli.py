"""The ``mirnb`` command.

::

    mirnb run [CHAPTER ...] --profile smoke|default|paper [-p NAME VALUE ...] [--jobs N] [--force]
    mirnb sweep CHAPTER -p NAME V1,V2,... [-p ...] --profile P [--jobs N] [--scheduler ADDRESS]
    mirnb book
    mirnb data synth [--profile smoke|default] [--views gtzan,mtat,msd] [--jobs N]
    mirnb data validate NAME [--synth PROFILE] [--data-home DIR]
    mirnb data info NAME [--synth PROFILE] [--data-home DIR]
    mirnb list
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
