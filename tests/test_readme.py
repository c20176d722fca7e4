"""README's Python snippets run, in order, in one namespace (a snippet needing NASLib or NNI is skipped without it)."""

from pathlib import Path

from _snippets import python_snippets, run_snippets

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_has_snippets():
    assert len(python_snippets(README)) >= 4


def test_readme_snippets_run(data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # snippets that save files write here
    assert run_snippets(README) >= 3
