"""Datasets with one interface (after mirdata): real GTZAN, MagnaTagATune and
MSD on disk, and the synthetic corpus written in their layouts."""

from .core import (Dataset, Skipped, Track, ValidationReport, data_home, map_tracks,
                   stratified_kfold, stratified_split)
from ..errors import ParameterError

__all__ = ["Dataset", "Skipped", "Track", "ValidationReport", "data_home", "load",
           "map_tracks", "stratified_kfold", "stratified_split"]

NAMES = ("gtzan", "mtat", "msd", "majorminer")


def load(name, *, data_home=None, synth=None):
    """Return a dataset by name.

    Parameters
    ----------
    name : {'gtzan', 'mtat', 'msd', 'majorminer'}
    data_home : str or Path, optional
        Folder holding the real datasets (default ``$MIRNB_DATA`` or
        ``~/mir_datasets``).
    synth : {'smoke', 'default'} or None
        Use the synthetic view of this profile instead of the real data
        (generated if missing).
    """
    if name not in NAMES:
        raise ParameterError(f"dataset name={name!r}: expected one of {list(NAMES)}")
    if synth is not None:
        from . import synth as _synth

        return _synth.load(name, synth, data_home=data_home)
    return dataset_class(name)(data_home=data_home)


def dataset_class(name):
    """Return the loader class for ``name`` ('gtzan', 'mtat', 'msd' or 'majorminer')."""
    import importlib

    if name not in NAMES:
        raise ParameterError(f"dataset name={name!r}: expected one of {list(NAMES)}")
    module = importlib.import_module(f"{__name__}.{name}")
    classes = {"gtzan": "GTZAN", "mtat": "MTAT", "msd": "MSD", "majorminer": "MajorMiner"}
    return getattr(module, classes[name])
