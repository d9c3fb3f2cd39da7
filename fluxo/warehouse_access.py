"""Database roles of the warehouse: `analyst` reads the marts and nothing else.

`analyst` is a NOLOGIN group role: give a person access with `grant analyst to <login role>`.
It may use the `marts` schema and select from its tables and views, including the ones dbt builds
later (default privileges of the role that builds them, the one running `fluxo migrate`). It has
no privilege on `raw` (which holds the restricted KYC table), `staging` or `intermediate`, and
cannot write anywhere.
"""

import psycopg
from psycopg import sql

ANALYST_ROLE = "analyst"

# Roles are cluster-wide: another database of the same server may have created it already.
CREATE_ANALYST_SQL = """
do $$
begin
    if not exists (select from pg_roles where rolname = 'analyst') then
        create role analyst nologin;
    end if;
end
$$
"""


class RoleSetupRefused(RuntimeError):
    """The connecting user may not create roles; an administrator must create `analyst`."""


def grant_analyst_access(conn: psycopg.Connection) -> None:
    """Create `analyst` if needed and let it read `marts` only, now and for tables built later."""
    try:
        conn.execute(CREATE_ANALYST_SQL)
    except psycopg.errors.InsufficientPrivilege as error:
        raise RoleSetupRefused(
            f"cannot create the {ANALYST_ROLE!r} role ({error.diag.message_primary}): ask an "
            f"administrator to run `create role {ANALYST_ROLE} nologin`, then migrate again"
        ) from error
    role = sql.Identifier(ANALYST_ROLE)
    database = sql.Identifier(conn.info.dbname)
    for statement in (
        "grant connect on database {database} to {role}",
        "revoke all on schema raw, staging, intermediate from {role}",
        "grant usage on schema marts to {role}",
        "grant select on all tables in schema marts to {role}",
        "alter default privileges in schema marts grant select on tables to {role}",
    ):
        conn.execute(sql.SQL(statement).format(role=role, database=database))
