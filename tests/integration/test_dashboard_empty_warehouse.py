"""On a warehouse the pipeline has not built yet, the page says what to do instead of failing."""

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.queries.warehouse import _warehouse_url
from fluxo.databases import DatabaseUrls
from fluxo.migrations import migrate
from fluxo.servers import REPO_ROOT
from tests.conftest import create_database, dispose_all_engines, drop_database


@pytest.fixture
def empty_warehouse(
    admin_url: str, database_urls: DatabaseUrls, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    url = create_database(admin_url, "test_empty_warehouse")
    migrate(DatabaseUrls(ledger=database_urls.ledger, warehouse=url))  # raw layer only, no marts
    monkeypatch.setenv("FLUXO_WAREHOUSE_URL", url)
    _warehouse_url.clear()
    yield url
    _warehouse_url.clear()
    dispose_all_engines()
    drop_database(admin_url, url)


def test_cash_flow_page_explains_an_unbuilt_warehouse(empty_warehouse: str) -> None:
    page = AppTest.from_file(str(REPO_ROOT / "dashboards" / "app.py"), default_timeout=60).run()
    assert not page.exception
    assert any("fluxo pipeline run" in info.value for info in page.info)
    assert len(page.metric) == 0
