"""The REST API: FastAPI routers over the services, versioned under /api/v1.

`create_app(runtime)` in `app.py` is the only entry point; the CLI serves it with uvicorn in
the same event loop as the OCPP server.
"""
