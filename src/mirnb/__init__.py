"""mirnb: the helper package of a runnable book on deep learning for music classification.

The book re-implements five papers (Hamel & Eck 2010, Zhang et al. 2015,
Dieleman et al. 2011, Nam et al. 2015, Choi et al. 2016). The package holds
the logic; the notebooks in ``notebooks/`` tell the story.
"""

from .errors import DataError, MirnbError, MissingDataError, ParameterError

__version__ = "0.1.0"

__all__ = ["DataError", "MirnbError", "MissingDataError", "ParameterError", "__version__"]
