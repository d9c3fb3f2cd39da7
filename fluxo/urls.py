"""Conversions between the one database URL a user gives and what each client library needs."""

from sqlalchemy.engine import URL, make_url

_PLAIN_DRIVERS = {"postgres", "postgresql"}


def sqlalchemy_url(url: str) -> str:
    """Name the psycopg 3 driver: SQLAlchemy's default for a bare URL varies by version."""
    parsed = make_url(url)
    if parsed.drivername in _PLAIN_DRIVERS:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """The same database as a libpq connection string, for psycopg connections and COPY."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def connection_parts(url: str) -> dict[str, str]:
    """Host, port, user, password and database name, as dbt's profile wants them.

    A unix-socket URL carries its directory in the `host` query parameter.
    """
    parsed: URL = make_url(url)
    socket_dir = parsed.query.get("host")
    host = socket_dir if isinstance(socket_dir, str) else parsed.host or "127.0.0.1"
    port = parsed.query.get("port")
    return {
        "host": host,
        "port": str(parsed.port or (port if isinstance(port, str) else 5432)),
        "user": parsed.username or "postgres",
        "password": parsed.password or "",
        "dbname": parsed.database or "postgres",
    }


def psycopg2_url(url: str) -> str:
    """The same database for dagster-postgres, which needs the psycopg2 driver named: SQLAlchemy
    2.1 maps a bare postgresql:// to psycopg 3, on which dagster-postgres fails."""
    parsed = make_url(url).set(drivername="postgresql+psycopg2")
    return parsed.render_as_string(hide_password=False)
