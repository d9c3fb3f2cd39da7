from fluxo.urls import connection_parts, libpq_url, sqlalchemy_url, with_database


def test_plain_url_gets_the_psycopg_driver() -> None:
    assert sqlalchemy_url("postgresql://u:p@db:5433/x") == "postgresql+psycopg://u:p@db:5433/x"
    assert sqlalchemy_url("postgresql+psycopg://u@h/x") == "postgresql+psycopg://u@h/x"


def test_libpq_url_drops_the_driver() -> None:
    assert libpq_url("postgresql+psycopg://u:p@db:5433/x") == "postgresql://u:p@db:5433/x"


def test_socket_url_parts_for_dbt() -> None:
    url = "postgresql+psycopg://postgres@/fluxo_warehouse?host=/srv/pg&port=5432"
    assert connection_parts(url) == {
        "host": "/srv/pg",
        "port": "5432",
        "user": "postgres",
        "password": "",
        "dbname": "fluxo_warehouse",
    }


def test_tcp_url_parts_for_dbt() -> None:
    parts = connection_parts("postgresql+psycopg://fluxo:s3cret@10.0.0.5:6543/wh")
    assert parts == {
        "host": "10.0.0.5",
        "port": "6543",
        "user": "fluxo",
        "password": "s3cret",
        "dbname": "wh",
    }


def test_with_database_keeps_the_socket() -> None:
    url = "postgresql+psycopg://postgres@/postgres?host=/srv/pg&port=5432"
    assert connection_parts(with_database(url, "other"))["dbname"] == "other"
    assert connection_parts(with_database(url, "other"))["host"] == "/srv/pg"
