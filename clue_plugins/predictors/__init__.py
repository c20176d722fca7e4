"""Predictors as scikit-learn-style estimators: CLUE-NAS, the SEval-NAS oracle, and the baselines."""
