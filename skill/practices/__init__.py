"""The domain without I/O: breathing patterns, meditation choices, moods, crisis lexicon."""
