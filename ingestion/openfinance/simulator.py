"""A local Open Finance Brasil institution: the demo merchants' bank accounts, with faults on call.

The data follows fluxo/demo_workload.py: each demo entry is a bank transaction of the merchant's
account, with a few deliberate differences a reconciliation must find (listed in
`OpenFinanceSimulator.discrepancies`): a monthly service-package fee the ledger never recorded, a
ledger entry the bank does not have, an amount one centavo off, and a late-evening entry the bank
books after midnight, on the next day. Each account also has one transaction still processing,
whose id changes with `pending_generation`, as the spec allows for non-final transactions.
"""

import asyncio
import base64
import contextlib
import hashlib
import math
import secrets
import time as wall_clock
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs

import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from core_ledger.money import format_amount
from fluxo.demo_workload import DEMO_DAYS, MERCHANTS, SAO_PAULO, DemoEntry, demo_entries
from ingestion.local_server import app_in_thread

API_PREFIX = "/open-banking/accounts/v2"
DEFAULT_PORT = 8600
BANK_CNPJ = "11222333000181"
BANK_COMPE_CODE = "999"
BANK_BRAND = "Banco Simulado Fluxo"
SERVICE_PACKAGE_FEE_MINOR = 59_90

_TYPE_BY_CATEGORY = {
    "aporte_capital": "TED",
    "vendas_cartao": "TED",
    "vendas_pix": "PIX",
    "vendas_dinheiro": "DEPOSITO",
    "fornecedores": "BOLETO",
    "tarifas_bancarias": "TARIFA_SERVICOS_AVULSOS",
    "folha_pagamento": "FOLHA_PAGAMENTO",
    "aluguel": "BOLETO",
    "energia": "CONVENIO_ARRECADACAO",
    "gas": "BOLETO",
    "software": "CARTAO",
    "impostos": "CONVENIO_ARRECADACAO",
}

DiscrepancyKind = Literal[
    "bank_fee_not_in_ledger",
    "missing_from_bank",
    "amount_off_by_one_centavo",
    "booked_next_day",
]


@dataclass(frozen=True)
class BankTransaction:
    account_id: str
    transaction_id: str
    status: str
    credit_debit: str
    name: str
    transaction_type: str
    amount_minor: int
    at: datetime
    partie_cnpj_cpf: str | None = None
    external_id: str | None = None  # the demo entry it stands for, if any

    @property
    def booking_date(self) -> date:
        return self.at.astimezone(SAO_PAULO).date()

    @property
    def signed_amount_minor(self) -> int:
        return self.amount_minor if self.credit_debit == "CREDITO" else -self.amount_minor

    def as_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "transactionId": self.transaction_id,
            "completedAuthorisedPaymentType": self.status,
            "creditDebitType": self.credit_debit,
            "transactionName": self.name,
            "type": self.transaction_type,
            "transactionAmount": {"amount": format_amount(self.amount_minor), "currency": "BRL"},
            "transactionDateTime": _zulu(self.at),
        }
        if self.partie_cnpj_cpf:
            payload["partieCnpjCpf"] = self.partie_cnpj_cpf
            payload["partiePersonType"] = (
                "PESSOA_NATURAL" if len(self.partie_cnpj_cpf) == 11 else "PESSOA_JURIDICA"
            )
        return payload


@dataclass(frozen=True)
class Discrepancy:
    """A deliberate difference between the bank and the ledger, for reconciliation tests."""

    kind: DiscrepancyKind
    account_id: str
    merchant_id: str
    booking_date: date
    external_id: str | None  # the ledger entry involved, if any
    transaction_id: str | None  # the bank transaction involved, if any
    detail: str


@dataclass(frozen=True)
class BankAccount:
    account_id: str
    merchant_id: str
    number: str
    check_digit: str

    def as_payload(self) -> dict[str, str]:
        return {
            "brandName": BANK_BRAND,
            "companyCnpj": BANK_CNPJ,
            "type": "CONTA_DEPOSITO_A_VISTA",
            "compeCode": BANK_COMPE_CODE,
            "branchCode": "0001",
            "number": self.number,
            "checkDigit": self.check_digit,
            "accountId": self.account_id,
        }


def account_id_for(merchant_id: str) -> str:
    return f"acc-{merchant_id}"


def _digits(seed: str, count: int) -> str:
    digest = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return str(digest)[-count:].rjust(count, "0")


def _zulu(at: datetime) -> str:
    utc = at.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _transaction_id(entry: DemoEntry) -> str:
    # demo:<merchant>:<date>:<seq> has colons, which the id pattern forbids.
    _, merchant, day, sequence = entry.external_id.split(":")
    return f"{merchant}-{day.replace('-', '')}-{sequence}"


def _from_entry(entry: DemoEntry, account_id: str) -> BankTransaction:
    amount_minor = int(entry.amount.replace(".", ""))
    category = entry.category
    partie = None
    if category == "vendas_pix":
        partie = _digits(f"cpf:{entry.external_id}", 11)
    elif entry.counterparty is not None and entry.counterparty.document is not None:
        # The supplier the ledger entry names: both sources carry its CNPJ, so tokens join.
        partie = entry.counterparty.document
    return BankTransaction(
        account_id=account_id,
        transaction_id=_transaction_id(entry),
        status="TRANSACAO_EFETIVADA",
        credit_debit="CREDITO" if entry.entry_type == "credit" else "DEBITO",
        name=entry.description[:200],
        transaction_type=_TYPE_BY_CATEGORY.get(category, "OUTROS"),
        amount_minor=amount_minor,
        at=entry.occurred_at,
        partie_cnpj_cpf=partie,
        external_id=entry.external_id,
    )


@dataclass
class BankData:
    """Accounts and transactions of the simulated institution, derived once per simulator."""

    accounts: list[BankAccount]
    transactions: dict[str, list[BankTransaction]]
    discrepancies: list[Discrepancy]
    as_of: datetime

    def balance_minor(self, account_id: str) -> int:
        return sum(
            t.signed_amount_minor
            for t in self.transactions[account_id]
            if t.status == "TRANSACAO_EFETIVADA" and t.at <= self.as_of
        )


def build_bank_data(
    today: date,
    days: int,
    merchant_ids: Sequence[str] | None = None,
    *,
    with_differences: bool = True,
) -> BankData:
    """The bank's view of the demo merchants' `days` days before `today`."""
    wanted = set(merchant_ids) if merchant_ids is not None else {m.merchant_id for m in MERCHANTS}
    entries_by_merchant: dict[str, list[DemoEntry]] = {}
    for entry in demo_entries(today, days):
        if entry.merchant_id in wanted:
            entries_by_merchant.setdefault(entry.merchant_id, []).append(entry)
    accounts = [
        BankAccount(
            account_id=account_id_for(profile.merchant_id),
            merchant_id=profile.merchant_id,
            number=_digits(f"account:{profile.merchant_id}", 8),
            check_digit=_digits(f"digit:{profile.merchant_id}", 1),
        )
        for profile in MERCHANTS
        if profile.merchant_id in wanted
    ]
    transactions: dict[str, list[BankTransaction]] = {}
    discrepancies: list[Discrepancy] = []
    differences = _Differences() if with_differences else None
    for account in accounts:
        entries = entries_by_merchant.get(account.merchant_id, [])
        rows: list[BankTransaction] = []
        for entry in entries:
            row = _from_entry(entry, account.account_id)
            kept = differences.apply(entry, row, account, discrepancies) if differences else row
            if kept is not None:
                rows.append(kept)
        if with_differences:
            rows.extend(_service_package_fees(account, today, days, discrepancies))
        rows.sort(key=lambda t: (t.at, t.transaction_id))
        transactions[account.account_id] = rows
    as_of = datetime.combine(today, time(6, 0), SAO_PAULO)
    return BankData(accounts, transactions, discrepancies, as_of)


@dataclass
class _Differences:
    """Applies each deliberate difference once, to the first entry that suits it."""

    done: set[DiscrepancyKind] = field(default_factory=set)

    def apply(
        self,
        entry: DemoEntry,
        row: BankTransaction,
        account: BankAccount,
        found: list[Discrepancy],
    ) -> BankTransaction | None:
        def note(kind: DiscrepancyKind, detail: str, transaction_id: str | None) -> None:
            self.done.add(kind)
            found.append(
                Discrepancy(
                    kind,
                    account.account_id,
                    account.merchant_id,
                    row.booking_date,
                    entry.external_id,
                    transaction_id,
                    detail,
                )
            )

        if "missing_from_bank" not in self.done and entry.category == "vendas_pix":
            note("missing_from_bank", f"ledger entry {entry.external_id} has no bank match", None)
            return None
        if "amount_off_by_one_centavo" not in self.done and entry.category == "fornecedores":
            shifted = BankTransaction(**{**row.__dict__, "amount_minor": row.amount_minor + 1})
            note(
                "amount_off_by_one_centavo",
                f"bank {format_amount(shifted.amount_minor)} vs ledger {entry.amount}",
                row.transaction_id,
            )
            return shifted
        if "booked_next_day" not in self.done and entry.category == "tarifas_bancarias":
            # The fee is charged late in the evening; the bank books it a few minutes after
            # midnight, so it belongs to the next São Paulo day.
            local = entry.occurred_at.astimezone(SAO_PAULO)
            moved_at = datetime.combine(local.date() + timedelta(days=1), time(0, 7), SAO_PAULO)
            moved = BankTransaction(**{**row.__dict__, "at": moved_at})
            note(
                "booked_next_day",
                f"ledger {local:%Y-%m-%d %H:%M}, bank {moved_at:%Y-%m-%d %H:%M}",
                row.transaction_id,
            )
            return moved
        return row


def _service_package_fees(
    account: BankAccount, today: date, days: int, found: list[Discrepancy]
) -> Iterator[BankTransaction]:
    """The monthly service package, charged on the first weekday of each month."""
    for offset in range(days):
        day = today - timedelta(days=days - offset)
        if not _is_first_weekday_of_month(day):
            continue
        fee = BankTransaction(
            account_id=account.account_id,
            transaction_id=f"fee-{account.merchant_id}-{day:%Y%m}",
            status="TRANSACAO_EFETIVADA",
            credit_debit="DEBITO",
            name="Tarifa pacote de serviços",
            transaction_type="PACOTE_TARIFA_SERVICOS",
            amount_minor=SERVICE_PACKAGE_FEE_MINOR,
            at=datetime.combine(day, time(3, 15), SAO_PAULO),
        )
        found.append(
            Discrepancy(
                "bank_fee_not_in_ledger",
                account.account_id,
                account.merchant_id,
                day,
                None,
                fee.transaction_id,
                f"service package {format_amount(SERVICE_PACKAGE_FEE_MINOR)}",
            )
        )
        yield fee


def _is_first_weekday_of_month(day: date) -> bool:
    return day.weekday() < 5 and all(day.replace(day=d).weekday() >= 5 for d in range(1, day.day))


class SimulatorFaults(BaseModel):
    """Faults to inject, consumed request by request on the resource endpoints."""

    rate_limit_burst: int = Field(default=0, ge=0, description="Next N requests get 429.")
    retry_after_seconds: int = Field(default=1, ge=0, description="Retry-After of those 429s.")
    server_errors: int = Field(default=0, ge=0, description="Next N requests get 500.")
    slow_pages: int = Field(default=0, ge=0, description="Next N pages answer late.")
    slow_seconds: float = Field(default=2.0, ge=0)
    malformed_pages: int = Field(default=0, ge=0, description="Next N pages are truncated JSON.")
    expire_tokens: bool = Field(default=False, description="Expire every issued token now.")


class PendingGeneration(BaseModel):
    generation: int = Field(ge=0)


@dataclass
class _Token:
    expires_at: float


class OpenFinanceSimulator:
    """State of the simulated institution: its data, issued tokens, faults and request log."""

    def __init__(
        self,
        *,
        today: date | None = None,
        days: int = DEMO_DAYS,
        merchant_ids: Sequence[str] | None = None,
        with_differences: bool = True,
        with_pending: bool = True,
        faults: SimulatorFaults | None = None,
        token_ttl_seconds: int = 300,
        client_id: str = "fluxo",
        client_secret: str = "fluxo-simulator-secret",
        consent_id: str = "urn:fluxo:consent:demo",
        raw_extra_transactions: dict[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self.today = today or datetime.now(SAO_PAULO).date()
        self.data = build_bank_data(
            self.today, days, merchant_ids, with_differences=with_differences
        )
        self.with_pending = with_pending
        self.pending_generation = 0
        self.faults = faults or SimulatorFaults()
        self.token_ttl_seconds = token_ttl_seconds
        self.client_id = client_id
        self.client_secret = client_secret
        self.consent_id = consent_id
        self.tokens: dict[str, _Token] = {}
        self.status_counts: dict[int, int] = {}
        # Payloads served as given after an account's transactions, whatever the window: records
        # a real institution gets wrong, to exercise validation and quarantine.
        self.raw_extra_transactions = raw_extra_transactions or {}

    @property
    def discrepancies(self) -> list[Discrepancy]:
        return list(self.data.discrepancies)

    def pending_transaction(self, account: BankAccount) -> BankTransaction:
        """A Pix still processing on the last day: not final, so its id may change."""
        day = self.today - timedelta(days=1)
        return BankTransaction(
            account_id=account.account_id,
            transaction_id=f"proc-{account.merchant_id}-g{self.pending_generation}",
            status="TRANSACAO_PROCESSANDO",
            credit_debit="DEBITO",
            name="Pix enviado - em processamento",
            transaction_type="PIX",
            amount_minor=123_45,
            at=datetime.combine(day, time(21, 30), SAO_PAULO),
        )

    def account_transactions(self, account_id: str) -> list[BankTransaction]:
        rows = list(self.data.transactions.get(account_id, []))
        account = self.account(account_id)
        if self.with_pending and account is not None:
            rows.append(self.pending_transaction(account))
            rows.sort(key=lambda t: (t.at, t.transaction_id))
        return rows

    def account(self, account_id: str) -> BankAccount | None:
        return next((a for a in self.data.accounts if a.account_id == account_id), None)

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.tokens[token] = _Token(expires_at=wall_clock.monotonic() + self.token_ttl_seconds)
        return token

    def token_is_valid(self, token: str) -> bool:
        issued = self.tokens.get(token)
        return issued is not None and wall_clock.monotonic() < issued.expires_at


def _error(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    body = {
        "errors": [{"code": code, "title": code.replace("_", " ").title(), "detail": detail}],
        "meta": {"totalRecords": 1, "totalPages": 1, "requestDateTime": _zulu(datetime.now(UTC))},
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _page_url(request: Request, page: int) -> str:
    return str(request.url.include_query_params(page=page))


def create_simulator_app(simulator: OpenFinanceSimulator | None = None) -> FastAPI:
    """The simulator's FastAPI app; `app.state.simulator` holds its state."""
    sim = simulator or OpenFinanceSimulator()
    app = FastAPI(title="Fluxo Open Finance simulator", redoc_url=None)
    app.state.simulator = sim

    @app.middleware("http")
    async def count_statuses(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        sim.status_counts[response.status_code] = sim.status_counts.get(response.status_code, 0) + 1
        interaction = request.headers.get("x-fapi-interaction-id")
        if interaction:
            response.headers["x-fapi-interaction-id"] = interaction
        return response

    @app.post("/token")
    async def token(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", errors="replace"))
        if form.get("grant_type") != ["client_credentials"]:
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if not _basic_auth_matches(request, sim.client_id, sim.client_secret):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        return JSONResponse(
            {
                "access_token": sim.issue_token(),
                "token_type": "Bearer",
                "expires_in": sim.token_ttl_seconds,
                "scope": "accounts",
            }
        )

    async def guard(request: Request) -> Response | None:
        """Faults first, then auth: the order a gateway in front of a bank would apply them."""
        faults = sim.faults
        if faults.expire_tokens:
            faults.expire_tokens = False
            sim.tokens.clear()
        if faults.rate_limit_burst:
            faults.rate_limit_burst -= 1
            return _error(
                429,
                "TOO_MANY_REQUESTS",
                "rate limit exceeded",
                {"Retry-After": str(faults.retry_after_seconds)},
            )
        if faults.server_errors:
            faults.server_errors -= 1
            return _error(500, "INTERNAL_ERROR", "simulated failure")
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer ") or not sim.token_is_valid(header[7:]):
            return _error(401, "UNAUTHORIZED", "missing, invalid or expired token")
        if request.headers.get("x-consent-id") != sim.consent_id:
            return _error(403, "CONSENTIMENTO_INVALIDO", "consent id missing or not granted")
        if faults.slow_pages:
            faults.slow_pages -= 1
            await asyncio.sleep(faults.slow_seconds)
        return None

    def malformed() -> Response | None:
        if sim.faults.malformed_pages:
            sim.faults.malformed_pages -= 1
            return Response('{"data": [{"transactionId": "trunc', media_type="application/json")
        return None

    @app.get(f"{API_PREFIX}/accounts")
    async def accounts(
        request: Request,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=1000, alias="page-size")] = 25,
    ) -> Response:
        if (refused := await guard(request)) is not None:
            return refused
        if (broken := malformed()) is not None:
            return broken
        rows = [a.as_payload() for a in sim.data.accounts]
        total_pages = max(1, math.ceil(len(rows) / page_size))
        body = _paged(request, rows, page, page_size)
        body["meta"].update(totalRecords=len(rows), totalPages=total_pages)
        return JSONResponse(body)

    @app.get(f"{API_PREFIX}/accounts/{{account_id}}/balances")
    async def balances(request: Request, account_id: str) -> Response:
        if (refused := await guard(request)) is not None:
            return refused
        if sim.account(account_id) is None:
            return _error(404, "NAO_ENCONTRADO", f"account {account_id} not found")
        if (broken := malformed()) is not None:
            return broken
        zero = {"amount": "0.0000", "currency": "BRL"}
        available = format_amount(sim.data.balance_minor(account_id)) + "00"
        data = {
            "availableAmount": {"amount": available, "currency": "BRL"},
            "blockedAmount": zero,
            "automaticallyInvestedAmount": zero,
            "updateDateTime": _zulu(sim.data.as_of),
        }
        return JSONResponse(
            {
                "data": data,
                "links": {"self": str(request.url)},
                "meta": {"requestDateTime": _zulu(datetime.now(UTC))},
            }
        )

    @app.get(f"{API_PREFIX}/accounts/{{account_id}}/transactions")
    async def transactions(
        request: Request,
        account_id: str,
        from_booking_date: Annotated[date | None, Query(alias="fromBookingDate")] = None,
        to_booking_date: Annotated[date | None, Query(alias="toBookingDate")] = None,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=1000, alias="page-size")] = 25,
    ) -> Response:
        if (refused := await guard(request)) is not None:
            return refused
        if sim.account(account_id) is None:
            return _error(404, "NAO_ENCONTRADO", f"account {account_id} not found")
        # Unset dates mean the current day, as the spec has it.
        start = from_booking_date or sim.today
        end = to_booking_date or sim.today
        if start > end:
            return _error(422, "PARAMETRO_INVALIDO", "fromBookingDate is after toBookingDate")
        if (broken := malformed()) is not None:
            return broken
        rows = [
            t.as_payload()
            for t in sim.account_transactions(account_id)
            if start <= t.booking_date <= end
        ]
        rows.extend(sim.raw_extra_transactions.get(account_id, []))
        return JSONResponse(_paged(request, rows, page, page_size))

    @app.get("/admin/faults")
    async def read_faults() -> SimulatorFaults:
        return sim.faults

    @app.put("/admin/faults")
    async def set_faults(faults: SimulatorFaults) -> SimulatorFaults:
        sim.faults = faults
        return sim.faults

    @app.put("/admin/pending-generation")
    async def set_pending_generation(body: PendingGeneration) -> PendingGeneration:
        sim.pending_generation = body.generation
        return body

    @app.get("/admin/discrepancies")
    async def discrepancies() -> list[dict[str, Any]]:
        return [
            {**d.__dict__, "booking_date": d.booking_date.isoformat()} for d in sim.discrepancies
        ]

    return app


def _paged(request: Request, rows: list[Any], page: int, page_size: int) -> dict[str, Any]:
    """One page with self/first/prev/next links; like the spec's transaction pages, no `last`."""
    chunk = rows[(page - 1) * page_size : page * page_size]
    links: dict[str, str] = {"self": str(request.url), "first": _page_url(request, 1)}
    if page > 1:
        links["prev"] = _page_url(request, page - 1)
    if page * page_size < len(rows):
        links["next"] = _page_url(request, page + 1)
    return {"data": chunk, "links": links, "meta": {"requestDateTime": _zulu(datetime.now(UTC))}}


def _basic_auth_matches(request: Request, client_id: str, client_secret: str) -> bool:
    header = request.headers.get("authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(header[6:]).decode()
    except ValueError:
        return False
    return secrets.compare_digest(given, f"{client_id}:{client_secret}")


def serve_simulator(host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Serve the simulator (demo data up to today) until interrupted."""
    uvicorn.run(create_simulator_app(), host=host, port=port, log_level="info")


def simulator_in_thread(
    simulator: OpenFinanceSimulator, host: str = "127.0.0.1", port: int = 0
) -> contextlib.AbstractContextManager[str]:
    """Serve `simulator` on a background thread; yields its base URL. Port 0 picks a free one."""
    return app_in_thread(create_simulator_app(simulator), "the Open Finance simulator", host, port)
