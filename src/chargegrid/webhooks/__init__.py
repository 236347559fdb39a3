"""Signed webhooks: events are written to an outbox (`webhook_deliveries`) and a background
worker posts them to the subscribed endpoints, retrying with back-off.

`emit(session, "invoice.issued", payload)` is the one call other domains need.
"""

from chargegrid.webhooks.outbox import emit

__all__ = ["emit"]
