"""The OCPP 2.0.1 adapter: translates 2.0.1 messages to domain calls and domain commands to
2.0.1, over the same services and storage as 1.6."""
