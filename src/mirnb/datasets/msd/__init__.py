"""The Million Song Dataset: HDF5 reader and writer in the real schema
(:mod:`.schema`, which describes the file layout), the :class:`MSD` loader
(:mod:`.dataset`), the label and side-file helpers (:mod:`.labels`), the tasks of
Dieleman et al. 2011 (:mod:`.tasks`) and the sharded beat-feature job (:mod:`.shards`).
"""

from .dataset import MSD, MSDTrack
from .labels import (drop_duplicates, key_labels, mbtag_genres, read_duplicates,
                     read_lastfm_tags, read_split_file, tag_matrix, top_artists)
from .schema import ANALYSIS_ARRAYS, MSDRecord, h5_path, read_h5, write_h5
from .shards import BeatShards, ShardReport, write_beat_shards
from .tasks import (DIELEMAN_GENRES, TaskSubset, artist_task, balanced_split, balanced_subset,
                    dieleman_genre_table, genre_task, key_task, pretraining_ids, task_table,
                    usable_tracks)

__all__ = ["MSD", "MSDTrack", "MSDRecord", "read_h5", "write_h5", "h5_path",
           "top_artists", "mbtag_genres", "key_labels", "read_duplicates",
           "drop_duplicates", "read_lastfm_tags", "tag_matrix", "read_split_file",
           "ANALYSIS_ARRAYS", "write_beat_shards", "BeatShards", "ShardReport", "DIELEMAN_GENRES",
           "TaskSubset", "balanced_subset", "balanced_split", "artist_task", "genre_task",
           "key_task", "pretraining_ids", "dieleman_genre_table", "usable_tracks", "task_table"]
