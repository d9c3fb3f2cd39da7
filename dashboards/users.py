"""Dashboard users: who may log in and with which role. Passwords are kept as argon2id hashes in
the warehouse's `dashboard` schema (created by `fluxo migrate`), managed by
`fluxo dashboard users`. No Streamlit here: the CLI and the app share it."""

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class DashboardRole(StrEnum):
    finance = "finance"
    compliance = "compliance"
    admin = "admin"


MIN_PASSWORD_LENGTH = 8
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")

# The schema is the dashboard's own: the analyst role (which reads `marts`) gets nothing here.
USERS_DDL = """
create schema if not exists dashboard;
create table if not exists dashboard.users (
    username      text primary key,
    role          text not null check (role in ('finance', 'compliance', 'admin')),
    password_hash text not null,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);
comment on table dashboard.users is
    'Dashboard logins (fluxo dashboard users): argon2id password hashes, never passwords.';
"""


class InvalidUser(ValueError):
    """A username, role or password that cannot be stored; the message says why."""


class UserExists(InvalidUser):
    """The username is taken: remove it first, or add with --replace."""


@dataclass(frozen=True)
class DashboardUser:
    username: str
    role: DashboardRole
    # The user's updated_at when they logged in: a session lasts while it is unchanged, so
    # replacing the user's role or password, or removing the user, ends every session they have.
    logged_in_as_of: datetime | None = None


@dataclass(frozen=True)
class StoredUser:
    username: str
    role: DashboardRole
    created_at: datetime
    updated_at: datetime


def _hasher() -> PasswordHasher:
    # argon2-cffi's defaults follow RFC 9106's second recommended option (argon2id, 64 MiB).
    return PasswordHasher()


def ensure_users_table(conn: psycopg.Connection) -> None:
    conn.execute(USERS_DDL)


def _validate(username: str, password: str) -> None:
    if not USERNAME_PATTERN.match(username):
        raise InvalidUser(
            f"invalid username {username!r}: use 2 to 63 lowercase letters, digits, '.', '_' or "
            "'-', starting with a letter or digit"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUser(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def add_user(
    conn: psycopg.Connection,
    username: str,
    role: DashboardRole,
    password: str,
    *,
    replace: bool = False,
) -> None:
    """Store the user with the hash of `password`; with `replace`, a known user gets the new role
    and password."""
    _validate(username, password)
    password_hash = _hasher().hash(password)
    conflict = (
        "do update set role = excluded.role, password_hash = excluded.password_hash,"
        " updated_at = now()"
        if replace
        else "do nothing"
    )
    stored = conn.execute(
        "insert into dashboard.users (username, role, password_hash) values (%s, %s, %s)"
        f" on conflict (username) {conflict} returning username",
        (username, role.value, password_hash),
    ).fetchone()
    if stored is None:
        raise UserExists(
            f"user {username!r} exists: remove it first or add it again with --replace"
        )


def remove_user(conn: psycopg.Connection, username: str) -> bool:
    removed = conn.execute(
        "delete from dashboard.users where username = %s returning username", (username,)
    ).fetchone()
    return removed is not None


def list_users(conn: psycopg.Connection) -> list[StoredUser]:
    rows = conn.execute(
        "select username, role, created_at, updated_at from dashboard.users order by username"
    ).fetchall()
    return [
        StoredUser(name, DashboardRole(role), created, updated)
        for name, role, created, updated in rows
    ]


@cache
def _unknown_user_hash() -> str:
    """Verified when the username is unknown, so that costs as much time as a wrong password."""
    return _hasher().hash("not-a-real-password")


def authenticate(conn: psycopg.Connection, username: str, password: str) -> DashboardUser | None:
    """The user, if `password` is theirs; None otherwise (unknown user or wrong password alike).
    A hash made with older parameters is replaced by one with the current ones."""
    hasher = _hasher()
    row = conn.execute(
        "select role, password_hash, updated_at from dashboard.users where username = %s",
        (username.strip().lower(),),
    ).fetchone()
    if row is None:
        with suppress(VerificationError):
            hasher.verify(_unknown_user_hash(), password)
        return None
    role, password_hash, updated_at = row
    try:
        hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(password_hash):
        # The same password under new parameters: not a change that ends the user's sessions,
        # so updated_at stays.
        conn.execute(
            "update dashboard.users set password_hash = %s where username = %s",
            (hasher.hash(password), username.strip().lower()),
        )
    return DashboardUser(username.strip().lower(), DashboardRole(role), updated_at)


def is_current(conn: psycopg.Connection, user: DashboardUser) -> bool:
    """Whether the user's session still holds: the user exists, unchanged since that login."""
    row = conn.execute(
        "select updated_at from dashboard.users where username = %s", (user.username,)
    ).fetchone()
    return row is not None and row[0] == user.logged_in_as_of
