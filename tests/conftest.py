"""Under CI=true an oracle's absence is a failure, not a skip: CI installs torch and keras (see .ci/run)."""

import os

import pytest

ORACLES = ("torch", "keras")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if any(f"could not import '{name}'" in reason for name in ORACLES):
            report.outcome = "failed"
            report.longrepr = f"CI=true but an oracle is missing: {reason}; .ci/run must install it"
