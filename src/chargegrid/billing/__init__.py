"""Billing: the pure pricing engine (tariffs, time-of-use bands, rounding) — no I/O.

Persistence lives in `store/models/billing.py`, use cases in `services/{tariffs,pricing,
billing_runs,invoices}.py`. See docs/billing.md for the rules (bands, splitting, rounding).
"""
