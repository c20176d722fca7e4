"""Every Python snippet in docs/*.md runs: one test per page, its snippets in order in one namespace.

A page's snippets that need NASLib or NNI are skipped when that framework is not installed (CI has NNI,
not NASLib); everything else must run as written. Pages whose snippets are full-size searches (minutes
of CPU each: search.md ~12 min, nni.md ~2 min on one core) run with ``CLUE_HEAVY_TESTS=1``; in CI, README's
snippets and tests/search run the same functions (the 60-query CLUE evolution, NNI's evolution with a
latency head, FreeREA with proxies), some at smaller sizes.
"""

import os
from pathlib import Path

import pytest
from _snippets import run_snippets

DOCS = Path(__file__).resolve().parents[1] / "docs"
HEAVY = {"search.md", "nni.md"}
PAGES = [pytest.param(p, id=p.name, marks=[pytest.mark.heavy] if p.name in HEAVY else [])
         for p in sorted(DOCS.glob("*.md")) if "```python" in p.read_text()]


def test_docs_have_snippets():
    assert {p.values[0].name for p in PAGES} >= {"clue.md", "seval.md", "search.md", "extending.md", "nni.md", "naslib.md"}


@pytest.mark.parametrize("page", PAGES)
def test_doc_snippets_run(page, request, data_dir, tmp_path, monkeypatch):
    if request.node.get_closest_marker("heavy") and os.environ.get("CLUE_HEAVY_TESTS") != "1":
        pytest.skip(f"{page.name}: full-size searches; run with CLUE_HEAVY_TESTS=1")
    monkeypatch.chdir(tmp_path)  # snippets that save files write here
    if not run_snippets(page):
        pytest.skip(f"every snippet of {page.name} needs a framework that is not installed")
