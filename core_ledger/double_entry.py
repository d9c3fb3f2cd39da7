"""The rules of double entry on accounts held in memory: balanced legs, balances after each
posting, pending reservations and balance policies. Pure: the services lock the accounts' rows,
apply these rules, then write the results."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from core_ledger.errors import AmountOutOfRange, InvalidTransfer, UnbalancedTransfer
from core_ledger.money import MAX_AMOUNT_MINOR, format_amount

DIRECTIONS = ("debit", "credit")


@dataclass(frozen=True)
class Leg:
    account_id: uuid.UUID
    direction: str  # "debit" or "credit"
    amount_minor: int


def check_legs(legs: Sequence[Leg]) -> None:
    """Two or more legs, each account once, positive amounts, debits equal to credits."""
    if len(legs) < 2:
        raise InvalidTransfer("a transfer needs at least two postings")
    if len({leg.account_id for leg in legs}) != len(legs):
        raise InvalidTransfer("an account may appear only once in a transfer")
    for leg in legs:
        if leg.direction not in DIRECTIONS:
            raise InvalidTransfer(f"direction must be debit or credit, not {leg.direction!r}")
        if not 0 < leg.amount_minor <= MAX_AMOUNT_MINOR:
            raise InvalidTransfer("every posting's amount must be positive and fit in bigint")
    debits = sum(leg.amount_minor for leg in legs if leg.direction == "debit")
    credits = sum(leg.amount_minor for leg in legs if leg.direction == "credit")
    if debits != credits:
        raise UnbalancedTransfer(
            f"debits ({format_amount(debits)}) and credits ({format_amount(credits)}) differ",
            debits=format_amount(debits),
            credits=format_amount(credits),
        )
    if debits > MAX_AMOUNT_MINOR:
        raise AmountOutOfRange("the transfer's total is beyond what the ledger stores")


@dataclass
class AccountState:
    """A locked account's figures, changed in memory as postings and holds are applied."""

    account_id: uuid.UUID
    tenant_id: str
    currency: str
    normal_side: str
    balance_policy: str
    overdraft_limit_minor: int
    posted_debits_minor: int
    posted_credits_minor: int
    pending_debits_minor: int
    pending_credits_minor: int
    version: int

    @property
    def balance_minor(self) -> int:
        """Posted balance on the account's normal side."""
        net = self.posted_debits_minor - self.posted_credits_minor
        return net if self.normal_side == "debit" else -net

    @property
    def available_minor(self) -> int:
        reserved = (
            self.pending_credits_minor if self.normal_side == "debit" else self.pending_debits_minor
        )
        return self.balance_minor - reserved

    def within_policy(self) -> bool:
        if self.balance_policy == "unrestricted":
            return True
        return self.available_minor >= -self.overdraft_limit_minor

    def reduces_balance(self, direction: str) -> bool:
        return direction != self.normal_side

    def post(self, direction: str, amount_minor: int) -> tuple[int, int]:
        """Apply a posting; returns (balance after, version after)."""
        if direction == "debit":
            self.posted_debits_minor = _add(self.posted_debits_minor, amount_minor)
        else:
            self.posted_credits_minor = _add(self.posted_credits_minor, amount_minor)
        self.version += 1
        return self.balance_minor, self.version

    def reserve(self, direction: str, amount_minor: int) -> None:
        if direction == "debit":
            self.pending_debits_minor = _add(self.pending_debits_minor, amount_minor)
        else:
            self.pending_credits_minor = _add(self.pending_credits_minor, amount_minor)

    def release(self, direction: str, amount_minor: int) -> None:
        if direction == "debit":
            self.pending_debits_minor -= amount_minor
        else:
            self.pending_credits_minor -= amount_minor
        assert min(self.pending_debits_minor, self.pending_credits_minor) >= 0


def _add(total: int, amount: int) -> int:
    result = total + amount
    if result > MAX_AMOUNT_MINOR:
        raise AmountOutOfRange("an account's running total would exceed what the ledger stores")
    return result
