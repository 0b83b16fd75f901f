"""Publishing runs end to end: real run processes, the sandbox over HTTP, real Redis."""

from socialsched_dagster.domain.platforms import Platform

from .conftest import finish

IG, FB, YT = Platform.INSTAGRAM, Platform.FACEBOOK, Platform.YOUTUBE


def test_a_run_publishes_each_due_target_once_on_time(world):
    for platform in (IG, FB, YT):
        world.schedule(platform, 3, due_in_s=8)
    # One run per platform at once, as the sensor starts them.
    procs = [world.run(platform, wait=False) for platform in (IG, FB, YT)]
    for proc in procs:
        code, out = finish(proc)
        assert code == 0, out
    assert set(world.statuses().values()) == {"published"}
    world.assert_exactly_once()
    for target in world.targets():
        lateness = (target.published_at - target.due_at).total_seconds()
        assert 0 <= lateness < 5, (target.id, lateness)
    # Instagram's rolling 24 h cap is read once for three posts: the shared cache answers.
    assert world.sandbox.control.stats()["requests"]["ig_publishing_limit"] == 1
