import os
from pathlib import Path

import pytest
from dagster_dbt import DbtProject

from orchestration.defs.dbt.project import PARSED_PROFILE_FILE, manifest_is_current, profile_digest


def _project(tmp_path: Path) -> DbtProject:
    (tmp_path / "dbt_project.yml").write_text("name: t\nprofile: t\nconfig-version: 2\n")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a.sql").write_text("select 1")
    return DbtProject(project_dir=tmp_path)


def _age(path: Path, seconds_ago: int) -> None:
    stamp = path.stat().st_mtime - seconds_ago
    os.utime(path, (stamp, stamp))


def test_manifest_is_stale_until_built_and_after_a_model_changes(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert not manifest_is_current(project)

    manifest = project.manifest_path
    manifest.parent.mkdir(parents=True)
    manifest.write_text("{}")
    manifest.with_name(PARSED_PROFILE_FILE).write_text(profile_digest())
    _age(tmp_path / "models" / "a.sql", 60)
    _age(tmp_path / "dbt_project.yml", 60)
    assert manifest_is_current(project)

    # What dbt writes under target/ and logs/ is output, not source.
    (manifest.parent / "compiled.sql").write_text("select 1")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "x.yml").write_text("")
    assert manifest_is_current(project)

    (tmp_path / "models" / "a.sql").write_text("select 2")
    assert not manifest_is_current(project)


def test_manifest_is_stale_when_parsed_for_another_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLUXO_DBT_HOST", "/srv/warehouse-a")
    project = _project(tmp_path)
    manifest = project.manifest_path
    manifest.parent.mkdir(parents=True)
    manifest.write_text("{}")
    _age(tmp_path / "models" / "a.sql", 60)
    _age(tmp_path / "dbt_project.yml", 60)
    assert not manifest_is_current(project)  # no record of the profile it was parsed with

    manifest.with_name(PARSED_PROFILE_FILE).write_text(profile_digest())
    assert manifest_is_current(project)

    monkeypatch.setenv("FLUXO_DBT_HOST", "/srv/warehouse-b")
    assert not manifest_is_current(project)
