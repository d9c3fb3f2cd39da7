"""The onboarding register: add customers, update them when what they declared changes; register
the merchants' bank accounts.

A change writes a new `updated_at` (the warehouse keeps one version per value of it) and an
audit record with the customer as it was and as it is; an unchanged profile writes nothing.
A bank account belongs to one merchant for good: registering it again for that merchant writes
nothing, for another is refused.
"""

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import Actor
from core_ledger.documents import DocumentKind, InvalidDocument, validate_document
from core_ledger.errors import LedgerError
from core_ledger.models.onboarding import (
    BANK_ACCOUNT_SOURCES,
    PAYMENT_MIXES,
    PERSON_TYPES,
    Customer,
    MerchantBankAccount,
)
from core_ledger.repositories import onboarding
from core_ledger.services import audit
from core_ledger.services.merchants import require_merchant


class InvalidCustomer(LedgerError):
    code = "invalid_customer"
    status = 422
    title = "Invalid customer"


class InvalidBankAccount(LedgerError):
    code = "invalid_bank_account"
    status = 422
    title = "Invalid bank account"


class BankAccountOfAnotherMerchant(LedgerError):
    code = "bank_account_of_another_merchant"
    status = 409
    title = "The bank account is registered to another merchant"


# The same rules as the table's CHECK (migration 0007), checked first for a clear message.
_OPENFINANCE_ACCOUNT_ID = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-]{0,99}")
_STATEMENT_ACCOUNT_ID = re.compile(r"(?!000/)[0-9]{3}/\S{1,100}")


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


@dataclass(frozen=True)
class NewBankAccount:
    """A merchant's bank account, as its source names it."""

    merchant_id: str
    source: str  # openfinance or statement_file
    # Open Finance: the accountId. Statement files: "<COMPE code in 3 digits>/<account>" as the
    # warehouse's statement staging spells it ("341/56789-0" for BANKID 0341, ACCTID 56789-0).
    bank_account_id: str


@dataclass(frozen=True)
class BankAccountRegistration:
    account: MerchantBankAccount
    added: bool  # False: it was registered to this merchant already, and nothing was written


def register_bank_accounts(
    sessions: sessionmaker[Session], actor: Actor, accounts: Sequence[NewBankAccount]
) -> list[BankAccountRegistration]:
    """Register each account to its merchant, in one transaction: all or none. An account
    registered already to the same merchant is left as it is; to another, refused."""
    actor.require_role("operator", "admin")
    registrations: list[BankAccountRegistration] = []
    changes: list[audit.Change] = []
    with sessions.begin() as session:
        for account in accounts:
            _validate_bank_account(account)
            require_merchant(session, account.merchant_id)
            now = datetime.now(UTC)
            inserted = onboarding.add_bank_account_if_absent(
                session, asdict(account) | {"registered_at": now, "updated_at": now}
            )
            if inserted is not None:
                changes.append(
                    audit.Change(
                        "bank_account.registered",
                        "bank_account",
                        f"{account.source}:{account.bank_account_id}",
                        None,
                        asdict(account),
                    )
                )
                registrations.append(BankAccountRegistration(inserted, added=True))
                continue
            existing = onboarding.get_bank_account(session, account.source, account.bank_account_id)
            assert existing is not None  # the insert found it, and a row is never removed
            if existing.merchant_id != account.merchant_id:
                raise BankAccountOfAnotherMerchant(
                    f"{account.source} account {account.bank_account_id!r} is registered to "
                    f"merchant {existing.merchant_id!r}; an account belongs to one merchant",
                    source=account.source,
                    bank_account_id=account.bank_account_id,
                    registered_merchant_id=existing.merchant_id,
                )
            registrations.append(BankAccountRegistration(existing, added=False))
        audit.record(session, actor, changes)
    return registrations


def bank_accounts_of(
    sessions: sessionmaker[Session], actor: Actor, merchant_id: str
) -> list[MerchantBankAccount]:
    """The merchant's registered bank accounts, by source and id."""
    actor.require_read(merchant_id)
    with sessions() as session:
        require_merchant(session, merchant_id)
        return onboarding.bank_accounts_of(session, merchant_id)


def _validate_bank_account(account: NewBankAccount) -> None:
    where = f"bank account {account.bank_account_id!r}"
    if account.source == "openfinance":
        if not _OPENFINANCE_ACCOUNT_ID.fullmatch(account.bank_account_id):
            raise InvalidBankAccount(
                f"{where}: an Open Finance account is its accountId, 1 to 100 letters, digits "
                "and hyphens, not starting with a hyphen"
            )
    elif account.source == "statement_file":
        if not _STATEMENT_ACCOUNT_ID.fullmatch(account.bank_account_id):
            raise InvalidBankAccount(
                f"{where}: a statement file's account is '<COMPE code in 3 digits>/<account>' "
                "with no blanks, as the warehouse spells it: BANKID 0341 and ACCTID 56789-0 "
                "are '341/56789-0'"
            )
    else:
        raise InvalidBankAccount(f"{where}: source must be one of {BANK_ACCOUNT_SOURCES}")
