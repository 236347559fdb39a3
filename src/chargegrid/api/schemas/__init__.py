"""Pydantic request/response models per domain (XCreate / XUpdate / XRead)."""
