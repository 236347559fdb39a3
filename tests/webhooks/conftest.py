"""The API fixtures (app, tokens, authenticated clients) for the webhook route tests."""

from tests.api.conftest import anon, app, client, reader, tokens

__all__ = ["anon", "app", "client", "reader", "tokens"]
