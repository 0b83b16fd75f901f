"""YouTubeClient against the real sandbox server: sessions, chunks, resume, reconcile."""

from __future__ import annotations

import pytest

from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.base import Reconciled
from socialsched_dagster.platforms.youtube import YouTubeClient

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
        assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
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
