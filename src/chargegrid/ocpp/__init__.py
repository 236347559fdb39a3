"""OCPP-J: the WebSocket server, the version-neutral RPC layer and one adapter per version."""
