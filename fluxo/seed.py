"""Post the demo workload through the ledger's HTTP API, as a client would."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import httpx

from fluxo.demo_workload import MERCHANTS, SAO_PAULO, DemoEntry, demo_entries

DEMO_DAYS = 60
CONCURRENT_REQUESTS = 8


class SeedError(RuntimeError):
    """The API refused a demo request for a reason other than "already there"."""


@dataclass(frozen=True)
class SeedResult:
    merchants_created: int
    entries_posted: int
    entries_already_present: int


def seed(
    api_url: str,
    days: int = DEMO_DAYS,
    on_progress: Callable[[int, int], None] | None = None,
) -> SeedResult:
    """Register the demo merchants and post their entries; existing ones are left as they are."""
    today = datetime.now(SAO_PAULO).date()
    entries = list(demo_entries(today, days))
    with httpx.Client(base_url=api_url, timeout=30.0) as client:
        merchants_created = sum(
            _register(client, profile.merchant_id, profile.name) for profile in MERCHANTS
        )
        posted = already = done = 0
        with ThreadPoolExecutor(CONCURRENT_REQUESTS) as pool:
            for was_new in pool.map(lambda entry: _post(client, entry), entries):
                posted += was_new
                already += not was_new
                done += 1
                if on_progress:
                    on_progress(done, len(entries))
    return SeedResult(merchants_created, posted, already)


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
