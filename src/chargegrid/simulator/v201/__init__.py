"""The OCPP 2.0.1 adapter of the simulator (see `adapter.V201Adapter`)."""
