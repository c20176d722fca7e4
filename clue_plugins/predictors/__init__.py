"""Predictors as scikit-learn estimators: CLUE-NAS (``clue``), the SEval-NAS oracle (``seval``), the baselines
(``baselines``); ``base`` holds the shared estimator contract, ``training`` the one training loop and ranking loss."""
