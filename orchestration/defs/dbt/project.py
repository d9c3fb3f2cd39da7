"""The dbt project, its manifest, and the connection it takes from the warehouse URL."""

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from fluxo.urls import connection_parts

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"


# The dbt installed beside this interpreter, so nothing depends on the venv being on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def prepare_manifest(project: DbtProject) -> Path:
    """Parse the project into target/manifest.json, unless it is newer than every project file.

    Dagster's own preparer runs only under `dagster dev` and looks for dbt on PATH.
    """
    if manifest_is_current(project):
        return project.manifest_path
    dbt = DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
    dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project.manifest_path


def manifest_is_current(project: DbtProject) -> bool:
    if not project.manifest_path.exists():
        return False
    built = project.manifest_path.stat().st_mtime
    project_dir = Path(project.project_dir)
    generated = (project_dir / project.target_path, project_dir / "logs")
    sources = [
        path
        for path in project_dir.rglob("*")
        if path.suffix in {".sql", ".yml", ".yaml", ".md", ".csv"}
        and not any(path.is_relative_to(folder) for folder in generated)
    ]
    return all(path.stat().st_mtime < built for path in sources)


def dbt_profile_env(warehouse_url: str) -> dict[str, str]:
    """The FLUXO_DBT_* variables dbt_project/profiles.yml reads."""
    return {
        f"FLUXO_DBT_{key.upper()}": value for key, value in connection_parts(warehouse_url).items()
    }
