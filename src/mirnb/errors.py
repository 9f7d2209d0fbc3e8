"""Errors raised by mirnb.

Every error names the thing that is wrong and, where there is one, the fix.
"""

__all__ = ["MirnbError", "ParameterError", "DataError", "MissingDataError"]


class MirnbError(Exception):
    """Base class of every error mirnb raises on purpose."""


class ParameterError(MirnbError, ValueError):
    """A parameter is out of its allowed range or of the wrong kind.

    The message names the parameter, the value given and what is allowed,
    after librosa's ``ParameterError``.
    """


class DataError(MirnbError):
    """A data file is unreadable, silent, too short or otherwise unusable."""


class MissingDataError(DataError, FileNotFoundError):
    """A dataset, or a file of it, is not where it is expected.

    The message says which files are expected where, and how to get them.
    """
