"""Both reports over one real publishing round (one per backend, SQLite and PostgreSQL): the
three platforms' runs publish through the sandbox over HTTP, Instagram refuses one post, one
Facebook post is missed. One round feeds both reports because a round is three run processes,
the bulk of this folder's time."""

from socialsched_dagster.domain.content import Media, MediaKind
from socialsched_dagster.domain.platforms import Platform

from .checks_post_insights import check_post_insights
from .checks_publishing_report import check_publishing_report
from .rounds import publish_round, set_target

IG, FB, YT = Platform.INSTAGRAM, Platform.FACEBOOK, Platform.YOUTUBE
PHOTO = (Media("https://cdn.example.com/photo.jpg", MediaKind.IMAGE),)


def test_a_publishing_round_is_reported_and_its_engagement_read(world):
    world.schedule(IG, 2, due_in_s=1)
    # Over Instagram's 2,200-character cap: the platform refuses it, the target fails.
    world.schedule(IG, 1, due_in_s=1, text="x" * 2300)
    world.schedule(FB, 1, due_in_s=1)
    # A photo: its engagement is read by the feed post id, not the photo id.
    world.schedule(FB, 1, due_in_s=1, media=PHOTO)
    (missed_post,) = world.schedule(FB, 1, due_in_s=1)
    # As `accounts reconnect` leaves a target held past the cutoff: missed, its kind kept.
    set_target(world, missed_post, status="missed", error_kind="auth_expired")
    world.schedule(YT, 2, due_in_s=1)
    publish_round(world)

    check_publishing_report(world, world.last_due.date())
    check_post_insights(world)
