"""Whether a `dbt build` ran every test the project declares: a test that silently stops running
(a typo in a selector, a disabled parent) would otherwise look like a passing one."""

from collections.abc import Mapping
from typing import Any

# Statuses of a node dbt did not execute.
NOT_EXECUTED = {"skipped", "no-op"}


def declared_tests(manifest: Mapping[str, Any]) -> set[str]:
    """Every enabled data test and unit test of the project."""
    data_tests = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
    }
    return data_tests | set(manifest.get("unit_tests", {}))


def unexecuted_tests(manifest: Mapping[str, Any], run_results: Mapping[str, Any]) -> list[str]:
    """The declared tests a build's run results do not show as executed."""
    executed = {
        result["unique_id"]
        for result in run_results["results"]
        if result["status"] not in NOT_EXECUTED
    }
    return sorted(declared_tests(manifest) - executed)
