"""Resources, bound in one place. Connection details come from FLUXO_* settings at run time."""

import dagster as dg

from fluxo import databases
from fluxo.settings import Settings


class FluxoDatabases(dg.ConfigurableResource):  # type: ignore[type-arg]
    """The ledger and warehouse databases: FLUXO_DATABASE_URL / FLUXO_WAREHOUSE_URL, or the
    embedded PostgreSQL when unset."""

    def urls(self) -> databases.DatabaseUrls:
        return databases.resolve(Settings())
