"""Use cases: plain functions of a SQLAlchemy session; the caller commits at its boundary."""
