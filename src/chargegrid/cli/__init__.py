"""The `chargegrid` command line (typer): one sub-app per concern."""
