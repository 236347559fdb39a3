"""ChargeGrid: a charge point management system with an integrated energy management system."""

__version__ = "0.1.0"
