"""The data-quality suites' settings: how fresh each source must be."""

from datetime import timedelta

import pytest

from orchestration.defs.quality.suites import DAILY, SUITES, TableSuite


def _suite(name: str) -> TableSuite:
    return next(suite for suite in SUITES if suite.name == name)


@pytest.mark.parametrize("days", [7, 90])
def test_kyc_answers_may_be_as_old_as_the_configured_rescreening_period(
    monkeypatch: pytest.MonkeyPatch, days: int
) -> None:
    monkeypatch.setenv("FLUXO_KYC_RESCREEN_AFTER_DAYS", str(days))
    assert _suite("kyc_cnpj_results").freshness_max_age() == timedelta(days=days) + DAILY


def test_kyc_answers_default_to_a_thirty_day_rescreening_period(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FLUXO_KYC_RESCREEN_AFTER_DAYS", raising=False)
    assert _suite("kyc_cnpj_results").freshness_max_age() == timedelta(days=30) + DAILY
