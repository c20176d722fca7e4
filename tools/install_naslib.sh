#!/usr/bin/env bash
# Install NASLib (github automl/NASLib, branch Develop) into the current Python environment, on Python 3.11.
# NASLib is not on PyPI and its setup.py refuses Python > 3.9, so this puts the checkout on the path (.pth)
# and installs what it imports, with the pins it needs on 3.11. It edits one line of the checkout:
# `from collections import Iterable` (removed in Python 3.10) -> `from collections.abc import Iterable`.
# Usage: bash tools/install_naslib.sh PATH/TO/NASLib [PYTHON]     (PYTHON default: python)
# Verified on 2026-11-23 with NASLib Develop at 0b51bc18 and torch 2.14.1 / torchvision 0.29.1.
set -euo pipefail
SRC=$(cd "${1:?usage: install_naslib.sh PATH/TO/NASLib [PYTHON]}" && pwd)
PY=${2:-python}
[ -f "$SRC/naslib/__init__.py" ] || { echo "no naslib/ package in $SRC: clone https://github.com/automl/NASLib (branch Develop)" >&2; exit 2; }
"$PY" -m pip install --disable-pip-version-check 'numpy<2' 'scikit-learn<1.6' 'setuptools<81' 'pyro-ppl>=1.9' \
    nasbench-pytorch ConfigSpace pyyaml networkx fvcore lightgbm ngboost xgboost emcee pybnn grakel tqdm \
    scikit-image pytorch-msssim transforms3d six tensorwatch tornado seaborn
grep -rl "from collections import Iterable" "$SRC/naslib" | xargs -r sed -i 's/from collections import Iterable/from collections.abc import Iterable/'
SITE=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$SRC" > "$SITE/naslib.pth"
"$PY" -c "import naslib.predictors, naslib.optimizers; from naslib.defaults.predictor_evaluator import PredictorEvaluator; print('NASLib importable from', '$SRC')"
