"""Shared fixtures: the benchmark data folder comes from $CLUE_DATA_DIR (CI: ../shared/data)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
if not os.environ.get("CLUE_DATA_DIR") and _SHARED.exists():
    os.environ["CLUE_DATA_DIR"] = str(_SHARED)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ.get("CLUE_DATA_DIR", ""))
    if not (path / "nb201").exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the benchmark data; CLUE_DATA_DIR={path} has no nb201/")
        pytest.skip("benchmark data not found: set CLUE_DATA_DIR (see README)")
    return path


@pytest.fixture(scope="session")
def nb201_table(data_dir):
    from clue_plugins.data import load_nb201

    return load_nb201()


@pytest.fixture(scope="session")
def nb101_table(data_dir):
    from clue_plugins.data import load_nb101_zc

    return load_nb101_zc()


@pytest.fixture(scope="session")
def nb301_table(data_dir):
    from clue_plugins.data import load_nb301_zc

    return load_nb301_zc()
