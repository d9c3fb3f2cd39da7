"""Post the demo workload through the ledger's HTTP API, as a client would, and fill the
onboarding register with the demo's customers."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import Actor
from core_ledger.services.onboarding import (
    RegisterResult,
    register_bank_accounts,
    register_customers,
)
from fluxo.demo_onboarding import demo_bank_accounts, demo_customer_profiles
from fluxo.demo_workload import DEMO_DAYS, MERCHANTS, SAO_PAULO, DemoEntry, demo_entries


class SeedError(RuntimeError):
    """The API refused a demo request for a reason other than "already there"."""


@dataclass(frozen=True)
class SeedResult:
    merchants_created: int
    entries_posted: int
    entries_already_present: int


def seed(
    api_url: str,
    api_key: str,
    days: int = DEMO_DAYS,
    on_progress: Callable[[int, int], None] | None = None,
) -> SeedResult:
    """Register the demo merchants and post their entries; existing ones are left as they are.

    Each merchant's entries go in the order they happened, one merchant per thread: a merchant's
    cash never goes below zero, so a payment must not overtake the sales that fund it."""
    today = datetime.now(SAO_PAULO).date()
    entries = sorted(demo_entries(today, days), key=lambda entry: entry.occurred_at)
    by_merchant = {
        profile.merchant_id: [e for e in entries if e.merchant_id == profile.merchant_id]
        for profile in MERCHANTS
    }
    with httpx.Client(base_url=api_url, timeout=30.0) as client:
        client.headers["Authorization"] = f"Bearer {_access_token(client, api_key)}"
        merchants_created = sum(
            _register(client, profile.merchant_id, profile.name) for profile in MERCHANTS
        )
        counts = {"posted": 0, "already": 0}
        lock = threading.Lock()

        def post_in_order(merchant_entries: list[DemoEntry]) -> None:
            for entry in merchant_entries:
                was_new = _post(client, entry)
                with lock:
                    counts["posted" if was_new else "already"] += 1
                    if on_progress:
                        on_progress(counts["posted"] + counts["already"], len(entries))

        with ThreadPoolExecutor(len(by_merchant)) as pool:
            list(pool.map(post_in_order, by_merchant.values()))
    return SeedResult(merchants_created, counts["posted"], counts["already"])


def _access_token(client: httpx.Client, api_key: str) -> str:
    response = client.post("/v1/auth/token", json={"api_key": api_key})
    if response.status_code != 200:
        raise SeedError(f"exchanging the API key: {response.status_code} {response.text}")
    token: str = response.json()["access_token"]
    return token


def _register(client: httpx.Client, merchant_id: str, name: str) -> bool:
    response = client.post("/v1/merchants", json={"merchant_id": merchant_id, "name": name})
    if response.status_code == 201:
        return True
    if response.status_code == 409 and response.json().get("code") == "merchant_already_exists":
        return False
    raise SeedError(f"registering {merchant_id}: {response.status_code} {response.text}")


def _post(client: httpx.Client, entry: DemoEntry) -> bool:
    response = client.post(f"/v1/merchants/{entry.merchant_id}/entries", json=entry.as_request())
    if response.status_code == 201:
        return True
    if response.status_code == 409 and response.json().get("code") == "duplicate_external_id":
        return False
    raise SeedError(f"posting {entry.external_id}: {response.status_code} {response.text}")


@dataclass(frozen=True)
class OnboardingSeedResult:
    customers: RegisterResult
    bank_accounts_added: int
    bank_accounts_already_registered: int


def seed_onboarding_register(sessions: sessionmaker[Session], actor: Actor) -> OnboardingSeedResult:
    """Onboard the demo's customers and register the demo merchants' bank accounts (the merchants
    must exist); what is already registered as declared is left as it is. The ledger API has no
    endpoint for customers yet, so this goes through the services directly."""
    customers = register_customers(sessions, actor, demo_customer_profiles())
    accounts = register_bank_accounts(sessions, actor, demo_bank_accounts())
    added = sum(registration.added for registration in accounts)
    return OnboardingSeedResult(customers, added, len(accounts) - added)
