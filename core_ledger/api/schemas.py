"""Request and response bodies of the v1 API. Money travels as decimal strings."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictStr, field_validator

from core_ledger.models.merchant import MERCHANT_ID_PATTERN
from core_ledger.money import parse_amount

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["BRL"])]
DecimalAmount = Annotated[
    StrictStr,
    Field(
        description="Positive decimal string with at most two places; stored as integer centavos.",
        examples=["1234.56"],
    ),
]


class StrictBody(BaseModel):
    # Unknown fields are an error: a misspelt field must not be silently ignored with money.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MerchantCreate(StrictBody):
    merchant_id: Annotated[
        str, Field(pattern=MERCHANT_ID_PATTERN, examples=["padaria-pao-dourado"])
    ]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    currency: Currency = "BRL"
    timezone: Annotated[str, Field(max_length=64)] = "America/Sao_Paulo"

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {value!r}") from error
        return value


class MerchantPublic(BaseModel):
    merchant_id: str
    name: str
    currency: str
    timezone: str
    created_at: datetime


class EntryCreate(StrictBody):
    type: Literal["credit", "debit"]
    amount: DecimalAmount
    currency: Currency | None = None
    occurred_at: Annotated[AwareDatetime, Field(description="When it happened, with its offset.")]
    description: Annotated[str, Field(min_length=1, max_length=500)]
    category: Annotated[str, Field(min_length=1, max_length=64, examples=["vendas_cartao"])]
    external_id: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=128,
            description="The caller's id for the entry; a second entry with it is refused (409).",
        ),
    ] = None

    @field_validator("amount")
    @classmethod
    def amount_in_centavos(cls, value: str) -> str:
        parse_amount(value)  # raises InvalidAmount (a ValueError) with the reason
        return value


class EntryPublic(BaseModel):
    entry_id: uuid.UUID
    merchant_id: str
    type: Literal["credit", "debit"]
    amount: DecimalAmount
    currency: str
    occurred_at: datetime
    description: str
    category: str
    external_id: str | None
    created_at: datetime


class DailyBalancePublic(BaseModel):
    date: date
    opening_balance: str
    credits: str
    debits: str
    closing_balance: str
    credit_count: int
    debit_count: int


class DailyBalancesPublic(BaseModel):
    merchant_id: str
    currency: str
    days: list[DailyBalancePublic]
