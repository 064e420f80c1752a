"""`python -m civicfutures.cli ...`: the `civicfutures` command."""

from civicfutures.cli import main

main()
