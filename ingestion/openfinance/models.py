"""Pydantic records of the Open Finance Brasil Accounts API (v2, tolerating v1-era payloads)."""

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ingestion.business_day import BUSINESS_TIMEZONE, business_date

RESOURCE_ID_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,99}$"
MAX_AMOUNT_MINOR = 2**63 - 1


class MalformedPage(ValueError):
    """A response that is not a page of the API at all (bad JSON, no `data`, unusable links)."""


class InvalidAmount(ValueError):
    """An amount that cannot be read exactly as centavos."""


class PaymentStatus(StrEnum):
    """`completedAuthorisedPaymentType`: only TRANSACAO_EFETIVADA is final."""

    EFFECTED = "TRANSACAO_EFETIVADA"
    FUTURE = "LANCAMENTO_FUTURO"
    PROCESSING = "TRANSACAO_PROCESSANDO"


class CreditDebit(StrEnum):
    CREDIT = "CREDITO"
    DEBIT = "DEBITO"


# v2 says `^\d{1,15}\.\d{2,4}$`; v1-era strings may have fewer decimals or none.
_DECIMAL_TEXT = re.compile(r"^-?\d{1,15}(\.\d{1,4})?$")


def amount_to_minor(value: object, *, signed: bool = False) -> int:
    """An amount as integer centavos, exactly: v2 strings ("12.3400"), v1 numbers (12.34).

    Never through binary floating point: JSON is read with `parse_float=Decimal`; a float that
    still arrives (a hand-built payload) is read through its shortest repr, which is what its
    author wrote. Extra decimals are accepted only when they are zeros, since centavos cannot
    hold the rest. Transaction amounts are unsigned (direction is `creditDebitType`)."""
    if isinstance(value, bool):
        raise InvalidAmount(f"amount {value!r} is not a number")
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_TEXT.fullmatch(text):
            raise InvalidAmount(f"amount {value!r} is not a decimal such as '1234.56'")
        number = Decimal(text)
    elif isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        raise InvalidAmount(f"amount {value!r} is not a number")
    try:
        minor = number.scaleb(2)
        if not minor.is_finite() or minor != minor.to_integral_value():
            raise InvalidAmount(f"amount {value!r} has fractions of a centavo")
    except InvalidOperation as error:
        raise InvalidAmount(f"amount {value!r} is not a number") from error
    result = int(minor)
    if result < 0 and not signed:
        raise InvalidAmount(f"amount {value!r} is negative; direction is creditDebitType")
    if abs(result) > MAX_AMOUNT_MINOR:
        raise InvalidAmount(f"amount {value!r} is beyond bigint")
    return result


class Money(BaseModel):
    """`{amount, currency}` with the amount read into centavos; never negative."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)
    allows_negative: ClassVar[bool] = False

    amount_minor: int = Field(alias="amount")
    currency: str = Field(default="BRL", pattern=r"^[A-Z]{3}$")

    @field_validator("amount_minor", mode="before")
    @classmethod
    def _exact(cls, value: object) -> int:
        return amount_to_minor(value, signed=cls.allows_negative)


class SignedMoney(Money):
    """A balance: an overdrawn account has a negative one."""

    allows_negative: ClassVar[bool] = True


def _as_money(raw: object, flat_currency: object) -> object:
    """v2 `{amount, currency}` as is; a v1 bare number or string gets its sibling currency."""
    if isinstance(raw, dict | Money):
        return raw
    money: dict[str, object] = {"amount": raw}
    if flat_currency is not None:
        money["currency"] = flat_currency
    return money


class Transaction(BaseModel):
    """One item of `/accounts/{accountId}/transactions`."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    transaction_id: str = Field(alias="transactionId", pattern=RESOURCE_ID_PATTERN)
    status: PaymentStatus = Field(alias="completedAuthorisedPaymentType")
    credit_debit: CreditDebit = Field(alias="creditDebitType")
    transaction_name: str = Field(alias="transactionName", max_length=200)
    # Kept as text: the enum grows between versions (2.5 adds TRANSFERENCIA_SALDO_RESERVADO) and
    # an unknown type is still an unambiguous movement of money.
    transaction_type: str = Field(alias="type", min_length=1, max_length=60)
    amount: Money = Field(alias="transactionAmount")
    transaction_at: AwareDatetime = Field(alias="transactionDateTime")
    partie_cnpj_cpf: str | None = Field(default=None, alias="partieCnpjCpf", pattern=r"^\d{11,14}$")
    partie_person_type: str | None = Field(default=None, alias="partiePersonType")
    partie_compe_code: str | None = Field(default=None, alias="partieCompeCode")
    partie_branch_code: str | None = Field(default=None, alias="partieBranchCode")
    partie_number: str | None = Field(default=None, alias="partieNumber")
    partie_check_digit: str | None = Field(default=None, alias="partieCheckDigit")

    @model_validator(mode="before")
    @classmethod
    def _accept_v1(cls, raw: Any) -> Any:
        """v1 carried `amount` (a number) + `transactionCurrency`, and `transactionDate` (a date,
        no time); read them into the v2 shape when v2's own fields are absent."""
        if not isinstance(raw, dict):
            return raw
        if isinstance(raw.get("transactionAmount"), dict) and "transactionDateTime" in raw:
            return raw  # already v2: nothing to read, so no copy to make (the common case)
        record = dict(raw)
        if "transactionAmount" not in record and "amount" in record:
            record["transactionAmount"] = record["amount"]
        if "transactionAmount" in record:
            record["transactionAmount"] = _as_money(
                record["transactionAmount"], record.get("transactionCurrency")
            )
        if "transactionDateTime" not in record and isinstance(record.get("transactionDate"), str):
            day = date.fromisoformat(record["transactionDate"])
            # A date-only booking is that São Paulo day; midnight keeps the booking date right.
            record["transactionDateTime"] = datetime.combine(day, time(0), BUSINESS_TIMEZONE)
        return record

    @field_validator("partie_cnpj_cpf", mode="before")
    @classmethod
    def _digits_only(cls, value: object) -> object:
        if not isinstance(value, str) or value.isdigit():
            return value  # nothing to strip; most documents already come as bare digits
        return re.sub(r"[.\-/\s]", "", value)

    @property
    def is_final(self) -> bool:
        return self.status is PaymentStatus.EFFECTED

    @property
    def booking_date(self) -> date:
        # The API's instants are UTC; a booking date is the São Paulo calendar day.
        return business_date(self.transaction_at)

    @property
    def signed_amount_minor(self) -> int:
        sign = 1 if self.credit_debit is CreditDebit.CREDIT else -1
        return sign * self.amount.amount_minor


class Account(BaseModel):
    """One item of `/accounts`."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    account_id: str = Field(alias="accountId", pattern=RESOURCE_ID_PATTERN)
    brand_name: str = Field(alias="brandName", max_length=80)
    company_cnpj: str = Field(alias="companyCnpj", pattern=r"^[0-9A-Z]{12}[0-9]{2}$")
    account_type: str = Field(alias="type")
    compe_code: str = Field(alias="compeCode", pattern=r"^\d{3}$")
    branch_code: str | None = Field(default=None, alias="branchCode")
    number: str = Field(max_length=20)
    check_digit: str = Field(alias="checkDigit", max_length=1)


class Balances(BaseModel):
    """The `data` object of `/accounts/{accountId}/balances`."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    available: SignedMoney = Field(alias="availableAmount")
    blocked: SignedMoney = Field(alias="blockedAmount")
    automatically_invested: SignedMoney = Field(alias="automaticallyInvestedAmount")
    updated_at: AwareDatetime = Field(alias="updateDateTime")

    @model_validator(mode="before")
    @classmethod
    def _accept_v1(cls, raw: Any) -> Any:
        """v1 balances: numbers with the currency in `<field>Currency`; balances may be negative
        (overdraft), unlike transaction amounts."""
        if not isinstance(raw, dict):
            return raw
        record = dict(raw)
        for name in ("availableAmount", "blockedAmount", "automaticallyInvestedAmount"):
            if name in record:
                record[name] = _as_money(record[name], record.get(f"{name}Currency"))
        return record


class Links(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    self_: str | None = Field(default=None, alias="self")
    first: str | None = None
    prev: str | None = None
    next: str | None = None
    last: str | None = None


class Page(BaseModel):
    """A response envelope; `data` stays raw so each record is validated (and quarantined) alone."""

    model_config = ConfigDict(frozen=True)

    data: list[dict[str, Any]]
    links: Links = Links()
    meta: dict[str, Any] = Field(default_factory=dict)


def parse_page(payload: object, *, single: bool = False) -> Page:
    """Read an envelope; `single` for endpoints whose `data` is one object (balances)."""
    if not isinstance(payload, dict):
        raise MalformedPage(f"response is a {type(payload).__name__}, not a JSON object")
    data = payload.get("data")
    if single and isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise MalformedPage("response has no 'data' list of objects")
    links = payload.get("links") or {}
    meta = payload.get("meta") or {}
    if not isinstance(links, dict) or not isinstance(meta, dict):
        raise MalformedPage("response 'links' or 'meta' is not an object")
    try:
        parsed_links = Links.model_validate(links)
    except ValidationError as error:
        raise MalformedPage(f"unreadable links: {error.errors()[0]['msg']}") from error
    # `data` and `meta` were checked above and JSON object keys are always text, so letting
    # pydantic validate them again would only copy every record of the page.
    return Page.model_construct(data=data, links=parsed_links, meta=meta)


def next_page_url(page: Page, current_url: str) -> str | None:
    """The absolute URL of the next page, or None at the end.

    A relative `next` is resolved against the current page. A `next` on another host is refused:
    following it would send the bearer token somewhere the consent never covered. A `next` that
    points back at the current page would loop forever, so it is refused too."""
    link = page.links.next
    if link is None or not link.strip():
        return None
    link = link.strip()
    current = urlsplit(current_url)
    target = urlsplit(link)
    if target.scheme and target.scheme not in ("http", "https"):
        raise MalformedPage(f"links.next {link!r} is not an http(s) URL")
    if not target.scheme:
        if target.netloc or not link.startswith(("/", "?")):
            raise MalformedPage(f"links.next {link!r} is neither absolute nor a path")
        base = f"{current.scheme}://{current.netloc}"
        link = base + link if link.startswith("/") else f"{base}{current.path}{link}"
        target = urlsplit(link)
    elif target.netloc != current.netloc:
        raise MalformedPage(f"links.next {link!r} leaves the host {current.netloc}")
    if link == current_url:
        raise MalformedPage(f"links.next {link!r} is the page itself")
    return link
