"""Engagement reads against the sandbox over HTTP: the wire shapes of the three platforms, the
deterministic numbers, not-found and token errors, YouTube batching, and that the endpoints the
new routes sit in front of answer exactly as before."""

import httpx
import pytest

from socialsched_dagster.domain.content import Media, MediaKind, PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import PublishJob, Unguarded
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.http import build_http_client
from socialsched_dagster.platforms.insights import Engagement, fetch_insights
from socialsched_dagster.platforms.registry import build_client
from socialsched_dagster.sandbox.engagement import engagement

IG, FB, YT = Platform.INSTAGRAM, Platform.FACEBOOK, Platform.YOUTUBE
ACCOUNTS = {IG: "17841400000000011", FB: "100000000000011", YT: "UCinsights0000000000011"}
IMAGE = (Media("https://cdn.example.com/a.jpg", MediaKind.IMAGE),)
CONTENT = {
    IG: PostContent(text="ig", media=IMAGE),
    # A photo: Graph answers a photo id AND a feed post id; engagement is read by the post id.
    FB: PostContent(text="fb photo", media=IMAGE),
    YT: PostContent(title="t", description="d", media=(Media("https://x/v.mp4", MediaKind.VIDEO),)),
}


@pytest.fixture
def env(clean_sandbox):
    control = clean_sandbox.control
    # YouTube access tokens live an hour; this one never expires, so the clock can move.
    tokens = {
        p: control.mint_token(p.value, a, expires_in=None)["access_token"]
        for p, a in ACCOUNTS.items()
    }
    config = PlatformConfig.for_sandbox(clean_sandbox.base_url)
    with build_http_client(config) as http:
        published = {}
        for i, platform in enumerate((IG, FB, YT)):
            client = build_client(platform, config, Unguarded(), http)
            account, token = ACCOUNTS[platform], tokens[platform]
            job = PublishJob(i + 1, platform, account, token, CONTENT[platform])
            published[platform] = client.publish(job, client.prepare(job))
        yield clean_sandbox, config, http, tokens, published


def _fetch(env, platform, ids, token=None):
    _, config, http, tokens, _ = env
    token = token or tokens[platform]
    return fetch_insights(platform, config, Unguarded(), http, ACCOUNTS[platform], token, ids)


def _ledger_id(sandbox, platform):
    (entry,) = sandbox.control.ledger(platform=platform.value)
    return entry["external_id"]


def test_each_platform_reports_the_sandboxs_numbers_and_unknown_ids_fail_alone(env):
    sandbox, _, _, _, published = env
    for platform in (IG, FB, YT):
        counts = engagement(_ledger_id(sandbox, platform), age_s=0)
        result = _fetch(env, platform, [published[platform], "1790000000000001_2"])
        expected = {
            IG: Engagement(counts.likes, counts.comments, counts.views, counts.shares),
            FB: Engagement(counts.likes, counts.comments, None, counts.shares),
            YT: Engagement(counts.likes, counts.comments, counts.views, None),
        }[platform]
        assert result[published[platform]] == expected, platform
        error = result["1790000000000001_2"]
        assert isinstance(error, PublishError) and error.kind is ErrorKind.VALIDATION
        assert error.code == ("videoNotFound" if platform is YT else "100/33"), error


def test_wire_shapes_are_the_platforms(env):
    sandbox, _, http, tokens, published = env
    base, auth = sandbox.base_url, {"Authorization": f"Bearer {tokens[IG]}"}
    ig = http.get(f"{base}/v21.0/{published[IG]}/insights?metric=likes,views", headers=auth)
    assert [m["name"] for m in ig.json()["data"]] == ["likes", "views"]
    assert set(ig.json()["data"][0]["values"][0]) == {"value"}
    bad = http.get(f"{base}/v21.0/{published[IG]}/insights?metric=plays", headers=auth).json()
    assert bad["error"]["code"] == 100 and "metric[0]" in bad["error"]["message"]
    fields = "likes.summary(true),comments.summary(true),shares"
    fb = http.get(
        f"{base}/v21.0/{published[FB]}",
        params={"fields": fields},
        headers={"Authorization": f"Bearer {tokens[FB]}"},
    ).json()
    assert fb["id"] == published[FB] and fb["likes"]["data"] == []
    assert isinstance(fb["comments"]["summary"]["total_count"], int)
    yt = http.get(
        f"{base}/youtube/v3/videos",
        params={"part": "statistics,snippet", "id": published[YT]},
        headers={"Authorization": f"Bearer {tokens[YT]}"},
    ).json()
    (item,) = yt["items"]
    assert item["snippet"]["title"] == "t" and item["statistics"]["viewCount"].isdigit()


def test_tokens_are_checked_like_every_other_read(env):
    _, _, _, tokens, published = env
    # An Instagram token is not a Page token; a Graph token is no YouTube token.
    fb = _fetch(env, FB, [published[FB]], token=tokens[IG])[published[FB]]
    assert isinstance(fb, PublishError) and fb.kind is ErrorKind.ACCOUNT_BLOCKED  # code 10
    yt = _fetch(env, YT, [published[YT]], token=tokens[FB])[published[YT]]
    assert isinstance(yt, PublishError) and yt.kind is ErrorKind.AUTH_EXPIRED
    ig = _fetch(env, IG, [published[IG]], token="sbx1.garbled.token")[published[IG]]
    assert isinstance(ig, PublishError) and ig.kind is ErrorKind.AUTH_EXPIRED


def test_youtube_reads_fifty_ids_per_call_and_counts_grow_by_the_hour(env):
    sandbox, _, _, _, published = env
    before = sandbox.control.stats()["requests"].get("yt_videos_list", 0)
    ids = [published[YT], *(f"missing{i:04d}" for i in range(60))]
    result = _fetch(env, YT, ids)
    assert sandbox.control.stats()["requests"]["yt_videos_list"] - before == 2
    assert sum(isinstance(v, PublishError) for v in result.values()) == 60
    sandbox.control.advance_clock(3 * 3600 + 5)
    counts = engagement(_ledger_id(sandbox, YT), age_s=3 * 3600 + 5)
    assert counts.views > engagement(_ledger_id(sandbox, YT), age_s=0).views
    assert _fetch(env, YT, [published[YT]])[published[YT]].views == counts.views


def test_the_routes_in_front_leave_the_existing_endpoints_alone(env):
    sandbox, _, http, tokens, published = env
    base = sandbox.base_url
    me = http.get(f"{base}/v21.0/me", headers={"Authorization": f"Bearer {tokens[FB]}"})
    assert me.json()["id"] == ACCOUNTS[FB]
    plain = http.get(
        f"{base}/youtube/v3/videos",
        params={"part": "snippet", "id": published[YT]},
        headers={"Authorization": f"Bearer {tokens[YT]}"},
    ).json()
    assert "statistics" not in plain["items"][0]
    with pytest.raises(httpx.HTTPStatusError):
        http.post(f"{base}/v21.0/{published[FB]}").raise_for_status()


def test_an_account_wide_failure_stops_asking_for_that_account(env):
    sandbox, _, _, _, published = env
    before = sandbox.control.stats()["requests"].get("ig_insights", 0)
    ids = [published[IG], "17900000000000001", "17900000000000002"]
    result = _fetch(env, IG, ids, token="sbx1.garbled.token")
    # One call told us the token is dead; the other posts were not asked the same question.
    assert sandbox.control.stats()["requests"]["ig_insights"] - before == 1
    assert [r.kind for r in result.values()] == [ErrorKind.AUTH_EXPIRED] * 3
    assert result[ids[2]].message.startswith("not read: an earlier read of this account failed")
