"""The driver-facing web pages (no login): ad-hoc charging from a connector's QR code.

Server-rendered HTML (Jinja2, auto-escaped) with a little vanilla JavaScript for live
progress; no build step. `mount(app, runtime)` adds the routes to the API's FastAPI app,
outside `/api/v1`.
"""

from chargegrid.web.mount import WebContext, mount

__all__ = ["WebContext", "mount"]
