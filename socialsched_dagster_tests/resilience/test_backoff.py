import random

from socialsched_dagster.domain.errors import ErrorKind
from socialsched_dagster.resilience.backoff import max_attempts, policy, retry_delay


class Highest:
    """Draws the top of the jitter range, to see the ceiling itself."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_the_ceiling_doubles_per_attempt_until_the_cap():
    ceilings = [
        retry_delay(n, ErrorKind.NETWORK, base_s=10, max_s=100, rng=Highest())
        for n in (1, 2, 3, 4, 5, 6)
    ]
    assert ceilings == [10, 20, 40, 80, 100, 100]


def test_full_jitter_stays_within_floor_and_ceiling_and_varies():
    rng = random.Random(7)
    floor = policy(ErrorKind.NETWORK).min_s
    delays = [retry_delay(4, ErrorKind.NETWORK, base_s=10, max_s=1000, rng=rng) for _ in range(300)]
    assert all(floor <= d <= 80 for d in delays)
    assert len({round(d, 3) for d in delays}) > 250  # jittered, not one value
    assert min(delays) < 20 and max(delays) > 70  # spread over the whole range


def test_never_sooner_than_the_platform_says_even_beyond_the_cap():
    rng = random.Random(1)
    for attempt in range(1, 10):
        assert retry_delay(attempt, ErrorKind.RATE_LIMITED, retry_after_s=120, rng=rng) >= 120
    assert retry_delay(1, ErrorKind.NETWORK, retry_after_s=5000, max_s=600, rng=rng) == 5000


def test_huge_attempt_numbers_stay_capped():
    assert retry_delay(10_000, ErrorKind.NETWORK, rng=Highest()) == policy(ErrorKind.NETWORK).max_s


def test_per_kind_defaults():
    quota = retry_delay(1, ErrorKind.QUOTA_EXHAUSTED, rng=random.Random(3))
    media = retry_delay(1, ErrorKind.MEDIA_PROCESSING, rng=random.Random(3))
    assert quota >= 900 and media <= 5
    assert max_attempts(ErrorKind.MEDIA_PROCESSING) > max_attempts(ErrorKind.NETWORK) > 1
    assert max_attempts(ErrorKind.AUTH_EXPIRED) == 2  # one retry after the refresh
    for kind in (ErrorKind.VALIDATION, ErrorKind.DUPLICATE, ErrorKind.ACCOUNT_BLOCKED):
        assert max_attempts(kind) == 1
