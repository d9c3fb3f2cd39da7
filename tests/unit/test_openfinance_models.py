"""Open Finance payloads read exactly: v2 and v1 shapes, bad records, malformed pages and links."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ingestion.documents import tokenize
from ingestion.http_retries import parse_retry_after
from ingestion.openfinance.models import (
    Balances,
    InvalidAmount,
    MalformedPage,
    Page,
    PaymentStatus,
    Transaction,
    amount_to_minor,
    next_page_url,
    parse_page,
)
from ingestion.openfinance.transform import (
    TRANSACTION_COLUMNS,
    advanced_watermark,
    booking_window,
    read_accounts,
    read_transactions,
)

TOKEN_KEY = "unit-test-document-token-key-" + "0" * 32
PAGE_URL = "https://bank.example/open-banking/accounts/v2/accounts/a1/transactions?page=1"


def v2_transaction(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "transactionId": "TXN-0001",
        "completedAuthorisedPaymentType": "TRANSACAO_EFETIVADA",
        "creditDebitType": "DEBITO",
        "transactionName": "Pagamento de boleto - Moinho Santa Clara",
        "type": "BOLETO",
        "transactionAmount": {"amount": "1234.5600", "currency": "BRL"},
        "transactionDateTime": "2026-03-03T02:30:00.000Z",
        "partieCnpjCpf": "12.345.678/0001-95",
        "partiePersonType": "PESSOA_JURIDICA",
    }
    record.update(overrides)
    return record


def test_v2_transaction_reads_amount_as_centavos_and_booking_date_in_sao_paulo() -> None:
    txn = Transaction.model_validate(v2_transaction())

    assert txn.amount.amount_minor == 123456
    assert txn.signed_amount_minor == -123456
    assert txn.transaction_at == datetime(2026, 3, 3, 2, 30, tzinfo=UTC)
    # 02:30 UTC is 23:30 of the day before in São Paulo: that is the booking date.
    assert txn.booking_date == date(2026, 3, 2)
    assert txn.partie_cnpj_cpf == "12345678000195"
    assert txn.is_final


def test_v1_transaction_with_numeric_flat_amount_and_date_only() -> None:
    v1 = {
        "transactionId": "TXpRMU9UQTROMWhZV2xSU1FUazJSMDl",
        "completedAuthorisedPaymentType": "LANCAMENTO_FUTURO",
        "creditDebitType": "CREDITO",
        "transactionName": "TRANSF RECEBIDA",
        "type": "PIX",
        "amount": Decimal("500.54"),
        "transactionCurrency": "BRL",
        "transactionDate": "2021-01-07",
    }

    txn = Transaction.model_validate(v1)

    assert txn.amount.amount_minor == 50054
    assert txn.signed_amount_minor == 50054
    assert txn.booking_date == date(2021, 1, 7)
    assert txn.status is PaymentStatus.FUTURE
    assert not txn.is_final


def test_numeric_amount_inside_transaction_amount_object() -> None:
    txn = Transaction.model_validate(v2_transaction(transactionAmount={"amount": 12.3}))
    assert (txn.amount.amount_minor, txn.amount.currency) == (1230, "BRL")


@pytest.mark.parametrize(
    ("value", "minor"),
    [
        ("0.01", 1),
        ("50.0000", 5000),
        ("999999999999999.99", 99999999999999999),
        (Decimal("10.10"), 1010),
        (7, 700),
        (19.9, 1990),  # a float read through its repr, never through binary arithmetic
        ("12", 1200),
    ],
)
def test_amounts_are_exact(value: object, minor: int) -> None:
    assert amount_to_minor(value) == minor


@pytest.mark.parametrize(
    "value",
    ["12,34", "1.234", "0.1+0.2", "", "-5.00", 0.1 + 0.2, True, None, "1e3", "NaN"],
)
def test_unreadable_amounts_are_refused(value: object) -> None:
    with pytest.raises(InvalidAmount):
        amount_to_minor(value)


def test_json_numbers_read_as_decimal_keep_their_centavos() -> None:
    payload = json.loads('{"amount": 1234567890123.45}', parse_float=Decimal)
    assert amount_to_minor(payload["amount"]) == 123456789012345


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("transactionId", "has space"),
        ("transactionId", "-starts-with-hyphen"),
        ("completedAuthorisedPaymentType", "EFETIVADA"),
        ("creditDebitType", "C"),
        ("transactionAmount", {"amount": "12,34", "currency": "BRL"}),
        ("transactionAmount", {"currency": "BRL"}),
        ("transactionDateTime", "2026-03-03T02:30:00"),  # no offset: which instant?
        ("transactionName", "x" * 201),
    ],
)
def test_invalid_transactions_are_rejected(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        Transaction.model_validate(v2_transaction(**{field: value}))


def test_balances_v2_and_v1_shapes() -> None:
    v2 = Balances.model_validate(
        {
            "availableAmount": {"amount": "-10.5000", "currency": "BRL"},
            "blockedAmount": {"amount": "0.00", "currency": "BRL"},
            "automaticallyInvestedAmount": {"amount": "250.0000", "currency": "BRL"},
            "updateDateTime": "2026-03-04T09:00:00.000Z",
        }
    )
    v1 = Balances.model_validate(
        {
            "availableAmount": Decimal("-10.5"),
            "availableAmountCurrency": "BRL",
            "blockedAmount": 0,
            "blockedAmountCurrency": "BRL",
            "automaticallyInvestedAmount": 250.0,
            "automaticallyInvestedAmountCurrency": "BRL",
            "updateDateTime": "2026-03-04T09:00:00Z",
        }
    )
    assert v2 == v1
    assert v2.available.amount_minor == -1050  # an overdrawn account is a valid balance


def test_page_envelopes() -> None:
    page = parse_page({"data": [v2_transaction()], "links": {"self": PAGE_URL}, "meta": {}})
    assert len(page.data) == 1 and page.links.next is None
    single = parse_page({"data": {"availableAmount": {}}}, single=True)
    assert len(single.data) == 1


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "oops",
        {"links": {}},
        {"data": "nope"},
        {"data": [1, 2]},
        {"data": [], "links": ["next"]},
        {"data": [], "links": {"next": 3}},
    ],
)
def test_malformed_pages_are_refused(payload: object) -> None:
    with pytest.raises(MalformedPage):
        parse_page(payload)


def page_with_next(link: str | None) -> Page:
    return parse_page({"data": [], "links": {"next": link}})


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (None, None),
        ("", None),
        (PAGE_URL.replace("page=1", "page=2"), PAGE_URL.replace("page=1", "page=2")),
        (
            "/open-banking/accounts/v2/accounts/a1/transactions?page=2",
            PAGE_URL.replace("page=1", "page=2"),
        ),
        ("?page=2", PAGE_URL.replace("page=1", "page=2")),
    ],
)
def test_next_links_resolve_on_the_same_host(link: str | None, expected: str | None) -> None:
    assert next_page_url(page_with_next(link), PAGE_URL) == expected


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/open-banking/accounts/v2/accounts/a1/transactions?page=2",
        "javascript:alert(1)",
        "page=2",
        "//evil.example/x",
        PAGE_URL,
    ],
)
def test_malformed_next_links_are_refused(link: str) -> None:
    with pytest.raises(MalformedPage):
        next_page_url(page_with_next(link), PAGE_URL)


def test_read_transactions_quarantines_bad_records_with_a_reason() -> None:
    bad = v2_transaction(transactionId="TXN-0002", transactionAmount={"amount": "12,34"})
    split = read_transactions("acc-1", [v2_transaction(), bad], TOKEN_KEY)

    assert [row[1] for row in split.rows] == ["TXN-0001"]
    [rejected] = split.rejected
    assert rejected.record_key.startswith("transactions:acc-1:TXN-0002:")
    assert "12,34" in rejected.reason and "transactionAmount" in rejected.reason
    assert json.loads(rejected.payload)["transactionId"] == "TXN-0002"
    assert split.seen == 2


def test_read_transactions_tokenizes_the_counterparty_and_masks_rejects() -> None:
    bad = v2_transaction(transactionId="TXN-0002", transactionAmount={"amount": "12,34"})
    split = read_transactions("acc-1", [v2_transaction(), bad], TOKEN_KEY)

    [row] = split.rows
    token = row[TRANSACTION_COLUMNS.index("partie_document_token")]
    assert token == tokenize("12345678000195", TOKEN_KEY)
    assert "12345678000195" not in repr(row)
    [rejected] = split.rejected
    assert "12.345.678/0001-95" not in rejected.payload
    assert "**.***.***/0001-**" in rejected.payload


def test_read_transactions_keeps_one_row_per_id_final_first() -> None:
    final = v2_transaction()
    pending = v2_transaction(completedAuthorisedPaymentType="TRANSACAO_PROCESSANDO")
    split = read_transactions("acc-1", [final, pending], TOKEN_KEY)
    [row] = split.rows
    assert row[TRANSACTION_COLUMNS.index("status")] == "TRANSACAO_EFETIVADA"


def test_read_accounts_returns_the_valid_ones() -> None:
    good = {
        "brandName": "Banco",
        "companyCnpj": "11222333000181",
        "type": "CONTA_DEPOSITO_A_VISTA",
        "compeCode": "001",
        "branchCode": "6272",
        "number": "94088392",
        "checkDigit": "4",
        "accountId": "acc-1",
    }
    accounts, split = read_accounts([good, {**good, "accountId": "bad id"}], TOKEN_KEY)
    assert [a.account_id for a in accounts] == ["acc-1"]
    assert len(split.rows) == 1 and len(split.rejected) == 1


def test_booking_window_and_watermark() -> None:
    day = date(2026, 3, 10)
    first = booking_window(date(2026, 2, 11), day, None, overlap_days=3)
    assert (first.from_date, first.to_date) == (date(2026, 2, 8), day)
    caught_up = booking_window(day, day, date(2026, 3, 5), overlap_days=3)
    assert caught_up.from_date == date(2026, 3, 2)
    next_day = booking_window(day, day, date(2026, 3, 9), overlap_days=3)
    assert next_day.from_date == date(2026, 3, 6)
    backfill = booking_window(date(2026, 3, 1), date(2026, 3, 1), date(2026, 3, 9), overlap_days=3)
    assert (backfill.from_date, backfill.to_date) == (date(2026, 2, 26), date(2026, 3, 1))
    assert advanced_watermark(date(2026, 3, 9), date(2026, 3, 1)) == date(2026, 3, 9)
    assert advanced_watermark(None, day) == day


def test_retry_after_header() -> None:
    now = datetime(2026, 3, 4, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 04 Mar 2026 12:00:05 GMT", now=now) == 5.0
    assert parse_retry_after("Wed, 04 Mar 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
