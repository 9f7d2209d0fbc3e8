"""Figures of the book.

Every function draws on the matplotlib Axes you pass (``ax=``), makes one
when you pass none, and returns the Axes (Convention 7), so a notebook can
lay several plots out in one figure and restyle them after the call.

One palette serves the whole book: a genre has the same colour in every
figure, whatever other labels share the plot (:func:`genre_colors`,
:func:`color_of`). Labels outside the genre list get a colour derived from
their name by a stable hash, so they too keep their colour across figures
and across processes.

Importing the module sets the book's figure style (:data:`STYLE`: sizes
for figures :data:`PAGE_WIDTH` wide) and, when asked, audits every figure
drawn; :mod:`mirnb.figure_audit` measures a figure as the page will show it.
"""

import colorsys
import hashlib
from collections import OrderedDict

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from . import _check, figure_audit
from .errors import ParameterError
from .synth import vocabulary as _synth_vocabulary

__all__ = [
    "PAGE_WIDTH", "STYLE",
    "GENRES", "genre_colors", "color_of", "specshow", "embedding", "embeddings",
    "confusion_matrix", "tag_bars", "learning_curves", "compare_curves", "table_figure",
    "label_counts", "weights", "conv_filters", "beat_features", "curve_bands",
    "grouped_boxes",
]

#: The genres of the book: GTZAN's ten, then the others the synthetic
#: corpus uses for Dieleman et al.'s genre task. Their order fixes their colours.
GENRES = _synth_vocabulary.GENRES  # its first ten are mirnb.datasets.gtzan.GENRES

#: Width of a figure that fills the book's page, in inches. Figures are drawn
#: at most this wide, so that the page shows them without shrinking their text.
PAGE_WIDTH = 7.5

#: The book's figure style, set on import: sizes for :data:`PAGE_WIDTH`
#: figures at 110 dpi (825 px, shown at :data:`mirnb.figure_audit.PAGE_PX`),
#: so that the smallest text (legends, ticks: 8 pt) is 10 px tall on the page.
STYLE = {
    "figure.dpi": 110, "figure.figsize": (PAGE_WIDTH, 3.2), "font.size": 9,
    "axes.titlesize": 9.5, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "legend.fontsize": 8, "legend.title_fontsize": 8, "figure.titlesize": 10,
    "image.cmap": "magma", "axes.spines.top": False, "axes.spines.right": False,
}

_ALIASES = {"hip-hop": "hiphop", "hip hop": "hiphop", "r&b": "rnb", "r'n'b": "rnb",
            "rhythm and blues": "rnb", "electronica": "electronic"}


def _build_genre_colors():
    tab20 = matplotlib.colormaps["tab20"].colors
    # The dark halves of tab20's pairs (= tab10) for GTZAN's ten genres,
    # then the light halves, so neighbours in GENRES never share a hue pair.
    order = list(range(0, 20, 2)) + list(range(1, 20, 2))
    return OrderedDict((g, matplotlib.colors.to_hex(tab20[i])) for g, i in zip(GENRES, order))


_GENRE_COLORS = _build_genre_colors()


def genre_colors():
    """Return the book's genre palette.

    Returns
    -------
    OrderedDict
        Genre name (as in :data:`GENRES`) to hex colour, in :data:`GENRES`
        order: matplotlib's ``tab20`` colours, dark ones for GTZAN's ten
        genres, light ones for the other ten. A fresh copy on every call.
    """
    return OrderedDict(_GENRE_COLORS)


def _genre_key(label):
    key = str(label).strip().lower()
    key = _ALIASES.get(key, key)
    return key if key in _GENRE_COLORS else None


def color_of(label):
    """Colour of a label: the genre palette for genres, else a stable hashed colour.

    Parameters
    ----------
    label : str or any
        A genre name (case and a few spellings such as ``'hip-hop'`` or
        ``'R&B'`` are forgiven) or any other label (artist, key, tag, class
        index).

    Returns
    -------
    str
        Hex colour. For labels outside :data:`GENRES` it comes from the MD5
        digest of ``str(label)``, so it is the same in every process (unlike
        Python's salted ``hash``).
    """
    key = _genre_key(label)
    if key is not None:
        return _GENRE_COLORS[key]
    digest = hashlib.md5(str(label).encode("utf-8")).digest()
    hue = int.from_bytes(digest[:4], "big") / 2 ** 32
    sat = 0.45 + 0.4 * digest[4] / 255
    val = 0.55 + 0.35 * digest[5] / 255
    return matplotlib.colors.to_hex(colorsys.hsv_to_rgb(hue, sat, val))


def _new_ax(ax, figsize):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _ordered_labels(labels):
    """Distinct labels: genres first in GENRES order, then the rest sorted."""
    uniq = list(OrderedDict.fromkeys(labels.tolist()))

    def key(lab):
        g = _genre_key(lab)
        if g is not None:
            return (0, GENRES.index(g), "")
        return (1, 0, lab) if isinstance(lab, str) else (1, 0, f"{lab!r:>20}")
    try:
        return sorted(uniq, key=key)
    except TypeError:
        return uniq


def _palette(labels, palette):
    """Map each distinct label to a colour."""
    if palette is None:
        return {lab: color_of(lab) for lab in labels}
    if isinstance(palette, dict):
        return {lab: palette.get(lab, color_of(lab)) for lab in labels}
    if isinstance(palette, str):
        try:
            cmap = matplotlib.colormaps[palette]
        except KeyError:
            raise ParameterError(
                f"palette={palette!r}: not a matplotlib colormap name") from None
        listed = getattr(cmap, "colors", None)
        if listed is not None and len(listed) >= len(labels):
            cols = [listed[i] for i in range(len(labels))]
        else:
            cols = [cmap(x) for x in np.linspace(0, 1, max(len(labels), 1))]
        return {lab: matplotlib.colors.to_hex(c) for lab, c in zip(labels, cols)}
    cols = list(palette)
    if len(cols) < len(labels):
        raise ParameterError(
            f"palette has {len(cols)} colours for {len(labels)} labels: expected at least as many")
    return {lab: c for lab, c in zip(labels, cols)}


def specshow(S, *, sr, hop_length, ax=None, y_axis="mel", x_axis="time", title=None,
             colorbar=True, unit="dB", **kwargs):
    """Show a spectrogram-like matrix with time and frequency axes (librosa).

    Parameters
    ----------
    S : np.ndarray, shape (n_bins, n_frames)
        Log-mel, log-magnitude STFT, chroma, ... (usually in dB).
    sr : int > 0
        Sample rate of the audio the matrix came from.
    hop_length : int > 0
        Hop between frames, in samples.
    ax : matplotlib.axes.Axes, optional
    y_axis : {'mel', 'linear', 'log', 'chroma', None}
        Frequency axis, as :func:`librosa.display.specshow` names it; None
        shows bin numbers without a scale.
    x_axis : {'time', 's', 'ms', 'frames', None}
    title : str, optional
    colorbar : bool
        Add a colour bar beside the Axes, labelled ``unit``. Panels of one
        figure that share ``vmin`` / ``vmax`` may share one colour bar.
    unit : str
        Label of the colour bar: what a colour means (``'dB'``, or e.g.
        ``'standardised value'`` for a matrix that is not in dB).
    **kwargs
        Passed to :func:`librosa.display.specshow` (``fmin``, ``fmax``,
        ``cmap``, ``vmin``, ...). The colormap is ``'magma'``, a
        perceptually uniform one, unless ``cmap`` says otherwise.

    Returns
    -------
    matplotlib.axes.Axes
    """
    S = np.asarray(S)
    if S.ndim != 2 or 0 in S.shape:
        raise ParameterError(f"S has shape {S.shape}: expected a non-empty 2-D (n_bins, n_frames)")
    if not np.issubdtype(S.dtype, np.number) or np.iscomplexobj(S):
        raise ParameterError("S: expected real numbers (take np.abs of a complex STFT first)")
    if not np.all(np.isfinite(S)):
        raise ParameterError("S holds NaN or infinite values (use a floor, e.g. librosa.power_to_db)")
    sr = _check.positive("sr", sr)
    hop_length = _check.positive_int("hop_length", hop_length)
    _check.choice("y_axis", y_axis, ("mel", "linear", "log", "chroma", None))
    _check.choice("x_axis", x_axis, ("time", "s", "ms", "frames", None))
    import librosa.display

    ax = _new_ax(ax, (PAGE_WIDTH, 3))
    kwargs.setdefault("cmap", "magma")
    img = librosa.display.specshow(S, sr=sr, hop_length=hop_length, x_axis=x_axis,
                                   y_axis=y_axis, ax=ax, **kwargs)
    figure_audit.register_spectrogram(img)
    if colorbar:
        ax.figure.colorbar(img, ax=ax, label=unit)
    if title is not None:
        ax.set_title(title)
    return ax


def embedding(Z, labels, *, ax=None, title=None, legend=True, palette=None, s=8, test=None):
    """Scatter a 2-D map (t-SNE) coloured by label.

    Parameters
    ----------
    Z : array_like, shape (n, 2)
        Map coordinates, e.g. from :class:`mirnb.embed.TSNE`.
    labels : array_like, shape (n,)
        One label per point. Genre names take the book's genre colours.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    legend : bool
        One legend entry per label (genres in :data:`GENRES` order, other
        labels sorted), plus one for the marker of placed points when
        ``test`` marks any.
    palette : None, dict, str or sequence
        None: :func:`color_of` for each label. A dict: label to colour
        (unlisted labels fall back to :func:`color_of`). A colormap name
        (e.g. ``'tab20'``) or a list of colours: assigned to the labels in
        legend order.
    s : float > 0
        Marker size.
    test : array_like of bool, shape (n,), optional
        True for points placed into the map by ``TSNE.transform`` (drawn as
        outlined triangles); False for the points the map was fitted on
        (dots).

    Returns
    -------
    matplotlib.axes.Axes
        One scatter collection per label and kind (fitted / placed) present.
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[1] != 2:
        raise ParameterError(f"Z has shape {Z.shape}: expected (n_points, 2)")
    if not np.all(np.isfinite(Z)):
        raise ParameterError("Z holds NaN or infinite coordinates")
    labels = np.asarray(labels)
    if labels.shape != (Z.shape[0],):
        raise ParameterError(
            f"labels has shape {labels.shape}: expected ({Z.shape[0]},), one per point")
    s = _check.positive("s", s)
    if test is None:
        test = np.zeros(Z.shape[0], dtype=bool)
    else:
        test = np.asarray(test)
        if test.shape != (Z.shape[0],) or test.dtype != bool:
            raise ParameterError(
                f"test: expected a boolean mask of shape ({Z.shape[0]},), got "
                f"{test.dtype} {test.shape}")
    order = _ordered_labels(labels)
    colors = _palette(order, palette)
    ax = _new_ax(ax, (6, 5))
    handles = []
    for lab in order:
        sel = labels == lab
        fit = sel & ~test
        new = sel & test
        if fit.any():
            ax.scatter(Z[fit, 0], Z[fit, 1], s=s, color=colors[lab], marker="o",
                       linewidths=0, alpha=0.8, label=str(lab))
        if new.any():
            ax.scatter(Z[new, 0], Z[new, 1], s=s * 2.5, color=colors[lab], marker="^",
                       edgecolors="black", linewidths=0.5, alpha=0.9, label="_nolegend_")
        handles.append(Line2D([], [], linestyle="", marker="o", color=colors[lab],
                              label=str(lab)))
    if test.any():
        handles.append(Line2D([], [], linestyle="", marker="^", color="0.7",
                              markeredgecolor="black", label="placed by transform"))
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title)
    if legend:
        ncol = 1 if len(handles) <= 20 else 2
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5),
                  frameon=False, fontsize="small", ncol=ncol)
    return ax


def confusion_matrix(cm, *, ax=None, normalize=True, cmap="Blues", annotate=True, title=None):
    """Draw a confusion matrix (rows true class, columns predicted class).

    Parameters
    ----------
    cm : pandas.DataFrame or array_like, shape (n, n)
        Counts or fractions, e.g. from :func:`mirnb.metrics.confusion`. A
        DataFrame's index and columns label the axes.
    ax : matplotlib.axes.Axes, optional
    normalize : bool
        Divide each row by its sum, so the diagonal shows per-class recall.
        Rows that sum to 0 stay 0.
    cmap : str
    annotate : bool
        Write the value in every cell.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if isinstance(cm, pd.DataFrame):
        rows, cols = [str(x) for x in cm.index], [str(x) for x in cm.columns]
        ylabel, xlabel = cm.index.name or "True", cm.columns.name or "Predicted"
        M = cm.to_numpy(dtype=np.float64)
    else:
        M = np.asarray(cm, dtype=np.float64)
        rows = cols = [str(i) for i in range(M.shape[0])] if M.ndim == 2 else []
        ylabel, xlabel = "True", "Predicted"
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] == 0:
        raise ParameterError(f"cm has shape {M.shape}: expected a non-empty square matrix")
    if not np.all(np.isfinite(M)) or np.any(M < 0):
        raise ParameterError("cm: expected finite, non-negative entries")
    counts = np.allclose(M, np.round(M))
    if normalize:
        sums = M.sum(axis=1, keepdims=True)
        M = np.divide(M, sums, out=np.zeros_like(M), where=sums > 0)
    n = M.shape[0]
    ax = _new_ax(ax, (min(0.45 * n + 2, PAGE_WIDTH), min(0.45 * n + 1.5, PAGE_WIDTH)))
    vmax = 1.0 if normalize else max(float(M.max()), 1e-12)
    ax.imshow(M, cmap=cmap, vmin=0.0, vmax=vmax, interpolation="nearest")
    ax.set_xticks(range(n), cols, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(n), rows)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if annotate:
        fmt = "{:.2f}" if (normalize or not counts) else "{:.0f}"
        for i in range(n):
            for j in range(n):
                ax.text(j, i, fmt.format(M[i, j]), ha="center", va="center",
                        fontsize="x-small", color="white" if M[i, j] > 0.6 * vmax else "black")
    if title is not None:
        ax.set_title(title)
    return ax


def _series(values, name):
    if isinstance(values, pd.Series):
        return values.astype(np.float64)
    if isinstance(values, dict):
        return pd.Series(values, dtype=np.float64)
    raise ParameterError(f"{name}: expected a pandas Series or a dict, got {type(values).__name__}")


def tag_bars(values, *, ax=None, errors=None, title=None, sort=True, color="C0"):
    """Bar chart of one number per tag (per-tag AUC, tag frequency, ...).

    Parameters
    ----------
    values : pandas.Series or dict
        Tag to value. NaN values (tags a measure left out, see
        :func:`mirnb.metrics.per_tag_auc`) are not drawn; the Axes says how
        many were left out.
    ax : matplotlib.axes.Axes, optional
    errors : pandas.Series or dict, optional
        Tag to error-bar half-length (e.g. std over seeds).
    title : str, optional
    sort : bool
        Sort bars from highest to lowest value.
    color : colour
        Bar colour.

    Returns
    -------
    matplotlib.axes.Axes
        One bar patch per drawn tag.
    """
    vals = _series(values, "values")
    if vals.empty:
        raise ParameterError("values is empty: nothing to draw")
    n_left = int(vals.isna().sum())
    vals = vals.dropna()
    if sort:
        vals = vals.sort_values(ascending=False, kind="stable")
    err = None
    if errors is not None:
        errs = _series(errors, "errors")
        missing = [t for t in vals.index if t not in errs.index]
        if missing:
            raise ParameterError(f"errors: no value for tags {missing[:5]}")
        err = errs.reindex(vals.index).to_numpy()
    ax = _new_ax(ax, (min(max(4.0, 0.22 * len(vals) + 1.5), PAGE_WIDTH), 3.5))
    x = np.arange(len(vals))
    ax.bar(x, vals.to_numpy(), yerr=err, color=color, capsize=2 if err is not None else 0)
    ax.set_xticks(x, [str(t) for t in vals.index], rotation=90, fontsize="small")
    ax.set_xlim(-0.6, len(vals) - 0.4)
    ax.set_ylabel(str(values.name) if isinstance(values, pd.Series) and values.name else "value")
    if n_left:
        ax.text(0.99, 0.98, f"{n_left} tag{'s' if n_left != 1 else ''} left out (undefined)",
                transform=ax.transAxes, ha="right", va="top", fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax


def learning_curves(history, *, ax=None, metrics=("loss", "val_loss"), title=None):
    """Plot training curves per epoch.

    Parameters
    ----------
    history : dict or keras.callbacks.History
        Metric name to a list of per-epoch values (``History.history``).
    ax : matplotlib.axes.Axes, optional
    metrics : str or sequence of str
        Which curves to draw; each must be in ``history``. A validation
        curve (``'val_x'``) takes the colour of ``'x'`` and a dashed line.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        One line per metric.
    """
    hist = getattr(history, "history", history)
    if not isinstance(hist, dict):
        raise ParameterError(
            f"history of type {type(history).__name__}: expected a dict or a Keras History")
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = list(metrics)
    if not metrics:
        raise ParameterError("metrics: expected at least one metric name")
    missing = [m for m in metrics if m not in hist]
    if missing:
        raise ParameterError(f"metrics {missing} not in history; it holds {sorted(hist)}")
    ax = _new_ax(ax, (5, 3.5))
    bases = list(OrderedDict.fromkeys(m[4:] if m.startswith("val_") else m for m in metrics))
    for m in metrics:
        y = np.asarray(hist[m], dtype=np.float64).ravel()
        if y.size == 0:
            raise ParameterError(f"history[{m!r}] is empty")
        base = m[4:] if m.startswith("val_") else m
        ax.plot(np.arange(1, y.size + 1), y, color=f"C{bases.index(base) % 10}",
                linestyle="--" if m.startswith("val_") else "-", marker="." if y.size < 30 else None,
                label=m)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(bases[0] if len(bases) == 1 else "value")
    ax.legend(frameon=False, fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax


def compare_curves(histories, *, metric="val_auc", ax=None, title=None, ylabel=None):
    """Plot one metric per epoch for several runs, one line per run.

    Parameters
    ----------
    histories : dict
        Run name to a history (dict of per-epoch lists, or a Keras History).
    metric : str
        The metric to draw; it must be in every history.
    ax : matplotlib.axes.Axes, optional
    title, ylabel : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        One line per run, labelled with its name.

    Notes
    -----
    Validation AUC per epoch is Figure 3 of Choi et al. 2016.
    """
    if not histories:
        raise ParameterError("histories: expected at least one run")
    ax = _new_ax(ax, (6, 3.5))
    for name, history in histories.items():
        hist = getattr(history, "history", history)
        if not isinstance(hist, dict) or metric not in hist:
            raise ParameterError(f"run {name!r} has no {metric!r} in its history")
        y = np.asarray(hist[metric], dtype=np.float64).ravel()
        ax.plot(np.arange(1, y.size + 1), y, marker=".", label=str(name))
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel or metric)
    ax.legend(frameon=False, fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax


def table_figure(df, *, ax=None, fontsize=8, title=None):
    """Draw a results DataFrame as a figure table (for saved figures; notebooks show the DataFrame).

    Parameters
    ----------
    df : pandas.DataFrame
        Usually :func:`mirnb.results.results_table`; its ``attrs['note']``,
        if any, is written under the table.
    ax : matplotlib.axes.Axes, optional
    fontsize : float > 0
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        Axis lines hidden; one table artist.
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"df of type {type(df).__name__}: expected a pandas DataFrame")
    if df.empty:
        raise ParameterError("df is empty: nothing to draw")
    fontsize = _check.positive("fontsize", fontsize)
    ax = _new_ax(ax, (PAGE_WIDTH, 0.8 + 0.3 * df.shape[0]))
    ax.axis("off")
    cells = df.astype(str).to_numpy().tolist()
    table = ax.table(cellText=cells, colLabels=[str(c) for c in df.columns], loc="center",
                     cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(fontsize)
    table.auto_set_column_width(list(range(df.shape[1])))
    note = df.attrs.get("note")
    if note:
        ax.text(0.0, 0.0, note, transform=ax.transAxes, fontsize=fontsize, va="top", wrap=True)
    if title is not None:
        ax.set_title(title)
    return ax


def label_counts(labels, *, ax=None, title=None, sort="count"):
    """Bar chart of how many items carry each label.

    Parameters
    ----------
    labels : array_like or pandas.Series, shape (n,), or DataFrame of 0/1 tags
        One label per item; or a binary (n_items, n_tags) matrix, whose
        column sums are drawn.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    sort : {'count', 'label'}
        Order bars by decreasing count, or by label (genres in
        :data:`GENRES` order).

    Returns
    -------
    matplotlib.axes.Axes
        One bar per label; genre bars take the genre colours, others one
        neutral colour.
    """
    _check.choice("sort", sort, ("count", "label"))
    if isinstance(labels, pd.DataFrame):
        M = labels.to_numpy()
        if M.size == 0 or M.dtype.kind not in "biuf" or not np.all(np.isin(M, (0, 1))):
            raise ParameterError("labels: a DataFrame must hold binary (0/1) tag columns")
        counts = pd.Series(M.sum(axis=0).astype(int), index=[str(c) for c in labels.columns])
    else:
        arr = np.asarray(labels)
        if arr.ndim != 1 or arr.size == 0:
            raise ParameterError(f"labels has shape {arr.shape}: expected a non-empty 1-D array")
        counts = pd.Series(arr).value_counts(sort=False)
    if sort == "count":
        counts = counts.sort_values(ascending=False, kind="stable")
    else:
        counts = counts.reindex(_ordered_labels(np.asarray(counts.index, dtype=object)))
    names = list(counts.index)
    colors = [color_of(n) if _genre_key(n) is not None else "0.45" for n in names]
    ax = _new_ax(ax, (min(max(4.0, 0.3 * len(names) + 1.5), PAGE_WIDTH), 3.5))
    x = np.arange(len(names))
    ax.bar(x, counts.to_numpy(), color=colors)
    ax.set_xticks(x, [str(n) for n in names], rotation=90 if len(names) > 6 else 0,
                  fontsize="small")
    ax.set_ylabel("count")
    if title is not None:
        ax.set_title(title)
    return ax


def embeddings(maps, *, axes=None, legend="last"):
    """Several 2-D maps side by side, one palette (see :func:`embedding`).

    Parameters
    ----------
    maps : dict
        ``{title: (Z of shape (n, 2), labels of shape (n,))}``, e.g. from
        :func:`mirnb.embed.frame_maps`.
    axes : sequence of matplotlib.axes.Axes, optional
        One per map (default: a new row of panels).
    legend : {'last', 'all', 'none'}
        Which panels get a legend.

    Returns
    -------
    list of matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    _check.choice("legend", legend, ("last", "all", "none"))
    if not maps:
        raise ParameterError("maps is empty: give at least one (Z, labels) pair")
    new = axes is None
    if new:
        n = len(maps)
        _, axes = plt.subplots(1, n, figsize=(PAGE_WIDTH, PAGE_WIDTH / n + 1.2),
                               constrained_layout=True, squeeze=False)
        axes = axes[0]
    axes = list(np.atleast_1d(axes))
    if len(axes) != len(maps):
        raise ParameterError(f"{len(axes)} axes for {len(maps)} maps: give one Axes per map")
    below = new and len(maps) > 1 and legend != "none"
    for i, (ax, (title, (Z, labels))) in enumerate(zip(axes, maps.items())):
        show = legend == "all" or (legend == "last" and i == len(maps) - 1)
        embedding(Z, labels, ax=ax, title=title, legend=show and not below)
    if below:  # one legend for the row, under it: the panels keep the page's width
        handles, names = axes[-1].get_legend_handles_labels()
        axes[0].figure.legend(handles, names, loc="outside lower center",
                              ncol=min(len(names), 5), frameon=False, markerscale=2)
    return axes


def weights(W, *, ax=None, extent=None, xlabel="input", title=None, sort=True):
    """A layer's weights as an image: one row per unit, one column per input.

    The RBMs of Hamel & Eck (2010), Dieleman et al. (2011) and Nam et al.
    (2015) learn filters over spectra; this shows them.

    Parameters
    ----------
    W : array_like, shape (n_units, n_inputs)
        E.g. ``RBM.components_``.
    ax : matplotlib.axes.Axes, optional
    extent : (float, float), optional
        The input axis's range (e.g. ``(0, sr / 2000)`` for kHz).
    xlabel : str
    title : str, optional
    sort : bool
        Sort the units by the input of their largest absolute weight.

    Returns
    -------
    matplotlib.axes.Axes
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.size == 0:
        raise ParameterError(f"W has shape {W.shape}: expected (n_units, n_inputs)")
    if sort:
        W = W[np.argsort(np.argmax(np.abs(W), axis=1), kind="stable")]
    ax = _new_ax(ax, (PAGE_WIDTH, 3.2))
    lim = float(np.abs(W).max()) or 1.0
    x0, x1 = (0, W.shape[1]) if extent is None else extent
    ax.imshow(W, aspect="auto", origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim,
              extent=[x0, x1, 0, W.shape[0]])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("unit (sorted)" if sort else "unit")
    if title is not None:
        ax.set_title(title)
    return ax


def conv_filters(components, *, n=8, axes=None, ylabel="", xlabel="step"):
    """The strongest filters of a convolutional layer, one image each (time on x).

    Parameters
    ----------
    components : array_like, shape (n_filters, width, n_channels)
        E.g. :attr:`mirnb.models.crbm.ConvRBM.components_`.
    n : int > 0
        Filters shown: those with the largest summed absolute weight.
    axes : sequence of n matplotlib.axes.Axes, optional
    ylabel, xlabel : str

    Returns
    -------
    sequence of matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    W = np.asarray(components, dtype=np.float64)
    if W.ndim != 3 or W.size == 0:
        raise ParameterError(f"components has shape {W.shape}: expected (n_filters, width, "
                             "n_channels)")
    order = np.argsort(-np.abs(W).sum(axis=(1, 2)))[:max(1, int(n))]
    if axes is None:
        _, axes = plt.subplots(1, len(order), figsize=(min(1.4 * len(order), PAGE_WIDTH), 2),
                               constrained_layout=True, squeeze=False)
        axes = axes[0]
    for ax, k in zip(axes, order):
        lim = float(np.abs(W[k]).max()) or 1.0
        ax.imshow(W[k].T, aspect="auto", origin="lower", cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set(xticks=[], yticks=[], xlabel=xlabel)
    axes[0].set_ylabel(ylabel)
    return axes


def beat_features(chroma, timbre, *, title="", axes=None):
    """One track's beat-aligned chroma and timbre, beats on x (Dieleman et al. 2011).

    Parameters
    ----------
    chroma : array_like, shape (n_beats, 12)
    timbre : array_like, shape (n_beats, n_timbre)
    title : str
    axes : two matplotlib.axes.Axes, optional

    Returns
    -------
    sequence of matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(PAGE_WIDTH, 2.6), constrained_layout=True)
    for ax, X, what, cmap in ((axes[0], chroma, "chroma", "magma"),
                              (axes[1], timbre, "timbre", "RdBu_r")):
        im = ax.imshow(np.asarray(X, dtype=np.float64).T, aspect="auto", origin="lower",
                       cmap=cmap)
        ax.set(title=f"{title} {what}".strip(), xlabel="beat")
        plt.colorbar(im, ax=ax)
    axes[0].set_yticks(range(12), _synth_vocabulary.PITCH_CLASSES)
    return axes


def curve_bands(df, *, x, y, line, panel, panels=None, chance=None, ylabel=None, axes=None):
    """Curves over repeated runs: the mean as a line, the range as a band, one panel per group.

    Parameters
    ----------
    df : pandas.DataFrame
        Long format: one row per (run, ``x``) with columns ``x``, ``y``,
        ``line`` and ``panel``; the runs of one (panel, line) are averaged.
    x, y, line, panel : str
        Column names (e.g. ``'epoch'``, ``'val_accuracy'``, ``'method'``,
        ``'task'``).
    panels : list or None
        Panels in order (default: sorted).
    chance : dict or None
        Panel -> a level drawn as a dotted line.
    ylabel : str or None
    axes : sequence of matplotlib.axes.Axes, optional

    Returns
    -------
    sequence of matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    panels = sorted(df[panel].unique()) if panels is None else list(panels)
    if axes is None:
        _, axes = plt.subplots(1, len(panels), figsize=(min(4.2 * len(panels), PAGE_WIDTH), 3.2),
                               constrained_layout=True, squeeze=False)
        axes = axes[0]
    for ax, p in zip(axes, panels):
        for i, (name, g) in enumerate(df[df[panel] == p].groupby(line, sort=True)):
            stats = g.groupby(x)[y].agg(["mean", "min", "max"])
            ax.plot(stats.index, stats["mean"], color=f"C{i}", label=name)
            ax.fill_between(stats.index, stats["min"], stats["max"], color=f"C{i}", alpha=0.2)
        if chance and p in chance:
            ax.axhline(chance[p], color="k", lw=0.8, ls=":", label="chance")
        ax.set(title=str(p), xlabel=x, ylabel=ylabel or y)
    axes[0].legend(fontsize="small")
    return axes


def grouped_boxes(df, *, x, group, y, ax=None, title=None, xlabel=None, ylabel=None):
    """Box plots of ``y`` for every value of ``x``, side by side per ``group``.

    The medians are joined by a line per group, so the shape of a curve
    over ``x`` (the paper's reading of its box plots) shows at a glance.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per run.
    x, group, y : str
        Columns: the x axis (e.g. frames per block), the groups (e.g. the
        sampling) and the values (e.g. AUC-T).
    ax : matplotlib.axes.Axes, optional
    title, xlabel, ylabel : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    for col in (x, group, y):
        if col not in df.columns:
            raise ParameterError(f"df has no column {col!r}; its columns are {list(df.columns)}")
    ax = _new_ax(ax, (7, 3.5))
    xs = sorted(df[x].unique())
    groups = list(dict.fromkeys(df[group]))
    width = 0.8 / max(1, len(groups))
    for i, g in enumerate(groups):
        sub = df[df[group] == g]
        data = [sub.loc[sub[x] == v, y].to_numpy() for v in xs]
        pos = np.arange(len(xs)) + (i - (len(groups) - 1) / 2) * width
        ax.boxplot(data, positions=pos, widths=0.8 * width, patch_artist=True,
                   boxprops={"facecolor": f"C{i}", "alpha": 0.4}, medianprops={"color": "k"})
        ax.plot(pos, [np.median(d) if len(d) else np.nan for d in data], "o-",
                color=f"C{i}", label=str(g))
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels([str(v) for v in xs])
    ax.set(xlabel=xlabel or x, ylabel=ylabel or y, title=title)
    ax.legend(title=group)
    return ax


# the book's style, and the legibility audit when figure_audit.AUDIT_ENV asks for it
matplotlib.rcParams.update(STYLE)
figure_audit.install()
