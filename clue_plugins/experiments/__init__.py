"""The experiment harnesses behind ``clue-nas search-bench`` and ``clue-nas evaluate-oracle``: not library API.

They run the library (``search/``, ``predictors/``, ``surrogate``) over seeds, datasets, devices and label
budgets, and write the committed results under ``docs/results/``. Their names, arguments and outputs change
when an experiment does; code that uses the package should import from the library modules instead.

- :mod:`~clue_plugins.experiments.search_bench`: the NB201 search experiment (random, RE, FreeREA, CLUE-guided,
  hardware-aware searches); resumable rows in ``rows.jsonl``.
- :mod:`~clue_plugins.experiments.search_report`: those rows -> ``summary.json``, ``search.md`` and plots.
- :mod:`~clue_plugins.experiments.oracle_eval`: the SEval oracle's held-out rank correlation per metric and
  label budget -> ``results.json``, ``results.md`` and plots.
"""
