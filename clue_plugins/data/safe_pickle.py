"""Read the pickled benchmark files (HELP latency ``.pt``, NASLib ``.pkl`` / ``.pickle``) without running code.

A pickle is a program: loading one with :func:`pickle.load` lets the file call any importable function
(``os.system``...). The benchmark files only hold plain containers, numbers, strings and numpy arrays,
so :func:`restricted_loads` runs the pickle with an unpickler whose ``find_class`` allows only the
handful of numpy reconstruction functions such data needs, and refuses everything else, and whose
``persistent_load`` refuses torch storages. A file that asks for anything more is refused with
:class:`DataIntegrityError` before a single call is made.
"""

from __future__ import annotations

import _compat_pickle
import io
import pickle
import zipfile
from pathlib import Path
from typing import Any

from clue_plugins.errors import DataIntegrityError

#: (module, name) a benchmark pickle may reference: containers and numpy array/scalar reconstruction only.
ALLOWED_GLOBALS: frozenset[tuple[str, str]] = frozenset({
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"), ("builtins", "slice"),
    ("builtins", "bytearray"), ("collections", "OrderedDict"), ("_codecs", "encode"),
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
})


def _resolve(module: str, name: str) -> Any:
    import builtins
    import codecs
    import collections

    import numpy as np

    if module == "builtins":
        return getattr(builtins, name)
    if module == "collections":
        return getattr(collections, name)
    if module == "_codecs":
        return codecs.encode
    if module == "numpy":
        return getattr(np, name)
    # numpy.core was renamed numpy._core in numpy 2; both spellings name the same functions
    core = getattr(np, "_core", None) or np.core
    part = module.rsplit(".", 1)[1]
    return getattr(getattr(core, part), name)


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that builds only :data:`ALLOWED_GLOBALS` and refuses persistent ids."""

    def __init__(self, fh: Any, source: str) -> None:
        super().__init__(fh)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        # Python 2 spellings (protocols 0-2 write builtins as __builtin__): mapped as pickle itself maps them
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        if (module, name) in ALLOWED_GLOBALS:
            return _resolve(module, name)
        raise pickle.UnpicklingError(
            f"it asks to import {module}.{name}, which a benchmark file never needs (only lists, dicts, numbers, "
            "strings and numpy arrays are read); nothing from it was run"
        )

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("it holds torch storages (tensors); benchmark files hold plain lists")


def restricted_loads(data: bytes, source: str | Path, fix: str) -> Any:
    """Unpickle ``data`` (read from ``source``) with :class:`RestrictedUnpickler`; ``fix`` tells the user what to do."""
    try:
        return RestrictedUnpickler(io.BytesIO(data), str(source)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            UnicodeDecodeError, MemoryError, OverflowError) as exc:
        raise DataIntegrityError(f"{source} was not loaded: it is not a plain benchmark pickle ({exc}). {fix}") from None


def load_torch_payload(data: bytes, source: str | Path, fix: str) -> Any:
    """The object in a ``torch.save`` zip archive (its ``data.pkl``) when it holds no tensors, read without torch."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            name = next(n for n in zf.namelist() if n.endswith("data.pkl"))
            payload = zf.read(name)
    except (zipfile.BadZipFile, StopIteration, OSError, EOFError, KeyError, ValueError) as exc:
        what = "it has no data.pkl" if isinstance(exc, StopIteration) else f"{type(exc).__name__}: {exc}"
        raise DataIntegrityError(f"{source} is not a torch-saved file ({what}). {fix}") from None
    return restricted_loads(payload, source, fix)
