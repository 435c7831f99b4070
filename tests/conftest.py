"""Shared test set-up: one Prefect test harness per session (it costs ~11 s to start)."""

import os

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect API for the tests that run flows for real."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield
