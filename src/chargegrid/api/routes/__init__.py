"""One router module per domain; `app.py` assembles them under /api/v1."""
