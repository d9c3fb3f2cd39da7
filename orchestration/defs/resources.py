"""Resources, bound in one place. Connection details come from FLUXO_* settings at run time."""

import dagster as dg

from fluxo import databases
from fluxo.settings import Settings
from fluxo.urls import libpq_url


class FluxoDatabases(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The ledger and warehouse databases: FLUXO_DATABASE_URL / FLUXO_WAREHOUSE_URL, or the
    embedded PostgreSQL when unset."""

    def urls(self) -> databases.DatabaseUrls:
        return databases.resolve(Settings())

    def ledger_dsn(self) -> str:
        return libpq_url(self.urls().ledger)

    def warehouse_dsn(self) -> str:
        return libpq_url(self.urls().warehouse)
