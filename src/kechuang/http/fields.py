"""Bounded types shared by every route: ids and amounts that callers send, instants the API returns.

Stored ids are INTEGER columns: 32-bit on PostgreSQL, so an id outside 1..2^31-1 cannot name
anything on either store. Such an id is refused with 422 naming the parameter before it reaches
a query: PostgreSQL would answer "integer out of range" to the bound parameter, and SQLite cannot
even bind an integer of 2^63 or more (OverflowError).
The constraints are `annotated_types` metadata, so one alias serves a path parameter, a query
parameter, a form field and a field of a body model alike.

SQLite hands back timestamps without their zone; the store writes them in UTC, so `Instant`
reads a naive value as UTC and every instant leaves the API with its offset (RFC 3339
`date-time`, as the OpenAPI document says).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from annotated_types import Interval
from pydantic import AfterValidator, Strict

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER, the type of every id column
# The largest amount (fen, or minor units of a foreign currency) a route takes: 100 billion
# yuan, above any real deal or loan and far below 2^63, so sums of many still fit a BIGINT.
MAX_AMOUNT = 10**13

Id = Annotated[int, Interval(ge=1, le=MAX_ID)]
# The years of the panel (shared/DATA-CONTRACT.md) with room for plans ahead.
FIRST_YEAR, LAST_YEAR = 1990, 2100
Year = Annotated[int, Interval(ge=FIRST_YEAR, le=LAST_YEAR)]
# Amounts arrive in JSON bodies: strict, so `"100"` or `true` is not an amount.
Amount = Annotated[int, Strict(), Interval(ge=0, le=MAX_AMOUNT)]
PositiveAmount = Annotated[int, Strict(), Interval(gt=0, le=MAX_AMOUNT)]


def as_utc(value: dt.datetime) -> dt.datetime:
    """A naive instant (as SQLite hands them back) read as UTC; an aware one unchanged."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


Instant = Annotated[dt.datetime, AfterValidator(as_utc)]
