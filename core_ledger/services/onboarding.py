"""The onboarding register: add customers, update them when what they declared changes.

A change writes a new `updated_at` (the warehouse keeps one version per value of it) and an
audit record with the customer as it was and as it is; an unchanged profile writes nothing.
"""

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import Actor
from core_ledger.documents import DocumentKind, InvalidDocument, validate_document
from core_ledger.errors import LedgerError
from core_ledger.models.onboarding import PAYMENT_MIXES, PERSON_TYPES, Customer
from core_ledger.repositories import onboarding
from core_ledger.services import audit


class InvalidCustomer(LedgerError):
    code = "invalid_customer"
    status = 422
    title = "Invalid customer"


@dataclass(frozen=True)
class CustomerProfile:
    """What a customer declares at onboarding. The document may come masked ('12.345.678/0001-95')
    and is stored normalised."""

    customer_id: str
    person_type: str  # PJ or PF
    document: str
    legal_name: str
    declared_monthly_revenue_minor: int  # revenue for a company, income for a person
    expected_payment_mix: str  # card, cash, transfer or mixed
    declared_cnae: str | None = None  # 7-digit subclass, companies only
    currency: str = "BRL"
    contact_email: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True)
class RegisterResult:
    added: int
    updated: int
    unchanged: int


def register_customers(
    sessions: sessionmaker[Session], actor: Actor, profiles: list[CustomerProfile]
) -> RegisterResult:
    """Add each profile's customer, or update it where the profile differs; in one transaction."""
    actor.require_role("operator", "admin")
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    changes: list[audit.Change] = []
    with sessions.begin() as session:
        for profile in profiles:
            values = _validated(profile)
            existing = onboarding.get_for_update(session, profile.customer_id)
            if existing is None:
                now = datetime.now(UTC)
                onboarding.add(session, values | {"onboarded_at": now, "updated_at": now})
                changes.append(
                    audit.Change(
                        "customer.onboarded", "customer", profile.customer_id, None, values
                    )
                )
                counts["added"] += 1
                continue
            before = _declared(existing)
            if before == values:
                counts["unchanged"] += 1
                continue
            onboarding.update(session, existing, values | {"updated_at": datetime.now(UTC)})
            changes.append(
                audit.Change("customer.updated", "customer", profile.customer_id, before, values)
            )
            counts["updated"] += 1
        audit.record(session, actor, changes)
    return RegisterResult(**counts)


def _validated(profile: CustomerProfile) -> dict[str, Any]:
    """The profile as stored, or InvalidCustomer saying what is wrong (never quoting the
    document)."""
    where = f"customer {profile.customer_id!r}"
    if profile.person_type not in PERSON_TYPES:
        raise InvalidCustomer(f"{where}: person_type must be one of {PERSON_TYPES}")
    if profile.expected_payment_mix not in PAYMENT_MIXES:
        raise InvalidCustomer(f"{where}: expected_payment_mix must be one of {PAYMENT_MIXES}")
    if profile.person_type == "PF" and profile.declared_cnae is not None:
        raise InvalidCustomer(f"{where}: a person (PF) declares no CNAE")
    if profile.declared_cnae is not None and not (
        len(profile.declared_cnae) == 7 and profile.declared_cnae.isdigit()
    ):
        raise InvalidCustomer(f"{where}: declared_cnae is a 7-digit CNAE subclass")
    if profile.declared_monthly_revenue_minor < 0:
        raise InvalidCustomer(f"{where}: declared revenue cannot be negative")
    kind: DocumentKind = "cnpj" if profile.person_type == "PJ" else "cpf"
    try:
        document = validate_document(profile.document, kind)
    except InvalidDocument as error:
        raise InvalidCustomer(f"{where}: {error}") from None
    return asdict(profile) | {"document": document.value}


def _declared(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in CustomerProfile.__dataclass_fields__}
