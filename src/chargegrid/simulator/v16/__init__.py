"""The OCPP 1.6J adapter of the simulated station (built on the `ocpp` library)."""
