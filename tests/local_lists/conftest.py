"""Local-list fixtures: the API fixtures (an app over the live runtime, an admin client)."""

from __future__ import annotations

from tests.api.conftest import app, client, tokens

__all__ = ["app", "client", "tokens"]
