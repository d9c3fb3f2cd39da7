"""Open Finance Brasil: the raw accounts, balances and transactions assets and their resource."""

import dagster as dg

from orchestration.defs.openfinance.assets import raw_openfinance_tables
from orchestration.defs.openfinance.resources import OpenFinanceSource

openfinance_assets: list[dg.AssetsDefinition] = [raw_openfinance_tables]

__all__ = ["OpenFinanceSource", "openfinance_assets"]
