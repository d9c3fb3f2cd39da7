"""The warehouse the pipeline builds from two merchants' entries, the demo's onboarding register
(its merchants registered, without entries) and the statement fixtures: built once per session,
shared by the cash-flow path tests and the dashboard tests (building one takes most of a
minute)."""

import os
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import cli_actor
from core_ledger.api.app import create_app
from core_ledger.services.audit import seal_pending
from dashboards.users import DashboardRole, add_user
from fluxo import pipeline
from fluxo.databases import DatabaseUrls
from fluxo.demo_workload import MERCHANTS
from fluxo.seed import seed_onboarding_register
from fluxo.servers import child_environment
from fluxo.settings import Settings
from tests.dashboard_app import TEST_PASSWORD

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
STATEMENT_FIXTURES = Path(__file__).parents[1] / "fixtures" / "statements"


@pytest.fixture(scope="session")
def merchant_with_history(
    database_urls: DatabaseUrls, issue_key: Callable[..., str]
) -> tuple[str, date, int]:
    """A merchant with entries over three days; returns its id, first day and final balance."""
    merchant_id = "e2e-padaria-central"
    first_day = datetime.now(SAO_PAULO).date() - timedelta(days=5)
    movements = [
        (0, "credit", "1500.00", "10:00"),
        (0, "debit", "320.45", "15:30"),
        (2, "credit", "89.90", "23:45"),  # late evening: still that São Paulo day
        (3, "debit", "0.01", "08:00"),
    ]
    with TestClient(create_app(), headers={"X-API-Key": issue_key("operator")}) as api:
        api.post("/v1/merchants", json={"merchant_id": merchant_id, "name": "Padaria Central"})
        for offset, entry_type, amount, at in movements:
            occurred_at = datetime.combine(
                first_day + timedelta(days=offset),
                datetime.strptime(at, "%H:%M").time(),
                SAO_PAULO,
            )
            response = api.post(
                f"/v1/merchants/{merchant_id}/entries",
                json={
                    "type": entry_type,
                    "amount": amount,
                    "occurred_at": occurred_at.isoformat(),
                    "description": "venda" if entry_type == "credit" else "fornecedor",
                    "category": "vendas" if entry_type == "credit" else "fornecedores",
                },
            )
            assert response.status_code == 201, response.text
    return merchant_id, first_day, 150_000 - 32_045 + 8_990 - 1


@pytest.fixture(scope="session")
def large_cash_deposit(
    database_urls: DatabaseUrls, issue_key: Callable[..., str]
) -> tuple[str, date]:
    """A R$ 50.000,00 cash deposit on the latest Friday before today: an AML alert (rule 1) and a
    mandatory COAF communication due the next Monday. Returns its entry id and day."""
    merchant_id = "e2e-loja-especie"
    today = datetime.now(SAO_PAULO).date()
    friday = today - timedelta(days=(today.weekday() - 4) % 7 or 7)
    with TestClient(create_app(), headers={"X-API-Key": issue_key("operator")}) as api:
        api.post("/v1/merchants", json={"merchant_id": merchant_id, "name": "Loja Espécie"})
        response = api.post(
            f"/v1/merchants/{merchant_id}/entries",
            json={
                "type": "credit",
                "amount": "50000.00",
                "occurred_at": datetime.combine(
                    friday, datetime.min.time().replace(hour=11), SAO_PAULO
                ).isoformat(),
                "description": "depósito em espécie",
                "category": "vendas_dinheiro",
            },
        )
        assert response.status_code == 201, response.text
    return response.json()["entry_id"], friday


@pytest.fixture(scope="session")
def counterparty_entries(
    database_urls: DatabaseUrls, issue_key: Callable[..., str]
) -> dict[str, str]:
    """Two receipts from abroad yesterday, each naming its payer: one in Iran (on the FATF list:
    AML rule 11), one in Portugal (not). Returns each country's entry id."""
    merchant_id = "e2e-importadora"
    yesterday = datetime.now(SAO_PAULO).date() - timedelta(days=1)
    entries = {}
    with TestClient(create_app(), headers={"X-API-Key": issue_key("operator")}) as api:
        api.post("/v1/merchants", json={"merchant_id": merchant_id, "name": "Importadora"})
        for country, amount in (("IR", "1234.56"), ("PT", "987.65")):
            response = api.post(
                f"/v1/merchants/{merchant_id}/entries",
                json={
                    "type": "credit",
                    "amount": amount,
                    "occurred_at": datetime.combine(
                        yesterday, datetime.min.time().replace(hour=14), SAO_PAULO
                    ).isoformat(),
                    "description": "recebimento do exterior",
                    "category": "vendas_pix",
                    "counterparty": {"name": f"Cliente {country}", "country": country},
                },
            )
            assert response.status_code == 201, response.text
            entries[country] = response.json()["entry_id"]
    return entries


@pytest.fixture(scope="session")
def demo_merchants_registered(database_urls: DatabaseUrls, issue_key: Callable[..., str]) -> None:
    """The demo merchants in the ledger, without entries: their bank accounts, which the
    onboarding register holds, must belong to existing merchants."""
    with TestClient(create_app(), headers={"X-API-Key": issue_key("operator")}) as api:
        for merchant in MERCHANTS:
            response = api.post(
                "/v1/merchants", json={"merchant_id": merchant.merchant_id, "name": merchant.name}
            )
            assert response.status_code in (201, 409), response.text


@pytest.fixture(scope="session")
def pipeline_run(
    database_urls: DatabaseUrls,
    merchant_with_history: tuple[str, date, int],
    large_cash_deposit: tuple[str, date],
    counterparty_entries: dict[str, str],
    simulated_sources: None,
    ledger_sessions: sessionmaker[Session],
    demo_merchants_registered: None,
) -> pipeline.PipelineSummary:
    # The demo's customers and bank accounts in the onboarding register, and the audit chain
    # sealed (the worker's job, which no process does here).
    seed_onboarding_register(ledger_sessions, cli_actor("e2e"))
    seal_pending(ledger_sessions)
    settings = Settings()
    os.environ.update(child_environment(settings))
    landing = settings.home_dir / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    for statement in STATEMENT_FIXTURES.iterdir():
        shutil.copy(statement, landing / statement.name)
    pipeline.prepare(database_urls.warehouse)
    return pipeline.materialize_all(settings.home_dir / "logs" / "pipeline.log")


@pytest.fixture(scope="session")
def dashboard_users(database_urls: DatabaseUrls) -> dict[DashboardRole, str]:
    """One dashboard login per role (password TEST_PASSWORD), by role."""
    users = {role: f"e2e-{role.value}" for role in DashboardRole}
    with psycopg.connect(database_urls.warehouse_dsn) as warehouse:
        for role, username in users.items():
            add_user(warehouse, username, role, TEST_PASSWORD, replace=True)
    return users
