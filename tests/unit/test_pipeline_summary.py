"""The pipeline summary tells failed checks (severity ERROR) from warnings (severity WARN)."""

import dagster as dg

from fluxo.pipeline import summarize


@dg.asset
def numbers() -> list[int]:
    return [1, 2, 3]


@dg.asset_check(asset=numbers)
def numbers_are_fresh() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN)


@dg.asset_check(asset=numbers)
def numbers_are_positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR)


@dg.asset_check(asset=numbers)
def numbers_are_three() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def test_warnings_are_not_failures() -> None:
    checks = dg.Definitions(
        assets=[numbers], asset_checks=[numbers_are_fresh, numbers_are_positive, numbers_are_three]
    )
    run = checks.resolve_implicit_global_asset_job_def().execute_in_process(raise_on_error=False)

    summary = summarize(run)

    assert summary.checks_passed == 1
    assert summary.checks_failed == ["numbers:numbers_are_positive"]
    assert summary.checks_warned == ["numbers:numbers_are_fresh"]
