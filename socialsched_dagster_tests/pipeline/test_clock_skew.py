"""One clock: a run on a host whose clock is two minutes off still publishes on time, because
claims, waits, leases and the stale cutoff are compared in the database's time."""

import pytest

from socialsched_dagster.domain.platforms import Platform

FB = Platform.FACEBOOK


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("offset_s", [120, -120], ids=["fast", "slow"])
def test_a_host_clock_two_minutes_off_publishes_on_time(world, offset_s):
    ids = world.schedule(FB, 3, due_in_s=10)
    code, out = world.run(FB, extra_env={"SOCIALSCHED_HOST_CLOCK_OFFSET_S": str(offset_s)})
    assert code == 0, out
    assert world.statuses() == dict.fromkeys(ids, "published"), out
    world.assert_exactly_once()
    due = {t.id: t.due_at.timestamp() for t in world.targets()}
    for entry in world.ledger():  # the platform's own clock says when each went out
        early_or_late = entry["ts"] - due[int(entry["target"])]
        assert 0 <= early_or_late < 5, (entry["target"], early_or_late)
