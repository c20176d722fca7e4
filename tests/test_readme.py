"""README's Python snippets run, in order, in one namespace (a snippet needing NASLib is skipped without it)."""

import importlib.util
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_snippets():
    assert len(SNIPPETS) >= 4


def test_readme_snippets_run(data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # snippets that save files write here
    namespace: dict = {}
    ran = 0
    for code in SNIPPETS:
        if "clue_plugins.naslib" in code and importlib.util.find_spec("naslib") is None:
            continue
        if "clue_plugins.nni" in code and importlib.util.find_spec("nni") is None:
            continue
        exec(compile(code, f"README snippet {ran + 1}", "exec"), namespace)  # noqa: S102 - our own README
        ran += 1
    assert ran >= 3
