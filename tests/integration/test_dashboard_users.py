"""`fluxo dashboard users`: users stored with argon2id hashes in the warehouse, checked at login."""

import psycopg
import pytest
from typer.testing import CliRunner

from dashboards.users import DashboardRole, authenticate
from fluxo.cli import FluxoError, app
from fluxo.databases import DatabaseUrls

runner = CliRunner()


def fluxo(*args: str) -> tuple[int, str, BaseException | None]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output, result.exception


def logged_in(
    warehouse: psycopg.Connection, username: str, password: str
) -> tuple[str, DashboardRole] | None:
    user = authenticate(warehouse, username, password)
    return None if user is None else (user.username, user.role)


def test_add_list_log_in_and_remove(database_urls: DatabaseUrls) -> None:
    code, output, _ = fluxo(
        "dashboard",
        "users",
        "add",
        "maria.souza",
        "--role",
        "compliance",
        "--password",
        "s3nha-forte",
    )
    assert code == 0, output
    code, output, _ = fluxo("dashboard", "users", "list")
    assert code == 0 and "maria.souza" in output and "compliance" in output

    with psycopg.connect(database_urls.warehouse_dsn) as warehouse:
        (stored,) = warehouse.execute(
            "select password_hash from dashboard.users where username = 'maria.souza'"
        ).fetchone()  # type: ignore[misc]
        assert stored.startswith("$argon2id$") and "s3nha-forte" not in stored
        assert logged_in(warehouse, "maria.souza", "s3nha-forte") == (
            "maria.souza",
            DashboardRole.compliance,
        )
        assert authenticate(warehouse, "maria.souza", "s3nha-fraca") is None
        assert authenticate(warehouse, "joao", "s3nha-forte") is None

    code, _, error = fluxo(
        "dashboard", "users", "add", "maria.souza", "--role", "finance", "--password", "outra-senha"
    )
    assert code != 0 and isinstance(error, FluxoError) and "--replace" in str(error)
    code, output, _ = fluxo(
        "dashboard",
        "users",
        "add",
        "maria.souza",
        "--role",
        "finance",
        "--password",
        "outra-senha",
        "--replace",
    )
    assert code == 0, output
    with psycopg.connect(database_urls.warehouse_dsn) as warehouse:
        assert logged_in(warehouse, "maria.souza", "outra-senha") == (
            "maria.souza",
            DashboardRole.finance,
        )

    assert fluxo("dashboard", "users", "remove", "maria.souza")[0] == 0
    code, _, error = fluxo("dashboard", "users", "remove", "maria.souza")
    assert code != 0 and isinstance(error, FluxoError)
    assert "maria.souza" not in fluxo("dashboard", "users", "list")[1]


@pytest.mark.parametrize(
    ("username", "password", "problem"),
    [("Maria Souza", "s3nha-forte", "invalid username"), ("maria", "curta", "at least 8")],
)
def test_bad_usernames_and_short_passwords_are_refused(
    database_urls: DatabaseUrls, username: str, password: str, problem: str
) -> None:
    code, _, error = fluxo(
        "dashboard", "users", "add", username, "--role", "admin", "--password", password
    )
    assert code != 0 and isinstance(error, FluxoError) and problem in str(error)


def test_an_unknown_role_is_refused(database_urls: DatabaseUrls) -> None:
    code, output, _ = fluxo(
        "dashboard", "users", "add", "pedro", "--role", "auditor", "--password", "s3nha-forte"
    )
    assert code == 2 and "auditor" in output


def test_the_analyst_role_cannot_read_the_users(database_urls: DatabaseUrls) -> None:
    with psycopg.connect(database_urls.warehouse_dsn) as warehouse:
        warehouse.execute("set role analyst")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            warehouse.execute("select password_hash from dashboard.users")
