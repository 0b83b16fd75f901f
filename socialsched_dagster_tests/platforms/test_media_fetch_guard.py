"""Media fetches reach public addresses only, checked at the connection itself: the real YouTube
client (through the sandbox, downloading for real) and Instagram's media check, against real
local media servers on 127.0.0.1 and 127.0.0.2 that count every request they get. (DNS
rebinding and TLS: socialsched_dagster_tests/security/test_media_fetch.py.)

Loopback stands for "internal" here: a policy allowing 127.0.0.1/32 plays a public first hop,
so a redirect from it to 127.0.0.2 is a public host redirecting into the internal network.
"""

from __future__ import annotations

import uuid

import pytest

from socialsched_dagster.cache import RedisCache
from socialsched_dagster.domain.content import Media, MediaKind, PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.instagram import InstagramClient
from socialsched_dagster.platforms.youtube import YouTubeClient
from socialsched_dagster.security.public_urls import MediaPolicy

from .helpers import job


def _policy(networks: str) -> MediaPolicy:
    return MediaPolicy.from_env({"SOCIALSCHED_MEDIA_PRIVATE_NETWORKS": networks})


def _video(url: str) -> PostContent:
    return PostContent(title="Clip", description="d", media=(Media(url, MediaKind.VIDEO),))


def _youtube_requests(sb) -> int:
    return sum(n for name, n in sb.control.stats()["requests"].items() if name.startswith("yt"))


# -- YouTube: the video download -----------------------------------------------------------------


def test_youtube_refuses_a_video_on_loopback_and_never_asks_it(sb, config, guard, serve):
    media = serve("127.0.0.1")
    real = config.replace(synthetic_video_bytes=False)  # the production default policy
    with YouTubeClient(real, guard) as yt:
        j = job(sb, Platform.YOUTUBE, _video(f"{media.base}/clip.mp4?sig=secret"))
        with pytest.raises(PublishError) as err:
            yt.prepare(j)
    assert err.value.kind is ErrorKind.VALIDATION and not err.value.kind.retryable
    message = err.value.message
    assert f"{media.base}/clip.mp4" in message and "not a public address (loopback)" in message
    assert "sig=" not in message
    assert media.requests == 0  # not one byte asked of the internal host
    assert _youtube_requests(sb) == 0  # and no upload session opened for it


def test_youtube_downloads_from_a_network_the_policy_allows(sb, config, guard, serve):
    media = serve("127.0.0.1")
    allowed = config.replace(synthetic_video_bytes=False, media_policy=_policy("127.0.0.0/8"))
    with YouTubeClient(allowed, guard) as yt:
        j = job(sb, Platform.YOUTUBE, _video(f"{media.base}/clip.mp4"))
        video_id = yt.publish(j, yt.prepare(j))
    [entry] = sb.control.ledger()
    assert entry["external_id"] == video_id
    # Once for the size (prepare), once for the bytes (publish).
    assert sum(n for (method, _, _), n in media.seen.items() if method == "GET") == 2


def test_youtube_refuses_a_redirect_into_the_internal_network(sb, config, guard, serve):
    internal = serve("127.0.0.2")
    public = serve("127.0.0.1", redirect_to=internal.base)
    only_first = config.replace(synthetic_video_bytes=False, media_policy=_policy("127.0.0.1/32"))
    with YouTubeClient(only_first, guard) as yt:
        j = job(sb, Platform.YOUTUBE, _video(f"{public.base}/clip.mp4"))
        with pytest.raises(PublishError) as err:
            yt.prepare(j)
    assert err.value.kind is ErrorKind.VALIDATION
    assert f"redirected to {internal.base}/clip.mp4" in err.value.message
    assert "not a public address (loopback)" in err.value.message
    assert public.requests == 1 and internal.requests == 0

    # The same redirect, where the policy allows the second hop too, is followed.
    both = only_first.replace(media_policy=_policy("127.0.0.0/8"))
    with YouTubeClient(both, guard) as yt:
        j = job(sb, Platform.YOUTUBE, _video(f"{public.base}/clip.mp4"), target_id=2)
        assert yt.publish(j, yt.prepare(j))
    assert internal.requests == 2


# -- Instagram: the media check ------------------------------------------------------------------


@pytest.fixture
def cache(real_or_embedded_redis_url) -> RedisCache:
    return RedisCache(real_or_embedded_redis_url, f"t{uuid.uuid4().hex[:10]}:cache")


def _image(url: str) -> PostContent:
    return PostContent(text="hi", media=(Media(url, MediaKind.IMAGE),))


def test_instagram_media_check_never_asks_an_internal_host(sb, config, guard, cache, serve):
    internal = serve("127.0.0.2")
    public = serve("127.0.0.1", redirect_to=internal.base)
    only_first = config.replace(media_policy=_policy("127.0.0.1/32"))
    with InstagramClient(only_first, guard, cache=cache) as ig:
        for url in (f"{internal.base}/a.jpg", f"{public.base}/a.jpg"):
            with pytest.raises(PublishError) as err:
                ig.prepare(job(sb, Platform.INSTAGRAM, _image(url)))
            # The client's usual answer for media it cannot reach: no container is made.
            assert err.value.kind is ErrorKind.MEDIA_PROCESSING
            assert err.value.code == "media_unreachable"
    assert internal.requests == 0  # neither directly nor through the redirect
    assert public.seen[("HEAD", "/a.jpg", public.base.removeprefix("http://"))] == 1
    assert not any(n.startswith("ig_") and "container" in n for n in sb.control.stats()["requests"])

    both = config.replace(media_policy=_policy("127.0.0.0/8"))
    with InstagramClient(both, guard, cache=cache) as ig:
        assert ig.prepare(job(sb, Platform.INSTAGRAM, _image(f"{public.base}/a.jpg")))
    assert internal.seen[("HEAD", "/a.jpg", internal.base.removeprefix("http://"))] == 1
