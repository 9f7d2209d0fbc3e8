"""Reading the datasets' own files strictly: index tables, text, hidden files, duplicates.

The loaders read their index files (csv/tsv) and folders through these
helpers, so that every malformed file is a :class:`~mirnb.DataError` naming
the file, the line and the fix, never a pandas traceback or a silently wrong
table.
"""

import codecs
import csv
import io
import logging
from pathlib import Path

import pandas as pd

from ..errors import DataError

__all__ = ["is_hidden", "read_text", "read_table", "check_unique"]

log = logging.getLogger("mirnb.datasets")

def is_hidden(path):
    """True for a hidden file or folder: its name starts with ``'.'``.

    The loaders ignore them everywhere, e.g. macOS's AppleDouble files
    (``._disco.00000.wav``) and ``.DS_Store``.
    """
    return Path(path).name.startswith(".")


def read_text(path, *, what):
    """Decode a dataset's text file.

    UTF-8 is expected (a UTF-8 BOM is dropped; a UTF-16 file with its BOM is
    read as UTF-16). A file that is not UTF-8 is read as Latin-1, which
    keeps every byte, and a warning names the first bad byte's line.

    Parameters
    ----------
    path : Path
    what : str
        What the file should hold, for the messages.

    Returns
    -------
    str

    Raises
    ------
    DataError
        The file cannot be read, is empty (zero bytes or only blanks), or
        holds a NUL byte.
    """

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read {path} ({err}); check the file and its "
                        "permissions") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise DataError(f"{path} starts with a UTF-16 byte-order mark but is not "
                            f"UTF-16 ({err}); re-save it as UTF-8") from None
    else:
        if data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8):]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data.count(b"\n", 0, err.start) + 1
            log.warning("%s, line %d: byte 0x%02x is not UTF-8; the file is read as "
                        "Latin-1 (re-save it as UTF-8 to silence this)", path, line,
                        data[err.start])
            text = data.decode("latin-1")
    if not text.strip():
        raise DataError(f"{path} is empty ({len(data)} bytes); expected {what}")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DataError(f"{path}, line {line}: a NUL byte; the file is binary, damaged, or "
                        f"UTF-16 without a byte-order mark: re-save it as UTF-8 text with "
                        f"{what}")
    return text


_SEP_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", " ": "space"}


def read_table(path, *, sep, what, columns=()):
    """Read a dataset's delimited text table (csv / tsv), checking every line.

    Fields may be quoted with ``"``; blank lines are skipped; Windows and
    old Mac line endings are accepted. Every value is kept as a str.

    Parameters
    ----------
    path : Path
    sep : str
        The field delimiter, e.g. ``'\\t'``.
    what : str
        What the file should hold (its expected header), for the messages.
    columns : sequence of str
        Columns the file must have.

    Returns
    -------
    pandas.DataFrame
        One str column per header field; ``frame.attrs['lines']`` holds each
        row's line number in the file (1-based).

    Raises
    ------
    DataError
        The file is empty, holds a header only, cannot be parsed, has a line
        with more or fewer fields than its header, a duplicate or unnamed
        column, or lacks one of ``columns`` (the message says when the file
        looks separated by another delimiter).
    """
    path = Path(path)
    text = read_text(path, what=what)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"')
    header, rows, lines, end = None, [], [], 0
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if any("\n" in f or "\r" in f for f in row):
                raise DataError(f"{path}, line {start}: a quoted field runs on to line "
                                f"{end}; is a closing '\"' missing? Expected {what}")
            if header is None:
                header = [h.strip() for h in row]
                continue
            if len(row) != len(header):
                raise DataError(f"{path}, line {reader.line_num}: {len(row)} fields where "
                                f"the header has {len(header)} ({_sep_name(sep)}-separated); "
                                f"expected {what}: fix or delete the line")
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as err:
        raise DataError(f"cannot parse {path}, line {reader.line_num}: {err}; expected "
                        f"{what}") from None
    if header is None:
        raise DataError(f"{path} holds no header and no rows; expected {what}")
    missing = [c for c in columns if c not in header]
    if missing:
        others = [s for s in _SEP_NAMES if s not in (sep, " ")
                  and any(s in h for h in header)]
        hint = (f"; it looks {_sep_name(others[0])}-separated, not "
                f"{_sep_name(sep)}-separated" if others else "")
        shown = header if len(header) <= 8 else header[:8] + ["..."]
        raise DataError(f"{path} has no column {', '.join(map(repr, missing))} (its header "
                        f"is {shown}){hint}. Expected {what}")
    for i, name in enumerate(header):
        if not name:
            raise DataError(f"{path}: column {i + 1} of the header has no name (a stray "
                            f"delimiter?); expected {what}")
        if header.index(name) != i:
            raise DataError(f"{path}: the header names the column {name!r} twice; "
                            "every column needs its own name")
    if not rows:
        raise DataError(f"{path} holds a header but no rows; expected {what}")
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    frame.attrs["lines"] = lines
    return frame


def _sep_name(sep):
    return _SEP_NAMES.get(sep, repr(sep))


def check_unique(values, *, where, lines=None, what="track id"):
    """Raise a :class:`DataError` naming both places where a value is repeated.

    Parameters
    ----------
    values : sequence of str
    where : str or Path or sequence
        The file the values come from (one for all), or one place per value
        (e.g. the files that give each track id).
    lines : sequence of int, optional
        The values' line numbers in ``where``.
    what : str
        What the values are, for the message.
    """
    first = {}
    for i, v in enumerate(values):
        j = first.setdefault(v, i)
        if j == i:
            continue
        if lines is not None:
            raise DataError(f"{where}: {what} {v!r} appears twice, on lines {lines[j]} and "
                            f"{lines[i]}; each {what} must be unique: delete one")
        if isinstance(where, (str, Path)):
            raise DataError(f"{where}: {what} {v!r} appears twice; each {what} must be "
                            "unique: delete one")
        raise DataError(f"two files give the {what} {v!r}: {where[j]} and {where[i]}; "
                        "keep one of them (delete or move the other)")
