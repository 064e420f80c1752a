"""Benchmarks of the running platform: `civicfutures bench ...` (see `cli/bench.py`)."""
