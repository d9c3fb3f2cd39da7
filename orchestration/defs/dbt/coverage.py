"""Whether dbt ran every test the project declares: a test that silently stops running (a typo in
a selector, a disabled parent) would otherwise look like a passing one. The daily build runs the
data tests; the unit tests, which test the models' logic on fixed inputs and so need no daily
run, are run by the test suite (tests/e2e/test_cash_flow_path.py)."""

from collections.abc import Mapping, Set
from typing import Any

# Statuses of a node dbt did not execute.
NOT_EXECUTED = {"skipped", "no-op"}


def declared_data_tests(manifest: Mapping[str, Any]) -> set[str]:
    """Every enabled data test of the project."""
    return {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
    }


def declared_unit_tests(manifest: Mapping[str, Any]) -> set[str]:
    """Every enabled unit test of the project."""
    return set(manifest.get("unit_tests", {}))


def unexecuted_tests(declared: Set[str], run_results: Mapping[str, Any]) -> list[str]:
    """The declared tests an invocation's run results do not show as executed."""
    executed = {
        result["unique_id"]
        for result in run_results["results"]
        if result["status"] not in NOT_EXECUTED
    }
    return sorted(declared - executed)
