"""The dbt project, its manifest, and the connection it takes from the warehouse URL."""

import hashlib
import json
import os
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from fluxo.urls import connection_parts

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"


# The dbt installed beside this interpreter, so nothing depends on the venv being on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
# Beside the manifest: a digest of the profile's variables the last parse ran with.
PARSED_PROFILE_FILE = "fluxo_parsed_profile.sha256"
PROFILE_VARIABLE_PREFIX = "FLUXO_DBT_"


def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def prepare_manifest(project: DbtProject) -> Path:
    """Parse the project into target/manifest.json, unless the manifest is current.

    Dagster's own preparer runs only under `dagster dev` and looks for dbt on PATH.
    """
    if manifest_is_current(project):
        return project.manifest_path
    dbt = DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
    dbt.cli(["parse", "--quiet"], target_path=project.target_path).wait()
    project.manifest_path.with_name(PARSED_PROFILE_FILE).write_text(profile_digest())
    return project.manifest_path


def manifest_is_current(project: DbtProject) -> bool:
    """Whether the manifest is newer than every project file and was parsed with the profile's
    variables as now set. Each build Dagster starts reuses this parse (dbt's partial parsing) only
    if its profile is the same: a parse for another warehouse made every daily build parse the
    whole project again, 3 to 4 s each at the warehouse bench."""
    if not project.manifest_path.exists():
        return False
    parsed_profile = project.manifest_path.with_name(PARSED_PROFILE_FILE)
    if not parsed_profile.exists() or parsed_profile.read_text() != profile_digest():
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


def profile_digest() -> str:
    """A digest of the FLUXO_DBT_* variables now set: the password is among them, so only this is
    written down."""
    variables = sorted(
        (name, value)
        for name, value in os.environ.items()
        if name.startswith(PROFILE_VARIABLE_PREFIX)
    )
    return hashlib.sha256(json.dumps(variables).encode()).hexdigest()


def dbt_profile_env(warehouse_url: str) -> dict[str, str]:
    """The FLUXO_DBT_* variables dbt_project/profiles.yml reads."""
    return {
        f"{PROFILE_VARIABLE_PREFIX}{key.upper()}": value
        for key, value in connection_parts(warehouse_url).items()
    }
