"""What the book's pages carry besides cells: media files, and tidy outputs.

A chapter executed for the book (``mirnb run``) gets the environment
variable :data:`ENV`, the folder beside its page where it writes its media:
compressed audio clips (:func:`audio`) and its results as CSV
(:func:`download`). ``mirnb book`` copies that folder into the HTML, so a page
links to its files instead of embedding them. Run anywhere else (JupyterLab,
a script), :func:`audio` embeds the clip and :func:`download` writes into
``media/`` under the working folder.

:func:`tidy` prepares an executed notebook for reading: the parameters cells
are removed from the page, long orchestration cells are collapsed behind a
toggle, each run of printed output becomes one block, and a log longer than
:data:`MAX_LINES` lines is folded away (one click shows it).

Importing the module sets pandas' display precision to 3 decimals: the
book's one format for the numbers of the tables its pages show.
"""

import html
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import _check
from .errors import ParameterError

__all__ = ["ENV", "MAX_LINES", "INPUT_LINES", "media_dir", "audio", "download", "tidy"]

#: Environment variable: the folder of the page's media (set by ``mirnb run``).
ENV = "MIRNB_MEDIA"

#: Longest printed output a page shows open, in lines.
MAX_LINES = 30

#: Code cells longer than this many lines are collapsed on the page.
INPUT_LINES = 4

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

pd.set_option("display.precision", 3)


def media_dir():
    """The folder :func:`audio` and :func:`download` write to (created).

    Returns
    -------
    pathlib.Path
        ``$MIRNB_MEDIA`` when set (the book), else ``media/`` in the working folder.
    """
    path = Path(os.environ.get(ENV) or "media")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _link(path):
    """How the page refers to a media file: relative to the page's folder."""
    return f"media/{Path(path).name}"


def _check_name(name):
    if not isinstance(name, str) or not _NAME.match(name):
        raise ParameterError(f"name={name!r}: expected a file name of letters, digits, '.', "
                             "'_' and '-', e.g. 'data-blues'")
    return name


def audio(y, sr, *, name):
    """An audio player for a clip: a compressed file beside the page in the book.

    Parameters
    ----------
    y : np.ndarray, shape (n_samples,)
        Mono audio in [-1, 1].
    sr : int > 0
        Its sample rate.
    name : str
        File name without extension, unique in the book, e.g. ``'data-blues'``.

    Returns
    -------
    IPython.display.HTML or IPython.display.Audio
        In the book (:data:`ENV` set): an ``<audio>`` element pointing at
        ``media/<name>.ogg``, Ogg Vorbis of about 6 kB per second (samples
        beyond full scale are clipped). Elsewhere: the clip embedded as a
        player.
    """
    from IPython.display import HTML, Audio

    name = _check_name(name)
    sr = _check.positive_int("sr", sr)
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ParameterError(f"y has shape {y.shape}: expected a non-empty mono signal")
    if not np.all(np.isfinite(y)):
        raise ParameterError("y holds NaN or infinite samples")
    if not os.environ.get(ENV):
        return Audio(y, rate=sr)
    import soundfile as sf

    path = media_dir() / f"{name}.ogg"
    sf.write(str(path), np.clip(y, -1.0, 1.0), sr, format="OGG", subtype="VORBIS")
    return HTML(f'<audio controls preload="none" src="{_link(path)}" '
                f'title="{html.escape(name)}"></audio>')


def download(records, *, name, text=None):
    """Write results as CSV beside the page, and link to it.

    Parameters
    ----------
    records : pandas.DataFrame, or sequence of :class:`mirnb.results.Result` or dicts
        Results records are flattened: one row each, every field a column
        (``config`` and ``extra`` as JSON).
    name : str
        File name without extension, e.g. ``'hamel2010_results'``.
    text : str, optional
        The link's text (default: "all results of this run, as CSV").

    Returns
    -------
    IPython.display.Markdown
        A link to ``media/<name>.csv``.
    """
    import json

    from IPython.display import Markdown

    from .results import _as_results

    if isinstance(records, pd.DataFrame):
        df = records
    else:
        rows = [r.to_dict() for r in _as_results(records)]
        if not rows:
            raise ParameterError("records is empty: nothing to write")
        df = pd.DataFrame(rows)
        for col in ("config", "extra", "seeds"):
            if col in df:
                df[col] = df[col].map(lambda v: json.dumps(v, sort_keys=True))
    path = media_dir() / f"{_check_name(name)}.csv"
    df.to_csv(path, index=isinstance(records, pd.DataFrame))
    text = text or f"all results of this run, as CSV ({len(df)} rows)"
    return Markdown(f"Download: [{text}]({_link(path)})")


# ----------------------------------------------------------------------------
# tidy: an executed notebook as a reader should see it
# ----------------------------------------------------------------------------

def _text(source):
    return "".join(source) if isinstance(source, list) else str(source)


def _code_lines(source):
    return [ln for ln in _text(source).splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


def _folded(text, n):
    from nbformat import from_dict

    summary = f"Full log: {n} lines (click to show)"
    return from_dict({"output_type": "display_data", "metadata": {},
            "data": {"text/html": (f'<details class="mirnb-log"><summary>{summary}</summary>'
                                   f"<pre>{html.escape(text)}</pre></details>"),
                     "text/plain": f"[{summary}]"}})


def tidy(nb, *, max_lines=MAX_LINES, input_lines=INPUT_LINES):
    """Prepare an executed notebook for the book's page (in place).

    - The ``parameters`` and ``injected-parameters`` cells get the tag
      ``remove-cell``: a reader sees the values in the prose and the config.
    - A code cell of more than ``input_lines`` lines of code gets
      ``hide-input`` (its output stays), unless tagged ``show-input``.
    - Consecutive ``stdout`` outputs of a cell become one block, and so do
      its ``stderr`` outputs (progress bars the page does not show): a
      run of printed text, interleaved as Jupyter received it, ends only
      where a figure, table or player comes, which keeps its place.
    - A ``stdout`` block longer than ``max_lines`` lines (a per-epoch log)
      becomes a folded HTML block: one line on the page, the whole log one
      click away.

    Parameters
    ----------
    nb : nbformat.NotebookNode
    max_lines, input_lines : int > 0

    Returns
    -------
    nb
    """
    from nbformat import from_dict

    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        meta = cell.setdefault("metadata", {})
        tags = list(meta.get("tags", []))
        if {"parameters", "injected-parameters"} & set(tags):
            tags.append("remove-cell")
        elif len(_code_lines(cell.get("source", ""))) > input_lines \
                and not {"show-input", "hide-input", "remove-input", "remove-cell"} & set(tags):
            tags.append("hide-input")
        if tags:
            meta["tags"] = list(dict.fromkeys(tags))
        outputs, run = [], {}
        for out in cell.get("outputs", []):
            if out.get("output_type") != "stream":
                outputs.append(out)
                run = {}  # a figure, table or player ends a run of printed text
                continue
            stream = out.get("name", "stdout")
            if stream in run:
                run[stream]["text"] += _text(out.get("text", ""))
            else:
                run[stream] = from_dict({"output_type": "stream", "name": stream,
                                         "text": _text(out.get("text", ""))})
                outputs.append(run[stream])
        for i, out in enumerate(outputs):
            if out.get("output_type") == "stream" and out.get("name") == "stdout":
                n = len(out["text"].splitlines())
                if n > max_lines:
                    outputs[i] = _folded(out["text"], n)
        cell["outputs"] = outputs
    return nb
