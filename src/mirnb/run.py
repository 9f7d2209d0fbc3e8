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
"""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .chapters import PROFILES
from .errors import MirnbError, ParameterError

__all__ = ["PROFILES", "root", "chapters", "notebook_source", "declared_parameters",
           "check_parameters", "execute", "run", "build_book", "executed_errors",
           "Outcome", "ChapterError"]

_NAME = re.compile(r"^(\d\d)_([a-z0-9_]+)\.py$")


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
    """What happened to one chapter execution."""

    chapter: str
    ok: bool
    output: Path
    seconds: float
    parameters: dict = field(default_factory=dict)
    error: str = ""

    def summary(self):
        """One line: chapter, state, time and output."""
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


@contextmanager
def _kernel_environment():
    """Make a relative ``MIRNB_DATA`` absolute while a kernel is started in ``notebooks/``."""
    value = os.environ.get("MIRNB_DATA")
    if not value or os.path.isabs(os.path.expanduser(value)):
        yield
        return
    os.environ["MIRNB_DATA"] = _absolute(value)
    try:
        yield
    finally:
        os.environ["MIRNB_DATA"] = value


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
            failed_path=None):
    """Execute one chapter with papermill.

    The notebook executes into a staging file next to the converted one.
    Only a successful run replaces ``<output_dir>/NN_<chapter>.ipynb``; a
    failed run is kept at ``failed_path`` and the previous executed notebook
    stays as it was.

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

    Returns
    -------
    Outcome
        ``output`` is the executed notebook, or the failed one.

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

    import jupytext

    build_dir.mkdir(parents=True, exist_ok=True)
    input_path = build_dir / (source.stem + ".ipynb")
    jupytext.write(nb, input_path)
    output_dir.mkdir(parents=True, exist_ok=True)
    output = output_dir / input_path.name
    staging = build_dir / f"{source.stem}.running-{os.getpid()}-{time.time_ns()}.ipynb"
    name = _NAME.match(source.name).group(2)
    start = time.perf_counter()
    error = ""
    try:
        with _kernel_environment():
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
        if staging.exists():
            _move(staging, failed_path or _failed_name(failed_dir, source.stem))
        raise
    if error:
        previous = (f"the previous executed notebook {output} is unchanged"
                    if output.exists() else f"nothing was written to {output}")
        if staging.exists():
            kept = _move(staging, failed_path or _failed_name(failed_dir, source.stem))
            error += f"\nThe partial notebook is kept in {kept}; {previous}."
        else:
            kept = output
            error += f"\nNo notebook was written; {previous}."
        outcome = Outcome(name, False, kept, time.perf_counter() - start, params, error)
    else:
        _move(staging, output)
        outcome = Outcome(name, True, output, time.perf_counter() - start, params)
    if error and raise_error:
        raise ChapterError(error)
    return outcome


def _execute_quiet(chapter, kwargs):
    return execute(chapter, raise_error=False, progress=False, **kwargs)


def run(chapter_names=None, *, profile="default", parameters=None, jobs=1,
        output_dir=None, progress=True):
    """Execute several chapters (all by default), ``jobs`` at a time.

    Every chapter's parameters are checked (:func:`check_parameters`)
    before the first kernel starts.

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
    kwargs = dict(profile=profile, parameters=parameters, output_dir=output_dir)
    if jobs == 1 or len(names) == 1:
        outcomes = []
        for n in names:
            print(f"[mirnb run] {n} (profile={profile})", flush=True)
            outcomes.append(execute(n, raise_error=False, progress=progress, **kwargs))
            print(f"[mirnb run] {outcomes[-1].summary()}", flush=True)
        return outcomes
    done = {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_execute_quiet, n, kwargs): n for n in names}
        for fut in as_completed(futures):
            outcome = fut.result()
            done[futures[fut]] = outcome
            print(f"[mirnb run] {len(done)}/{len(names)} {outcome.summary()}", flush=True)
    return [done[n] for n in names]


def _toc_chapters(book_dir):
    toc = (book_dir / "_toc.yml").read_text()
    return re.findall(r"file:\s*(chapters/[\w.-]+)", toc)


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
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe), "build", str(book_dir), "--builder", builder]
    if quiet:
        cmd.append("--quiet")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ChapterError(f"jupyter-book build failed ({' '.join(cmd)}):\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return book_dir / "_build" / builder / "index.html"
