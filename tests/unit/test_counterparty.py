"""A counterparty as the ledger takes it, and as its raw copy lands."""

import pytest

from core_ledger.counterparty import Counterparty, stored_counterparty, validated_counterparty
from core_ledger.documents import check_digits_cnpj, check_digits_cpf, mask_document
from core_ledger.errors import (
    EmptyCounterparty,
    InvalidCounterpartyCountry,
    InvalidCounterpartyDocument,
    LedgerError,
)
from ingestion.documents import tokenize
from ingestion.ledger.protect import TRANSFER_COLUMNS, tokenize_counterparty

CPF = check_digits_cpf("529982247")
ALPHANUMERIC_CNPJ = check_digits_cnpj("12ABC34501DE")
KEY = "k" * 32


def test_the_document_is_normalised_and_its_kind_told_by_its_length() -> None:
    masked = f"{CPF[:3]}.{CPF[3:6]}.{CPF[6:9]}-{CPF[9:]}"
    person = validated_counterparty(Counterparty(document=masked, country=" br "))
    assert (person.document, person.document_kind, person.country) == (CPF, "cpf", "BR")
    company = validated_counterparty(Counterparty(document=ALPHANUMERIC_CNPJ.lower()))
    assert (company.document, company.document_kind) == (ALPHANUMERIC_CNPJ, "cnpj")
    assert CPF not in repr(person)


@pytest.mark.parametrize(
    ("given", "error"),
    [
        (Counterparty(), EmptyCounterparty),
        (
            Counterparty(document=CPF[:-1] + str((int(CPF[-1]) + 1) % 10)),
            InvalidCounterpartyDocument,
        ),
        (Counterparty(document="00000000000"), InvalidCounterpartyDocument),
        (Counterparty(document="123456789012"), InvalidCounterpartyDocument),
        (Counterparty(country="XK"), InvalidCounterpartyCountry),  # user-assigned, not ISO
        (Counterparty(country="BRA"), InvalidCounterpartyCountry),
        (Counterparty(country="B1"), InvalidCounterpartyCountry),
        (Counterparty(country="Ñ"), InvalidCounterpartyCountry),
    ],
)
def test_a_wrong_counterparty_raises_its_coded_error(
    given: Counterparty, error: type[LedgerError]
) -> None:
    with pytest.raises(error) as raised:
        validated_counterparty(given)
    assert given.document is None or given.document not in raised.value.detail


class _Row:
    def __init__(self, document: str | None, name: str | None, country: str | None) -> None:
        self.counterparty_document = document
        self.counterparty_name = name
        self.counterparty_country = country


def test_a_row_without_any_counterparty_field_has_no_counterparty() -> None:
    assert stored_counterparty(_Row(None, None, None)) is None
    assert stored_counterparty(_Row(None, None, "BR")) == Counterparty(country="BR")


def test_the_raw_copy_lands_the_token_and_masked_form_and_keeps_the_clear_one_apart() -> None:
    own = tuple(f"value-{column}" for column in TRANSFER_COLUMNS)
    with_document = tokenize_counterparty((*own, CPF, "Ana", "BR"), KEY)
    assert with_document.row == (*own, tokenize(CPF, KEY), mask_document(CPF), "Ana", "BR")
    assert [(d.kind, d.document, d.is_valid) for d in with_document.documents] == [
        ("cpf", CPF, True)
    ]
    company = tokenize_counterparty((*own, ALPHANUMERIC_CNPJ, None, None), KEY)
    assert company.documents[0].kind == "cnpj"
    without = tokenize_counterparty((*own, None, None, "IR"), KEY)
    assert without.row == (*own, None, None, None, "IR")
    assert without.documents == []
