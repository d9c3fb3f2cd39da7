"""Crashes during a load: SIGKILL the API, and separately restart PostgreSQL. Afterwards every
transfer that got a 2xx is present exactly once, none is half-applied, and retrying the rest
with their Idempotency-Keys applies each at most once."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from core_ledger.access import cli_actor
from core_ledger.services import auth
from fluxo import embedded
from fluxo.databases import DatabaseUrls
from fluxo.migrations import migrate
from fluxo.processes import Service, start_service
from fluxo.servers import api_server, child_environment
from fluxo.settings import Settings
from fluxo.urls import libpq_url, with_database
from tests.e2e.cli import free_port

CLIENTS = 6


@dataclass
class Stack:
    data_dir: Path
    settings: Settings
    urls: DatabaseUrls
    api_key: str
    api: Service | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.api_port}"

    def start_api(self) -> None:
        server = api_server(self.settings)
        env = child_environment(self.settings) | {
            "FLUXO_DATABASE_URL": self.urls.ledger,
            "FLUXO_WAREHOUSE_URL": self.urls.warehouse,
            "FLUXO_API_PORT": str(self.settings.api_port),
            "FLUXO_API_WORKERS": "2",
        }
        log = self.settings.home_dir / "logs" / "api.log"
        self.api = start_service(
            server.name, server.command, server.url, server.ready_url, log, env
        )


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """Its own PostgreSQL (this test restarts it), migrated, and the API as a real process."""
    data_dir = tmp_path / "pgdata"
    admin = embedded.start(data_dir)
    embedded.ensure_databases(libpq_url(admin), ("crash_ledger", "crash_warehouse"))
    urls = DatabaseUrls(
        with_database(admin, "crash_ledger"), with_database(admin, "crash_warehouse")
    )
    migrate(urls)
    engine = create_engine(urls.ledger)
    sessions = sessionmaker(engine)
    api_key = auth.create_key(sessions, cli_actor("tests"), "crash", "operator", None).secret
    engine.dispose()
    settings = Settings(home=tmp_path / "home", api_port=free_port())
    running = Stack(data_dir, settings, urls, api_key)
    running.start_api()
    try:
        yield running
    finally:
        if running.api is not None:
            running.api.stop()
        embedded.stop(data_dir)


@dataclass
class Load:
    """Clients posting credit entries, each with its own Idempotency-Key and external_id."""

    stack: Stack
    merchant: str
    acknowledged: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)  # errors, 5xx: outcome unknown
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run_client(self) -> None:
        with httpx.Client(base_url=self.stack.base_url, timeout=10) as client:
            client.headers["X-API-Key"] = self.stack.api_key
            while not self.stop.is_set():
                key = uuid.uuid4().hex
                try:
                    response = _post_entry(client, self.merchant, key)
                    ok = response.status_code == 201
                except httpx.HTTPError:
                    ok = False
                with self.lock:
                    (self.acknowledged if ok else self.unanswered).add(key)
                if not ok:
                    time.sleep(0.05)

    def during(self, disruption: Callable[[], None]) -> None:
        threads = [threading.Thread(target=self.run_client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(1.5)
            disruption()
            time.sleep(1.5)
        finally:  # a failed disruption must not leave the clients running forever
            self.stop.set()
            for thread in threads:
                thread.join()


def _post_entry(client: httpx.Client, merchant: str, key: str) -> httpx.Response:
    return client.post(
        f"/v1/merchants/{merchant}/entries",
        json={
            "type": "credit",
            "amount": "1.00",
            "occurred_at": "2026-07-01T12:00:00Z",
            "description": "carga",
            "category": "teste",
            "external_id": key,
        },
        headers={"Idempotency-Key": key},
    )


def _register(stack: Stack) -> str:
    merchant = f"crash-{uuid.uuid4().hex[:8]}"
    response = httpx.post(
        f"{stack.base_url}/v1/merchants",
        json={"merchant_id": merchant, "name": "Carga"},
        headers={"X-API-Key": stack.api_key},
    )
    assert response.status_code == 201, response.text
    return merchant


def _wait_until_ready(stack: Stack) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{stack.base_url}/ready").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the API did not become ready again")


def _check_books(stack: Stack, load: Load) -> None:
    with psycopg.connect(stack.urls.ledger_dsn) as conn:
        stored = {
            row[0]: row[1]
            for row in conn.execute(
                "select t.external_id, count(p.*) from ledger.transfers t"
                " join ledger.postings p using (transfer_id) where t.tenant_id = %s"
                " group by t.external_id",
                (load.merchant,),
            )
        }
        mismatched = conn.execute(
            "select count(*) from ledger.accounts a where tenant_id = %s and"
            " (posted_debits_minor, posted_credits_minor, version) <> (select"
            " coalesce(sum(amount_minor) filter (where direction = 'debit'), 0),"
            " coalesce(sum(amount_minor) filter (where direction = 'credit'), 0), count(*)"
            " from ledger.postings p where p.account_id = a.account_id)",
            (load.merchant,),
        ).fetchone()
    assert load.acknowledged <= stored.keys(), "an acknowledged transfer is missing"
    assert set(stored.values()) == {2}, "a transfer is half-applied"
    assert mismatched == (0,), "an account's totals disagree with its postings"
    assert stored.keys() <= load.acknowledged | load.unanswered


def _retry_unanswered(stack: Stack, load: Load) -> None:
    """Each unknown outcome, retried with its key: now applied once, or found already applied."""
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        client.headers["X-API-Key"] = stack.api_key
        for key in load.unanswered:
            response = _post_entry(client, load.merchant, key)
            assert response.status_code in (201, 409), response.text
            if response.status_code == 409:  # committed just before the crash, key lost with it?
                assert response.json()["code"] == "duplicate_external_id"
    with psycopg.connect(stack.urls.ledger_dsn) as conn:
        count = conn.execute(
            "select count(*), count(distinct external_id) from ledger.transfers"
            " where tenant_id = %s",
            (load.merchant,),
        ).fetchone()
    sent = len(load.acknowledged | load.unanswered)
    assert count == (sent, sent)


def test_api_killed_mid_load(stack: Stack) -> None:
    load = Load(stack, _register(stack))

    def kill_and_restart_api() -> None:
        assert stack.api is not None
        os.killpg(stack.api.process.pid, signal.SIGKILL)
        stack.api.process.wait()
        time.sleep(0.5)
        stack.start_api()

    load.during(kill_and_restart_api)
    assert load.acknowledged and load.unanswered  # the crash really hit requests in flight
    _check_books(stack, load)
    _retry_unanswered(stack, load)
    _check_books(stack, load)


def test_postgres_restarted_mid_load(stack: Stack) -> None:
    load = Load(stack, _register(stack))

    def restart_postgres() -> None:
        embedded.stop(stack.data_dir)
        time.sleep(0.5)
        # From a new process: pgserver remembers in this one that it already started the server.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, pathlib; from fluxo import embedded;"
                " embedded.start(pathlib.Path(sys.argv[1]))",
                str(stack.data_dir),
            ],
            check=True,
            timeout=60,
        )
        _wait_until_ready(stack)

    load.during(restart_postgres)
    assert load.acknowledged and load.unanswered
    _check_books(stack, load)
    _retry_unanswered(stack, load)
    _check_books(stack, load)


def test_shutdown_finishes_requests_in_flight(stack: Stack) -> None:
    """SIGTERM while a 1,000-transfer batch is being applied: the batch completes and answers."""
    merchant = _register(stack)
    headers = {"X-API-Key": stack.api_key}
    accounts = httpx.get(f"{stack.base_url}/v1/tenants/{merchant}/accounts", headers=headers)
    ids = {a["code"]: a["account_id"] for a in accounts.json()["items"]}
    transfer = {
        "postings": [
            {"account_id": ids["external"], "direction": "debit", "amount": "1.00"},
            {"account_id": ids["cash"], "direction": "credit", "amount": "1.00"},
        ],
        "description": "lote",
    }
    answers: list[tuple[httpx.Response, float]] = []

    def send() -> None:
        response = httpx.post(
            f"{stack.base_url}/v1/transfers/batch",
            json={"transfers": [transfer] * 1000},
            headers=headers,
            timeout=60,
        )
        answers.append((response, time.monotonic()))

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.1)  # the request is in flight
    assert stack.api is not None
    started = time.monotonic()
    stack.api.stop()  # SIGTERM to the server and its workers
    sender.join()
    response, answered_at = answers[0]
    assert answered_at > started, "the batch finished before the shutdown began: make it longer"
    assert response.status_code == 201, response.text
    assert len(response.json()["transfers"]) == 1000
    assert time.monotonic() - started < 15
    stack.api = None
