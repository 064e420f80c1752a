"""Benchmarks of the running platform: `civicfutures bench ...` (see `bench/cli.py`)."""
