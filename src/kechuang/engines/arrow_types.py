"""The Arrow (Parquet) type of each contract column: the image of `Field.sql_type`."""

from __future__ import annotations

import pyarrow as pa

from kechuang.domain.panel import Field, Kind

_ARROW_TYPES: dict[Kind, pa.DataType] = {
    Kind.TEXT: pa.string(),
    Kind.CODE: pa.string(),
    Kind.YEAR: pa.int32(),
    Kind.DATE: pa.date32(),
    Kind.BOOL: pa.bool_(),
    Kind.COUNT: pa.int64(),
    Kind.YUAN: pa.decimal128(18, 2),
    Kind.RATIO: pa.decimal128(9, 6),
    Kind.NUMBER: pa.decimal128(9, 6),
}


def contract_arrow_type(f: Field) -> pa.DataType:
    return _ARROW_TYPES[f.kind]
