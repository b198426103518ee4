"""Evaluation sets for demand matching: a held-out test set and a separate tuning (dev) set."""
