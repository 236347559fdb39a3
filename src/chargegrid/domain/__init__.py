"""Plain domain types and rules: no framework, no I/O, no protocol version."""
