"""Which ledger and warehouse databases this process uses: the configured ones or the embedded."""

from dataclasses import dataclass

from fluxo import embedded
from fluxo.settings import Settings
from fluxo.urls import libpq_url, sqlalchemy_url, with_database


@dataclass(frozen=True)
class DatabaseUrls:
    """SQLAlchemy URLs of the two databases, and their libpq forms for psycopg and COPY."""

    ledger: str
    warehouse: str

    @property
    def ledger_dsn(self) -> str:
        return libpq_url(self.ledger)

    @property
    def warehouse_dsn(self) -> str:
        return libpq_url(self.warehouse)


def resolve(settings: Settings) -> DatabaseUrls:
    """URLs given in the environment are used exactly as given; only unset ones start the embedded
    server, on demand, and create its databases."""
    ledger, warehouse = settings.database_url, settings.warehouse_url
    if ledger is None or warehouse is None:
        admin_url = embedded.start(settings.embedded_data_dir)
        embedded.ensure_databases(
            libpq_url(admin_url), (embedded.LEDGER_DATABASE, embedded.WAREHOUSE_DATABASE)
        )
        if ledger is None:
            ledger = with_database(admin_url, embedded.LEDGER_DATABASE)
        if warehouse is None:
            warehouse = with_database(admin_url, embedded.WAREHOUSE_DATABASE)
    return DatabaseUrls(ledger=sqlalchemy_url(ledger), warehouse=sqlalchemy_url(warehouse))
