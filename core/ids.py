"""Ids as the database holds them: every door refuses a larger one with a clear 4xx (in a
lookup it would be an OverflowError on SQLite)."""

from __future__ import annotations

from typing import TypeGuard

MAX_ID = 2**63 - 1  # the largest id a BigAutoField holds


def is_valid_id(value: object) -> TypeGuard[int]:
    """A positive integer id the database can hold (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
