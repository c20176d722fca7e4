"""The CLUE-NAS paper's evaluation protocols, iso-grouped splits, rank metrics and reports."""
