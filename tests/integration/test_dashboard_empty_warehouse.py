"""On a warehouse the pipeline has not built yet, the login works and every page says what to do
instead of failing; the login refuses a wrong password."""

from collections.abc import Iterator

import psycopg
import pytest

from dashboards.queries.warehouse import _warehouse_url
from dashboards.roles import PAGES
from dashboards.users import DashboardRole, add_user
from fluxo.databases import DatabaseUrls
from fluxo.migrations import migrate
from fluxo.urls import libpq_url
from tests.conftest import create_database, dispose_all_engines, drop_database
from tests.dashboard_app import TEST_PASSWORD, log_in, open_page, titles


@pytest.fixture(scope="module")
def empty_warehouse(admin_url: str, database_urls: DatabaseUrls) -> Iterator[str]:
    url = create_database(admin_url, "test_empty_warehouse")
    migrate(DatabaseUrls(ledger=database_urls.ledger, warehouse=url))  # raw layer only, no marts
    with psycopg.connect(libpq_url(url)) as warehouse:
        add_user(warehouse, "ana.admin", DashboardRole.admin, TEST_PASSWORD)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("FLUXO_WAREHOUSE_URL", url)
        _warehouse_url.clear()
        yield url
        _warehouse_url.clear()
    dispose_all_engines()
    drop_database(admin_url, url)


def test_a_wrong_password_is_refused(empty_warehouse: str) -> None:
    app = log_in("ana.admin", "not-her-password")
    assert [error.value for error in app.error] == ["Usuário ou senha incorretos."]
    assert titles(app) == ["Fluxo"]  # still the login form
    assert log_in("nobody-here").error[0].value == "Usuário ou senha incorretos."


@pytest.mark.parametrize("page", [page.path for page in PAGES])
def test_every_page_explains_an_unbuilt_warehouse(empty_warehouse: str, page: str) -> None:
    app = open_page(log_in("ana.admin"), page)
    messages = " ".join(info.value for info in app.info)
    assert "fluxo pipeline run" in messages
    assert len(app.metric) == 0
