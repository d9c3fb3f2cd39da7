"""Bench data for the ledger: merchants registered through the ledger's own service, then any
number of balanced transfers appended in one set-based statement per table, each posting with the
`balance_after_minor` and `account_version` the write path would have given it.

Each transfer is a merchant's lançamento (as `core_ledger.services.merchants.record_entry` makes
it): two postings, one on the merchant's cash account and the mirror one on its external counter
account. Transfers are spread evenly over the given business days (America/Sao_Paulo) and dealt
to merchants in turn, so every merchant has about the same number each day. Amounts are
deterministic: of each merchant's transfers, numbered 1, 2, 3... from its first ever, every third
is a debit of 50-99% of the two credits before it, so the cash account (never_negative) never
goes below zero; of the credits, those numbered 1 modulo 7 (about one in seven) are cash sales
(category vendas_dinheiro), so the AML cash rules have operations to read. Appending continues
each account from its stored version and totals, so history and the bench's extra day come from
the same statements.
"""

import time
from dataclasses import dataclass
from datetime import date, timedelta

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from core_ledger.access import Actor
from core_ledger.services.merchants import NewMerchant, register_merchant

MERCHANT_PREFIX = "bench-merchant-"
BUSINESS_TIMEZONE = "America/Sao_Paulo"


@dataclass(frozen=True)
class AppendedPostings:
    transfers: int
    postings: int
    seconds: float


def register_merchants(ledger_url: str, count: int) -> int:
    """Register the merchants the bench has not yet: tenant, cash and external accounts, audit
    record and outbox event, exactly as the API does. Returns how many were new."""
    engine = create_engine(ledger_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    operator = Actor(principal="bench:ledger_history", role="operator")
    try:
        with sessions() as session:
            existing: set[str] = set(
                session.connection()
                .exec_driver_sql(
                    "select tenant_id from ledger.tenants where tenant_id like %(prefix)s",
                    {"prefix": MERCHANT_PREFIX + "%"},
                )
                .scalars()
            )
        created = 0
        for number in range(1, count + 1):
            merchant_id = merchant_key(number)
            if merchant_id in existing:
                continue
            register_merchant(sessions, operator, NewMerchant(merchant_id, f"Loja {number:04d}"))
            created += 1
        return created
    finally:
        engine.dispose()


def merchant_key(number: int) -> str:
    return f"{MERCHANT_PREFIX}{number:04d}"


# The merchants' two accounts with where they stand now. `seq0` counts the merchant's transfers so
# far (its cash account's version): the n-th new transfer of a merchant is number seq0 + n.
_PLAN_TRANSFERS = """
create temp table bench_new_transfers on commit drop as
with merchant_accounts as (
    select row_number() over (order by tenants.tenant_id) - 1 as merchant_index,
           tenants.tenant_id,
           cash.account_id as cash_account_id,
           cash.version as seq0,
           cash.posted_credits_minor - cash.posted_debits_minor as cash_balance0,
           external.account_id as external_account_id,
           external.version as external_version0,
           external.posted_debits_minor - external.posted_credits_minor as external_balance0
    from ledger.tenants
    join ledger.accounts as cash
        on cash.tenant_id = tenants.tenant_id and cash.code = 'cash'
    join ledger.accounts as external
        on external.tenant_id = tenants.tenant_id and external.code = 'external'
    where tenants.tenant_id like %(prefix)s
),

dealt as (
    select n,
           merchant_accounts.*,
           merchant_accounts.seq0 + n / %(merchants)s + 1 as seq
    from generate_series(0, %(transfers)s - 1) as n
    join merchant_accounts on merchant_accounts.merchant_index = n %% %(merchants)s
),

amounts as (
    select dealt.*,
           -- Occurred evenly over the days, from the first day's midnight in São Paulo.
           (%(first_day)s::date::timestamp at time zone %(timezone)s)
               + n * (%(days)s * interval '1 day' / %(transfers)s) as occurred_at,
           seq %% 3 = 0 as is_debit,
           case when seq %% 3 = 0
                then ({credit_amount_prev1} + {credit_amount_prev2})
                     * (50 + (seq * 31 + merchant_index) %% 50) / 100
                else {credit_amount}
           end::bigint as amount_minor
    from dealt
)

-- A UUIDv7 of the transfer's time, as the ledger gives (core_ledger.models.transfer): the
-- millisecond timestamp in the first 48 bits of a random UUID, version bits 0100 made 0111.
select encode(
           set_bit(set_bit(
               overlay(uuid_send(gen_random_uuid())
                       placing substring(int8send(
                           (extract(epoch from amounts.occurred_at) * 1000)::bigint) from 3)
                       from 1 for 6),
               52, 1), 53, 1),
           'hex')::uuid as transfer_id,
       amounts.*,
       sum(case when is_debit then -amount_minor else amount_minor end)
           over (partition by merchant_index order by n) as moved_minor
from amounts
"""


def _credit_amount(seq: str) -> str:
    """A credit of R$ 10.00 to R$ 5,000.00 that looks random but is the same on every run."""
    return f"(1000 + (({seq}) * 7919 + merchant_index * 104729) %% 499001)"


_STATEMENTS = (
    _PLAN_TRANSFERS.format(
        credit_amount=_credit_amount("seq"),
        credit_amount_prev1=_credit_amount("seq - 1"),
        credit_amount_prev2=_credit_amount("seq - 2"),
    ),
    """
    insert into ledger.transfers (transfer_id, tenant_id, currency, description, category,
                                  occurred_at)
    select transfer_id, tenant_id, 'BRL',
           case when is_debit then 'Pagamento a fornecedor'
                when seq %% 7 = 1 then 'Venda em dinheiro' else 'Venda PIX' end,
           case when is_debit then 'fornecedores'
                when seq %% 7 = 1 then 'vendas_dinheiro' else 'vendas_pix' end,
           occurred_at
    from bench_new_transfers
    order by n
    """,
    # Money in: the external counter account is debited and cash credited; out, the reverse.
    # Both accounts move by the same running amount on their normal side.
    """
    insert into ledger.postings (transfer_id, account_id, direction, amount_minor,
                                 balance_after_minor, account_version, occurred_at)
    select transfer_id, legs.account_id, legs.direction, amount_minor, legs.balance_after,
           legs.version, occurred_at
    from bench_new_transfers
    cross join lateral (values
        (external_account_id,
         case when is_debit then 'credit' else 'debit' end,
         external_balance0 + moved_minor,
         external_version0 + (seq - seq0),
         1),
        (cash_account_id,
         case when is_debit then 'debit' else 'credit' end,
         cash_balance0 + moved_minor,
         seq,
         2)
    ) as legs(account_id, direction, balance_after, version, leg)
    order by n, leg
    """,
    """
    update ledger.accounts
    set posted_debits_minor = posted_debits_minor + moved.debits,
        posted_credits_minor = posted_credits_minor + moved.credits,
        version = version + moved.postings
    from (
        select account_id,
               coalesce(sum(amount_minor) filter (where direction = 'debit'), 0) as debits,
               coalesce(sum(amount_minor) filter (where direction = 'credit'), 0) as credits,
               count(*) as postings
        from ledger.postings
        where transfer_id in (select transfer_id from bench_new_transfers)
        group by account_id
    ) as moved
    where accounts.account_id = moved.account_id
    """,
)


def next_business_day(ledger_dsn: str, today: date) -> date:
    """The day the bench adds next: today, or the day after the newest posting's business day when
    that is today or later (a kept ledger measured again on the same day), so each added day is a
    new one and the daily run never sees a day grow run after run."""
    with psycopg.connect(ledger_dsn) as conn:
        row = conn.execute(
            "select (max(occurred_at) at time zone %(timezone)s)::date from ledger.postings",
            {"timezone": BUSINESS_TIMEZONE},
        ).fetchone()
    newest = row[0] if row else None
    return today if newest is None or newest < today else newest + timedelta(days=1)


def append_postings(
    ledger_dsn: str, merchants: int, postings: int, first_day: date, days: int
) -> AppendedPostings:
    """Append `postings` (rounded down to whole transfers) over `days` business days from
    `first_day`, in one transaction. The per-row balanced-transfer trigger and the foreign-key
    triggers are off for it, as in a restore: `verify_ledger` checks the same rules set-based."""
    transfers = postings // 2
    parameters = {
        "prefix": MERCHANT_PREFIX + "%",
        "merchants": merchants,
        "transfers": transfers,
        "first_day": first_day,
        "days": days,
        "timezone": BUSINESS_TIMEZONE,
    }
    started = time.perf_counter()
    with psycopg.connect(ledger_dsn) as conn:
        conn.execute("set local session_replication_role = replica")
        # One big sort (each merchant's running balance): in memory, not in temp files.
        conn.execute("set local work_mem = '512MB'")
        conn.execute("set local maintenance_work_mem = '512MB'")
        for statement in _STATEMENTS:
            conn.execute(statement, parameters)
    return AppendedPostings(transfers, transfers * 2, time.perf_counter() - started)


# Each query returns the rows that break one rule of the ledger; all must return none.
_LEDGER_RULES = {
    "every transfer has two or more postings, debits equal to credits, in its currency": """
        select p.transfer_id
        from ledger.postings p
        join ledger.accounts a using (account_id)
        join ledger.transfers t using (transfer_id)
        group by p.transfer_id
        having count(*) < 2
            or sum(p.amount_minor) filter (where p.direction = 'debit')
               <> sum(p.amount_minor) filter (where p.direction = 'credit')
            or bool_or(a.currency <> t.currency)
        limit 5
    """,
    "versions number each account's postings 1, 2, 3... and balance_after is the running "
    "balance on the account's normal side": """
        select account_id, account_version
        from (
            select p.account_id, p.account_version, p.balance_after_minor,
                   row_number() over by_version as expected_version,
                   sum(case when p.direction = a.normal_side then p.amount_minor
                            else -p.amount_minor end) over by_version as expected_balance
            from ledger.postings p
            join ledger.accounts a using (account_id)
            window by_version as (partition by p.account_id order by p.account_version)
        ) as checked
        where account_version <> expected_version or balance_after_minor <> expected_balance
        limit 5
    """,
    "each account's totals and version are its postings'": """
        select a.account_id
        from ledger.accounts a
        left join (
            select account_id,
                   coalesce(sum(amount_minor) filter (where direction = 'debit'), 0) as debits,
                   coalesce(sum(amount_minor) filter (where direction = 'credit'), 0) as credits,
                   count(*) as postings
            from ledger.postings
            group by account_id
        ) as moved using (account_id)
        where a.posted_debits_minor <> coalesce(moved.debits, 0)
           or a.posted_credits_minor <> coalesce(moved.credits, 0)
           or a.version <> coalesce(moved.postings, 0)
        limit 5
    """,
    "no never_negative account went below zero": """
        select p.account_id, p.account_version
        from ledger.postings p
        join ledger.accounts a using (account_id)
        where a.balance_policy = 'never_negative' and p.balance_after_minor < 0
        limit 5
    """,
}


def verify_ledger(ledger_dsn: str) -> dict[str, list[tuple[object, ...]]]:
    """The rules the write path enforces, checked over every posting; the rows breaking each."""
    with psycopg.connect(ledger_dsn) as conn:
        conn.execute("set local work_mem = '512MB'")
        return {rule: conn.execute(query).fetchall() for rule, query in _LEDGER_RULES.items()}
