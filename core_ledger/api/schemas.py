"""Request and response bodies of the v1 API. Money travels as decimal strings."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictStr

from core_ledger.counterparty import Counterparty
from core_ledger.models.tenant import TENANT_ID_PATTERN
from core_ledger.money import parse_amount

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["BRL"])]


def _valid_amount(value: str) -> str:
    parse_amount(value)  # raises InvalidAmount (a ValueError) with the reason
    return value


def _known_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown IANA time zone {value!r}") from error
    return value


Amount = Annotated[
    StrictStr,
    AfterValidator(_valid_amount),
    Field(
        description="Positive decimal string with at most two places; stored as integer centavos.",
        examples=["1234.56"],
    ),
]
SignedAmount = Annotated[str, Field(description="Decimal string, may be negative.")]
TenantId = Annotated[str, Field(pattern=TENANT_ID_PATTERN, examples=["padaria-pao-dourado"])]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_known_timezone)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
Category = Annotated[str, Field(min_length=1, max_length=64, examples=["vendas_cartao"])]
ExternalId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=128,
        description="The caller's id; a second one with it for the same tenant is refused (409).",
    ),
]


class StrictBody(BaseModel):
    # Unknown fields are an error: a misspelt field must not be silently ignored with money.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CounterpartyCreate(StrictBody):
    """Who is on the other side. Each field is optional, but at least one must be given; the
    document and country are checked by the ledger (422 invalid_counterparty_document,
    invalid_counterparty_country, empty_counterparty)."""

    document: StrictStr | None = Field(
        default=None,
        max_length=32,
        description="CPF (11 digits) or CNPJ (14 characters, alphanumeric from July 2026), "
        "masked or not.",
        examples=["12.345.678/0001-95"],
    )
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    country: StrictStr | None = Field(
        default=None,
        max_length=64,
        description="ISO 3166-1 alpha-2 code of the counterparty's country.",
        examples=["BR"],
    )

    def given(self) -> Counterparty:
        return Counterparty(self.document, self.name, self.country)


class CounterpartyPublic(BaseModel):
    document_masked: str | None = Field(
        description="The CPF/CNPJ masked ('***.456.789-**', '**.***.***/0001-**'): the API "
        "never returns it in clear."
    )
    document_kind: Literal["cpf", "cnpj"] | None
    name: str | None
    country: str | None


class MerchantCreate(StrictBody):
    merchant_id: TenantId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    currency: Currency = "BRL"
    timezone: TimeZone = "America/Sao_Paulo"


class MerchantPublic(BaseModel):
    merchant_id: str
    name: str
    currency: str
    timezone: str
    created_at: datetime


class BankAccountPublic(BaseModel):
    merchant_id: str
    source: Literal["openfinance", "statement_file"]
    bank_account_id: str
    registered_at: datetime
    updated_at: datetime


class BankAccountList(BaseModel):
    merchant_id: str
    items: list[BankAccountPublic]


class EntryCreate(StrictBody):
    type: Literal["credit", "debit"]
    amount: Amount
    currency: Currency | None = None
    occurred_at: Annotated[AwareDatetime, Field(description="When it happened, with its offset.")]
    description: Text
    category: Category
    external_id: ExternalId | None = None
    counterparty: CounterpartyCreate | None = None


class EntryPublic(BaseModel):
    entry_id: uuid.UUID
    merchant_id: str
    type: Literal["credit", "debit"]
    amount: Amount
    currency: str
    occurred_at: datetime
    description: str
    category: str
    external_id: str | None
    counterparty: CounterpartyPublic | None
    created_at: datetime


class DailyBalancePublic(BaseModel):
    date: date
    opening_balance: SignedAmount
    credits: str
    debits: str
    closing_balance: SignedAmount
    credit_count: int
    debit_count: int


class DailyBalancesPublic(BaseModel):
    merchant_id: str
    account_id: uuid.UUID
    currency: str
    projected_until: datetime | None = Field(
        description="When the read model last caught up with the ledger; later postings are not "
        "in these figures yet."
    )
    days: list[DailyBalancePublic]


class TenantCreate(StrictBody):
    tenant_id: TenantId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["merchant", "institution", "system"] = "merchant"
    currency: Currency = "BRL"
    timezone: TimeZone = "America/Sao_Paulo"


class TenantPublic(BaseModel):
    tenant_id: str
    name: str
    kind: str
    currency: str
    timezone: str
    created_at: datetime


class TenantPage(BaseModel):
    items: list[TenantPublic]
    next_cursor: str | None


class AccountCreate(StrictBody):
    code: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$", examples=["receivables"])]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    type: Literal["asset", "liability", "equity", "revenue", "expense"]
    currency: Currency | None = None
    balance_policy: Literal["never_negative", "overdraft", "unrestricted"] | None = Field(
        default=None,
        description="never_negative by default; unrestricted by default for system tenants.",
    )
    overdraft_limit: Amount | None = None


class AccountPublic(BaseModel):
    account_id: uuid.UUID
    tenant_id: str
    code: str
    name: str
    currency: str
    type: str
    normal_side: Literal["debit", "credit"]
    balance_policy: str
    overdraft_limit: str
    balance: SignedAmount
    available_balance: SignedAmount
    version: int
    created_at: datetime


class AccountPage(BaseModel):
    items: list[AccountPublic]
    next_cursor: str | None


class BalancesPublic(BaseModel):
    account_id: uuid.UUID
    currency: str
    as_of: datetime | None = Field(description="Null for the current balances.")
    posted: SignedAmount
    pending_inflow: str
    pending_outflow: str
    available: SignedAmount


class PostingCreate(StrictBody):
    account_id: uuid.UUID
    direction: Literal["debit", "credit"]
    amount: Amount


class TransferCreate(StrictBody):
    postings: Annotated[list[PostingCreate], Field(min_length=2, max_length=100)]
    description: Text
    currency: Currency | None = None
    category: Category | None = None
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When it took effect; now by default."
    )
    external_id: ExternalId | None = None
    tenant_id: TenantId | None = Field(
        default=None,
        description="The owning tenant; by default the caller's, else the first "
        "posting's account's.",
    )
    counterparty: CounterpartyCreate | None = None


class BatchCreate(StrictBody):
    transfers: Annotated[list[TransferCreate], Field(min_length=1, max_length=1000)]


class PostingPublic(BaseModel):
    account_id: uuid.UUID
    direction: Literal["debit", "credit"]
    amount: str
    balance_after: SignedAmount
    account_version: int


class TransferPublic(BaseModel):
    transfer_id: uuid.UUID
    tenant_id: str
    kind: str
    currency: str
    description: str
    category: str | None
    occurred_at: datetime
    external_id: str | None
    reverses_transfer_id: uuid.UUID | None
    hold_id: uuid.UUID | None
    counterparty: CounterpartyPublic | None
    created_at: datetime
    postings: list[PostingPublic]


class BatchPublic(BaseModel):
    transfers: list[TransferPublic]


class StatementLinePublic(BaseModel):
    posting_id: int
    transfer_id: uuid.UUID
    occurred_at: datetime
    description: str
    category: str | None
    direction: Literal["debit", "credit"]
    amount: str
    running_balance: SignedAmount


class StatementPublic(BaseModel):
    account_id: uuid.UUID
    currency: str
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    opening_balance: SignedAmount = Field(description="Balance before this page's first line.")
    lines: list[StatementLinePublic]
    next_cursor: str | None


class AccountDailyBalancesPublic(BaseModel):
    account_id: uuid.UUID
    currency: str
    projected_until: datetime | None
    days: list[DailyBalancePublic]


class HoldCreate(StrictBody):
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: Amount
    description: Text
    currency: Currency | None = None
    category: Category | None = None
    expires_at: AwareDatetime | None = Field(
        default=None, description="After this the hold is released automatically."
    )
    external_id: ExternalId | None = None
    counterparty: CounterpartyCreate | None = Field(
        default=None, description="Carried by the transfer that posts the hold."
    )


class HoldPost(StrictBody):
    amount: Amount | None = Field(default=None, description="Part of the hold; all by default.")


class HoldPublic(BaseModel):
    hold_id: uuid.UUID
    tenant_id: str
    status: Literal["pending", "posted", "voided", "expired"]
    currency: str
    debit_account_id: uuid.UUID
    credit_account_id: uuid.UUID
    amount: str
    posted_amount: str | None
    expires_at: datetime | None
    description: str
    category: str | None
    external_id: str | None
    counterparty: CounterpartyPublic | None
    created_at: datetime
    resolved_at: datetime | None
    transfer: TransferPublic | None = Field(description="The posting transfer, once posted.")


class TokenRequest(StrictBody):
    api_key: Annotated[str, Field(min_length=1, max_length=200)]


class TokenPublic(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class AuditVerificationPublic(BaseModel):
    intact: bool
    records_checked: int
    last_seq: int
    first_broken_seq: int | None
    problem: str | None
    pending_records: int = Field(
        description="Recorded but not yet sealed into the chain (the worker seals them)."
    )
