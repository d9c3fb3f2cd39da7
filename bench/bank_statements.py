"""Bench data for reconciliation: OFX statement files of the bench merchants' bank accounts, drawn
from their ledger entries, so `fct_bank_reconciliation` has real matching to do at any volume.

A share of the merchants (every `1 / share`-th) has one account at a bench bank, registered to it
in the onboarding register through the ledger's service (`register_statement_accounts`), as an
operator would before its statements arrive. Each statement holds the account's lines for a
span of business days: one line per ledger entry of the merchant, with
deterministic differences, so every reconciliation status occurs in the same proportions at
every volume: of each merchant's entries numbered 1, 2, 3... by time, every 50th is missing from
the bank (only_in_ledger), every 40th is booked a day later (date_mismatch), every 60th differs
by R$ 0.37 with the same description (amount_mismatch); and each statement adds a bank fee
(only_in_bank). LEDGERBAL is the sum of the account's lines to the statement's end.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from bench.ledger_history import merchant_key
from core_ledger.access import Actor
from core_ledger.services import onboarding

BANK_ID = "0260"  # a COMPE code; the warehouse spells the account "260/<ACCTID>"
FEE_MINOR = 1290  # R$ 12,90: the package fee each statement adds


@dataclass(frozen=True)
class BankAccount:
    merchant_id: str
    account_number: str  # ACCTID

    @property
    def bank_account_id(self) -> str:
        return f"{BANK_ID.lstrip('0').zfill(3)}/{self.account_number}"


@dataclass(frozen=True)
class WrittenStatements:
    files: int
    lines: int


def bank_accounts(merchants: int, share: int) -> list[BankAccount]:
    """Every `share`-th merchant's account (1 = every merchant)."""
    return [
        BankAccount(merchant_key(number), f"{number:07d}-0")
        for number in range(1, merchants + 1, share)
    ]


def register_statement_accounts(ledger_url: str, accounts: list[BankAccount]) -> int:
    """Register each account to its merchant through the onboarding register's service; those
    registered already (a kept bench run again) are left as they are. Returns how many were new."""
    engine = create_engine(ledger_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    operator = Actor(principal="bench:bank_statements", role="operator")
    try:
        registrations = onboarding.register_bank_accounts(
            sessions,
            operator,
            [
                onboarding.NewBankAccount(
                    account.merchant_id, "statement_file", account.bank_account_id
                )
                for account in accounts
            ],
        )
    finally:
        engine.dispose()
    return sum(registration.added for registration in registrations)


# The entries of the chosen merchants in [first, last] (São Paulo business dates), numbered per
# merchant from its first ever entry, with the running sum of what the bank listed before them.
_ENTRIES = """
with numbered as (
    select entries.merchant_id,
           entries.entry_id,
           entries.description,
           case when entries.entry_type = 'credit' then entries.amount_minor
                else -entries.amount_minor end as signed_amount_minor,
           entries.occurred_at at time zone %(timezone)s as local_at,
           row_number() over (partition by entries.merchant_id order by entries.occurred_at,
                                                                        entries.entry_id) as n
    from ledger.entries
    where entries.merchant_id = any(%(merchants)s)
)
select merchant_id, entry_id::text, description,
       signed_amount_minor + case when n %% 60 = 0 then 37 else 0 end as bank_amount_minor,
       local_at + case when n %% 40 = 0 then interval '1 day' else interval '0' end as booked_at
from numbered
where n %% 50 <> 0
  and (local_at::date between %(first)s and %(last)s)
order by merchant_id, booked_at, entry_id
"""

# What the bank listed for the account before `first`: the opening of the statement.
_LISTED_BEFORE = """
select entries.merchant_id,
       coalesce(sum(case when entries.entry_type = 'credit' then entries.amount_minor
                         else -entries.amount_minor end), 0)::bigint
from ledger.entries
where entries.merchant_id = any(%(merchants)s)
  and (entries.occurred_at at time zone %(timezone)s)::date < %(first)s
group by entries.merchant_id
"""


def write_statements(
    ledger_dsn: str,
    landing_dir: Path,
    accounts: list[BankAccount],
    first: date,
    last: date,
) -> WrittenStatements:
    """One OFX file per account with its lines booked from `first` to `last`. Its LEDGERBAL is an
    approximation of the account's balance (the ledger's entries before `first`, then the lines),
    enough for the balance anchors to have work; reconciliation reports what it does not explain."""
    landing_dir.mkdir(parents=True, exist_ok=True)
    merchant_ids = [account.merchant_id for account in accounts]
    parameters = {
        "merchants": merchant_ids,
        "timezone": "America/Sao_Paulo",
        "first": first,
        "last": last,
    }
    lines: dict[str, list[tuple[str, str, int, object]]] = {m: [] for m in merchant_ids}
    with psycopg.connect(ledger_dsn) as conn:
        opening: dict[str, int] = dict(conn.execute(_LISTED_BEFORE, parameters).fetchall())
        for merchant_id, entry_id, description, amount, booked_at in conn.execute(
            _ENTRIES, parameters
        ):
            lines[merchant_id].append((entry_id, description, amount, booked_at))
    written = 0
    for account in accounts:
        account_lines = lines[account.merchant_id]
        balance = opening.get(account.merchant_id, 0) + sum(line[2] for line in account_lines)
        balance -= FEE_MINOR
        path = landing_dir / f"bench_{account.account_number}_{first}_{last}.ofx"
        path.write_text(_ofx(account, account_lines, first, last, balance), encoding="utf-8")
        written += len(account_lines) + 1
    return WrittenStatements(files=len(accounts), lines=written)


def _ofx(
    account: BankAccount,
    lines: list[tuple[str, str, int, object]],
    first: date,
    last: date,
    closing_minor: int,
) -> str:
    transactions = [
        _transaction(
            "DEBIT",
            f"{last:%Y%m%d}235900",
            -FEE_MINOR,
            f"fee-{account.account_number}-{first}-{last}",
            "Tarifa pacote de servicos",
        )
    ]
    for entry_id, description, amount, booked_at in lines:
        transactions.append(
            _transaction(
                "CREDIT" if amount > 0 else "DEBIT",
                f"{booked_at:%Y%m%d%H%M%S}",
                amount,
                entry_id,
                description,
            )
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" '
        'NEWFILEUID="NONE"?>\n'
        "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        f"<DTSERVER>{last + timedelta(days=1):%Y%m%d}010000[-03:BRT]</DTSERVER>"
        "<LANGUAGE>POR</LANGUAGE></SONRS></SIGNONMSGSRSV1>"
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID>"
        "<STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS><STMTRS><CURDEF>BRL</CURDEF>"
        f"<BANKACCTFROM><BANKID>{BANK_ID}</BANKID><BRANCHID>0001</BRANCHID>"
        f"<ACCTID>{account.account_number}</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>"
        f"<BANKTRANLIST><DTSTART>{first:%Y%m%d}000000[-03:BRT]</DTSTART>"
        f"<DTEND>{last:%Y%m%d}235959[-03:BRT]</DTEND>\n" + "".join(transactions) + "</BANKTRANLIST>"
        f"<LEDGERBAL><BALAMT>{_decimal(closing_minor)}</BALAMT>"
        f"<DTASOF>{last:%Y%m%d}235959[-03:BRT]</DTASOF></LEDGERBAL>"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    )


def _transaction(kind: str, posted: str, amount_minor: int, fitid: str, memo: str) -> str:
    return (
        f"<STMTTRN><TRNTYPE>{kind}</TRNTYPE><DTPOSTED>{posted}[-03:BRT]</DTPOSTED>"
        f"<TRNAMT>{_decimal(amount_minor)}</TRNAMT><FITID>{fitid}</FITID>"
        f"<MEMO>{escape(memo)}</MEMO></STMTTRN>\n"
    )


def _decimal(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"
