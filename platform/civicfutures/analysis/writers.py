"""Analysis tables as files: a registry of writers by format (json, csv, parquet).

Every writer is deterministic: the same table and metadata give the same bytes. The JSON
answer wraps the rows with what a reader needs to cite them (snapshot, parameters, whether
small cells were suppressed); Parquet carries the same facts as key-value metadata; CSV
carries the rows (the HTTP answer adds the facts as headers), and an exact table's CSV a
first `publication` column reading "not for publication" on every row.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from civicfutures.analysis.disclosure import NOT_FOR_PUBLICATION, PUBLICATION_COLUMN


@dataclass(frozen=True)
class Format:
    media_type: str
    extension: str
    write: Callable[[pl.DataFrame, Mapping[str, Any]], bytes]


def write_json(table: pl.DataFrame, meta: Mapping[str, Any]) -> bytes:
    rows = json.loads(table.write_json()) if table.height else []
    document = {**meta, "columns": table.columns, "rows": rows}
    return (json.dumps(document, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def write_csv(table: pl.DataFrame, meta: Mapping[str, Any]) -> bytes:
    # An exact table carries its marker in a first column: a copy of the file alone still
    # says it is not for publication, and the file opens as a plain table anywhere.
    if (meta.get("disclosure") or {}).get("publication") == NOT_FOR_PUBLICATION:
        table = table.select(pl.lit(NOT_FOR_PUBLICATION).alias(PUBLICATION_COLUMN), pl.all())
    return table.write_csv().encode("utf-8")


def write_parquet(table: pl.DataFrame, meta: Mapping[str, Any]) -> bytes:
    buffer = io.BytesIO()
    metadata = {
        f"civicfutures.{key}": json.dumps(value, sort_keys=True) for key, value in meta.items()
    }
    table.write_parquet(buffer, compression="zstd", statistics=True, metadata=metadata)
    return buffer.getvalue()


FORMATS: dict[str, Format] = {
    "json": Format("application/json", "json", write_json),
    "csv": Format("text/csv; charset=utf-8", "csv", write_csv),
    "parquet": Format("application/vnd.apache.parquet", "parquet", write_parquet),
}
