"""Who sees what: the dashboard's pages, the roles that may open each, and who sees clear CPF/CNPJ.
No Streamlit here, so the CLI, the tests and the dbt exposures check can read it."""

from dataclasses import dataclass

from dashboards.users import DashboardRole


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to dashboards/app.py
    title: str
    icon: str
    url_path: str  # the page's address: http://<host>:<port>/<url_path>
    roles: frozenset[DashboardRole]


FINANCE = frozenset({DashboardRole.finance, DashboardRole.admin})
COMPLIANCE = frozenset({DashboardRole.compliance, DashboardRole.admin})
EVERYONE = frozenset(DashboardRole)

PAGES = (
    PageSpec(
        "app_pages/cash_flow.py",
        "Fluxo de caixa",
        ":material/show_chart:",
        "fluxo-de-caixa",
        FINANCE,
    ),
    PageSpec(
        "app_pages/reconciliation.py", "Conciliação", ":material/rule:", "conciliacao", FINANCE
    ),
    PageSpec(
        "app_pages/compliance.py", "Compliance", ":material/policy:", "compliance", COMPLIANCE
    ),
    # Every role: anyone reading a figure should see whether the data behind it is current.
    PageSpec(
        "app_pages/data_health.py",
        "Saúde dos dados",
        ":material/monitor_heart:",
        "saude-dos-dados",
        EVERYONE,
    ),
)


def pages_for(role: DashboardRole) -> list[PageSpec]:
    return [page for page in PAGES if role in page.roles]


def may_see_clear_documents(role: DashboardRole) -> bool:
    """Compliance files COAF communications, which need the customer's document; admin manages
    users and sees every page, but documents masked."""
    return role is DashboardRole.compliance


def may_decide_alerts(role: DashboardRole) -> bool:
    """Only compliance takes up, reports or closes an AML alert: the analysis is its job, and
    admin, who manages the users, must not be able to close alerts as someone it created."""
    return role is DashboardRole.compliance
