"""The event bus: in-process by default; Redis/NATS implementations come with scale-out."""
