"""Prove the non-editable install: build the wheel, install it into a fresh venv, use it from outside the source tree.

    python tools/check_wheel.py [--keep DIR]

The fresh venv gets only the wheel (``--no-deps``); the dependencies (torch, numpy, ...) come from the
environment that runs this script through a ``.pth`` path line, so the check takes seconds instead of a
multi-gigabyte download. A path line does not run that environment's ``.pth`` hooks, so its editable install
of clue-plugins stays invisible: every import must come from the wheel. Needs ``$CLUE_DATA_DIR``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Run inside the fresh venv, from an empty folder, with -I (no script folder, no PYTHON* variables on sys.path).
SMOKE = textwrap.dedent('''
    import importlib, json, pkgutil, subprocess, sys, sysconfig
    from pathlib import Path

    import adapters, clue_plugins

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    for mod in (clue_plugins, adapters):
        where = Path(mod.__file__).resolve()
        assert site in where.parents, f"{mod.__name__} imported from {where}, not from the installed wheel in {site}"
    from clue_plugins.errors import MissingDependencyError

    names, optional = [], []
    for pkg in (clue_plugins, adapters):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".", onerror=lambda name: None):
            names.append(info.name)
            try:
                importlib.import_module(info.name)
            except MissingDependencyError:  # a plugin of a framework that is not installed: refused clearly
                optional.append(info.name)
    for sub in ("predictors", "evaluation", "data", "text", "networks", "search", "experiments", "ops", "naslib", "nni"):
        assert f"clue_plugins.{sub}" in names, f"clue_plugins.{sub} is missing from the wheel"
    from clue_plugins.ops.table import TABLE_PATH
    assert Path(TABLE_PATH).is_file(), "op_metrics.json is missing from the wheel"
    assert list((site / "clue_plugins" / "networks" / "data").glob("*.csv")), "the memory table is missing"

    from adapters import to_spec
    from clue_plugins import data
    from clue_plugins.predictors.clue import CLUEPredictor

    nb201 = data.load_nb201(devices=())
    y = nb201.column("cifar10.test_acc")
    model = CLUEPredictor(seed=0, epochs=5).fit(nb201.specs[:20], y[:20])
    pred = model.predict(nb201.specs[20:30])
    assert pred.shape == (10,) and ((pred > 0) & (pred <= 100)).all(), pred
    cell = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
    out = subprocess.run([str(Path(sys.executable).parent / "clue-nas"), "encode", cell], capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out)["space"] == "nb201"
    print(f"wheel OK: {len(names) - len(optional)} modules imported from {site} ({len(optional)} need a framework "
          f"that is not installed: {', '.join(optional) or 'none'}); CLUE fit on 20 cells, predicted 10; clue-nas encode ran")
''')


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="build and install here instead of a temporary folder")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="clue-wheel-") as tmp:
        work = Path(args.keep or tmp)
        dist = work / "dist"
        # build from a copy: setuptools reuses a build/ folder, whose stale modules would end up in the wheel
        source = work / "source"
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info",
                                                                      "__pycache__", ".pytest_cache", ".hypothesis"))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                        "--disable-pip-version-check", "-w", str(dist), str(source)], check=True)
        wheel = next(dist.glob("clue_plugins-*.whl"))
        env_dir = work / "venv"
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        py = env_dir / "bin" / "python"
        site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   capture_output=True, text=True, check=True).stdout.strip())
        (site / "_clue_check_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                        "--disable-pip-version-check", str(wheel)], check=True)
        run = work / "elsewhere"
        run.mkdir(exist_ok=True)
        return subprocess.run([str(py), "-I", "-c", SMOKE], cwd=run).returncode


if __name__ == "__main__":
    sys.exit(main())
