"""The other party of a transfer (who pays the merchant, or whom the merchant pays): what the
AML rules need to know about it, validated as the ledger takes it.

Each of document, name and country is optional, but a counterparty must say something. The
document is a CPF or CNPJ (its kind told by its length), kept normalised; the country is an
ISO 3166-1 alpha-2 code, checked against pycountry's copy of the standard.
"""

from dataclasses import dataclass
from typing import Protocol

import pycountry

from core_ledger.documents import DocumentKind, InvalidDocument, mask_document, validate_cpf_or_cnpj
from core_ledger.errors import (
    EmptyCounterparty,
    InvalidCounterpartyCountry,
    InvalidCounterpartyDocument,
)


@dataclass(frozen=True)
class Counterparty:
    document: str | None = None  # normalised CPF (11 digits) or CNPJ (14 of [0-9A-Z])
    name: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, uppercase

    def __repr__(self) -> str:
        # Keeps the clear document out of logs and tracebacks that print the object.
        return (
            f"Counterparty(document={self.document_masked!r}, name={self.name!r}, "
            f"country={self.country!r})"
        )

    @property
    def document_kind(self) -> DocumentKind | None:
        if self.document is None:
            return None
        return "cpf" if len(self.document) == 11 else "cnpj"

    @property
    def document_masked(self) -> str | None:
        return mask_document(self.document) if self.document is not None else None


class HasCounterparty(Protocol):
    counterparty_document: str | None
    counterparty_name: str | None
    counterparty_country: str | None


def validated_counterparty(given: Counterparty) -> Counterparty:
    """The counterparty as the ledger stores it (document normalised, country uppercase), or the
    error saying what is wrong (never quoting the document)."""
    if given.document is None and given.name is None and given.country is None:
        raise EmptyCounterparty("give at least one of the counterparty's document, name, country")
    document = None
    if given.document is not None:
        try:
            document = validate_cpf_or_cnpj(given.document).value
        except InvalidDocument as error:
            raise InvalidCounterpartyDocument(f"counterparty document: {error}") from None
    return Counterparty(document, given.name, _country_code(given.country))


def stored_counterparty(row: HasCounterparty) -> Counterparty | None:
    """The counterparty a transfer or hold row carries, if any."""
    stored = Counterparty(
        row.counterparty_document, row.counterparty_name, row.counterparty_country
    )
    return None if stored == Counterparty() else stored


def counterparty_record(counterparty: Counterparty | None) -> dict[str, str | None] | None:
    """The counterparty as the audit records and outbox events carry it (in the ledger database,
    document in clear, as the onboarding register's records do; the warehouse copy masks it)."""
    if counterparty is None:
        return None
    return {
        "document": counterparty.document,
        "name": counterparty.name,
        "country": counterparty.country,
    }


def _country_code(country: str | None) -> str | None:
    if country is None:
        return None
    code = country.strip().upper()
    # pycountry's lookup also matches lowercase and other fields; only two letters qualify.
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise InvalidCounterpartyCountry(
            f"counterparty country {country!r} is not a two-letter ISO 3166-1 code such as 'BR'"
        )
    if pycountry.countries.get(alpha_2=code) is None:
        raise InvalidCounterpartyCountry(
            f"counterparty country {country!r} is not an assigned ISO 3166-1 alpha-2 code"
        )
    return code
