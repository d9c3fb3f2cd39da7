"""A bench-only Open Finance Brasil institution that serves millions of transactions from memory.

The demo simulator derives its few thousand transactions from the demo workload and renders each
page on request; at a million transactions that would be the thing measured. This one generates
deterministic accounts and transactions once, renders every transaction page's `data` to JSON
bytes before it reports ready, and per request only wraps those bytes in the envelope (links for
the URL actually asked, meta). The shapes are the simulator's (spec v2), so the real client and
models read them. It runs in its own process, started by `start_source`, so the CPU it spends is
apart from the loader's.
"""

import base64
import json
import multiprocessing
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

API_PREFIX = "/open-banking/accounts/v2"
CLIENT_ID = "fluxo-bench"
CLIENT_SECRET = "fluxo-bench-secret"
CONSENT_ID = "urn:fluxo:consent:bench"
BANK_CNPJ = "11222333000181"
REQUEST_DATE_TIME = "2026-03-04T09:00:00.000Z"  # fixed: the pages are rendered once

_KINDS = (
    # (type, creditDebitType, transactionName, has a counterparty)
    ("PIX", "CREDITO", "Pix recebido", True),
    ("PIX", "DEBITO", "Pix enviado", True),
    ("TED", "CREDITO", "TED recebida - vendas cartão", True),
    ("BOLETO", "DEBITO", "Pagamento de boleto - fornecedor", False),
    ("CARTAO", "DEBITO", "Compra cartão de débito", False),
    ("CONVENIO_ARRECADACAO", "DEBITO", "Conta de energia elétrica", False),
    ("TARIFA_SERVICOS_AVULSOS", "DEBITO", "Tarifa TED", False),
    ("DEPOSITO", "CREDITO", "Depósito em dinheiro", False),
)
# One transaction in this many is still pending (not final), as a real statement's last days have.
PENDING_ONE_IN = 500


@dataclass(frozen=True)
class SourceShape:
    """What the institution holds: `accounts` accounts, each with `pages` full pages of
    `page_size` transactions booked over the `days` São Paulo days that end on `today`."""

    accounts: int
    pages: int
    page_size: int
    days: int
    today: date

    @property
    def transactions(self) -> int:
        return self.accounts * self.pages * self.page_size

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=self.days - 1)

    def account_id(self, number: int) -> str:
        return f"bench-acc-{number:03d}"


def account_payload(shape: SourceShape, number: int) -> dict[str, str]:
    return {
        "brandName": "Banco Bench Fluxo",
        "companyCnpj": BANK_CNPJ,
        "type": "CONTA_DEPOSITO_A_VISTA",
        "compeCode": "999",
        "branchCode": "0001",
        "number": f"{10_000_000 + number}",
        "checkDigit": str(number % 10),
        "accountId": shape.account_id(number),
    }


def _amount(minor: int) -> str:
    # v2 writes amounts as text with 2 to 4 decimals; most institutions send 4.
    return f"{minor // 100}.{minor % 100:02d}00"


def _zulu(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def transaction_payloads(shape: SourceShape, number: int) -> list[dict[str, Any]]:
    """The account's transactions in booking order; the same for the same shape and number."""
    rng = random.Random(number)
    count = shape.pages * shape.page_size
    # São Paulo is UTC-3 all year since 2019: its day starts at 03:00 UTC.
    start = datetime.combine(shape.first_day, time(3, 0), UTC)
    step = timedelta(days=shape.days) / count
    payloads = []
    for index in range(count):
        kind, direction, name, has_partie = _KINDS[rng.randrange(len(_KINDS))]
        pending = index % PENDING_ONE_IN == PENDING_ONE_IN - 1
        record: dict[str, Any] = {
            "transactionId": f"T{number:03d}{index:08d}",
            "completedAuthorisedPaymentType": (
                "TRANSACAO_PROCESSANDO" if pending else "TRANSACAO_EFETIVADA"
            ),
            "creditDebitType": direction,
            "transactionName": name,
            "type": kind,
            "transactionAmount": {
                "amount": _amount(rng.randrange(1, 5_000_000)),
                "currency": "BRL",
            },
            "transactionDateTime": _zulu(start + step * index),
        }
        if has_partie:
            record.update(
                partieCnpjCpf=f"{rng.randrange(10**10, 10**11):011d}",
                partiePersonType="PESSOA_NATURAL",
                partieCompeCode="001",
                partieBranchCode=f"{rng.randrange(10_000):04d}",
                partieNumber=f"{rng.randrange(10**8):08d}",
                partieCheckDigit=str(rng.randrange(10)),
            )
        payloads.append(record)
    return payloads


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class RenderedInstitution:
    """Everything the handler serves, rendered up front: JSON bytes by account and page."""

    shape: SourceShape
    accounts: list[dict[str, str]]
    balances: dict[str, bytes]  # each account's `data` object
    transaction_pages: dict[str, list[bytes]]  # each page's `data` array
    token: str


def render(shape: SourceShape) -> RenderedInstitution:
    accounts = [account_payload(shape, n) for n in range(1, shape.accounts + 1)]
    balances: dict[str, bytes] = {}
    pages: dict[str, list[bytes]] = {}
    for number, account in enumerate(accounts, start=1):
        account_id = account["accountId"]
        zero = {"amount": "0.0000", "currency": "BRL"}
        balances[account_id] = _json(
            {
                "availableAmount": {"amount": _amount(1_000_000 * number), "currency": "BRL"},
                "blockedAmount": zero,
                "automaticallyInvestedAmount": zero,
                "updateDateTime": REQUEST_DATE_TIME,
            }
        )
        records = transaction_payloads(shape, number)
        pages[account_id] = [
            _json(records[start : start + shape.page_size])
            for start in range(0, len(records), shape.page_size)
        ]
    return RenderedInstitution(shape, accounts, balances, pages, secrets.token_urlsafe(24))


class _Refusal(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def _handler(institution: RenderedInstitution) -> type[BaseHTTPRequestHandler]:
    shape = institution.shape
    expected_basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()

    class OpenFinanceHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a line per request would be most of this process's work."""

        def do_POST(self) -> None:
            self._answer(self._token)

        def do_GET(self) -> None:
            self._answer(self._resource)

        def _answer(self, route: Callable[[], bytes]) -> None:
            try:
                status, body = 200, route()
            except _Refusal as refusal:
                status = refusal.status
                title = refusal.code.replace("_", " ").title()
                error = {"code": refusal.code, "title": title, "detail": refusal.detail}
                body = _json({"errors": [error], "meta": {"requestDateTime": REQUEST_DATE_TIME}})
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _token(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            if urlsplit(self.path).path != "/token":
                raise _Refusal(404, "NAO_ENCONTRADO", f"{self.path} not found")
            if form.get("grant_type") != ["client_credentials"]:
                raise _Refusal(400, "unsupported_grant_type", "only client_credentials")
            if self.headers.get("Authorization") != f"Basic {expected_basic}":
                raise _Refusal(401, "invalid_client", "unknown client or secret")
            return _json(
                {
                    "access_token": institution.token,
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "scope": "accounts",
                }
            )

        def _resource(self) -> bytes:
            if self.headers.get("Authorization") != f"Bearer {institution.token}":
                raise _Refusal(401, "UNAUTHORIZED", "missing, invalid or expired token")
            if self.headers.get("x-consent-id") != CONSENT_ID:
                raise _Refusal(403, "CONSENTIMENTO_INVALIDO", "consent id missing or not granted")
            url = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(url.query).items()}
            parts = url.path.removeprefix(API_PREFIX).strip("/").split("/")
            if parts == ["accounts"]:
                return self._accounts(url.path, query)
            if len(parts) == 3 and parts[0] == "accounts" and parts[1] in institution.balances:
                if parts[2] == "balances":
                    links = {"self": self._absolute(url.path)}
                    return _envelope(institution.balances[parts[1]], links)
                if parts[2] == "transactions":
                    return self._transactions(parts[1], url.path, query)
            raise _Refusal(404, "NAO_ENCONTRADO", f"{url.path} not found")

        def _accounts(self, path: str, query: dict[str, str]) -> bytes:
            page_size = _int_parameter(query, "page-size", 25)
            if len(institution.accounts) > page_size:
                raise _Refusal(422, "PARAMETRO_INVALIDO", "the bench serves accounts on one page")
            data = _json(institution.accounts)
            return _envelope(data, self._page_links(path, query, 1, has_next=False))

        def _transactions(self, account_id: str, path: str, query: dict[str, str]) -> bytes:
            if _int_parameter(query, "page-size", 25) != shape.page_size:
                raise _Refusal(
                    422, "PARAMETRO_INVALIDO", f"the bench renders pages of {shape.page_size}"
                )
            start = _date_parameter(query, "fromBookingDate", shape.today)
            end = _date_parameter(query, "toBookingDate", shape.today)
            if start > shape.first_day or end < shape.today:
                # Filtering would mean rendering on request, which is what this source avoids.
                raise _Refusal(
                    422,
                    "PARAMETRO_INVALIDO",
                    f"the bench serves whole windows: ask {shape.first_day} to {shape.today}",
                )
            pages = institution.transaction_pages[account_id]
            page = _int_parameter(query, "page", 1)
            if not 1 <= page <= len(pages):
                raise _Refusal(422, "PARAMETRO_INVALIDO", f"page {page} is past the last")
            links = self._page_links(path, query, page, has_next=page < len(pages))
            return _envelope(pages[page - 1], links)

        def _absolute(self, path: str) -> str:
            return f"http://{self.headers.get('Host')}{path}"

        def _page_links(
            self, path: str, query: dict[str, str], page: int, has_next: bool
        ) -> dict[str, str]:
            """Links to pages of the URL asked, its filters kept; like the spec's, no `last`."""

            def at(number: int) -> str:
                return f"{self._absolute(path)}?{urlencode({**query, 'page': str(number)})}"

            links = {"self": at(page), "first": at(1)}
            if page > 1:
                links["prev"] = at(page - 1)
            if has_next:
                links["next"] = at(page + 1)
            return links

    return OpenFinanceHandler


def _envelope(data: bytes, links: dict[str, str]) -> bytes:
    """Pre-rendered `data` inside the response envelope, which is all a request renders."""
    meta = {"requestDateTime": REQUEST_DATE_TIME}
    return b'{"data":%s,"links":%s,"meta":%s}' % (data, _json(links), _json(meta))


def _date_parameter(query: dict[str, str], name: str, default: date) -> date:
    try:
        return date.fromisoformat(query[name]) if name in query else default
    except ValueError as error:
        raise _Refusal(400, "PARAMETRO_INVALIDO", f"{name} is not a date") from error


def _int_parameter(query: dict[str, str], name: str, default: int) -> int:
    try:
        return int(query.get(name, default))
    except ValueError as error:
        raise _Refusal(400, "PARAMETRO_INVALIDO", f"{name} is not a number") from error


def serve(shape: SourceShape, ready: Connection) -> None:
    """Render, bind a free port on 127.0.0.1, send the port through `ready`, serve until killed."""
    institution = render(shape)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(institution))
    server.daemon_threads = True
    ready.send(server.server_address[1])
    ready.close()
    server.serve_forever()


@dataclass
class RunningSource:
    process: multiprocessing.process.BaseProcess
    base_url: str

    @property
    def pid(self) -> int:
        assert self.process.pid is not None, "a started process has a pid"
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(timeout=10)


def start_source(shape: SourceShape, *, startup_timeout_seconds: float = 600.0) -> RunningSource:
    """Start the institution in a fresh process (spawned: it inherits none of this one's memory)
    and wait until its pages are rendered."""
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=serve, args=(shape, sending), name="openfinance-bench-source")
    process.start()
    sending.close()
    try:
        if not receiving.poll(startup_timeout_seconds):
            raise RuntimeError("the bench's Open Finance source did not start in time")
        port = receiving.recv()
    except (EOFError, RuntimeError):
        process.terminate()
        raise
    return RunningSource(process, f"http://127.0.0.1:{port}")
