"""Data quality: Great Expectations suites on the raw sources and key marts, as asset checks."""

from orchestration.defs.quality.checks import quality_checks

__all__ = ["quality_checks"]
