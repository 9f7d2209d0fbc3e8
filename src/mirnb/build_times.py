"""Where a build's time went: the timing table of ``mirnb run`` and the appendix page.

:mod:`mirnb.timing` records each chapter's seconds per phase; :mod:`mirnb.run`
stores them in the executed notebooks. This module only formats them: the
text table printed after a run (:func:`table`) and the Markdown of the book's
appendix, "How long this book took to build" (:func:`page`).
"""

from datetime import datetime

from . import timing

__all__ = ["COLUMNS", "table", "page"]

#: Seconds columns of the timing tables: the phases, the time in none, and the total.
COLUMNS = (*timing.PHASES, "other", "total")


def _row_seconds(timings):
    """``{column: seconds}`` of a timings record (see :func:`mirnb.run.execute`)."""
    return {**timings["seconds"], "total": timings["total"]}


def table(outcomes):
    """Where the time of a build went: seconds per chapter and phase, as text.

    Parameters
    ----------
    outcomes : list of Outcome
        From :func:`mirnb.run.run`.

    Returns
    -------
    str
        One row per chapter, columns :data:`mirnb.timing.PHASES`, ``other``
        and ``total`` (seconds, one decimal), then the build's total. A
        chapter that was not executed shows ``unchanged`` and does not count
        in the total; a failed one counts with the time it ran.
    """
    labels = [o.chapter + ("" if o.ok else " (failed)") for o in outcomes]
    width = max(map(len, labels + ["chapter"])) + 2
    lines = ["chapter".ljust(width) + "".join(f"{c:>12}" for c in COLUMNS)]
    total = dict.fromkeys(COLUMNS, 0.0)
    for label, o in zip(labels, outcomes):
        if o.unchanged:
            lines.append(label.ljust(width) + f"{'-':>12}" * (len(COLUMNS) - 1)
                         + f"{'unchanged':>12}")
            continue
        row = (_row_seconds(o.timings) if o.timings
               else {**dict.fromkeys(COLUMNS, 0.0), "other": o.seconds, "total": o.seconds})
        for c in COLUMNS:
            total[c] += row[c]
        lines.append(label.ljust(width) + "".join(f"{row[c]:>12.1f}" for c in COLUMNS))
    lines.append("total".ljust(width) + "".join(f"{total[c]:>12.1f}" for c in COLUMNS))
    return "\n".join(lines)


def page(chapters, measured=None):
    """Markdown of the book's appendix page "How long this book took to build".

    Parameters
    ----------
    chapters : list of (str, dict)
        Each chapter's name and its executed notebook's metadata (its
        ``mirnb`` timings, see :func:`mirnb.run.execute`, and papermill's
        parameters and times); ``{}`` for a chapter not executed.
    measured : dict, optional
        The last record of ``benchmarks/book_build.py``: cold, warm and
        unchanged builds from a fresh clone, shown after the chapters.

    Returns
    -------
    str
    """
    rows, machines, total, spans = [], {}, dict.fromkeys(COLUMNS, 0.0), []
    for name, meta in chapters:
        pm = meta.get("papermill") or {}
        t = (meta.get("mirnb") or {}).get("timings")
        profile = (pm.get("parameters") or {}).get("profile", "")
        when = (pm.get("end_time") or "")[:16].replace("T", " ")
        if t:
            row = _row_seconds(t)
            cells = [f"{row[col]:.1f}" for col in COLUMNS]
            for col in COLUMNS:
                total[col] += row[col]
            threads = t.get("threads", t["cpus"])
            machine = (f"{t['cpus']} CPUs, {t['platform']}, Python {t['python']}, "
                       f"Keras backend {t['backend']}"
                       + (f"; {threads} thread(s) per chapter, chapters run in parallel"
                          if threads < t["cpus"] else ""))
            machines.setdefault(machine, []).append(name)
        else:
            cells = ["not recorded"] + [""] * (len(COLUMNS) - 1)
        rows.append(f"| {name} | {profile} | " + " | ".join(cells) + f" | {when or '—'} |")
        if pm.get("start_time") and pm.get("end_time"):
            spans.append((pm["start_time"], pm["end_time"]))
    head = ["chapter", "profile", *COLUMNS, "executed (UTC)"]
    lines = [
        "# How long this book took to build", "",
        "Wall seconds of each chapter's last execution, by phase: making the synthetic "
        "corpus, features, training and evaluation. *other* is the time in no phase: "
        "starting the kernel, plots, t-SNE maps and the like.", "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * 2 + "---:|" * len(COLUMNS) + "---|", *rows,
        "| **all chapters** | | " + " | ".join(f"**{total[c]:.1f}**" for c in COLUMNS)
        + " | |", "",
        "A chapter whose code, notebook, parameters and corpus have not changed since it "
        "was last executed is not executed again: it keeps the timings of the run that "
        "produced it, and the date of that run. *not recorded*: the chapter was executed "
        "before its timings were kept.", ""]
    wall = _span_seconds(spans)
    if wall is not None:
        start, end = min(a for a, _ in spans), max(b for _, b in spans)
        lines += [f"The chapters above were executed between {start[:16].replace('T', ' ')} "
                  f"and {end[:16].replace('T', ' ')} UTC, {wall / 60:.1f} minutes apart: the "
                  "build's wall time when they all ran in one build. Where chapters ran in "
                  "parallel (see the machine below), the sum of their totals exceeds that "
                  "wall time, and each chapter took longer than it would on its own.", ""]
    lines += ["## The machine", ""]
    lines += [f"- {m}: {', '.join(names)}" for m, names in machines.items()] or \
        ["No chapter recorded its machine."]
    return "\n".join(lines + _measured_builds(measured)) + "\n"


def _span_seconds(spans):
    """Seconds from the first start to the last end of ``(start, end)`` ISO times
    (None if there are none, or papermill did not write one)."""
    try:
        start, end = min(a for a, _ in spans), max(b for _, b in spans)
        return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except (ValueError, TypeError):
        return None


def _measured_builds(b):
    """Appendix lines for a ``benchmarks/book_build.py`` record ([] if none)."""
    try:
        phases, machine = b["phases"], b["machine"]
    except (KeyError, TypeError):
        return []
    rows = []
    for name, p in phases.items():
        longest = p.get("longest_chapter_s")
        rows.append(f"| {name} | `{p['command']}` | {p['wall_s'] / 60:.1f} | "
                    f"{p['target_s'] / 60:.0f} | {p['chapters_executed']} | "
                    + (f"{longest / 60:.1f}" if longest else "—")
                    + (" |" if p["rc"] == 0 else " (failed) |"))
    return ["", "## Builds from a fresh clone", "",
            f"Measured by `benchmarks/book_build.py` on {b['measured']}, at commit "
            f"{b['commit']}, profile {b['profile']}, {b['jobs']} chapters at a time, on "
            f"{machine['cpu_count']} CPUs ({machine['platform']}). *cold*: a fresh clone, "
            "no environment, corpus or cache; *warm*: everything kept, every chapter "
            "executed again; *unchanged*: nothing to execute. Minutes of the whole "
            "`make book`; the targets are the project's, for 2 cores.", "",
            "| build | command | minutes | target | chapters executed | longest chapter, "
            "minutes |", "|---|---|---:|---:|---:|---:|", *rows]
