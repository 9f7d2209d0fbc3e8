"""The Million Song Dataset: HDF5 reader and writer in the real schema
(:mod:`.schema`), the :class:`MSD` loader (:mod:`.dataset`), and the label
and side-file helpers (:mod:`.labels`).

The MSD has no audio. Each track is one HDF5 file (written by PyTables) at
``data/<A>/<B>/<C>/<TRACKID>.h5``, where A, B, C are the 3rd, 4th and 5th
characters of the track id (``TRAAABD128F429CF47`` lives in
``data/A/A/A/``). A file holds three groups:

``analysis/``
    The Echo Nest analysis: a one-row compound table ``songs`` (key, mode,
    tempo, duration, time signature, loudness, fades, sample rate, track id,
    their confidences and ``idx_*`` offsets), and one extendable float64
    array per segment / beat / bar / tatum / section field, e.g.
    ``segments_pitches`` (n x 12) and ``segments_timbre`` (n x 12).
``metadata/``
    A one-row table ``songs`` (artist and song ids and names, release,
    7digital ids, familiarity, hotttnesss, location, ...), the artist's Echo
    Nest terms with their frequencies and weights, and ``similar_artists``.
``musicbrainz/``
    A one-row table ``songs`` (year) and the artist's MusicBrainz tags with
    their counts.

The ``idx_*`` fields give where each song's rows start in the arrays; they
matter only in aggregate files that hold several songs, and are 0 in the
per-track files. :func:`read_h5` honours them (``songidx``); :func:`write_h5`
writes one song per file with the offsets at 0, as the real files do.

:func:`write_h5` writes a file in the same schema, with the same groups,
datasets, dtypes, compound fields, chunking, compression and PyTables
attributes, so the synthetic corpus (:mod:`mirnb.analysis` run on rendered
audio) is read by the same :class:`MSD` loader as the real data.

References
----------
.. [1] T. Bertin-Mahieux, D. P. W. Ellis, B. Whitman and P. Lamere, "The
   Million Song Dataset", ISMIR 2011. http://millionsongdataset.com
.. [2] S. Dieleman, P. Brakel and B. Schrauwen, "Audio-based music
   classification with a pretrained convolutional network", ISMIR 2011
   (artist, genre and key tasks on MSD features).
.. [3] K. Choi, G. Fazekas and M. Sandler, "Automatic tagging using deep
   convolutional neural networks", ISMIR 2016 (the Last.fm top-50 tags).
"""

from .dataset import MSD, MSDTrack
from .labels import (drop_duplicates, key_labels, mbtag_genres, read_duplicates,
                     read_lastfm_tags, read_split_file, tag_matrix, top_artists)
from .schema import ANALYSIS_ARRAYS, MSDRecord, h5_path, read_h5, write_h5

__all__ = ["MSD", "MSDTrack", "MSDRecord", "read_h5", "write_h5", "h5_path",
           "top_artists", "mbtag_genres", "key_labels", "read_duplicates",
           "drop_duplicates", "read_lastfm_tags", "tag_matrix", "read_split_file",
           "ANALYSIS_ARRAYS"]
