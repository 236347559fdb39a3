"""`python -m chargegrid` is the same as the `chargegrid` console script."""

from chargegrid.cli.main import main

main()
