"""The dashboard's first render per page (issue 6, Performance: at most 1 s, p95 over 20 loads
with the cache cold), against any warehouse.

Run: `.venv/bin/python -m bench.dashboard_pages [--warehouse-url URL] [--loads 20]`. The
warehouse is --warehouse-url, else FLUXO_WAREHOUSE_URL, else the embedded one under FLUXO_HOME
(`make demo`'s). It only reads the marts; it adds a dashboard user per role for the loads and
removes them at the end.

What is timed: for each page, a new Streamlit session (AppTest, no browser) already logged in
with a role that may open the page (compliance for the Compliance page, so its clear-document
read is included; admin for the others) and on its default page (untimed), the query cache
cleared, then one full run of dashboards/app.py on the page, as when a user opens it: every query
the page makes on its first render with its default filters, the pandas and formatting work, the
charts' specs, and the elements sent to the session. Not timed: the browser's drawing and the
websocket. One untimed load per page first pays the process's imports. Per page it prints p50,
p95 and max over --loads loads, the time spent in SQL (p50, summed over the page's queries), how
many queries ran, and whether the page showed its data or an empty-state message (on a warehouse
without, say, the compliance marts, only the message is measured).
"""

import argparse
import logging
import os
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import psycopg
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards.components.session import USER_KEY
from dashboards.queries import warehouse
from dashboards.roles import PAGES, PageSpec
from dashboards.users import DashboardRole, DashboardUser, add_user, authenticate, remove_user
from fluxo import databases
from fluxo.servers import REPO_ROOT
from fluxo.settings import Settings

APP = str(REPO_ROOT / "dashboards" / "app.py")
TARGET_P95_SECONDS = 1.0


@dataclass(frozen=True)
class Load:
    seconds: float
    sql_seconds: float
    queries: int
    shown: str


@dataclass
class SqlClock:
    seconds: float = 0.0
    queries: int = 0


@contextmanager
def timed_queries(clock: SqlClock) -> Iterator[None]:
    """Count and time every query the pages make (they all go through warehouse._query)."""
    original: Callable[..., pd.DataFrame] = warehouse._query

    def timed(*args: Any) -> pd.DataFrame:
        started = time.perf_counter()
        try:
            return original(*args)
        finally:
            clock.seconds += time.perf_counter() - started
            clock.queries += 1

    warehouse._query = timed  # type: ignore[assignment]
    try:
        yield
    finally:
        warehouse._query = original  # type: ignore[assignment]


def role_for(page: PageSpec) -> DashboardRole:
    if DashboardRole.compliance in page.roles:
        return DashboardRole.compliance
    return DashboardRole.admin


@contextmanager
def bench_users(warehouse_dsn: str) -> Iterator[dict[DashboardRole, DashboardUser]]:
    """A dashboard user per role for the loads (the app checks each run's user against the
    users table), removed at the end."""
    password = secrets.token_urlsafe(16)
    users = {}
    with psycopg.connect(warehouse_dsn, autocommit=True) as conn:
        try:
            for role in DashboardRole:
                add_user(conn, f"bench-{role.value}", role, password, replace=True)
                user = authenticate(conn, f"bench-{role.value}", password)
                assert user is not None
                users[role] = user
            yield users
        finally:
            for role in DashboardRole:
                remove_user(conn, f"bench-{role.value}")


def load_page(page: PageSpec, user: DashboardUser) -> Load:
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state[USER_KEY] = user
    # The pages a session may open are registered by its first run (its role's default page).
    app.run()
    app.switch_page(page.path)
    st.cache_data.clear()
    clock = SqlClock()
    with timed_queries(clock):
        started = time.perf_counter()
        app.run()
        seconds = time.perf_counter() - started
    if app.exception:
        raise RuntimeError(f"{page.title}: {app.exception[0].value}")
    title = app.title[0].value if len(app.title) else "?"
    infos = [info.value for info in app.info]
    if len(app.metric) or len(app.dataframe):
        shown = f"{title}: {len(app.metric)} metrics, {len(app.dataframe)} tables"
    else:
        shown = f"{title}: empty state: " + (infos[0][:60] if infos else "no element")
    return Load(seconds, clock.seconds, clock.queries, shown)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse-url", help="SQLAlchemy or libpq URL of the warehouse")
    parser.add_argument("--loads", type=int, default=20, help="timed loads per page")
    args = parser.parse_args()
    # AppTest runs pages without a server: Streamlit warns about that on every load.
    logging.disable(logging.WARNING)

    url = args.warehouse_url or databases.resolve(Settings()).warehouse
    os.environ["FLUXO_WAREHOUSE_URL"] = url
    warehouse._warehouse_url.clear()
    print(f"warehouse: {databases.resolve(Settings()).warehouse_dsn.split('?')[0]}")
    print(f"{args.loads} loads per page, query cache cleared before each, one untimed first\n")
    print(f"{'page':<18} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'SQL s':>7} {'queries':>8}  shown")
    failures = []
    with bench_users(databases.resolve(Settings()).warehouse_dsn) as users:
        for page in PAGES:
            if not time_page(page, users[role_for(page)], args.loads):
                failures.append(page.title)
    print(
        f"\ntarget: p95 <= {TARGET_P95_SECONDS:.1f} s per page: "
        + ("met by every page" if not failures else f"missed by {', '.join(failures)}")
    )


def time_page(page: PageSpec, user: DashboardUser, loads_wanted: int) -> bool:
    """Print the page's figures; whether its p95 meets the target."""
    load_page(page, user)  # imports, the first altair chart, the connection pool
    loads = [load_page(page, user) for _ in range(loads_wanted)]
    seconds = [load.seconds for load in loads]
    p95 = percentile(seconds, 0.95)
    print(
        f"{page.title:<18} {statistics.median(seconds):>7.3f} {p95:>7.3f} {max(seconds):>7.3f} "
        f"{statistics.median(load.sql_seconds for load in loads):>7.3f} "
        f"{loads[-1].queries:>8}  {loads[-1].shown}"
    )
    return p95 <= TARGET_P95_SECONDS


if __name__ == "__main__":
    main()
