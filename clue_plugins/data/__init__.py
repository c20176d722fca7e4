"""Benchmark data: loaders from ``$CLUE_DATA_DIR`` into :class:`BenchmarkTable` (ArchSpecs + metrics).

``load(space)`` gives the default labelled set of each space: all of NB201, NASLib's NB101 and NB301
zero-cost samples. Official files (NASLib pickles, ``nasbench_only108.pkl``, NNI's database) have
loaders of their own. Files with a published sha256 are verified when read (``CLUE_VERIFY_DATA=0`` or
``verify=False`` opts out); pickled files are read by a restricted unpickler, and the on-disk table
cache is an ``.npz`` read without pickle: no data or cache file can run code.
"""

from __future__ import annotations

from clue_plugins.data.nb101 import load_nasbench_only108, load_nb101_zc
from clue_plugins.data.nb201 import DATASETS, DEVICES, load_nb201, load_nb201_zc
from clue_plugins.data.nb301 import SURROGATE_NOTE, load_nb301_archs, load_nb301_zc
from clue_plugins.data.official import load_naslib_nb201, load_nni_nb201
from clue_plugins.data.sources import FILES, data_dir, locate
from clue_plugins.data.table import BenchmarkTable
from clue_plugins.spaces.registry import SpaceView, get_space, spaces


def load(space: str, verify: bool | None = None) -> BenchmarkTable:
    """The default labelled table of ``space`` (``nb101``, ``nb201``, ``nb301`` or a registered space: its
    descriptor's ``load_benchmark``).

    Data files are checked against their published sha256 and a damaged one is refused with
    :class:`~clue_plugins.errors.DataIntegrityError`; ``verify=False`` (or ``CLUE_VERIFY_DATA=0``) loads
    files you changed on purpose.
    """
    return get_space(space).load_benchmark(verify=verify)


#: Default accuracy column of each space's default table (a live view of the space descriptors).
ACCURACY_COLUMN = SpaceView(lambda: {s.name: s.accuracy_column for s in spaces() if s.accuracy_column}, "space")

__all__ = [
    "ACCURACY_COLUMN", "DATASETS", "DEVICES", "FILES", "SURROGATE_NOTE", "BenchmarkTable", "data_dir", "load",
    "load_nasbench_only108", "load_naslib_nb201", "load_nb101_zc", "load_nb201", "load_nb201_zc", "load_nb301_archs",
    "load_nb301_zc", "load_nni_nb201", "locate",
]
