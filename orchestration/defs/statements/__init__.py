"""Bank statement files from the landing folder: the raw asset and the sensor that notices them."""

import dagster as dg

from orchestration.defs.statements.assets import raw_statement_lines
from orchestration.defs.statements.sensors import statement_files_sensor

statement_assets: list[dg.AssetsDefinition] = [raw_statement_lines]
statement_sensors: list[dg.SensorDefinition] = [statement_files_sensor]
