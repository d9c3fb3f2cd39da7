"""Property-based: whatever sequence of transfers is attempted, valid or not, the books stay
balanced per transfer and per currency, and no restricted account goes below its policy."""

import uuid

import psycopg
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from core_ledger.access import cli_actor
from core_ledger.double_entry import Leg
from core_ledger.errors import LedgerError
from core_ledger.services import tenants, transfers

ACTOR = cli_actor("tests")
# (code, type, currency, policy, overdraft limit)
ACCOUNTS = (
    ("wallet-a", "liability", "BRL", "never_negative", 0),
    ("wallet-b", "liability", "BRL", "never_negative", 0),
    ("credit-line", "liability", "BRL", "overdraft", 5_000),
    ("settlement", "asset", "BRL", "unrestricted", 0),
    ("usd-wallet", "liability", "USD", "never_negative", 0),
    ("usd-settlement", "asset", "USD", "unrestricted", 0),
)


@st.composite
def attempted_transfer(draw: st.DrawFn) -> list[tuple[int, str, int]]:
    """Legs on distinct accounts of one currency, balanced most of the time; now and then
    unbalanced, or with a leg in the other currency."""
    currency = draw(st.sampled_from(["BRL", "USD"]))
    pool = [i for i, account in enumerate(ACCOUNTS) if account[2] == currency]
    pool.remove(SETTLEMENT[currency])  # kept free to close the legs
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
    legs = [
        (i, draw(st.sampled_from(["debit", "credit"])), draw(st.integers(1, 30_000)))
        for i in chosen
    ]
    if draw(st.integers(0, 9)) < 7:
        legs = _balanced(legs)
    if draw(st.integers(0, 9)) == 0:
        foreign = next(i for i, account in enumerate(ACCOUNTS) if account[2] != currency)
        legs.append((foreign, "debit", 1))
    return legs


def _open_books(sessions: sessionmaker[Session]) -> tuple[str, list[uuid.UUID]]:
    tenant_id = f"prop-{uuid.uuid4().hex[:12]}"
    tenants.register_tenant(
        sessions, ACTOR, tenants.NewTenant(tenant_id, "Propriedades", "institution")
    )
    ids = []
    for code, kind, currency, policy, limit in ACCOUNTS:
        new = tenants.NewAccount(code, code, kind, currency, policy, limit)
        ids.append(tenants.open_account(sessions, ACTOR, tenant_id, new).value.account_id)
    # Fund the wallets from settlement, so that many drawn transfers can go through.
    for wallet, settlement in ((0, 3), (1, 3), (4, 5)):
        funding = (Leg(ids[settlement], "debit", 50_000), Leg(ids[wallet], "credit", 50_000))
        transfers.post_transfer(sessions, ACTOR, transfers.NewTransfer(funding, "aporte"))
    return tenant_id, ids


# The unrestricted account of each currency, which closes a drawn set of legs.
SETTLEMENT = {"BRL": 3, "USD": 5}


def _balanced(drawn: list[tuple[int, str, int]]) -> list[tuple[int, str, int]]:
    """The drawn legs, closed by one leg on the first leg's currency's settlement account."""
    closing = SETTLEMENT[ACCOUNTS[drawn[0][0]][2]]
    net = sum(amount if direction == "debit" else -amount for _, direction, amount in drawn)
    if net == 0 or any(index == closing for index, _, _ in drawn):
        return drawn
    return [*drawn, (closing, "credit" if net > 0 else "debit", abs(net))]


def _assert_invariants(conn: psycopg.Connection, tenant_id: str) -> None:
    unbalanced = conn.execute(
        "select t.transfer_id from ledger.transfers t join ledger.postings p using (transfer_id)"
        " join ledger.accounts a using (account_id) where t.tenant_id = %s"
        " group by t.transfer_id, t.currency"
        " having sum(case p.direction when 'debit' then p.amount_minor else -p.amount_minor end)"
        " <> 0 or count(*) < 2 or bool_or(a.currency <> t.currency)",
        (tenant_id,),
    ).fetchall()
    assert unbalanced == []
    per_currency = conn.execute(
        "select currency, sum(posted_debits_minor - posted_credits_minor) from ledger.accounts"
        " where tenant_id = %s group by currency",
        (tenant_id,),
    ).fetchall()
    assert all(total == 0 for _, total in per_currency), per_currency
    below_policy = conn.execute(
        "select code from ledger.accounts where tenant_id = %s and balance_policy <> 'unrestricted'"
        " and (case normal_side when 'credit' then posted_credits_minor - posted_debits_minor"
        " else posted_debits_minor - posted_credits_minor end) < -overdraft_limit_minor",
        (tenant_id,),
    ).fetchall()
    assert below_policy == []
    drifted = conn.execute(
        "select a.code from ledger.accounts a where tenant_id = %s and"
        " (posted_debits_minor, posted_credits_minor) <> (select"
        " coalesce(sum(amount_minor) filter (where direction = 'debit'), 0),"
        " coalesce(sum(amount_minor) filter (where direction = 'credit'), 0)"
        " from ledger.postings p where p.account_id = a.account_id)",
        (tenant_id,),
    ).fetchall()
    assert drifted == []


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(attempts=st.lists(attempted_transfer(), min_size=1, max_size=12))
def test_any_sequence_keeps_the_books_balanced(
    ledger_sessions: sessionmaker[Session],
    ledger_conn: psycopg.Connection,
    attempts: list[list[tuple[int, str, int]]],
) -> None:
    tenant_id, ids = _open_books(ledger_sessions)
    applied = 0
    for chosen in attempts:
        new = transfers.NewTransfer(
            legs=tuple(Leg(ids[i], direction, amount) for i, direction, amount in chosen),
            description="propriedade",
        )
        try:
            transfers.post_transfer(ledger_sessions, ACTOR, new)
            applied += 1
        except LedgerError:
            pass  # refused as a whole: the invariants below show nothing of it was applied
        _assert_invariants(ledger_conn, tenant_id)
    event(f"applied {applied} of {len(attempts)}" if applied < 3 else "applied 3 or more")
    stored = ledger_conn.execute(
        "select count(*) from ledger.transfers where tenant_id = %s", (tenant_id,)
    ).fetchone()
    assert stored == (applied + 3,)  # and the three fundings
