"""Run every benchmarks/bench_*.py against a throwaway database and print its figures.

`make bench` calls this. Timings are reported, never judged: a slow machine does not fail the run;
only a benchmark that crashes does. Pass module names (e.g. `bench_roster`) to run only those.

The database is a fresh SQLite file, or with `BENCH_DATABASE_URL=postgres://user:pw@host/db` a
fresh PostgreSQL database created next to `db` (the role needs CREATEDB) and dropped afterwards.
"""

import importlib
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def report(label: str, value: float, unit: str = "") -> None:
    """Print one figure, aligned, e.g. `roster: import 100000 rows    12.3 s`."""
    number = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    print(f"  {label:<48} {number:>12} {unit}", flush=True)


def _postgres_scratch(url: str) -> tuple[str, Callable[[], None]]:
    """Create an empty database beside the one in `url`; return its URL and its drop function."""
    import psycopg

    name = f"wuzha_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return f"{url.rsplit('/', 1)[0]}/{name}", drop


def _setup(tmp: str, database_url: str) -> None:
    # Before Django is imported: the settings read these once.
    os.environ["DATABASE_URL"] = database_url
    os.environ["WUZHA_VAR_DIR"] = tmp
    os.environ["MEDIA_ROOT"] = f"{tmp}/media"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
    # As in production: with DEBUG on, Django would also format and keep every query it runs.
    os.environ.setdefault("DEBUG", "0")
    for path in (str(ROOT), str(HERE)):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    vendor = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    report(f"setup: migrate a fresh {vendor} database", time.perf_counter() - started, "s")


def _run_all(names: list[str], failed: list[str]) -> None:
    for name in names:
        print(f"{name}:", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(name).run(report)
        except Exception:
            traceback.print_exc()
            failed.append(name)
        report("total", time.perf_counter() - started, "s")


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in HERE.glob("bench_*.py"))
    failed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="wuzha-bench-") as tmp:
        database_url, cleanup = f"sqlite:///{tmp}/bench.sqlite3", lambda: None
        if os.environ.get("BENCH_DATABASE_URL", "").startswith("postgres"):
            database_url, cleanup = _postgres_scratch(os.environ["BENCH_DATABASE_URL"])
        try:
            _setup(tmp, database_url)
            _run_all(names, failed)
        finally:
            cleanup()
    if failed:
        print(f"benchmarks that crashed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
