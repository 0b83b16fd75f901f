"""How platform failures reach the publisher: kinds, codes, retry hints, and no token anywhere."""

from __future__ import annotations

import logging

import httpx
import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import Reconciled, Unguarded
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.facebook import FacebookClient
from socialsched_dagster.platforms.instagram import InstagramClient
from socialsched_dagster.platforms.token_refresh import TokenRefreshError, refresh_instagram
from socialsched_dagster.platforms.youtube import YouTubeClient
from socialsched_dagster.sandbox.process import free_port

from .helpers import IG, IMAGE, PAGE, job, video_content

IN, FB, YT = Platform.INSTAGRAM, Platform.FACEBOOK, Platform.YOUTUBE
PHOTO = PostContent(text="hello", media=(IMAGE,))
TEXT = PostContent(text="hello page")


def fails(fn, *args) -> PublishError:
    with pytest.raises(PublishError) as err:
        fn(*args)
    return err.value


def test_expired_and_revoked_tokens_are_auth_expired(sb, ig, fb, yt):
    expired = fails(ig.prepare, job(sb, IN, PHOTO, expires_in=60, issued_ago=120))
    assert expired.kind is ErrorKind.AUTH_EXPIRED and expired.code == "190/463"
    assert "Session has expired" in expired.message
    page = job(sb, FB, TEXT)
    sb.control.revoke(PAGE, "facebook")
    revoked = fails(fb.prepare, page)
    assert revoked.kind is ErrorKind.AUTH_EXPIRED and revoked.code == "190/460"
    google = fails(yt.prepare, job(sb, YT, video_content(), expires_in=60, issued_ago=120))
    assert google.kind is ErrorKind.AUTH_EXPIRED and google.http_status == 401
    assert google.code == "authError" and "invalid authentication" in google.message


def test_server_errors_are_platform_unavailable(sb, ig, yt, fb):
    sb.control.set_faults(
        error_rates={
            "ig_create_container": {"rate": 1.0, "status": 500},
            "yt_session": {"rate": 1.0, "status": 503},
        }
    )
    meta = fails(ig.prepare, job(sb, IN, PHOTO))
    assert meta.kind is ErrorKind.PLATFORM_UNAVAILABLE and meta.code == "2"
    google = fails(yt.prepare, job(sb, YT, video_content()))
    assert google.kind is ErrorKind.PLATFORM_UNAVAILABLE and google.code == "backendError"
    sb.control.set_faults(down=True)
    down = fails(fb.prepare, job(sb, FB, TEXT))
    assert down.kind is ErrorKind.PLATFORM_UNAVAILABLE and down.kind.trips_breaker
    assert sb.control.ledger() == []


def test_429_storm_is_rate_limited_with_retry_after(sb, ig, fb, yt):
    sb.control.set_faults(
        storm_429={"seconds": 30, "retry_after": 7, "endpoints": ["fb_feed", "yt_session"]}
    )
    page = fails(fb.prepare, job(sb, FB, TEXT))
    assert page.kind is ErrorKind.RATE_LIMITED and page.code == "32"
    assert page.retry_after_s == 7
    google = fails(yt.prepare, job(sb, YT, video_content()))
    assert google.kind is ErrorKind.RATE_LIMITED and google.retry_after_s == 7
    assert google.code == "rateLimitExceeded"
    sb.control.set_faults(storm_429={"seconds": 30, "retry_after": 90})  # every endpoint
    insta = fails(ig.prepare, job(sb, IN, PHOTO))
    assert insta.kind is ErrorKind.RATE_LIMITED and insta.code == "80002"
    assert insta.retry_after_s == 90


def test_youtube_daily_quota(sb, yt):
    for n in range(6):  # 6 x 1,600 of the default 10,000 units
        yt.prepare(job(sb, YT, video_content(title=f"video {n}")))
    err = fails(yt.prepare, job(sb, YT, video_content(title="the seventh")))
    assert err.kind is ErrorKind.QUOTA_EXHAUSTED and err.code == "quotaExceeded"
    assert 60 <= err.retry_after_s <= 25 * 3600  # until midnight Pacific


def test_malformed_answers(sb, ig, fb, yt):
    j = job(sb, IN, PHOTO)
    container = ig.prepare(j)
    sb.control.set_faults(malformed={"endpoints": ["ig_container_status"], "count": 1})
    read = fails(ig.publish, j, container)  # HTML on a read: nothing can have happened
    assert read.kind is ErrorKind.UNKNOWN and "malformed response" in read.message
    assert "Sorry, something went wrong" in read.message and "status" in read.message
    page = job(sb, FB, TEXT)
    draft = fb.prepare(page)
    sb.control.set_faults(malformed={"endpoints": ["fb_publish"], "count": 1})
    write = fails(fb.publish, page, draft)  # truncated JSON on a 200 POST
    assert write.kind is ErrorKind.UNKNOWN_OUTCOME and "malformed response" in write.message
    sb.control.set_faults(malformed={"endpoints": ["yt_session"], "count": 1})
    session = fails(yt.prepare, job(sb, YT, video_content()))
    assert session.kind is ErrorKind.UNKNOWN_OUTCOME and "malformed response" in session.message


def test_connection_aborted_after_commit_is_unknown_outcome(sb, fb):
    # The sandbox holds the lost answer 0.2 s, then cuts the connection mid-body.
    page = job(sb, FB, TEXT)
    draft = fb.prepare(page)
    sb.control.set_faults(drop_after_commit={"endpoints": ["fb_publish"]}, drop_hold_seconds=0.2)
    err = fails(fb.publish, page, draft)
    assert err.kind is ErrorKind.UNKNOWN_OUTCOME and "RemoteProtocolError" in err.message
    assert len(sb.control.ledger()) == 1


# -- an error answer to a publishing call: maybe applied, so reconciled before any retry -------

MAYBE_APPLIED = [
    ({"code": 1, "message": "An unknown error occurred"}, 500),
    ({"code": 2, "message": "Service temporarily unavailable", "transient": True}, 503),
    ({"code": 12345, "message": "Please retry", "transient": True}, 400),
    ({"code": 12345, "message": "Internal"}, 500),
    (False, 502),  # a proxy's bare 5xx: no Graph body at all
]


def _error_on(sb, endpoint: str, envelope, status: int) -> None:
    spec = {"rate": 1.0, "status": status, "envelope": envelope}
    sb.control.set_faults(error_rates={endpoint: spec})


@pytest.mark.parametrize(("envelope", "status"), MAYBE_APPLIED)
def test_a_transient_answer_to_a_publishing_call_is_an_unknown_outcome(sb, fb, envelope, status):
    page = job(sb, FB, TEXT, target_id=4)
    draft = fb.prepare(page)
    _error_on(sb, "fb_publish", envelope, status)
    err = fails(fb.publish, page, draft)
    assert err.kind is ErrorKind.UNKNOWN_OUTCOME and not err.kind.trips_breaker, err
    sb.control.clear_faults()
    # The worker reconciles first: here nothing went out, so the same draft is published once.
    assert fb.reconcile(page, draft).state is Reconciled.NOT_PUBLISHED
    fb.publish(page, draft)
    assert [e["target"] for e in sb.control.ledger()] == ["4"]


def test_a_5xx_after_the_commit_is_reconciled_as_published(sb, fb, ig):
    page = job(sb, FB, TEXT, target_id=6)
    draft = fb.prepare(page)
    sb.control.set_faults(error_after_commit={"endpoints": ["fb_publish"], "status": 503})
    assert fails(fb.publish, page, draft).kind is ErrorKind.UNKNOWN_OUTCOME
    assert fb.reconcile(page, draft).state is Reconciled.PUBLISHED  # it went out: not again
    insta = job(sb, IN, PHOTO)
    container = ig.prepare(insta)
    _error_on(sb, "ig_publish", {"code": 2, "transient": True}, 500)  # media_publish too
    assert fails(ig.publish, insta, container).kind is ErrorKind.UNKNOWN_OUTCOME


def test_refusals_of_a_publishing_call_keep_their_kind(sb, fb):
    page = job(sb, FB, TEXT)
    draft = fb.prepare(page)
    refusals = [
        ({"code": 32, "message": "(#32) Page request limit reached", "transient": True}, 400,
         ErrorKind.RATE_LIMITED),
        ({"code": 4, "message": "(#4) Application request limit reached", "transient": True},
         500, ErrorKind.RATE_LIMITED),
        ({"code": 341, "message": "(#341) Feed action request limit reached"}, 400,
         ErrorKind.PLATFORM_UNAVAILABLE),
        ({"code": 190, "subcode": 463, "message": "Session has expired"}, 400,
         ErrorKind.AUTH_EXPIRED),
        ({"code": 100, "message": "(#100) Invalid parameter"}, 500, ErrorKind.VALIDATION),
    ]  # fmt: skip
    for envelope, status, kind in refusals:
        _error_on(sb, "fb_publish", envelope, status)
        assert fails(fb.publish, page, draft).kind is kind, envelope
    sb.control.set_faults(error_rates={"fb_publish": None})
    sb.control.set_faults(storm_429={"seconds": 30, "retry_after": 3, "endpoints": ["fb_publish"]})
    throttled = fails(fb.publish, page, draft)
    assert throttled.kind is ErrorKind.RATE_LIMITED and throttled.retry_after_s == 3
    assert sb.control.ledger() == []


def test_a_transient_answer_to_a_preparing_call_stays_retryable(sb, fb):
    # A draft that may exist stays invisible: retrying can at worst leave an orphan draft.
    for envelope, status in MAYBE_APPLIED:
        _error_on(sb, "fb_feed", envelope, status)
        err = fails(fb.prepare, job(sb, FB, TEXT))
        assert err.kind is ErrorKind.PLATFORM_UNAVAILABLE and err.kind.trips_breaker, envelope


def test_nothing_listening_is_a_network_error():
    config = PlatformConfig.for_sandbox(f"http://127.0.0.1:{free_port()}", connect_timeout_s=1)
    j = job(None, IN, PHOTO, token="sbx1.not.used")
    with InstagramClient(config, Unguarded()) as ig:
        err = fails(ig.prepare, j)
    assert err.kind is ErrorKind.NETWORK  # connection refused: nothing was sent


def test_validation_errors_carry_the_platform_message(sb, ig, yt):
    long = job(sb, IN, PostContent(text="x" * 2300, media=(IMAGE,)))
    err = fails(ig.prepare, long)
    assert err.kind is ErrorKind.VALIDATION and err.code == "100/2207010"
    assert "The caption is too long." in err.message and "2,200" in err.message
    title = fails(yt.prepare, job(sb, YT, video_content(title="t" * 101)))
    assert title.kind is ErrorKind.VALIDATION and title.code == "invalidTitle"
    assert "invalid or empty video title" in title.message


def test_appsecret_proof_is_required_and_checked(sb, config):
    j = job(sb, IN, PHOTO)
    for secret, words in ((None, "require an appsecret_proof"), ("wrong", "Invalid appsecret")):
        with InstagramClient(config.replace(meta_app_secret=secret), Unguarded()) as ig:
            err = fails(ig.prepare, j)
        assert err.kind is ErrorKind.VALIDATION and words in err.message
    with InstagramClient(config, Unguarded()) as ig:
        assert ig.prepare(j)  # the right secret


def test_no_token_in_errors_or_logs(sb, config, caplog):
    caplog.set_level(logging.DEBUG)
    tokens, errors = [], []

    def collect(fn, *args):
        try:
            fn(*args)
        except (PublishError, TokenRefreshError) as exc:
            errors.append(exc)

    with (
        InstagramClient(config, Unguarded()) as ig,
        FacebookClient(config, Unguarded()) as fb,
        YouTubeClient(config, Unguarded()) as yt,
    ):
        expired = job(sb, IN, PHOTO, expires_in=1, issued_ago=100)
        collect(ig.prepare, expired)
        page = job(sb, FB, TEXT)
        sb.control.set_faults(malformed={"endpoints": ["fb_feed"], "count": 1})
        collect(fb.prepare, page)
        sb.control.set_faults(drop_after_commit={"endpoints": ["fb_feed"], "count": 1})
        collect(fb.prepare, page)
        video = job(sb, YT, video_content(title="<bad>"))
        collect(yt.prepare, video)
        with httpx.Client() as http:
            collect(refresh_instagram, config, http, expired.access_token)
            collect(refresh_instagram, config, http, job(sb, IN, PHOTO).access_token)
        tokens += [expired.access_token, page.access_token, video.access_token, IG + "x"]
    assert len(errors) == 6
    assert "HTTP Request" in caplog.text  # httpx's own lines were captured, query-less
    for token in tokens[:3]:
        assert token not in caplog.text
        for exc in errors:
            assert token not in str(exc) and token not in repr(exc)
