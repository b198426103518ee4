"""The Parquet snapshot of the stored panel that screening reads (var/panel.parquet).

Its schema is derived from domain.panel.FIELDS: exactly the contract's columns, in order, with
the types of `Field.sql_type`. The generator writes files with the same schema.
"""

from __future__ import annotations

import pyarrow as pa

from kechuang.domain.panel import FIELDS, Field, Kind

_ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.TEXT: pa.string(),
    Kind.CODE: pa.string(),
    Kind.YEAR: pa.int32(),
    Kind.DATE: pa.date32(),
    Kind.BOOL: pa.bool_(),
    Kind.COUNT: pa.int64(),
    Kind.YUAN: pa.decimal128(18, 2),
    Kind.RATIO: pa.decimal128(9, 6),
}


def arrow_type(field: Field) -> pa.DataType:
    """The Arrow type of a panel column (the Parquet image of its `sql_type`)."""
    return _ARROW_TYPES[field.kind]


def panel_arrow_schema() -> pa.Schema:
    """The Arrow schema of a panel file: contract columns in contract order.

    Key columns (uscc, name, year) are not nullable; every other column may be null (unknown).
    """
    return pa.schema([pa.field(f.name, arrow_type(f), nullable=not f.required) for f in FIELDS])
