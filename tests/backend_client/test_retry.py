"""When the client asks again, and after how long (the pure part of the retry loop)."""

import pytest

from backend_client._retry import RetryPlan

PLAN = RetryPlan(retries=3, backoff=0.5, max_retry_after=5.0)


@pytest.mark.parametrize(("retry", "pause"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, None)])
def test_backoff_doubles_until_the_retries_are_spent(retry: int, pause: float | None) -> None:
    assert PLAN.pause(retry, None, remaining=60) == pause


@pytest.mark.parametrize(("retry_after", "pause"), [(0, 0), (2.5, 2.5), (5, 5), (5.01, None)])
def test_retry_after_is_honoured_up_to_its_ceiling(retry_after: float, pause: float | None) -> None:
    assert PLAN.pause(1, retry_after, remaining=60) == pause


def test_no_pause_reaches_the_deadline() -> None:
    assert PLAN.pause(1, 3.0, remaining=3.0) is None
    assert PLAN.pause(3, None, remaining=1.5) is None
    assert PLAN.pause(3, None, remaining=2.5) == 2.0


def test_no_retries() -> None:
    assert RetryPlan(retries=0).pause(1, None, remaining=60) is None
