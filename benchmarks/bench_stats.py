"""The county dashboard at city scale, next to DuckDB scanning the same rows from Parquet.

Seeds the demo world at `city` scale (示范市, 4 counties; every app's demo records), then times
the indicators of 示范县's dashboard (every indicator for the county and each school, town and
police station, with last year and the baseline year) and of the city, with their query counts.
The rows those aggregates read (students, cases, receipts, signatures, duties, screening rounds,
and the person ids each coverage channel reached in the period) are exported to Parquet and the
same grouped aggregates are computed by DuckDB, so the ratio shows how far the dashboard is from
a columnar scan. The DuckDB totals are checked against the dashboard's.
"""

import csv
import datetime
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Report = Callable[..., None]
COUNTY = "339901"
CITY = "339900"


def _timed(fn: Callable[[], object], runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def _queries(fn: Callable[[], object]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def _write(folder: Path, name: str, header: list[str], rows: Any) -> Path:
    path = folder / f"{name}.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _export(folder: Path, county: Any, period: Any) -> dict[str, Path]:
    """The raw rows behind the county's indicators, as CSV (converted to Parquet by DuckDB)."""
    from wuzha.cases.models import Case
    from wuzha.core import coverage
    from wuzha.notices.models import Delivery, Signature
    from wuzha.orgs.models import Person
    from wuzha.plans.models import Duty
    from wuzha.risk.models import ScreeningRound

    sub = {"unit__path__startswith": county.path}
    files = {
        "persons": _write(
            folder,
            "persons",
            ["id", "kind", "active", "path"],
            Person.objects.filter(**sub).values_list("pk", "kind", "is_active", "unit__path"),
        ),
        "cases": _write(
            folder,
            "cases",
            ["path", "day", "lost", "recovered"],
            (
                (p, timezone_date(t), lost, rec)
                for p, t, lost, rec in Case.objects.filter(**sub).values_list(
                    "unit__path", "occurred_at", "amount_lost_fen", "amount_recovered_fen"
                )
            ),
        ),
        "deliveries": _write(
            folder,
            "deliveries",
            ["path", "state", "deadline", "audience", "status"],
            Delivery.objects.filter(**sub).values_list(
                "unit__path", "state", "notice__deadline", "notice__audience", "notice__status"
            ),
        ),
        "signatures": _write(
            folder,
            "signatures",
            ["path", "person", "kind", "active", "current", "app", "day"],
            (
                (p, person, kind, active, sup is None, app, timezone_date(t))
                for p, person, kind, active, sup, app, t in Signature.objects.filter(
                    delivery__unit__path__startswith=county.path
                ).values_list(
                    "delivery__unit__path",
                    "delivery__person_id",
                    "delivery__person__kind",
                    "delivery__person__is_active",
                    "superseded_by",
                    "app_installed",
                    "signed_at",
                )
            ),
        ),
        "duties": _write(
            folder,
            "duties",
            ["path", "due", "status", "late"],
            Duty.objects.filter(**sub).values_list("unit__path", "due_date", "status", "is_late"),
        ),
        "rounds": _write(
            folder,
            "rounds",
            ["path", "ends", "completed"],
            (
                (p, end, done is not None)
                for p, end, done in ScreeningRound.objects.filter(**sub).values_list(
                    "unit__path", "end", "completed_at"
                )
            ),
        ),
        "reached": _write(
            folder,
            "reached",
            ["channel", "person"],
            (
                (c.code, pk)
                for c in coverage.channels()
                for pk in Person.objects.filter(
                    pk__in=c.reached(county, period.start, period.end)
                ).values_list("pk", flat=True)
            ),
        ),
    }
    return files


def timezone_date(value: datetime.datetime | None) -> str:
    from django.utils import timezone

    return "" if value is None else timezone.localtime(value).date().isoformat()


def _duck_queries(length: int, period: Any, today: datetime.date) -> list[str]:
    start, end = period.start.isoformat(), period.end.isoformat()
    screened_until = min(period.end, today).isoformat()
    p = f"substr(path, 1, {length})"
    return [
        f"SELECT {p} AS prefix, count(*) FROM persons WHERE kind = 'student' AND active "
        "GROUP BY prefix",
        f"SELECT {p} AS prefix, count(*), sum(lost), sum(recovered) FROM cases "
        f"WHERE day BETWEEN DATE '{start}' AND DATE '{end}' GROUP BY prefix",
        f"SELECT {p} AS prefix, count(*), count(*) FILTER (WHERE state IN ('online', 'paper')) "
        "FROM deliveries WHERE status = 'issued' AND audience = 'guardians' "
        f"AND deadline BETWEEN DATE '{start}' AND DATE '{end}' GROUP BY prefix",
        f"SELECT {p} AS prefix, count(DISTINCT person) FROM signatures WHERE kind = 'student' "
        f"AND active AND current AND app AND day <= DATE '{end}' GROUP BY prefix",
        f"SELECT {p} AS prefix, count(*) FILTER (WHERE status IN ('submitted', 'accepted')), "
        "count(*) FILTER (WHERE status IN ('pending', 'returned') "
        f"AND due < DATE '{today.isoformat()}'), "
        "count(*) FILTER (WHERE status IN ('submitted', 'accepted') AND NOT late) "
        f"FROM duties WHERE due BETWEEN DATE '{start}' AND DATE '{end}' GROUP BY prefix",
        f"SELECT {p} AS prefix, count(*), count(*) FILTER (WHERE completed) FROM rounds "
        f"WHERE ends BETWEEN DATE '{start}' AND DATE '{screened_until}' GROUP BY prefix",
        f"SELECT {p} AS prefix, count(*) FROM persons WHERE kind = 'student' AND active "
        "AND id IN (SELECT person FROM reached) GROUP BY prefix",
    ]


def run(report: Report) -> None:
    import duckdb
    from django.utils import timezone

    from wuzha.orgs import demo
    from wuzha.orgs.models import OrgUnit, Person, PersonKind
    from wuzha.stats import indicators, selectors

    started = time.perf_counter()
    demo.seed("city", out=lambda _s: None)
    students = Person.objects.filter(kind=PersonKind.STUDENT).count()
    elapsed = time.perf_counter() - started
    report(f"stats: seed_demo --scale city ({students:,} students)", elapsed, "s")
    today = timezone.localdate()
    county = OrgUnit.objects.get(code=COUNTY)
    city = OrgUnit.objects.get(code=CITY)
    for key in (None, str(today.year)):
        period = selectors.dashboard_period(county, key)
        board = selectors.dashboard(county, period, today=today)
        rows = len(board.table.rows)

        def open_board(p: Any = period) -> object:
            return selectors.dashboard(county, p, today=today)

        ms = _timed(open_board)
        n = _queries(open_board)
        report(f"county dashboard {period.key} ({rows} rows, {n} queries)", ms, "ms")
    period = selectors.dashboard_period(county, None)
    ms = _timed(lambda: selectors.dashboard(city, period, today=today), runs=3)
    n = _queries(lambda: selectors.dashboard(city, period, today=today))
    report(f"city dashboard {period.key} ({n} queries)", ms, "ms")
    ms = _timed(
        lambda: indicators.unit_indicators(county, period, today=today, compare=False), runs=5
    )
    report(f"county indicators {period.key}, this period only", ms, "ms")

    below = indicators.row_units(county)
    levels = max(u.depth - county.depth for u in below)
    length = len(county.path) + county.steplen * levels
    with tempfile.TemporaryDirectory(prefix="wuzha-duck-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        files = _export(folder, county, period)
        con = duckdb.connect()
        for name, path in files.items():
            parquet = folder / f"{name}.parquet"
            con.execute(
                f"COPY (SELECT * FROM read_csv('{path}', header = true)) TO '{parquet}' "
                "(FORMAT parquet)"
            )
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{parquet}')")
        report("export the same rows to Parquet", time.perf_counter() - started, "s")
        queries = _duck_queries(length, period, today)
        ms = _timed(lambda: [con.execute(q).fetchall() for q in queries])
        report(f"DuckDB: same aggregates from Parquet ({len(queries)} queries)", ms, "ms")
        results = [con.execute(q).fetchall() for q in queries]
    table = indicators.unit_indicators(county, period, today=today, compare=False)
    duck_cases = sum(r[1] for r in results[1])
    duck_students = sum(r[1] for r in results[0])
    duck_covered = sum(r[1] for r in results[6])
    same = (
        duck_cases == table.total["cases"].numerator
        and duck_students == table.total["coverage"].denominator
        and duck_covered == table.total["coverage"].numerator
    )
    report(f"totals agree (cases {duck_cases}, students {duck_students})", 1 if same else 0, "")
