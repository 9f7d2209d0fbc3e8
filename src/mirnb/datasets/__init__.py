"""Datasets with one interface (after mirdata): real GTZAN, MagnaTagATune,
MSD, MajorMiner and ISMIR2004Genre on disk, and the synthetic corpus
written in their layouts."""

from .. import _check
from .core import (AUDIO_EXTENSIONS, SPLIT_KINDS, Dataset, Moved, Skipped, Split,
                   TaggedDataset, Track, ValidationReport, data_home, map_tracks,
                   stratified_kfold, stratified_split)

__all__ = ["AUDIO_EXTENSIONS", "SPLIT_KINDS", "Dataset", "Moved", "Skipped", "Split",
           "TaggedDataset", "Track", "ValidationReport", "data_home", "load",
           "map_tracks", "stratified_kfold", "stratified_split"]

NAMES = ("gtzan", "mtat", "msd", "majorminer", "ismir2004")


def load(name, *, data_home=None, synth=None):
    """Return a dataset by name.

    Parameters
    ----------
    name : {'gtzan', 'mtat', 'msd', 'majorminer', 'ismir2004'}
    data_home : str or Path, optional
        Folder holding the real datasets (default ``$MIRNB_DATA`` or
        ``~/mir_datasets``).
    synth : {'smoke', 'default'} or None
        Use the synthetic view of this profile instead of the real data
        (generated if missing).
    """
    _check.choice("name", name, NAMES)
    if synth is not None:
        from .. import synth as _synth

        return _synth.load(name, synth, data_home=data_home)
    return dataset_class(name)(data_home=data_home)


def dataset_class(name):
    """Return the loader class for ``name`` ('gtzan', 'mtat', 'msd', 'majorminer' or
    'ismir2004')."""
    import importlib

    _check.choice("name", name, NAMES)
    module = importlib.import_module(f"{__name__}.{name}")
    classes = {"gtzan": "GTZAN", "mtat": "MTAT", "msd": "MSD", "majorminer": "MajorMiner",
               "ismir2004": "ISMIR2004"}
    return getattr(module, classes[name])
