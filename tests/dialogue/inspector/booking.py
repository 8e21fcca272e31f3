"""The inputs of the bundled restaurant's first conversation test: a whole booking, one question at a time."""

from __future__ import annotations

import datetime as dt

BOOKING = ["/greet", "/book_table", '/inform{"cuisine": "szechuan"}', '/inform{"party_size": 4}',
           '/inform{"date": "2026-11-27"}', '/inform{"time": "19:30"}', '/inform{"name": "Ana Lopez"}',
           '/inform{"phone": "07700 900123"}', "/affirm"]
"""A booking from start to end in structured input (the bundled test's), on the bundled test's clock."""
NOW = dt.datetime(2026, 11, 25, 10, 0)
