"""YouTubeClient against the real sandbox server: sessions, chunks, resume, reconcile."""

from __future__ import annotations

import dataclasses

import pytest

from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import Reconciled, Unguarded
from socialsched_dagster.platforms.youtube import YouTubeClient
from socialsched_dagster.sandbox.process import SandboxProcess

from .helpers import FaultAtCall, job, ledger_targets, video_content

P = Platform.YOUTUBE
CHUNK = 256 * 1024
SIZE = 1536 * 1024  # the synthetic video: six chunks of 256 KiB


@pytest.fixture
def small_chunks(config):
    return config.replace(youtube_chunk_size=CHUNK)


def test_single_request_upload_end_to_end(sb, yt, guard):
    j = job(sb, P, video_content(), target_id=3)
    session = yt.prepare(j)
    assert session.startswith(sb.base_url) and "upload_id=" in session
    video_id = yt.publish(j, session)
    [entry] = sb.control.ledger()
    assert entry["external_id"] == video_id and entry["target"] == "3"
    # Session, status query, one PUT of the whole video: each through the guard.
    assert len(guard.calls) == 3 and sb.control.stats()["requests"]["yt_upload"] == 2


def test_multi_chunk_upload(sb, small_chunks, guard):
    with YouTubeClient(small_chunks, guard) as yt:
        j = job(sb, P, video_content())
        video_id = yt.publish(j, yt.prepare(j))
    assert sb.control.ledger()[0]["external_id"] == video_id
    assert sb.control.stats()["requests"]["yt_upload"] == 1 + SIZE // CHUNK


def test_resume_after_a_lost_chunk_answer(sb, small_chunks):
    j = job(sb, P, video_content(), target_id=11)
    # Request 1 opens the session (prepare); in publish 2 is the status query, 3 and 4 are
    # chunks: the answer to the second chunk is lost after the sandbox stored it.
    guard = FaultAtCall(sb.control, 4, drop_after_commit={"endpoints": ["yt_upload"]})
    with YouTubeClient(small_chunks, guard) as yt:
        session = yt.prepare(j)
        with pytest.raises(PublishError) as err:
            yt.publish(j, session)
        # A chunk that cannot complete the upload cannot make the video exist: an ordinary
        # retry, which asks the session where it stands before sending a byte.
        assert err.value.kind is ErrorKind.NETWORK
        result = yt.reconcile(j, session)
        assert result.state is Reconciled.NOT_PUBLISHED and f"byte {2 * CHUNK}" in result.detail
        video_id = yt.publish(j, session)
    assert ledger_targets(sb) == ["11"] and sb.control.ledger()[0]["external_id"] == video_id
    # Query + 2 chunks, the reconcile query, then query + the 4 chunks still missing.
    assert sb.control.stats()["requests"]["yt_upload"] == 3 + 1 + 5


def test_lost_final_answer_is_reconciled_as_published(sb, config):
    j = job(sb, P, video_content(), target_id=12)
    guard = FaultAtCall(sb.control, 3, drop_after_commit={"endpoints": ["yt_upload"]})
    with YouTubeClient(config, guard) as yt:
        session = yt.prepare(j)
        with pytest.raises(PublishError) as err:
            yt.publish(j, session)
        assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
        [entry] = sb.control.ledger()
        result = yt.reconcile(j, session)
        assert result.state is Reconciled.PUBLISHED and result.external_id == entry["external_id"]
        assert yt.publish(j, session) == entry["external_id"]  # the query answers the video
    assert ledger_targets(sb) == ["12"]


def test_reconcile_without_or_with_an_unknown_session(sb, yt):
    j = job(sb, P, video_content())
    assert yt.reconcile(j, None).state is Reconciled.NOT_PUBLISHED
    fresh = yt.prepare(j)
    assert yt.reconcile(j, fresh).state is Reconciled.NOT_PUBLISHED
    gone = fresh.replace("upload_id=", "upload_id=expired")
    result = yt.reconcile(j, gone)
    assert result.state is Reconciled.NOT_PUBLISHED and "expired" in result.detail
    with pytest.raises(PublishError) as err:
        yt.publish(j, gone)
    assert err.value.kind is ErrorKind.MEDIA_PROCESSING
    assert "upload session expired" in err.value.message


def test_session_on_a_foreign_origin_gets_no_token(sb, yt, guard):
    j = job(sb, P, video_content())
    session = yt.prepare(j).replace("127.0.0.1", "localhost")
    assert "Authorization" not in yt._headers(j, session)
    assert yt.publish(j, session)  # the session URL alone authorises the upload


WEEK = 7 * 86400


def test_backend_error_on_the_final_chunk_after_commit_is_an_unknown_outcome(sb, config):
    j = job(sb, P, video_content(), target_id=21)
    # 1 opens the session, 2 asks where it stands, 3 is the one (final) chunk: the sandbox
    # stores the video, then answers 503 backendError as Google's backend can.
    guard = FaultAtCall(sb.control, 3, error_after_commit={"endpoints": ["yt_upload"]})
    with YouTubeClient(config, guard) as yt:
        session = yt.prepare(j)
        with pytest.raises(PublishError) as err:
            yt.publish(j, session)
        assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME and err.value.code == "backendError"
        assert err.value.http_status == 503
        [entry] = sb.control.ledger()
        result = yt.reconcile(j, session)
        assert result.state is Reconciled.PUBLISHED and result.external_id == entry["external_id"]
        assert yt.publish(j, session) == entry["external_id"]
    assert ledger_targets(sb) == ["21"]


def test_backend_error_on_the_final_chunk_before_commit_resumes_once(sb, config):
    j = job(sb, P, video_content(), target_id=22)
    guard = FaultAtCall(sb.control, 3, error_rates={"yt_upload": {"rate": 1.0, "status": 500}})
    with YouTubeClient(config, guard) as yt:
        session = yt.prepare(j)
        with pytest.raises(PublishError) as err:
            yt.publish(j, session)
        assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME and err.value.http_status == 500
        sb.control.clear_faults()
        assert sb.control.ledger() == []
        assert yt.reconcile(j, session).state is Reconciled.NOT_PUBLISHED
        video_id = yt.publish(j, session)
    assert ledger_targets(sb) == ["22"] and sb.control.ledger()[0]["external_id"] == video_id


def test_backend_error_on_a_chunk_that_completes_nothing_is_retryable(sb, small_chunks):
    j = job(sb, P, video_content())
    # 3 is the first of six chunks: it cannot make the video, and the next attempt asks the
    # session where it stands before sending a byte.
    guard = FaultAtCall(sb.control, 3, error_rates={"yt_upload": {"rate": 1.0, "status": 503}})
    with YouTubeClient(small_chunks, guard) as yt, pytest.raises(PublishError) as err:
        yt.publish(j, yt.prepare(j))
    assert err.value.kind is ErrorKind.PLATFORM_UNAVAILABLE and err.value.kind.retryable


def test_backend_error_opening_a_session_is_a_plain_outage(sb, config):
    # The session was created, then the answer failed: opening another one is harmless (a
    # session is not a video), so this is retried like any outage, never reconciled.
    j = job(sb, P, video_content(), target_id=23)
    sb.control.set_faults(error_after_commit={"endpoints": ["yt_session"]})
    with YouTubeClient(config, Unguarded()) as yt:
        with pytest.raises(PublishError) as err:
            yt.prepare(j)
        assert err.value.kind is ErrorKind.PLATFORM_UNAVAILABLE
        video_id = yt.publish(j, yt.prepare(j))
    assert ledger_targets(sb) == ["23"] and sb.control.ledger()[0]["external_id"] == video_id


def test_a_bare_5xx_opening_a_session_is_a_plain_outage(config):
    # A proxy's HTML 502 after the session was created (the sandbox's "502" drop mode).
    settings = {"drop_mode": "502", "faults": {"drop_hold_seconds": 0}}
    with SandboxProcess(settings=settings) as proxy:
        j = job(proxy, P, video_content())
        proxy.control.set_faults(drop_after_commit={"endpoints": ["yt_session"]})
        local = config.replace(youtube_upload_base_url=proxy.base_url)
        with YouTubeClient(local, Unguarded()) as yt, pytest.raises(PublishError) as err:
            yt.prepare(j)
    assert err.value.kind is ErrorKind.PLATFORM_UNAVAILABLE and err.value.http_status == 502


def test_an_expired_session_that_never_completed_is_replaced(sb, yt):
    j = job(sb, P, video_content(), target_id=24, expires_in=None)
    session = yt.prepare(j)
    sb.control.advance_clock(WEEK + 60)
    result = yt.reconcile(j, session)
    assert result.state is Reconciled.NOT_PUBLISHED and result.container_usable is False
    assert "new session" in result.detail
    with pytest.raises(PublishError) as err:
        yt.publish(j, session)
    assert err.value.kind is ErrorKind.MEDIA_PROCESSING and err.value.replace_container is True
    assert err.value.code == "upload_session_expired" and err.value.http_status == 404
    fresh = yt.prepare(dataclasses.replace(j, container_id=None))
    video_id = yt.publish(j, fresh)
    assert ledger_targets(sb) == ["24"] and sb.control.ledger()[0]["external_id"] == video_id


def test_a_session_gone_after_a_lost_final_answer_finds_the_video_on_the_channel(sb, config):
    j = job(sb, P, video_content(title="Launch day"), target_id=25, expires_in=None)
    guard = FaultAtCall(sb.control, 3, drop_after_commit={"endpoints": ["yt_upload"]})
    with YouTubeClient(config, guard) as yt:
        session = yt.prepare(j)
        with pytest.raises(PublishError) as err:
            yt.publish(j, session)
        assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
        [entry] = sb.control.ledger()
        sb.control.advance_clock(WEEK + 60)  # the session now answers 404
        result = yt.reconcile(j, session)
        assert result.state is Reconciled.PUBLISHED and result.external_id == entry["external_id"]
        assert "on the channel" in result.detail
        assert yt.publish(j, session) == entry["external_id"]  # never a second upload
    assert ledger_targets(sb) == ["25"]
    requests = sb.control.stats()["requests"]
    assert requests["yt_channels"] == 2 and requests["yt_playlist_items"] == 2


def test_an_older_video_with_the_same_title_is_not_taken_for_ours(sb, yt):
    weekly = video_content(title="Weekly update")
    earlier = job(sb, P, weekly, target_id=26, expires_in=None)
    yt.publish(earlier, yt.prepare(earlier))  # last week's post, same title and text
    sb.control.advance_clock(3600)
    j = job(sb, P, weekly, target_id=27, expires_in=None)
    session = yt.prepare(j)  # opened after the earlier video: that one cannot be ours
    sb.control.advance_clock(WEEK + 60)
    result = yt.reconcile(j, session)
    assert result.state is Reconciled.NOT_PUBLISHED and result.container_usable is False


def test_a_gone_session_with_unreadable_uploads_stays_unknown(sb, yt):
    j = job(sb, P, video_content(), expires_in=None)
    session = yt.prepare(j)
    sb.control.advance_clock(WEEK + 60)
    sb.control.set_faults(error_rates={"yt_playlist_items": {"rate": 1.0, "status": 503}})
    result = yt.reconcile(j, session)
    assert result.state is Reconciled.UNKNOWN and "cannot tell" in result.detail
    with pytest.raises(PublishError) as err:
        yt.publish(j, session)
    assert err.value.kind is ErrorKind.PLATFORM_UNAVAILABLE and not err.value.replace_container
    assert sb.control.ledger() == []
