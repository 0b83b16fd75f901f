"""A Facebook post whose publishing answer is lost goes out exactly once: a link post and a
captionless photo, through a real publishing run (in process) against the sandbox over HTTP.

The sandbox drops the answer of whichever request made the post public (`published_only`), so
the drill is the same whatever the client's protocol: the post is live, the client heard
nothing, and only reconciliation may decide what happens next.
"""

import threading
import uuid
from datetime import timedelta

import pytest

from socialsched_dagster.domain.content import Media, MediaKind
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.facebook import FacebookClient
from socialsched_dagster.publishing.settings import PublishSettings
from socialsched_dagster.publishing.window_run import WindowRun
from socialsched_dagster.resilience import ResilientGuard
from socialsched_dagster.store.models import PublishAttempt, utcnow
from socialsched_dagster.store.publishing import Window

FB = Platform.FACEBOOK
PHOTO = (Media("https://cdn.example.com/dinner.jpg", MediaKind.IMAGE),)
# Every request that can make a Facebook post public, in either protocol (one call to the feed,
# photos or videos edge, or a draft made public by `POST /{post-id}`).
PUBLISHING = ["fb_feed", "fb_photos", "fb_videos", "fb_publish"]
SETTINGS = PublishSettings(
    workers=2, claim_ahead_s=2, lease_s=6, poll_s=0.2, idle_exit_s=2, retry_scale=0.01
)
RUN_LIMIT_S = 40  # a run that cannot settle its target keeps retrying: stop it here


def publish_window(world, cipher) -> None:
    """One in-process publishing run over the current hours, stopped if it does not end."""
    config = PlatformConfig.for_sandbox(world.sandbox.base_url, read_timeout_s=1.0)
    now = utcnow()
    window = Window(FB.value, now - timedelta(hours=1), now + timedelta(hours=1))
    stop = threading.Event()
    with FacebookClient(config, ResilientGuard(world.env["REDIS_URL"])) as client:
        run = WindowRun(world.db, cipher, client, window, f"test-{uuid.uuid4()}", SETTINGS,
                        stop=stop)  # fmt: skip
        worker = threading.Thread(target=run.run)
        worker.start()
        worker.join(RUN_LIMIT_S)
        stop.set()
        worker.join(30)


def lose_the_publishing_answer(world) -> None:
    world.sandbox.control.set_faults(
        drop_after_commit={"endpoints": PUBLISHING, "count": 1, "published_only": True},
        drop_hold_seconds=3,  # the client gives up after 1 s
    )


def assert_published_once(world, target_id: int) -> None:
    (target,) = world.targets()
    (entry,) = world.ledger()
    assert world.sandbox.control.stats()["dropped"], "the drill dropped no answer"
    assert target.status == "published", (target.status, target.error_message)
    assert target.external_post_id == entry["external_id"] and entry["target"] == str(target_id)
    world.assert_exactly_once()
    with world.db.session() as s:
        outcomes = [a.outcome for a in s.query(PublishAttempt).order_by(PublishAttempt.id)]
    assert outcomes == ["reconciled"]  # settled by asking, never sent again


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_link_post_whose_answer_is_lost_is_published_once(world, cipher):
    lose_the_publishing_answer(world)
    (target_id,) = world.schedule(FB, 1, due_in_s=1, link="https://example.com/spring-menu")
    publish_window(world, cipher)
    assert_published_once(world, target_id)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_captionless_photo_whose_answer_is_lost_is_published_once(world, cipher):
    lose_the_publishing_answer(world)
    (target_id,) = world.schedule(FB, 1, due_in_s=1, text="", media=PHOTO)
    publish_window(world, cipher)
    assert_published_once(world, target_id)
