"""Run the ```python blocks of a Markdown page (README, docs), in order, in one namespace."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

FRAMEWORKS = ("naslib", "nni")


def python_snippets(page: Path) -> list[str]:
    """The page's Python blocks; indented ones (inside list items) are dedented by their fence's indentation."""
    found = re.findall(r"^([ \t]*)```python\n(.*?)^\1```", page.read_text(), flags=re.S | re.M)
    return ["\n".join(line[len(indent):] for line in code.splitlines()) for indent, code in found]


def missing_framework(code: str) -> str | None:
    """The optional framework a snippet imports (directly or through our plugin) that is not installed."""
    for module in FRAMEWORKS:
        if re.search(rf"^\s*(from|import) {module}\b|clue_plugins\.{module}\b", code, flags=re.M) \
                and importlib.util.find_spec(module) is None:
            return module
    return None


def run_snippets(page: Path) -> int:
    """Execute the page's snippets in order (skipping those whose framework is missing); how many ran."""
    namespace: dict = {"__name__": f"snippets_{page.stem}"}
    ran = 0
    for i, code in enumerate(python_snippets(page), 1):
        if missing_framework(code):
            continue
        # dont_inherit: the snippet runs as a user would run it, without this module's __future__ imports
        exec(compile(code, f"{page.name} snippet {i}", "exec", dont_inherit=True), namespace)  # noqa: S102
        ran += 1
    return ran
