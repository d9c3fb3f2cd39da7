"""The dbt project as Dagster assets, with dbt tests as asset checks."""
