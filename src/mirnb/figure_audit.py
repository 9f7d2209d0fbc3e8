"""A check that a figure stays legible on the book's page.

:func:`legibility` measures a figure as the page will show it: the height
of its smallest text once the page has shrunk the figure to its text column
(:data:`PAGE_PX`), and the spectrograms drawn by
:func:`mirnb.plotting.specshow` that lack a labelled colour bar.

When :data:`AUDIT_ENV` names a folder, :func:`install` (which importing
:mod:`mirnb.plotting` calls) makes every figure pyplot draws record its
measure there, with the chapter that :data:`CHAPTER_ENV` names. The tests
audit the figures of a whole smoke run that way.

The module imports matplotlib only inside its functions, so that
:mod:`mirnb.run`, which sets :data:`CHAPTER_ENV` for each kernel, can
import it cheaply.
"""

import json
import os
import weakref

from . import _check

__all__ = ["PAGE_PX", "MIN_PX", "AUDIT_ENV", "CHAPTER_ENV", "legibility",
           "register_spectrogram", "install"]

#: Width of the book's text column, in CSS pixels, at a 1280 px window.
PAGE_PX = 680

#: Smallest text height a figure may show on the page, in pixels.
MIN_PX = 8

#: Environment variable naming a folder: every figure pyplot draws is then
#: measured (:func:`legibility`) into ``<folder>/<pid>.jsonl``. The tests set
#: it to audit the figures of a whole smoke run.
AUDIT_ENV = "MIRNB_FIGURE_AUDIT"

#: Environment variable naming the chapter a kernel runs (:mod:`mirnb.run`
#: sets it); each measure of :data:`AUDIT_ENV` records it.
CHAPTER_ENV = "MIRNB_CHAPTER"

# The images specshow drew, to find spectrograms (and their colorbars) in a figure.
_SPECTROGRAMS = weakref.WeakSet()

# The entry of matplotlib's ``figure.hooks`` that :func:`install` adds.
_HOOK = "mirnb.figure_audit:_audit"


def register_spectrogram(image):
    """Note that ``image`` shows a spectrogram, for :func:`legibility` to check.

    Parameters
    ----------
    image : matplotlib.image.AxesImage or matplotlib.collections.QuadMesh
        What :func:`mirnb.plotting.specshow` drew. Only a weak reference is
        kept, so the image goes with its figure.
    """
    _SPECTROGRAMS.add(image)


def legibility(fig, *, page_px=PAGE_PX):
    """How legible a figure is once the book's page shows it.

    The page shows a figure at its drawn width, or shrunk to ``page_px``
    when wider; text shrinks with it.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    page_px : int > 0
        Width of the page's text column, in pixels.

    Returns
    -------
    dict
        ``min_px``: height of the smallest visible text on the page, in
        pixels (inf for a figure without text); ``smallest``: that text;
        ``width_px``: the figure's drawn width (tight bounding box at its
        dpi); ``spectrograms``: images drawn by
        :func:`mirnb.plotting.specshow`; ``missing_colorbars``: those
        without a labelled colour bar, their own or one of another
        spectrogram of the figure with the same colour limits.
    """
    from matplotlib.text import Text

    page_px = _check.positive("page_px", page_px)
    renderer = fig.canvas.get_renderer()
    width_in = max(fig.get_tightbbox(renderer).width, 1e-6)
    width_px = width_in * fig.dpi
    scale = min(1.0, page_px / width_px)
    texts = [t for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.figure is fig
             and (t.axes is None or t.axes.get_visible())]
    if texts:
        smallest = min(texts, key=lambda t: t.get_fontsize())
        min_px = smallest.get_fontsize() * fig.dpi / 72 * scale
        small = smallest.get_text().strip()[:40]
    else:
        min_px, small = float("inf"), ""
    spectra = [m for m in list(_SPECTROGRAMS) if m.axes is not None and m.axes.figure is fig]

    def labelled(m):
        cb = getattr(m, "colorbar", None)
        return cb is not None and bool(cb.ax.get_ylabel().strip() or cb.ax.get_xlabel().strip())

    covered = {tuple(m.get_clim()) for m in spectra if labelled(m)}
    missing = sum(1 for m in spectra if not labelled(m) and tuple(m.get_clim()) not in covered)
    return {"min_px": float(min_px), "smallest": small, "width_px": float(width_px),
            "spectrograms": len(spectra), "missing_colorbars": missing}


def _audit(fig):
    """``figure.hooks`` entry: record :func:`legibility` each time ``fig`` is drawn."""
    folder = os.environ.get(AUDIT_ENV)
    if not folder:
        return

    def record(event):
        if getattr(fig, "_mirnb_audited", False):  # the inline backend draws twice
            return
        fig._mirnb_audited = True
        row = legibility(fig)
        row["chapter"] = os.environ.get(CHAPTER_ENV, "")
        row["titles"] = [ax.get_title() for ax in fig.axes if ax.get_title()][:4]
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"{os.getpid()}.jsonl"), "a") as fh:
            fh.write(json.dumps(row) + "\n")

    fig.canvas.mpl_connect("draw_event", record)


def install():
    """Audit every figure pyplot draws from now on, when :data:`AUDIT_ENV` is set.

    Adds the audit to matplotlib's ``figure.hooks`` once; without
    :data:`AUDIT_ENV` it does nothing. Importing :mod:`mirnb.plotting`
    calls it.
    """
    import matplotlib

    if os.environ.get(AUDIT_ENV) and _HOOK not in matplotlib.rcParams["figure.hooks"]:
        matplotlib.rcParams["figure.hooks"] = [*matplotlib.rcParams["figure.hooks"], _HOOK]
