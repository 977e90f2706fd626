"""Utilities: JSON helpers and Z85."""
