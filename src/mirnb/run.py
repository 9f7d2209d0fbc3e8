"""Execute the chapters: jupytext percent source -> notebook -> papermill.

Each chapter is ``notebooks/NN_<chapter>.py``. :func:`execute` converts it
with jupytext, runs it with papermill (parameters injected after the cell
tagged ``parameters``) and writes the executed notebook where the book
takes it from, ``book/chapters/``. :func:`run` does several chapters, in
parallel processes with ``jobs > 1``. :func:`build_book` publishes the
executed notebooks with Jupyter Book, which executes nothing itself.

Before a kernel starts, the parameters are checked against the literals of
the notebook's ``parameters`` cell (:func:`check_parameters`) and path
parameters are made absolute, since papermill runs the kernel in
``notebooks/``. A run executes into a staging file: only a successful run
replaces the executed notebook in ``book/chapters/``; a failed one is kept
in ``build/failed/`` and the previous executed notebook stays in place.
:func:`build_book` refuses executed notebooks that hold an error.

The executed notebook's metadata ``mirnb`` holds ``inputs``, a hash of all
its result depends on (:func:`inputs_hash`), and ``timings``, the seconds of
each phase of :mod:`mirnb.timing`. A chapter whose executed notebook ran
successfully from the same inputs is not executed again (unless forced);
:func:`timing_table` and the book's appendix page show where the time went.
"""

import ast
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import build_times, figure_audit, publish, timing
from .build_times import table as timing_table
from .chapters import PROFILES
from .errors import MirnbError, ParameterError

__all__ = ["PROFILES", "root", "chapters", "notebook_source", "declared_parameters",
           "check_parameters", "inputs_hash", "execute", "run", "timing_table",
           "TIMES_PAGE", "build_book", "executed_errors", "Outcome", "ChapterError"]

_NAME = re.compile(r"^(\d\d)_([a-z0-9_]+)\.py$")
_PACKAGE = Path(__file__).resolve().parent  # its code is an input of every chapter


class ChapterError(MirnbError):
    """A chapter failed to execute; the message names the cell and parameters."""


def root():
    """Return the repository root (the folder holding ``notebooks/`` and ``book/``).

    The ``MIRNB_ROOT`` environment variable wins; then the checkout this
    package was installed from (editable install); then the working
    directory.
    """
    env = os.environ.get("MIRNB_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parents[2]
    if (here / "notebooks").is_dir():
        return here
    return Path.cwd()


def chapters(notebooks_dir=None):
    """Return ``{chapter: source path}`` for every ``NN_<chapter>.py``, in order."""
    nb_dir = Path(notebooks_dir) if notebooks_dir else root() / "notebooks"
    found = sorted(p for p in nb_dir.glob("*.py") if _NAME.match(p.name))
    return {_NAME.match(p.name).group(2): p for p in found}


def notebook_source(chapter, notebooks_dir=None):
    """Return the percent-format source of ``chapter`` (name or ``NN_name``)."""
    known = chapters(notebooks_dir)
    name = chapter
    m = re.match(r"^\d\d_(.+?)(\.py)?$", chapter)
    if m:
        name = m.group(1)
    if name not in known:
        raise ParameterError(f"chapter={chapter!r}: no notebooks/NN_{name}.py; "
                             f"the chapters are {list(known)}")
    return known[name]


def _coerce(value):
    """Turn a command-line string into the literal it spells, else keep it."""
    import ast

    if not isinstance(value, str):
        return value
    low = value.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return value


@dataclass
class Outcome:
    """What happened to one chapter execution.

    ``timings`` is the record stored in the executed notebook (see
    :func:`execute`), None where there is none; ``unchanged`` says that the
    chapter was not executed because its executed notebook is up to date,
    and then ``timings`` are those of the run that made it.
    """

    chapter: str
    ok: bool
    output: Path
    seconds: float
    parameters: dict = field(default_factory=dict)
    error: str = ""
    timings: dict = None
    unchanged: bool = False

    def summary(self):
        """One line: chapter, state, time and output."""
        if self.unchanged:
            return f"{self.chapter}: unchanged, not executed -> {self.output}"
        state = "ok" if self.ok else "FAILED"
        return f"{self.chapter}: {state} in {self.seconds:.1f} s -> {self.output}"

    def __str__(self):
        return self.summary() if self.ok else f"{self.summary()}\n{self.error}"


_ANY = object()  # the default of a parameter is not a literal: any value is accepted
_PATH_NAMES = ("data_home", "results_path")
_PATH_SUFFIXES = ("_home", "_path", "_dir")


def _read(source):
    import jupytext

    return jupytext.read(source)


def _parameters_cell(nb, source):
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    raise ParameterError(f"{source} has no cell tagged 'parameters'; papermill "
                         "needs one (add '# %% tags=[\"parameters\"]').")


def _declared(nb, source):
    """``{name: default}`` of the assignments in the parameters cell of ``nb``."""
    cell = _parameters_cell(nb, source)
    # magics and shell lines are not Python; blank them, keeping line numbers
    text = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in cell.source.splitlines())
    try:
        tree = ast.parse(text)
    except SyntaxError as err:
        raise ParameterError(f"{source}: the cell tagged 'parameters' is not valid Python "
                             f"(line {err.lineno}: {err.msg}); it must hold only "
                             "assignments of literals") from None
    declared = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            targets = [t for t in stmt.targets if isinstance(t, ast.Name)]
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None \
                and isinstance(stmt.target, ast.Name):
            targets = [stmt.target]
        else:
            continue
        try:
            default = ast.literal_eval(stmt.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            default = _ANY
        for t in targets:
            declared[t.id] = default
    return declared


def declared_parameters(chapter):
    """Return the parameters of ``chapter`` and their defaults.

    The cell tagged ``parameters`` of the percent source is parsed with
    :mod:`ast`, without running it.

    Parameters
    ----------
    chapter : str
        Chapter name (``'data'``) or file stem (``'00_data'``).

    Returns
    -------
    dict
        Parameter name to its default value, in the order of the cell. A
        default that is not a literal is given as ``None`` (any value is
        accepted for it).

    Raises
    ------
    ParameterError
        The chapter is unknown, or has no valid cell tagged ``parameters``.
    """
    source = notebook_source(chapter)
    return {k: (None if v is _ANY else v)
            for k, v in _declared(_read(source), source).items()}


def _is_path_parameter(name):
    return name in _PATH_NAMES or name.endswith(_PATH_SUFFIXES)


def _absolute(value):
    """``value`` (str or path) made absolute against the working directory, as str."""
    return os.path.abspath(os.path.expanduser(os.fspath(value)))


def _type_name(default):
    if isinstance(default, bool):
        return "bool (True or False)"
    if isinstance(default, float):
        return "float"
    if isinstance(default, (list, tuple)):
        return "list"
    return type(default).__name__


def _accepts(default, value):
    """Whether ``value`` has the type of the literal ``default``."""
    if default is None or default is _ANY:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def _check(declared, source, parameters):
    """Coerce, type-check and resolve ``parameters`` against ``declared``."""
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ParameterError(f"{source.name} has no parameter(s) {unknown}; its "
                             f"parameters are {sorted(declared)}")
    checked = {}
    for name, raw in parameters.items():
        default = declared[name]
        value = _coerce(raw)
        if isinstance(raw, str) and isinstance(default, str) and not isinstance(value, str):
            value = raw  # `-p dataset 3` for a string parameter is the string '3'
        if _is_path_parameter(name) and isinstance(value, (str, os.PathLike)) \
                and os.fspath(value) != "":
            value = _absolute(value)
        if not _accepts(default, value):
            raise ParameterError(
                f"parameter {name} of {source.name}: expected {_type_name(default)} "
                f"(its default is {default!r}), got {value!r} ({type(value).__name__})")
        checked[name] = value
    return checked


def check_parameters(chapter, parameters):
    """Check parameters against the ``parameters`` cell of a chapter.

    Run before any kernel starts, so that a wrong parameter fails at once.

    Parameters
    ----------
    chapter : str
        Chapter name (``'data'``) or file stem (``'00_data'``).
    parameters : dict
        Name to value. A string is read as the Python literal it spells
        (``'3'`` is 3, ``'true'`` is True, ``'none'`` is None), except for a
        parameter whose default is a string, which keeps the string.

    Returns
    -------
    dict
        The values to inject. Path parameters (``data_home``,
        ``results_path`` and any name ending in ``_home``, ``_path`` or
        ``_dir``) given as a string are made absolute against the working
        directory, since the kernel runs in ``notebooks/``.

    Raises
    ------
    ParameterError
        A name is not a parameter of the notebook, or a value does not have
        the type of the parameter's default: bool, int, float (an int is
        accepted), str, list or dict. A parameter whose default is None (or
        not a literal) accepts any value.
    """
    source = notebook_source(chapter)
    return _check(_declared(_read(source), source), source, dict(parameters or {}))


#: A ``-W`` filter for the kernels: tqdm's "IProgress not found" (pooch, which
#: librosa loads, imports tqdm.auto; without ipywidgets its bars fall back to
#: text, as the book's do, and the warning names the venv's path on the page).
_QUIET = "ignore:IProgress not found"


@contextmanager
def _kernel_environment(timings, media, chapter):
    """The environment a kernel starts with, in ``notebooks/``, restored after.

    A relative ``MIRNB_DATA`` is made absolute, ``MIRNB_TIMINGS`` names
    the file ``timings`` that the kernel's phases are appended to,
    ``MIRNB_MEDIA`` the folder ``media`` beside the page (audio, CSV; see
    :mod:`mirnb.publish`) and ``MIRNB_CHAPTER`` the chapter
    (:data:`mirnb.figure_audit.CHAPTER_ENV`). ``PYTHONWARNINGS`` gains
    :data:`_QUIET`: warnings that say nothing about the chapter, which
    would otherwise open its page.
    """
    env = {timing.ENV: str(timings), publish.ENV: str(media), figure_audit.CHAPTER_ENV: chapter,
           "PYTHONWARNINGS": ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), _QUIET]))}
    value = os.environ.get("MIRNB_DATA")
    if value and not os.path.isabs(os.path.expanduser(value)):
        env["MIRNB_DATA"] = _absolute(value)
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _backend():
    return os.environ.get("KERAS_BACKEND", "tensorflow")  # Keras's own default


def inputs_hash(source, parameters, records=()):
    """A hash of everything an executed chapter depends on.

    Parameters
    ----------
    source : Path
        The chapter's percent source.
    parameters : dict
        The injected parameters, ``profile`` among them (as checked by
        :func:`check_parameters`).

    Returns
    -------
    str
        SHA-256 (hex) of the notebook text, every ``*.py`` of the ``mirnb``
        package (sorted paths and contents), the parameters, ``KERAS_BACKEND``
        and the synthetic corpus of the data home in use (the parameter
        ``data_home``, else ``MIRNB_DATA``, else ``~/mir_datasets``): the
        contents of its ``mirnb_synth/<profile>/manifest.json`` files, or
        the fact that there is none. Real datasets are not hashed.
    records : sequence of Path
        Other chapters' results files the chapter reads (the closing
        chapter's claims table): their contents are hashed too, so that it
        runs again when a chapter it reads has run again.
    """
    from .datasets.core import data_home

    h = hashlib.sha256()

    def add(label, data):
        h.update(label.encode() + b"\0" + data + b"\0")

    add("notebook", Path(source).read_bytes())
    for path in sorted(_PACKAGE.rglob("*.py")):
        add(path.relative_to(_PACKAGE).as_posix(), path.read_bytes())
    add("parameters", json.dumps(parameters, sort_keys=True, default=str).encode())
    add("backend", _backend().encode())
    manifests = sorted((data_home(parameters.get("data_home")) / "mirnb_synth")
                       .glob("*/manifest.json"))
    for path in manifests:
        add(f"corpus {path.parent.name}", path.read_bytes())
    if not manifests:
        add("corpus", b"none")
    for path in sorted(records):
        add(f"records {Path(path).name}", Path(path).read_bytes())
    return h.hexdigest()


def _metadata(path):
    """The metadata of a notebook ({} if there is none or it is unreadable)."""
    try:
        meta = json.loads(Path(path).read_text())["metadata"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _timings(phases, seconds, profile):
    """The record of one run: seconds per phase, ``other`` and ``total``, and the machine."""
    phases = {k: round(v, 3) for k, v in phases.items()}
    return {"seconds": {**phases, "other": round(max(seconds - sum(phases.values()), 0.0), 3)},
            "total": round(seconds, 3), "profile": profile, "backend": _backend(),
            "cpus": os.cpu_count(),
            "threads": int(os.environ.get("TF_NUM_INTRAOP_THREADS") or os.cpu_count() or 1),
            "machine": platform.machine(),
            "platform": platform.platform(), "python": platform.python_version()}


def _annotate(path, inputs, timings):
    """Store ``inputs`` and ``timings`` in the metadata ``mirnb`` of a notebook,
    and tidy it for the page (:func:`mirnb.publish.tidy`)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["mirnb"] = {"inputs": inputs, "timings": timings}
    publish.tidy(nb)
    nbformat.write(nb, str(path))


def _move(src, dst):
    """Move ``src`` onto ``dst``, atomically where both are on one file system."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dst)
    except OSError:
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
        os.unlink(src)
    return dst


def _failed_name(failed_dir, stem):
    """A new ``<stem>-<YYYYmmdd-HHMMSS>[-k].ipynb`` in ``failed_dir``."""
    failed_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for k in range(1000):
        path = failed_dir / (f"{stem}-{stamp}" + (f"-{k}" if k else "") + ".ipynb")
        try:
            with open(path, "x"):  # claim the name, even against other processes
                return path
        except FileExistsError:
            continue
    raise ChapterError(f"cannot name a failed run of {stem} in {failed_dir}; "
                       "clean the folder")


def execute(chapter, *, profile="default", parameters=None, output_dir=None,
            build_dir=None, kernel_name="python3", progress=True, raise_error=True,
            failed_path=None, force=False):
    """Execute one chapter with papermill, unless its executed notebook is up to date.

    The notebook executes into a staging file next to the converted one.
    Only a successful run replaces ``<output_dir>/NN_<chapter>.ipynb``; a
    failed run is kept at ``failed_path`` and the previous executed notebook
    stays as it was.

    The executed notebook's metadata ``mirnb`` holds ``inputs``
    (:func:`inputs_hash`) and ``timings``: ``seconds`` per phase of
    :data:`mirnb.timing.PHASES` and ``other`` (time in no phase: kernel
    start, plots, ...), ``total`` wall seconds, ``profile``, ``backend``
    (``KERAS_BACKEND``), ``cpus``, ``machine``, ``platform`` and
    ``python``. When the executed notebook ran successfully from
    the same inputs, no kernel starts.

    Parameters
    ----------
    chapter : str
        Chapter name (``'data'``) or file stem (``'00_data'``).
    profile : {'smoke', 'default', 'paper'}
        Injected as the ``profile`` parameter.
    parameters : dict, optional
        More parameters; each name must exist in the notebook's
        ``parameters`` cell and each value must have the type of its
        default (see :func:`check_parameters`). Relative path parameters
        are made absolute against the working directory.
    output_dir : Path, optional
        Where the executed notebook goes; default ``book/chapters``.
    build_dir : Path, optional
        Where the converted, unexecuted notebook goes; default ``build/notebooks``.
    kernel_name : str
    progress : bool
        Show papermill's per-cell progress bar.
    raise_error : bool
        Raise :class:`ChapterError` on failure (else return the Outcome).
    failed_path : Path, optional
        Where the notebook of a failed run goes. Default
        ``build/failed/NN_<chapter>-<time>.ipynb``, or
        ``<build_dir>/failed/...`` when ``build_dir`` is given.
    force : bool
        Execute even when the executed notebook is up to date.

    Returns
    -------
    Outcome
        ``output`` is the executed notebook, or the failed one; ``timings``
        as stored (or, for a failed run, as measured); ``unchanged`` when
        nothing was executed.

    Raises
    ------
    ParameterError
        Unknown chapter or profile, unknown parameter or a value of the
        wrong type (before any kernel starts).
    ChapterError
        The notebook failed, with ``raise_error=True``.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    if profile not in PROFILES:
        raise ParameterError(f"profile={profile!r}: expected one of {list(PROFILES)}")
    source = notebook_source(chapter)
    base = root()
    output_dir = Path(output_dir) if output_dir else base / "book" / "chapters"
    failed_dir = (Path(build_dir) / "failed") if build_dir else base / "build" / "failed"
    build_dir = Path(build_dir) if build_dir else base / "build" / "notebooks"
    nb = _read(source)
    params = _check(_declared(nb, source), source,
                    {"profile": profile, **(parameters or {})})
    name = _NAME.match(source.name).group(2)
    output = output_dir / (source.stem + ".ipynb")
    # the closing chapter reads the other chapters' results beside their pages
    records = (sorted((output_dir / "media").glob("*_results.csv")) if name in _READS_RECORDS
               else ())
    records = [p for p in records if not p.name.startswith("comparison_")]
    inputs = inputs_hash(source, params, records)
    old = _metadata(output).get("mirnb") or {}
    if not force and old.get("inputs") == inputs and not executed_errors(output):
        return Outcome(name, True, output, 0.0, params, timings=old.get("timings"),
                       unchanged=True)

    import jupytext

    build_dir.mkdir(parents=True, exist_ok=True)
    input_path = build_dir / (source.stem + ".ipynb")
    jupytext.write(nb, input_path)
    output_dir.mkdir(parents=True, exist_ok=True)
    run_id = f"{os.getpid()}-{time.time_ns()}"
    staging = build_dir / f"{source.stem}.running-{run_id}.ipynb"
    phases = build_dir / f"{source.stem}.timings-{run_id}.jsonl"
    start = time.perf_counter()
    error = ""
    try:
        with _kernel_environment(phases, output_dir / "media", name):
            pm.execute_notebook(str(input_path), str(staging), parameters=params,
                                kernel_name=kernel_name, progress_bar=progress,
                                cwd=str(source.parent))
    except PapermillExecutionError as err:
        error = (f"{source.name} failed in cell {err.cell_index} (execution count "
                 f"{err.exec_count}) with parameters {params}:\n"
                 f"  {err.ename}: {err.evalue}")
    except Exception as err:  # e.g. the kernel died or could not start
        error = (f"{source.name} failed with parameters {params}:\n"
                 f"  {type(err).__name__}: {err}")
    except BaseException:  # interrupted: keep what ran, leave the good notebook alone
        phases.unlink(missing_ok=True)
        if staging.exists():
            _move(staging, failed_path or _failed_name(failed_dir, source.stem))
        raise
    seconds = time.perf_counter() - start
    timings = _timings(timing.read(phases), seconds, profile)
    phases.unlink(missing_ok=True)
    if error:
        previous = (f"the previous executed notebook {output} is unchanged"
                    if output.exists() else f"nothing was written to {output}")
        if staging.exists():
            kept = _move(staging, failed_path or _failed_name(failed_dir, source.stem))
            error += f"\nThe partial notebook is kept in {kept}; {previous}."
        else:
            kept = output
            error += f"\nNo notebook was written; {previous}."
        outcome = Outcome(name, False, kept, seconds, params, error, timings)
    else:
        _annotate(staging, inputs, timings)
        _move(staging, output)
        outcome = Outcome(name, True, output, seconds, params, timings=timings)
    if error and raise_error:
        raise ChapterError(error)
    return outcome


#: Chapters that read the other chapters' results: :func:`run` starts them
#: after the others have finished.
_READS_RECORDS = ("comparison",)

#: The thread-count variables of TensorFlow, OpenMP and the BLAS libraries.
_THREAD_VARS = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS",
                "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _expected_seconds(names, output_dir, profile):
    """How long each chapter is expected to take at ``profile``, to start the longest first.

    The seconds of its last recorded run in ``output_dir``; else, in a fresh
    clone, its seconds in the warm build of the last
    ``benchmarks/book_build.py`` record (same profile); else inf (run first).
    """
    output_dir = Path(output_dir) if output_dir else root() / "book" / "chapters"
    measured = _build_benchmark() or {}
    warm = (((measured.get("phases") or {}).get("warm") or {}).get("chapters") or {}
            if measured.get("profile") == profile else {})
    out = {}
    for n in names:
        stem = notebook_source(n).stem
        timings = (_metadata(output_dir / (stem + ".ipynb")).get("mirnb") or {}).get("timings")
        total = (timings or {}).get("total")
        if total and (timings or {}).get("profile") == profile:
            out[n] = float(total)
        else:
            out[n] = float((warm.get(stem) or {}).get("seconds") or math.inf)
    return out


def _execute_quiet(chapter, kwargs, threads):
    # one worker process per chapter: its kernels inherit these variables
    os.environ.update({k: str(threads) for k in _THREAD_VARS})
    return execute(chapter, raise_error=False, progress=False, **kwargs)


def run(chapter_names=None, *, profile="default", parameters=None, jobs=1,
        output_dir=None, progress=True, force=False):
    """Execute several chapters (all by default), ``jobs`` at a time.

    Every chapter's parameters are checked (:func:`check_parameters`)
    before the first kernel starts. A chapter whose executed notebook is
    up to date is not executed again, unless ``force`` (see :func:`execute`).

    With ``jobs > 1`` each kernel gets its share of the cores (TensorFlow's,
    OpenMP's and the BLAS's thread counts: the cores // ``jobs``, at least
    one), so that parallel chapters do not fight over them; a chapter
    that reads the others' results (the comparison) starts once they have
    finished.

    Returns
    -------
    list of Outcome
        One per chapter, in the order given; failures do not stop the others.

    Raises
    ------
    ParameterError
        An unknown chapter, profile or parameter, a value of the wrong type,
        or ``jobs`` < 1.
    """
    names = list(chapter_names) if chapter_names else list(chapters())
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ParameterError(f"jobs={jobs!r}: expected an integer >= 1")
    if profile not in PROFILES:
        raise ParameterError(f"profile={profile!r}: expected one of {list(PROFILES)}")
    for n in names:  # fail early on an unknown name or a wrong parameter
        check_parameters(n, {"profile": profile, **(parameters or {})})
    kwargs = dict(profile=profile, parameters=parameters, output_dir=output_dir, force=force)
    if jobs == 1 or len(names) == 1:
        outcomes = []
        for n in names:
            print(f"[mirnb run] {n} (profile={profile})", flush=True)
            outcomes.append(execute(n, raise_error=False, progress=progress, **kwargs))
            print(f"[mirnb run] {outcomes[-1].summary()}", flush=True)
        return outcomes
    done = {}
    # the longest first (by the last run's seconds, or the last measured build's),
    # so that the last chapter to finish does not run on its own for long
    expected = _expected_seconds(names, output_dir, profile)
    first = sorted((n for n in names if n not in _READS_RECORDS), key=lambda n: -expected[n])
    later = [n for n in names if n in _READS_RECORDS]
    print(f"[mirnb run] {len(names)} chapters, {jobs} at a time"
          + (f"; {', '.join(later)} after the others" if later and first else ""), flush=True)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for group in (first, later):
            threads = max(1, (os.cpu_count() or 1) // min(jobs, max(1, len(group))))
            futures = {pool.submit(_execute_quiet, n, kwargs, threads): n for n in group}
            for fut in as_completed(futures):
                outcome = fut.result()
                done[futures[fut]] = outcome
                print(f"[mirnb run] {len(done)}/{len(names)} {outcome.summary()}", flush=True)
    return [done[n] for n in names]


#: The appendix page that :func:`build_book` writes (listed in ``_toc.yml``).
TIMES_PAGE = "chapters/build_times"

#: What ``benchmarks/book_build.py`` writes, relative to the checkout.
BUILD_BENCHMARK = Path("benchmarks") / "results" / "book_build.json"


def _toc_chapters(book_dir):
    toc = (book_dir / "_toc.yml").read_text()
    return [c for c in re.findall(r"file:\s*(chapters/[\w.-]+)", toc) if c != TIMES_PAGE]


def _build_benchmark():
    """The last ``benchmarks/book_build.py`` record (a dict), or None."""
    try:
        measured = json.loads((root() / BUILD_BENCHMARK).read_text())
    except (OSError, ValueError):
        return None
    return measured if isinstance(measured, dict) else None


def _times_page(book_dir):
    """Markdown of the appendix page, from the executed notebooks' metadata and the
    last ``benchmarks/book_build.py`` record (:func:`mirnb.build_times.page`)."""
    measured = _build_benchmark()
    return build_times.page([(Path(c).name, _metadata(book_dir / (c + ".ipynb")))
                             for c in _toc_chapters(book_dir)], measured)


def executed_errors(path):
    """The errors an executed notebook holds: empty for a successful run.

    Parameters
    ----------
    path : Path
        An executed ``.ipynb``.

    Returns
    -------
    list of str
        One line per error output (``'cell 3: ValueError: ...'``), or per
        mark papermill leaves on a failed run (its exception metadata and
        error banner). Error outputs of cells tagged ``raises-exception``
        are intended and not counted, nor is ``SystemExit(0)``.
    """
    try:
        nb = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        return [f"unreadable notebook ({type(err).__name__}: {err})"]
    found = []
    if (nb.get("metadata", {}).get("papermill") or {}).get("exception"):
        found.append("papermill recorded an exception")
    for i, cell in enumerate(nb.get("cells", [])):
        meta = cell.get("metadata", {})
        tags = meta.get("tags", [])
        if "papermill-error-cell-tag" in tags and not found:
            found.append("papermill's error banner")
        if "raises-exception" in tags:
            continue
        if (meta.get("papermill") or {}).get("exception") is True \
                and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            found.append(f"cell {i}: papermill recorded an exception")
        for o in cell.get("outputs", []) or []:
            if o.get("output_type") != "error":
                continue
            if o.get("ename") == "SystemExit" and o.get("evalue") in ("", "0"):
                continue
            found.append(f"cell {i}: {o.get('ename')}: {o.get('evalue')}")
    return found


def _recorded_profile(path):
    try:
        nb = json.loads(Path(path).read_text())
        profile = nb["metadata"]["papermill"]["parameters"]["profile"]
    except (OSError, ValueError, KeyError, TypeError):
        return "PROFILE"
    return profile if profile in PROFILES else "PROFILE"


def build_book(book_dir=None, *, builder="html", quiet=True):
    """Build the book from the executed notebooks (Jupyter Book 1, no execution).

    First writes the appendix page :data:`TIMES_PAGE` (``.md``) from the
    executed notebooks' timings; a chapter without them shows ``not
    recorded``. After the build, copies the chapters' media folder
    (``chapters/media``: audio clips and CSV files, :mod:`mirnb.publish`)
    beside the pages.

    Raises
    ------
    ChapterError
        A chapter listed in ``_toc.yml`` has no executed notebook, or one
        that holds an error (a failed run, see :func:`executed_errors`), or
        the build failed.

    Returns
    -------
    Path
        ``book/_build/html/index.html``.
    """
    book_dir = Path(book_dir) if book_dir else root() / "book"
    missing = [c for c in _toc_chapters(book_dir)
               if not (book_dir / (c + ".ipynb")).is_file()]
    if missing:
        raise ChapterError(f"no executed notebook for {missing} in {book_dir}; run "
                           "`mirnb run --profile default` (or `make notebooks`) first")
    broken = []
    for c in _toc_chapters(book_dir):
        path = book_dir / (c + ".ipynb")
        errors = executed_errors(path)
        if errors:
            stem = Path(c).name
            m = re.match(r"^\d\d_(.+)$", stem)
            name = m.group(1) if m else stem
            broken.append(f"  {path} (chapter {name}): {errors[0]}; re-run it with "
                          f"`mirnb run {name} --profile {_recorded_profile(path)}` "
                          "until it succeeds, or delete it")
    if broken:
        raise ChapterError("executed notebooks that hold errors cannot be published:\n"
                           + "\n".join(broken))
    page = book_dir / (TIMES_PAGE + ".md")
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(_times_page(book_dir))
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe), "build", str(book_dir), "--builder", builder]
    if quiet:
        cmd.append("--quiet")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ChapterError(f"jupyter-book build failed ({' '.join(cmd)}):\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    media = book_dir / "chapters" / "media"  # the pages' audio and CSV files
    if media.is_dir():
        shutil.copytree(media, book_dir / "_build" / builder / "chapters" / "media",
                        dirs_exist_ok=True)
    return book_dir / "_build" / builder / "index.html"
