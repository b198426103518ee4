"""Screen with Apache Spark: the compiled policies as Spark SQL over a Parquet panel.

The master comes from KECHUANG_SPARK_MASTER (default `local[2]`; `spark://host:7077`, `yarn`,
... for a cluster); the session runs with ANSI mode on, so an integer or decimal overflow is an
error, never a silent wrap or NULL. The panel is read with `spark.read.parquet` and exposed as
the view `panel` with the contract's columns and types (TRY_CAST, as the DuckDB engine's view;
missing optional columns are NULL). Each policy's query is the SQLGlot Spark rendering of the
same compiled query (128-bit integers as DECIMAL(38, 0), 64-bit ones as BIGINT where the
Parquet statistics allow). The union is written by Spark as Parquet (or CSV) into a temporary
directory as one part file, which becomes the RESULTS file. Exclusions (不得重复享受) are
resolved over the contested rows only (`engines.exclusions.resolve_exclusions`).

The panel is checked before Spark starts, with DuckDB on the local file (types, keys,
duplicates; a Kechuang-written file answers from its footer), exactly as `--engine duckdb`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from kechuang.domain.panel import FIELDS, SOURCED_FIELDS, Field
from kechuang.engines.common import PolicySummary, ScreenResult, output_format
from kechuang.engines.durable import place_results
from kechuang.engines.exclusions import exclusion_pairs, resolve_exclusions
from kechuang.engines.panel import PanelError, read_footer
from kechuang.rules.columns import RESULT_COLUMNS, STATUS_COLUMN_PREFIX
from kechuang.rules.ir import Value
from kechuang.rules.pack import compile_pack, pack_sql
from kechuang.rules.policy import Policy

ENV_MASTER = "KECHUANG_SPARK_MASTER"
DEFAULT_MASTER = "local[2]"
_SPARK_TYPES = {"VARCHAR": "STRING", "INTEGER": "INT"}


class SparkUnavailable(RuntimeError):
    """PySpark or Java is not installed."""


def available() -> str | None:
    """None if Spark can run here, else the reason it cannot."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'kechuang[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (apt-get install default-jre-headless)"
    return None


def session(master: str | None = None) -> Any:
    """A SparkSession for screening (ANSI mode, UTC, small shuffle for local runs)."""
    reason = available()
    if reason is not None:
        raise SparkUnavailable(reason)
    from pyspark.sql import SparkSession

    master = master or os.environ.get(ENV_MASTER, DEFAULT_MASTER)
    builder = (
        SparkSession.builder.master(master)
        .appName("kechuang-screen")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("KECHUANG_SPARK_PARTITIONS", "8"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", os.environ.get("KECHUANG_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _spark_type(f: Field) -> str:
    return _SPARK_TYPES.get(f.sql_type, f.sql_type)


def panel_view_sql(columns: Sequence[str]) -> str:
    items = []
    for f in (*FIELDS, *SOURCED_FIELDS):
        if f.name in columns:
            items.append(f"TRY_CAST(`{f.name}` AS {_spark_type(f)}) AS `{f.name}`")
        else:
            items.append(f"CAST(NULL AS {_spark_type(f)}) AS `{f.name}`")
    return "SELECT " + ", ".join(items) + " FROM panel_raw"


def screen(
    data: Path,
    year: int,
    policies: Sequence[Policy],
    out: Path,
    overrides: Mapping[str, Mapping[str, Value]] | None = None,
    totals: bool = False,
    explain_columns: bool = False,
    step: Callable[[str], None] | None = None,
    check: bool = True,
    spark: Any = None,
) -> ScreenResult:
    """Screen the Parquet panel `data` with Spark into `out` (.parquet or .csv)."""
    fmt = output_format(out)
    if data.suffix.lower() not in (".parquet", ".pq"):
        raise PanelError(f"{data}: --engine spark reads Parquet panels")
    overrides = overrides or {}
    footer = read_footer(data)
    bounds = footer.bounds if footer is not None else {}
    pack = compile_pack(policies, year, overrides, explain_columns, bounds=bounds)
    query = pack_sql(pack, "spark").query
    if check:
        import duckdb

        from kechuang.engines.panel import open_panel

        con = duckdb.connect()
        try:
            open_panel(con, data, check=True)
        finally:
            con.close()
    own = spark is None
    spark = spark or session()
    try:
        raw = spark.read.parquet(str(data.resolve()))
        raw.createOrReplaceTempView("panel_raw")
        spark.sql(panel_view_sql(raw.columns)).createOrReplaceTempView("panel")
        # One query for the whole pack: the panel read once, one row per enterprise, unpivoted.
        columns = pack.output_columns
        result = spark.sql(query).select(*columns)
        if step is not None:
            for policy in policies:
                step(policy.id)
        with_exclusions = bool(exclusion_pairs(policies))
        if with_exclusions:
            result = _with_exclusions(spark, result, policies)
            statuses = [c for c in columns if c not in RESULT_COLUMNS]
            columns = [*RESULT_COLUMNS, "excluded_by", *statuses]
            result = result.select(*columns)
        if fmt == "csv":
            from pyspark.sql import functions as F

            result = result.withColumn(
                "unmet", F.when(F.col("unmet") == "", None).otherwise(F.col("unmet"))
            )
        result = result.cache()
        with tempfile.TemporaryDirectory(prefix="kechuang-spark-", dir=out.parent) as work:
            target = Path(work) / "results"
            writer = result.coalesce(1).write.mode("overwrite")
            if fmt == "parquet":
                writer.option("compression", "zstd").parquet(str(target))
            else:
                writer.option("header", "true").option("emptyValue", "").csv(str(target))
            (part,) = [p for p in target.iterdir() if p.name.startswith("part-")]
            summaries = _summaries(result, policies)
            staged_totals = None
            if totals:
                staged_totals = _write_totals(result, year, Path(work))
            totals_path = place_results(part, out, None, staged_totals)
        result.unpersist()
    finally:
        if own:
            spark.stop()
    rows = sum(sum(s.counts.values()) for s in summaries)
    return ScreenResult(out, year, summaries, rows, totals_path, with_exclusions)


def _null_string() -> Any:
    from pyspark.sql import functions as F

    return F.lit(None).cast("string")


def _with_exclusions(spark: Any, result: Any, policies: Sequence[Policy]) -> Any:
    """Empty the benefit of rows that lose to an exclusive policy and name the winner."""
    from pyspark.sql import functions as F

    exclusive = sorted({a for a, _ in exclusion_pairs(policies)})
    eligible = result.where((F.col("outcome") == "eligible") & F.col("policy_id").isin(exclusive))
    contested = eligible.groupBy("uscc").count().where(F.col("count") > 1).select("uscc")
    rows = eligible.join(contested, "uscc").select("uscc", "policy_id", "benefit_yuan").collect()
    losers = resolve_exclusions([(r[0], r[1], r[2]) for r in rows], policies)
    schema = "uscc STRING, policy_id STRING, excluded_by STRING"
    lost = spark.createDataFrame(losers, schema)
    joined = result.join(lost, ["uscc", "policy_id"], "left")
    return joined.withColumn(
        "benefit_yuan",
        F.when(F.col("excluded_by").isNull(), F.col("benefit_yuan")).otherwise(
            F.lit(None).cast("decimal(18,2)")
        ),
    )


def _summaries(result: Any, policies: Sequence[Policy]) -> list[PolicySummary]:
    from pyspark.sql import functions as F

    by_id = {p.id: PolicySummary(p.id, p.version, p.content_hash) for p in policies}
    excluded = F.count("excluded_by") if "excluded_by" in result.columns else F.lit(0).cast("long")
    grouped = result.groupBy("policy_id", "outcome").agg(
        F.count(F.lit(1)), F.sum("benefit_yuan"), excluded
    )
    for policy_id, outcome, count, benefit, n_excluded in grouped.collect():
        summary = by_id[policy_id]
        summary.counts[outcome] = int(count)
        summary.total_benefit_yuan += Decimal(benefit or 0)
        summary.excluded += int(n_excluded)
    return [by_id[p.id] for p in policies]


def _write_totals(result: Any, year: int, work: Path) -> Path:
    """<out stem>.totals.csv: per enterprise, eligible policies and the total benefit."""
    from pyspark.sql import functions as F

    totals = (
        result.groupBy("uscc")
        .agg(
            F.lit(year).cast("int").alias("year"),
            F.count(F.when(F.col("outcome") == "eligible", 1)).alias("policies_eligible"),
            F.coalesce(F.sum("benefit_yuan"), F.lit(0))
            .cast("decimal(18,2)")
            .alias("total_benefit_yuan"),
        )
        .orderBy("uscc")
    )
    target = work / "totals"
    totals.coalesce(1).write.mode("overwrite").option("header", "true").csv(str(target))
    (part,) = [p for p in target.iterdir() if p.name.startswith("part-")]
    return part


def status_columns(compiled: Sequence[Any]) -> list[str]:
    return [c for q in compiled for c in q.named_selects if c.startswith(STATUS_COLUMN_PREFIX)]
