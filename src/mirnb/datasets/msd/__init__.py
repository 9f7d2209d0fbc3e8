"""The Million Song Dataset: HDF5 reader and writer in the real schema
(:mod:`.schema`, which describes the file layout), the :class:`MSD` loader
(:mod:`.dataset`), and the label and side-file helpers (:mod:`.labels`).
"""

from .dataset import MSD, MSDTrack
from .labels import (drop_duplicates, key_labels, mbtag_genres, read_duplicates,
                     read_lastfm_tags, read_split_file, tag_matrix, top_artists)
from .schema import ANALYSIS_ARRAYS, MSDRecord, h5_path, read_h5, write_h5

__all__ = ["MSD", "MSDTrack", "MSDRecord", "read_h5", "write_h5", "h5_path",
           "top_artists", "mbtag_genres", "key_labels", "read_duplicates",
           "drop_duplicates", "read_lastfm_tags", "tag_matrix", "read_split_file",
           "ANALYSIS_ARRAYS"]
