"""The dashboard's pages, who may open them, and the dbt exposures that describe them."""

import re
from pathlib import Path

import yaml

from dashboards.roles import PAGES, may_see_clear_documents, pages_for
from dashboards.users import DashboardRole

REPO = Path(__file__).parents[2]
MART_MODELS = {path.stem for path in (REPO / "dbt_project" / "models" / "marts").rglob("*.sql")}


def _exposures() -> dict[str, dict[str, object]]:
    document = yaml.safe_load((REPO / "dbt_project/models/marts/_exposures.yml").read_text())
    return {exposure["url"]: exposure for exposure in document["exposures"]}


def test_a_finance_user_sees_no_compliance_page_and_admin_sees_every_page() -> None:
    titles = {role: [page.title for page in pages_for(role)] for role in DashboardRole}
    assert titles[DashboardRole.finance] == ["Fluxo de caixa", "Conciliação", "Saúde dos dados"]
    assert titles[DashboardRole.compliance] == ["Compliance", "Saúde dos dados"]
    assert titles[DashboardRole.admin] == [page.title for page in PAGES]


def test_only_compliance_sees_clear_documents() -> None:
    assert [role for role in DashboardRole if may_see_clear_documents(role)] == [
        DashboardRole.compliance
    ]


def test_each_page_has_a_dashboard_exposure_on_the_marts_its_queries_read() -> None:
    exposures = _exposures()
    assert len(exposures) == len(PAGES)
    for page in PAGES:
        exposure = exposures[f"http://127.0.0.1:8501/{page.url_path}"]
        assert exposure["type"] == "dashboard"
        assert exposure["label"] == page.title
        depends_on = {re.sub(r"ref\('(\w+)'\)", r"\1", ref) for ref in exposure["depends_on"]}  # type: ignore[attr-defined]
        queries = REPO / "dashboards" / "queries" / Path(page.path).name
        read = set(re.findall(r"marts\.(\w+)", queries.read_text())) & MART_MODELS
        assert read <= depends_on, (page.title, read - depends_on)
        assert depends_on <= MART_MODELS
