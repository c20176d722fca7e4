"""Every example notebook runs top to bottom with CI's small parameters (tools/run_notebooks.py)."""

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("nbclient", reason="needs the test extra (nbclient, ipykernel)")
_TOOL = Path(__file__).resolve().parents[1] / "tools" / "run_notebooks.py"
_spec = importlib.util.spec_from_file_location("run_notebooks", _TOOL)
runner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runner)
NOTEBOOKS = sorted(runner.EXAMPLES.glob("*.ipynb"))


def test_every_notebook_has_small_parameters():
    assert len(NOTEBOOKS) == 6
    assert {p.name for p in NOTEBOOKS} == set(runner.SMALL)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, data_dir):
    book = runner.run_notebook(path, small=True)
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert any(o.output_type == "display_data" for c in book.cells for o in c.get("outputs", []))  # a plot was drawn
