"""The OCPP 1.6J adapter: translates 1.6 messages to domain calls and domain commands to 1.6."""
