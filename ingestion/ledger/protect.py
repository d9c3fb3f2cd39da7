"""Rewrites of ledger rows that carry personal data, applied on the way into `raw`.

- Onboarding register: the CPF/CNPJ becomes its token and masked form (the clear value goes only
  to raw.kyc_documents_restricted), e-mail and phone become tokens.
- Transfers: the counterparty's CPF/CNPJ likewise becomes its token and masked form, the clear
  value going only to raw.kyc_documents_restricted; its name and country land as they are.
- Audit records: every valid CPF/CNPJ inside `before`/`after` is masked, and so are the contacts
  a customer record carries (they land tokenized in raw.onboarding_customers; clear here would
  undo that).
"""

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from ingestion.contacts import email_token, phone_token
from ingestion.documents import (
    CPF_LENGTH,
    DocumentKind,
    mask_document,
    mask_documents_in_text,
    tokenize,
)
from ingestion.kyc.restricted import RestrictedDocument


class Rewritten(NamedTuple):
    row: tuple[Any, ...]
    documents: list[RestrictedDocument]  # clear documents met, for the restricted table


# (row as read from the ledger, document token key) -> the row to land and the documents met.
RowRewrite = Callable[[tuple[Any, ...], str], Rewritten]

ONBOARDING_SOURCE_COLUMNS = (
    "customer_id",
    "person_type",
    "document",
    "legal_name",
    "declared_cnae",
    "declared_monthly_revenue_minor",
    "currency",
    "contact_email",
    "contact_phone",
    "expected_payment_mix",
    "onboarded_at",
    "updated_at",
)


def tokenize_customer(row: tuple[Any, ...], key: str) -> Rewritten:
    (
        customer_id,
        person_type,
        document,
        legal_name,
        declared_cnae,
        revenue_minor,
        currency,
        contact_email,
        contact_phone,
        payment_mix,
        onboarded_at,
        updated_at,
    ) = row
    token = tokenize(document, key)
    # The register validates documents on write (core_ledger.services.onboarding).
    restricted = RestrictedDocument(
        token, "cnpj" if person_type == "PJ" else "cpf", document, is_valid=True
    )
    landed = (
        customer_id,
        person_type,
        token,
        mask_document(document),
        legal_name,
        declared_cnae,
        revenue_minor,
        currency,
        email_token(contact_email, key),
        phone_token(contact_phone, key),
        payment_mix,
        onboarded_at,
        updated_at,
    )
    return Rewritten(landed, [restricted])


# The transfer's own columns, then its counterparty's: read with the clear document, landed with
# its token and masked form in its place.
TRANSFER_COLUMNS = (
    "transfer_id",
    "tenant_id",
    "currency",
    "kind",
    "reverses_transfer_id",
    "hold_id",
    "external_id",
    "description",
    "category",
    "occurred_at",
    "created_at",
)
TRANSFER_SOURCE_COLUMNS = (
    *TRANSFER_COLUMNS,
    "counterparty_document",
    "counterparty_name",
    "counterparty_country",
)
TRANSFER_LANDED_COLUMNS = (
    *TRANSFER_COLUMNS,
    "counterparty_document_token",
    "counterparty_document_masked",
    "counterparty_name",
    "counterparty_country",
)
_TRANSFER_OWN = len(TRANSFER_COLUMNS)


def tokenize_counterparty(row: tuple[Any, ...], key: str) -> Rewritten:
    document, name, country = row[_TRANSFER_OWN:]
    if document is None:
        return Rewritten((*row[:_TRANSFER_OWN], None, None, name, country), [])
    token = tokenize(document, key)
    # The ledger validates counterparty documents on write (core_ledger.counterparty), and
    # keeps them normalised: the length tells the kind.
    kind: DocumentKind = "cpf" if len(document) == CPF_LENGTH else "cnpj"
    landed = (*row[:_TRANSFER_OWN], token, mask_document(document), name, country)
    return Rewritten(landed, [RestrictedDocument(token, kind, document, is_valid=True)])


AUDIT_COLUMNS = (
    "seq",
    "recorded_at",
    "principal",
    "action",
    "request_id",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "prev_hash",
    "hash",
)
_BEFORE, _AFTER = AUDIT_COLUMNS.index("before"), AUDIT_COLUMNS.index("after")


def mask_audit_record(row: tuple[Any, ...], key: str) -> Rewritten:
    del key  # masking needs no key: nothing here is meant to be joined on
    landed = list(row)
    for index in (_BEFORE, _AFTER):
        landed[index] = _masked_json(row[index])
    return Rewritten(tuple(landed), [])


_CONTACT_KEYS = frozenset({"contact_email", "contact_phone"})


def _masked_json(state: Any) -> str | None:
    """The state as JSON text with every valid CPF/CNPJ (in a string or a number) and every
    contact masked."""
    if state is None:
        return None
    if isinstance(state, dict):
        state = {
            name: mask_contact(value) if name in _CONTACT_KEYS else value
            for name, value in state.items()
        }
    return mask_documents_in_text(json.dumps(state, ensure_ascii=False, sort_keys=True))


def mask_contact(value: Any) -> Any:
    """'ana@email.com.br' -> 'a***@email.com.br'; '(11) 97777-0101' -> '***01'."""
    if not isinstance(value, str) or not value:
        return value
    if "@" in value:
        name, _, domain = value.partition("@")
        return f"{name[:1]}***@{domain}"
    digits = "".join(c for c in value if c.isdigit())
    return f"***{digits[-2:]}"
