"""Execute the chapters: jupytext percent source -> notebook -> papermill.

Each chapter is ``notebooks/NN_<chapter>.py``. :func:`execute` converts it
with jupytext, runs it with papermill (parameters injected after the cell
tagged ``parameters``) and writes the executed notebook where the book
takes it from, ``book/chapters/``. :func:`run` does several chapters, in
parallel processes with ``jobs > 1``. :func:`build_book` publishes the
executed notebooks with Jupyter Book, which executes nothing itself.
"""

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .chapters import PROFILES
from .errors import MirnbError, ParameterError

__all__ = ["PROFILES", "root", "chapters", "notebook_source", "execute", "run",
           "build_book", "Outcome", "ChapterError"]

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


def _to_ipynb(source, build_dir):
    import jupytext

    nb = jupytext.read(source)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise ParameterError(f"{source} has no cell tagged 'parameters'; papermill "
                             "needs one (add '# %% tags=[\"parameters\"]').")
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / (source.stem + ".ipynb")
    jupytext.write(nb, path)
    return path


def execute(chapter, *, profile="default", parameters=None, output_dir=None,
            build_dir=None, kernel_name="python3", progress=True, raise_error=True):
    """Execute one chapter with papermill.

    Parameters
    ----------
    chapter : str
        Chapter name (``'data'``) or file stem (``'00_data'``).
    profile : {'smoke', 'default', 'paper'}
        Injected as the ``profile`` parameter.
    parameters : dict, optional
        More parameters; each name must exist in the notebook's
        ``parameters`` cell.
    output_dir : Path, optional
        Where the executed notebook goes; default ``book/chapters``.
    build_dir : Path, optional
        Where the converted, unexecuted notebook goes; default ``build/notebooks``.
    kernel_name : str
    progress : bool
        Show papermill's per-cell progress bar.
    raise_error : bool
        Raise :class:`ChapterError` on failure (else return the Outcome).

    Returns
    -------
    Outcome
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    if profile not in PROFILES:
        raise ParameterError(f"profile={profile!r}: expected one of {list(PROFILES)}")
    source = notebook_source(chapter)
    base = root()
    output_dir = Path(output_dir) if output_dir else base / "book" / "chapters"
    build_dir = Path(build_dir) if build_dir else base / "build" / "notebooks"
    params = {"profile": profile}
    params.update({k: _coerce(v) for k, v in (parameters or {}).items()})

    input_path = _to_ipynb(source, build_dir)
    known = pm.inspect_notebook(str(input_path))
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ParameterError(f"{source.name} has no parameter(s) {unknown}; its "
                             f"parameters are {sorted(known)}")
    output_dir.mkdir(parents=True, exist_ok=True)
    output = output_dir / input_path.name
    name = _NAME.match(source.name).group(2)
    start = time.perf_counter()
    error = ""
    try:
        pm.execute_notebook(str(input_path), str(output), parameters=params,
                            kernel_name=kernel_name, progress_bar=progress,
                            cwd=str(source.parent))
    except PapermillExecutionError as err:
        error = (f"{source.name} failed in cell {err.cell_index} (execution count "
                 f"{err.exec_count}) with parameters {params}:\n"
                 f"  {err.ename}: {err.evalue}\n"
                 f"The partial output is kept in {output}.")
    outcome = Outcome(name, not error, output, time.perf_counter() - start, params, error)
    if error and raise_error:
        raise ChapterError(error)
    return outcome


def _execute_quiet(chapter, kwargs):
    return execute(chapter, raise_error=False, progress=False, **kwargs)


def run(chapter_names=None, *, profile="default", parameters=None, jobs=1,
        output_dir=None, progress=True):
    """Execute several chapters (all by default), ``jobs`` at a time.

    Returns
    -------
    list of Outcome
        One per chapter, in the order given; failures do not stop the others.
    """
    names = list(chapter_names) if chapter_names else list(chapters())
    for n in names:
        notebook_source(n)  # fail early on an unknown name
    if not isinstance(jobs, int) or jobs < 1:
        raise ParameterError(f"jobs={jobs!r}: expected an integer >= 1")
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


def build_book(book_dir=None, *, builder="html", quiet=True):
    """Build the book from the executed notebooks (Jupyter Book 1, no execution).

    Raises
    ------
    ChapterError
        A chapter listed in ``_toc.yml`` has no executed notebook, or the
        build failed.

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
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe), "build", str(book_dir), "--builder", builder]
    if quiet:
        cmd.append("--quiet")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ChapterError(f"jupyter-book build failed ({' '.join(cmd)}):\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return book_dir / "_build" / builder / "index.html"
