"""A build that leaves a declared dbt test unexecuted is caught."""

from typing import Any

from orchestration.defs.dbt.coverage import (
    declared_data_tests,
    declared_unit_tests,
    unexecuted_tests,
)

MANIFEST: dict[str, Any] = {
    "nodes": {
        "model.fluxo.fct_daily_cash_flow": {"resource_type": "model"},
        "test.fluxo.unique_fct_daily_cash_flow_id": {"resource_type": "test"},
        "test.fluxo.assert_closing_is_opening_plus_net": {"resource_type": "test"},
    },
    "unit_tests": {"unit_test.fluxo.fct_daily_cash_flow.quiet_days": {}},
}


def results(*executed: tuple[str, str]) -> dict[str, Any]:
    return {"results": [{"unique_id": uid, "status": status} for uid, status in executed]}


def test_the_declared_tests_are_the_data_tests_and_the_unit_tests() -> None:
    assert declared_data_tests(MANIFEST) == {
        "test.fluxo.unique_fct_daily_cash_flow_id",
        "test.fluxo.assert_closing_is_opening_plus_net",
    }
    assert declared_unit_tests(MANIFEST) == {"unit_test.fluxo.fct_daily_cash_flow.quiet_days"}


def test_a_build_that_ran_every_test_misses_none() -> None:
    ran = results(
        ("model.fluxo.fct_daily_cash_flow", "success"),
        ("test.fluxo.unique_fct_daily_cash_flow_id", "pass"),
        ("test.fluxo.assert_closing_is_opening_plus_net", "fail"),
    )
    assert unexecuted_tests(declared_data_tests(MANIFEST), ran) == []


def test_a_skipped_or_absent_test_is_reported() -> None:
    ran = results(
        ("test.fluxo.unique_fct_daily_cash_flow_id", "skipped"),
        ("unit_test.fluxo.fct_daily_cash_flow.quiet_days", "pass"),
    )
    assert unexecuted_tests(declared_data_tests(MANIFEST), ran) == [
        "test.fluxo.assert_closing_is_opening_plus_net",
        "test.fluxo.unique_fct_daily_cash_flow_id",
    ]
    assert unexecuted_tests(declared_unit_tests(MANIFEST), ran) == []
