"""The `fluxo` command: run the demo, manage the embedded database, migrate, seed, serve, run the
pipeline, issue API keys, verify the audit chain."""

import getpass
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, NoReturn

import psycopg
import typer
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from core_ledger import worker
from core_ledger.access import ROLES, Actor, cli_actor
from core_ledger.errors import LedgerError
from core_ledger.services import audit, auth
from dashboards.users import (
    DashboardRole,
    InvalidUser,
    add_user,
    list_users,
    remove_user,
)
from fluxo import databases, embedded
from fluxo.demo_workload import DEMO_DAYS
from fluxo.local_api import LocalApiError, LocalApiServer
from fluxo.migrations import migrate as migrate_databases
from fluxo.processes import STOP_SIGNALS, Service, ServiceFailed, port_is_free, start_service
from fluxo.progress import console, counter, note, step
from fluxo.seed import SeedError, SeedResult, seed_onboarding_register
from fluxo.seed import seed as seed_demo_workload
from fluxo.servers import (
    Server,
    api_server,
    child_environment,
    dagster_server,
    dashboard_server,
    kyc_simulator,
    ledger_worker,
    openfinance_simulator,
    simulator_environment,
)
from fluxo.settings import Settings
from fluxo.warehouse_access import RoleSetupRefused


class FluxoError(RuntimeError):
    """A failure the user can act on: printed as one line with the fix."""


app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(no_args_is_help=True, help="The embedded PostgreSQL under FLUXO_HOME.")
serve_app = typer.Typer(no_args_is_help=True, help="Run one server in the foreground.")
pipeline_app = typer.Typer(no_args_is_help=True, help="The Dagster pipeline.")
keys_app = typer.Typer(no_args_is_help=True, help="API keys of the ledger API.")
audit_app = typer.Typer(no_args_is_help=True, help="The ledger's audit hash chain.")
dashboard_app = typer.Typer(no_args_is_help=True, help="The Streamlit dashboard.")
dashboard_users_app = typer.Typer(
    no_args_is_help=True, help="Who may log in to the dashboard (roles finance, compliance, admin)."
)
dashboard_app.add_typer(dashboard_users_app, name="users")
app.add_typer(db_app, name="db")
app.add_typer(serve_app, name="serve")
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(dashboard_app, name="dashboard")


def _settings() -> Settings:
    settings = Settings()
    os.environ.update(child_environment(settings))
    return settings


# --- database -------------------------------------------------------------------------------


class Database(StrEnum):
    ledger = "ledger"
    warehouse = "warehouse"


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostgreSQL (or reuse the running one) and create Fluxo's databases."""
    settings = _settings()
    with step(f"Starting embedded PostgreSQL in {settings.embedded_data_dir}"):
        databases.resolve(settings.model_copy(update={"database_url": None, "warehouse_url": None}))
    _print_status(settings)


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL."""
    settings = _settings()
    if embedded.stop(settings.embedded_data_dir):
        console.print("embedded PostgreSQL stopped")
    else:
        console.print("embedded PostgreSQL was not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the embedded PostgreSQL runs, and which databases Fluxo uses."""
    _print_status(_settings())


@db_app.command("url")
def db_url(database: Annotated[Database, typer.Argument()] = Database.ledger) -> None:
    """Print the SQLAlchemy URL of the ledger or warehouse database."""
    settings = _settings()
    configured = settings.database_url if database is Database.ledger else settings.warehouse_url
    if configured is not None:
        print(configured)
        return
    name = embedded.LEDGER_DATABASE if database is Database.ledger else embedded.WAREHOUSE_DATABASE
    url = embedded.url(settings.embedded_data_dir, name)
    if url is None:
        raise FluxoError("the embedded PostgreSQL is not running: start it with `fluxo db start`")
    print(url)


def _print_status(settings: Settings) -> None:
    state = embedded.status(settings.embedded_data_dir)
    if state.running:
        console.print(
            f"embedded PostgreSQL: running (pid {state.pid}, socket in {state.socket_dir})"
        )
    else:
        console.print(f"embedded PostgreSQL: stopped ({state.data_dir})")
    console.print(
        f"ledger database:    {settings.database_url or 'embedded ' + embedded.LEDGER_DATABASE}"
    )
    console.print(
        f"warehouse database: {settings.warehouse_url or 'embedded ' + embedded.WAREHOUSE_DATABASE}"
    )


# --- migrate, seed, pipeline ------------------------------------------------------------------


@app.command()
def migrate() -> None:
    """Apply the ledger migrations and create the warehouse's raw layer."""
    settings = _settings()
    urls = _connect(settings)
    with step("Applying migrations"):
        migrate_databases(urls)


@app.command()
def seed(
    api_url: Annotated[
        str | None,
        typer.Option(help="A running ledger API; by default one is started in this process."),
    ] = None,
    days: Annotated[
        int, typer.Option(min=1, max=366, help="Calendar days of history, up to yesterday.")
    ] = DEMO_DAYS,
) -> None:
    """Post the demo merchants' entries through the ledger API and onboard the demo customers;
    running it again adds nothing."""
    settings = _settings()
    urls = _connect(settings)
    migrate_databases(urls)
    if api_url is not None:
        _post_demo_workload(api_url, urls, days)
    else:
        with LocalApiServer(settings) as local_url:
            _post_demo_workload(local_url, urls, days)
    _onboard_demo_customers(urls)


def _onboard_demo_customers(urls: databases.DatabaseUrls) -> None:
    with (
        step("Onboarding the demo customers and their bank accounts"),
        _ledger_sessions(urls) as sessions,
    ):
        result = seed_onboarding_register(sessions, _cli_actor())
    customers = result.customers
    note(
        f"{customers.added} customers onboarded, {customers.updated} updated, "
        f"{customers.unchanged} unchanged"
    )
    note(
        f"{result.bank_accounts_added} bank accounts registered, "
        f"{result.bank_accounts_already_registered} already"
    )


@pipeline_app.command("run")
def pipeline_run() -> None:
    """Materialize every asset once: raw ledger tables, dbt models and their checks."""
    settings = _settings()
    urls = _connect(settings)
    _run_pipeline(settings, urls)


@pipeline_app.command("backfill")
def pipeline_backfill(
    from_date: Annotated[
        datetime,
        typer.Option(
            "--from", formats=["%Y-%m-%d"], help="First business date (São Paulo), YYYY-MM-DD."
        ),
    ],
    to_date: Annotated[
        datetime,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last business date, today at most."),
    ],
) -> None:
    """Load the business dates --from..--to again, as one run of the daily job (Open Finance for
    those days, the other sources' news), and rebuild the marts from --from."""
    # Dagster and dbt take seconds to import: only the commands that run the pipeline pay for it.
    from fluxo import pipeline
    from ingestion.business_day import business_today

    first, last = from_date.date(), to_date.date()
    try:
        pipeline.backfill_days(first, last, business_today())
    except pipeline.BackfillRangeError as error:
        raise FluxoError(str(error)) from error
    settings = _settings()
    urls = _connect(settings)
    _run_pipeline(settings, urls, backfill=(first, last))


def _post_demo_workload(
    api_url: str, urls: databases.DatabaseUrls, days: int = DEMO_DAYS
) -> SeedResult:
    with (
        step(f"Posting the demo workload through the ledger API ({api_url})"),
        _temporary_key(urls, "demo seeder", "operator") as api_key,
        counter("entries") as progress,
    ):
        task = progress.add_task("entries", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = seed_demo_workload(api_url, api_key, days, on_progress=advance)
    note(
        f"{result.merchants_created} merchants registered, {result.entries_posted} entries posted, "
        f"{result.entries_already_present} already present"
    )
    return result


def _run_pipeline(
    settings: Settings, urls: databases.DatabaseUrls, backfill: tuple[date, date] | None = None
) -> None:
    """The catch-up run (missing days and today), or a backfill of the given business dates."""
    from fluxo import pipeline

    log_path = settings.home_dir / "logs" / "pipeline.log"
    with step("Parsing the dbt project"):
        pipeline.prepare(urls.warehouse)
    if backfill is None:
        with step(
            "Materializing every asset (raw ledger, bank, KYC and statement tables, dbt, checks)"
        ):
            summary = pipeline.materialize_all(log_path)
    else:
        first, last = backfill
        with step(f"Backfilling business dates {first} to {last} (every source, dbt, checks)"):
            summary = pipeline.backfill(first, last, log_path)
    note(
        f"runs {', '.join(summary.run_ids)}: "
        f"{len(summary.assets_materialized)} assets materialized, "
        f"{summary.checks_passed} checks passed, {len(summary.checks_failed)} failed, "
        f"{len(summary.checks_warned)} warned"
        + (f" ({', '.join(summary.checks_warned)})" if summary.checks_warned else "")
    )
    if not summary.success:
        raise FluxoError(
            f"the pipeline run failed (steps: {', '.join(summary.failed_steps) or 'none'}; checks: "
            f"{', '.join(summary.checks_failed) or 'none'}): open the run in the Dagster UI "
            "(`fluxo serve dagster`)"
        )


# --- serve and demo ---------------------------------------------------------------------------


@serve_app.command("api")
def serve_api() -> None:
    """The ledger HTTP API, with its OpenAPI docs at /docs."""
    _exec(api_server(_settings()))


@serve_app.command("worker")
def serve_worker() -> None:
    """The ledger's worker: daily-balances projector, hold expiry, idempotency-key retention."""
    settings = _settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, lambda *_: stop.set())
    with _ledger_sessions(databases.resolve(settings)) as sessions:
        console.print("ledger worker: projecting the outbox and expiring holds (Ctrl-C stops)")
        worker.run(sessions, stop)


@serve_app.command("openfinance")
def serve_openfinance() -> None:
    """A simulated Open Finance Brasil institution holding the demo merchants' bank accounts,
    with deliberate differences from the ledger and switchable faults (PUT /admin/faults)."""
    from ingestion.openfinance.simulator import serve_simulator

    settings = _settings()
    console.print(f"Open Finance simulator: {openfinance_simulator(settings).url}")
    serve_simulator(settings.host, settings.openfinance_simulator_port)


@serve_app.command("kyc")
def serve_kyc() -> None:
    """A simulated KYC provider (BrasilAPI-shaped CNPJ lookups, CPF status) for the demo's
    merchants and customers, with switchable faults (PUT /admin/faults)."""
    from ingestion.kyc.simulator import serve_simulator

    settings = _settings()
    console.print(f"KYC simulator: {kyc_simulator(settings).url}")
    serve_simulator(settings.host, settings.kyc_simulator_port)


@serve_app.command("dagster")
def serve_dagster() -> None:
    """The Dagster UI and daemon over Fluxo's assets."""
    _exec(dagster_server(_settings()))


@serve_app.command("dashboard")
def serve_dashboard() -> None:
    """The Streamlit dashboard over the warehouse marts."""
    _exec(dashboard_server(_settings()))


def _exec(server: Server) -> NoReturn:
    console.print(f"{server.name}: {server.url}")
    sys.stdout.flush()
    os.execv(server.command[0], server.command)


@app.command()
def demo() -> None:
    """Start the database, migrate, post demo data through the API, run the pipeline (against the
    simulated bank and KYC provider), and serve the API, the simulators, the Dagster UI and the
    dashboard until Ctrl-C."""
    settings = _settings()
    # The demo's sources are the simulators, for the in-process pipeline run and for Dagster.
    os.environ.update(simulator_environment(settings))
    servers = [
        api_server(settings),
        ledger_worker(settings),
        openfinance_simulator(settings),
        kyc_simulator(settings),
        dagster_server(settings),
        dashboard_server(settings),
    ]
    for server in servers:
        if server.ready_path is not None and not port_is_free(settings.host, server.port):
            raise FluxoError(
                f"port {server.port} for the {server.name} is in use: stop what holds it or set "
                "FLUXO_API_PORT / FLUXO_OPENFINANCE_SIMULATOR_PORT / FLUXO_KYC_SIMULATOR_PORT / "
                "FLUXO_DAGSTER_PORT / FLUXO_DASHBOARD_PORT"
            )
    embedded_was_running = embedded.status(settings.embedded_data_dir).running
    started: list[Service] = []
    _stop_on_signals()
    try:
        urls = _connect(settings)
        with step("Applying migrations"):
            migrate_databases(urls)
        started.extend(_start(server, settings) for server in servers[:4])
        _post_demo_workload(servers[0].base_url, urls)
        _onboard_demo_customers(urls)
        _run_pipeline(settings, urls)
        _stop_on_signals()  # Dagster's in-process run restores the handlers it found at its start
        _ensure_demo_dashboard_users(urls)
        started.extend(_start(server, settings) for server in servers[4:])
        console.print("\n[bold]Fluxo is running[/bold] (Ctrl-C stops everything):")
        for service in started:
            console.print(f"  {service.name:<14} {service.url}")
        console.print(
            f"  [dim]dashboard logins {', '.join(DEMO_DASHBOARD_USERS)}, password "
            f"{DEMO_DASHBOARD_PASSWORD} (see `fluxo dashboard users`)[/dim]"
        )
        console.print(f"  [dim]logs in {settings.home_dir / 'logs'}[/dim]")
        while all(service.process.poll() is None for service in started):
            time.sleep(0.5)
        stopped = next(s for s in started if s.process.poll() is not None)
        raise FluxoError(f"{stopped.name} stopped unexpectedly; see {stopped.log_path}")
    except KeyboardInterrupt:
        console.print("\nStopping ...")
    finally:
        for service in reversed(started):
            with step(f"Stopping {service.name}"):
                service.stop()
        if settings.uses_embedded_database and not embedded_was_running:
            with step("Stopping embedded PostgreSQL"):
                embedded.stop(settings.embedded_data_dir)


def _stop_on_signals() -> None:
    """Ctrl-C, `kill` and a closed terminal all stop the demo through KeyboardInterrupt, even when
    the shell that started us left those signals ignored."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.default_int_handler)


def _start(server: Server, settings: Settings) -> Service:
    with step(f"Starting {server.name}"):
        return start_service(
            server.name,
            server.command,
            server.url if server.ready_path is not None else "(in the background, no HTTP)",
            server.ready_url,
            settings.home_dir / "logs" / f"{server.name.lower().replace(' ', '-')}.log",
            env=child_environment(settings),
        )


# --- keys and audit ---------------------------------------------------------------------------


class Role(StrEnum):
    merchant = "merchant"
    operator = "operator"
    auditor = "auditor"
    admin = "admin"


assert tuple(Role) == ROLES


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who or what holds the key.")],
    role: Annotated[Role, typer.Option(help="merchant: its own tenant only.")],
    tenant: Annotated[str | None, typer.Option(help="The merchant's tenant id.")] = None,
) -> None:
    """Issue an API key. It is printed once; only its hash is stored."""
    urls = _connect(_settings())
    with _ledger_sessions(urls) as sessions:
        issued = auth.create_key(sessions, _cli_actor(), name, role.value, tenant)
    console.print(f"key id {issued.key.key_id} ({role.value}{', ' + tenant if tenant else ''})")
    print(issued.secret)


@keys_app.command("list")
def keys_list() -> None:
    """Every key: id, name, role, tenant, and whether it is revoked."""
    urls = _connect(_settings())
    with _ledger_sessions(urls) as sessions:
        for key in auth.list_keys(sessions):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            print(
                f"{key.key_id}  {key.role:<8}  {key.tenant_id or '-':<24}  {state:<18}  {key.name}"
            )


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument()]) -> None:
    """Revoke a key at once (tokens already issued with it last until they expire)."""
    urls = _connect(_settings())
    with _ledger_sessions(urls) as sessions:
        if not auth.revoke_key(sessions, _cli_actor(), key_id):
            raise FluxoError(f"no active key {key_id!r}: see `fluxo keys list`")
    console.print(f"key {key_id} revoked")


@audit_app.command("verify")
def audit_verify() -> None:
    """Seal pending audit records, then walk the hash chain; report the first record that was
    altered or removed."""
    urls = _connect(_settings())
    with _ledger_sessions(urls) as sessions:
        sealed = audit.seal_pending(sessions)
        result = audit.verify(sessions)
    if sealed:
        console.print(f"sealed {sealed} pending records into the chain")
    if not result.intact:
        raise FluxoError(
            f"audit chain broken at record {result.first_broken_seq}: {result.problem} "
            f"({result.records_checked} records verified before it)"
        )
    console.print(f"audit chain intact: {result.records_checked} records")


# --- dashboard users ----------------------------------------------------------------------------

# `fluxo demo` creates these when they are missing (never changing an existing one), so a new user
# can log in at once; README says so, and how to remove them.
DEMO_DASHBOARD_PASSWORD = "fluxo-demo"
DEMO_DASHBOARD_USERS = {
    "financeiro": DashboardRole.finance,
    "compliance": DashboardRole.compliance,
    "admin": DashboardRole.admin,
}


@dashboard_users_app.command("add")
def dashboard_users_add(
    username: Annotated[str, typer.Argument(help="Login name: lowercase letters, digits, . _ -")],
    role: Annotated[
        DashboardRole,
        typer.Option(
            help="finance: cash flow and reconciliation; compliance: AML, COAF and KYC with clear "
            "CPF/CNPJ; admin: every page, documents masked."
        ),
    ],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="Asked for when not given (at least 8 characters).",
        ),
    ],
    replace: Annotated[
        bool, typer.Option(help="Give an existing user this role and password.")
    ] = False,
) -> None:
    """Add a dashboard user; only an argon2id hash of the password is stored."""
    with _warehouse_connection() as warehouse:
        try:
            add_user(warehouse, username, role, password, replace=replace)
        except InvalidUser as error:
            raise FluxoError(str(error)) from error
    console.print(f"dashboard user {username} ({role.value}) saved")


@dashboard_users_app.command("remove")
def dashboard_users_remove(username: Annotated[str, typer.Argument()]) -> None:
    """Remove a dashboard user (a session already open lasts until its browser tab closes)."""
    with _warehouse_connection() as warehouse:
        if not remove_user(warehouse, username):
            raise FluxoError(f"no dashboard user {username!r}: see `fluxo dashboard users list`")
    console.print(f"dashboard user {username} removed")


@dashboard_users_app.command("list")
def dashboard_users_list() -> None:
    """Every dashboard user with its role."""
    with _warehouse_connection() as warehouse:
        for user in list_users(warehouse):
            print(f"{user.username:<24}  {user.role.value:<10}  since {user.created_at:%Y-%m-%d}")


def _ensure_demo_dashboard_users(urls: databases.DatabaseUrls) -> None:
    with psycopg.connect(urls.warehouse_dsn) as warehouse:
        existing = {user.username for user in list_users(warehouse)}
        for username, role in DEMO_DASHBOARD_USERS.items():
            if username not in existing:
                add_user(warehouse, username, role, DEMO_DASHBOARD_PASSWORD)


@contextmanager
def _warehouse_connection() -> Iterator[psycopg.Connection]:
    """The migrated warehouse (the users table is created by migrations), in one transaction."""
    urls = _connect(_settings())
    migrate_databases(urls)
    with psycopg.connect(urls.warehouse_dsn) as warehouse:
        yield warehouse


def _cli_actor() -> Actor:
    return cli_actor(getpass.getuser())


@contextmanager
def _ledger_sessions(urls: databases.DatabaseUrls) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(urls.ledger, pool_pre_ping=True)
    try:
        yield sessionmaker(engine, expire_on_commit=False)
    finally:
        engine.dispose()


@contextmanager
def _temporary_key(urls: databases.DatabaseUrls, name: str, role: str) -> Iterator[str]:
    """A key that lives as long as the block: the seeder's, revoked when it is done."""
    with _ledger_sessions(urls) as sessions:
        issued = auth.create_key(sessions, _cli_actor(), name, role, None)
        try:
            yield issued.secret
        finally:
            auth.revoke_key(sessions, _cli_actor(), issued.key.key_id)


def _connect(settings: Settings) -> databases.DatabaseUrls:
    title = (
        "Starting embedded PostgreSQL"
        if settings.uses_embedded_database
        else "Connecting to the configured PostgreSQL"
    )
    with step(title):
        urls = databases.resolve(settings)
        for role, dsn in (("ledger", urls.ledger_dsn), ("warehouse", urls.warehouse_dsn)):
            try:
                psycopg.connect(dsn, connect_timeout=10).close()
            except psycopg.OperationalError as error:
                variable = "FLUXO_DATABASE_URL" if role == "ledger" else "FLUXO_WAREHOUSE_URL"
                reason = str(error).strip().splitlines()[0]
                raise FluxoError(
                    f"cannot reach the {role} database ({reason}): check {variable}"
                ) from error
    return urls


def main() -> None:
    try:
        app()
    except (
        FluxoError,
        ServiceFailed,
        SeedError,
        LocalApiError,
        LedgerError,
        RoleSetupRefused,
    ) as error:
        console.print(f"[red]fluxo:[/red] {error}")
        sys.exit(1)
