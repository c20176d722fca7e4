# `make run`: set up a venv and run the main job (CLUE-NAS on 100 NB201 cells, then a 60-query guided evolution). `make test`: set up and run the test suite.
# Setting up includes embedding the NB201 prompts once (cached on disk), so the main job itself takes under 30 s.
VENV ?= .venv
PY := $(VENV)/bin/python
# The shared benchmark data sits beside the checkout in development and CI; users set their own.
CLUE_DATA_DIR ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),)
export CLUE_DATA_DIR
# Keep model downloads out of tests and runs: everything must come from local files.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test bench clean

$(VENV)/.installed: setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[all,test]'
	@# one-time: embed the prompts of every NB201 cell into the package's cache (about 75 s on 2 cores), so that
	@# the main job and the tests find them; skipped without the benchmark data
	if [ -n "$(CLUE_DATA_DIR)" ]; then $(VENV)/bin/clue-nas summary --spaces nb201 --embed; fi
	touch $@

install: $(VENV)/.installed

run: $(VENV)/.installed
	$(VENV)/bin/clue-nas summary --spaces nb201
	$(VENV)/bin/clue-nas demo --budget 100 --search 60

# Tests run in two processes of one torch thread each (two threads each oversubscribe two cores), after
# one process has cached the prompt embeddings of every NB201 cell that many tests predict. They run next to
# a real single-node Ray head (a free local port, stopped at the end whatever happens) that tests/test_ray.py
# connects to through $$RAY_TEST_ADDRESS.
test: $(VENV)/.installed
	$(VENV)/bin/clue-nas summary --spaces nb201 --embed
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 tools/with_ray_head.sh $(VENV) $(PY) -m pytest -n 2 -q --durations=15

bench: $(VENV)/.installed
	$(PY) benchmarks/bench_representation.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
