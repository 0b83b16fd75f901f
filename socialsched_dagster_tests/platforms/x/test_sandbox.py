"""The X sandbox speaks as X's v2 reference says X does, whatever our client expects: the
answers' shapes and headers, what the timeline gives back (t.co links, escapes, only the fields
asked for, pages), the per-user and per-app windows, the media states, and a restart that
forgets neither posts nor spent refresh tokens."""

from __future__ import annotations

import time

import httpx

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.platforms.base import Reconciled, Unguarded
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.x import SANDBOX_PREFIX, XClient
from socialsched_dagster.sandbox.process import SandboxProcess

from .conftest import SETTINGS
from .helpers import IMAGE, USER, api, job, post_raw, timeline, tokens


def test_a_create_answers_201_with_x_rate_limit_headers_and_no_retry_after(sb):
    access = tokens(sb)["access_token"]
    before = time.time()
    response = post_raw(sb, access, {"text": "Hello & welcome https://example.com"})
    assert response.status_code == 201
    data = response.json()["data"]
    assert set(data) == {"id", "text", "edit_history_tweet_ids"}
    assert data["text"].startswith("Hello &amp; welcome https://t.co/")
    h = response.headers
    assert (h["x-rate-limit-limit"], h["x-rate-limit-remaining"]) == ("100", "99")
    assert before + 890 <= int(h["x-rate-limit-reset"]) <= time.time() + 901  # epoch seconds
    assert h["x-app-limit-24hour-limit"] == "10000" and "retry-after" not in h


def test_the_hundredth_and_first_create_in_15_minutes_is_refused(sb):
    access = tokens(sb)["access_token"]
    for n in range(100):
        assert post_raw(sb, access, {"text": f"post {n}"}).status_code == 201
    refused = post_raw(sb, access, {"text": "post 100"})
    assert refused.status_code == 429
    assert refused.json() == {
        "title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
        "status": 429,
    }  # fmt: skip
    assert refused.headers["x-rate-limit-remaining"] == "0"
    # Another user of the app has a window of their own.
    other = tokens(sb, "1500000000000000043")["access_token"]
    assert post_raw(sb, other, {"text": "post 100"}).status_code == 201


def test_refusals_in_x_words(sb):
    access = tokens(sb)["access_token"]
    assert post_raw(sb, access, {"text": "once"}).status_code == 201
    duplicate = post_raw(sb, access, {"text": " once "})
    assert duplicate.status_code == 403 and duplicate.json() == {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank", "title": "Forbidden", "status": 403,
    }  # fmt: skip
    gone = post_raw(sb, access, {"text": "re", "reply": {"in_reply_to_tweet_id": "20"}})
    assert gone.status_code == 403 and "deleted or not visible" in gone.json()["detail"]
    media = post_raw(sb, access, {"text": "pic", "media": {"media_ids": ["1234567"]}})
    body = media.json()
    assert media.status_code == 400 and body["title"] == "Invalid Request"
    assert body["errors"] == [
        {"parameters": {"media.media_ids": ["1234567"]}, "message": "Your media IDs are invalid."}
    ]
    long = post_raw(sb, access, {"text": "a" * 281})
    assert long.status_code == 400 and long.json()["errors"][0]["message"].startswith(
        "Your Tweet text is too long."
    )
    assert post_raw(sb, access, {"text": "a" * 280}).status_code == 201  # exactly the limit
    assert post_raw(sb, "not-a-token", {"text": "hi"}).status_code == 401


def test_the_timeline_gives_back_what_x_gives_back(sb, xc):
    j = job(sb, PostContent(text="Tom & Jerry <3 example.org/cartoons", media=(IMAGE,)))
    post_id = xc.publish(j, xc.prepare(j))
    token = tokens(sb)["access_token"]
    bare = api(sb, f"/2/users/{USER}/tweets", token).json()
    assert set(bare["data"][0]) == {"id", "text", "edit_history_tweet_ids"}  # default fields
    [shown] = timeline(sb)
    text = shown["text"]
    assert (
        text.startswith("Tom &amp; Jerry &lt;3 https://t.co/") and text.count("https://t.co/") == 2
    )
    link, pic = shown["entities"]["urls"]
    assert link["expanded_url"] == "http://example.org/cartoons"  # X adds the scheme
    assert text[link["start"] : link["end"]] == link["url"]
    assert pic["media_key"] == shown["attachments"]["media_keys"][0]
    assert pic["display_url"].startswith("pic.x.com/") and text.endswith(pic["url"])
    assert shown["author_id"] == USER and shown["conversation_id"] == post_id
    assert shown["created_at"].endswith("Z")


def test_the_timeline_pages_newest_first_and_filters_by_time(sb):
    access = tokens(sb)["access_token"]
    ids = [post_raw(sb, access, {"text": f"n{n}"}).json()["data"]["id"] for n in range(7)]
    first = api(sb, f"/2/users/{USER}/tweets", access, max_results=5).json()
    assert [t["id"] for t in first["data"]] == ids[::-1][:5]
    assert first["meta"]["result_count"] == 5 and first["meta"]["newest_id"] == ids[-1]
    rest = api(
        sb, f"/2/users/{USER}/tweets", access, max_results=5,
        pagination_token=first["meta"]["next_token"],
    ).json()  # fmt: skip
    assert [t["id"] for t in rest["data"]] == ids[1::-1] and "next_token" not in rest["meta"]
    later = api(sb, f"/2/users/{USER}/tweets", access, start_time="2999-01-01T00:00:00Z")
    assert later.json() == {"meta": {"result_count": 0}}
    wrong = api(sb, f"/2/users/{USER}/tweets", access, max_results=3)
    assert wrong.status_code == 400
    assert "is not between 5 and 100" in wrong.json()["errors"][0]["message"]


def test_media_goes_pending_in_progress_then_succeeded(sb):
    sb.control.set_faults(video_processing_seconds=3)
    access = tokens(sb)["access_token"]
    auth = {"Authorization": f"Bearer {access}"}
    base = f"{sb.base_url}{SANDBOX_PREFIX}/2/media/upload"
    body = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100
    with httpx.Client(headers=auth, timeout=5) as http:
        init = http.post(
            f"{base}/initialize",
            json={"media_type": "video/mp4", "total_bytes": len(body),
                  "media_category": "tweet_video"},
        ).json()["data"]  # fmt: skip
        assert init["media_key"] == f"7_{init['id']}" and init["expires_after_secs"] == 86400
        http.post(
            f"{base}/{init['id']}/append",
            data={"segment_index": "0"}, files={"media": ("blob", body)},
        ).raise_for_status()  # fmt: skip
        done = http.post(f"{base}/{init['id']}/finalize").json()["data"]
        assert done["processing_info"] == {"state": "pending", "check_after_secs": 3}
        sb.control.advance_clock(1.5)
        status = http.get(base, params={"command": "STATUS", "media_id": init["id"]})
        info = status.json()["data"]["processing_info"]
        assert info["state"] == "in_progress" and info["check_after_secs"] == 2
        sb.control.advance_clock(2)
        status = http.get(base, params={"command": "STATUS", "media_id": init["id"]})
        assert status.json()["data"]["processing_info"]["state"] == "succeeded"


def test_posts_and_spent_refresh_tokens_survive_a_restart(tmp_path):
    with SandboxProcess(state_file=tmp_path / "state.jsonl") as sb:
        config = PlatformConfig.for_sandbox(sb.base_url)
        issued = tokens(sb)
        with XClient(config, Unguarded(), settings=SETTINGS) as xc:
            j = job(sb, PostContent(text="before the restart"), token=issued["access_token"])
            handle = xc.prepare(j)
            post_id = xc.publish(j, handle)
            form = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"],
                    "client_id": "app"}  # fmt: skip
            token_url = f"{sb.base_url}{SANDBOX_PREFIX}/2/oauth2/token"
            assert httpx.post(token_url, data=form).status_code == 200
            sb.restart(hard=True)
            result = xc.reconcile(j, handle)
            assert result.state is Reconciled.PUBLISHED and result.external_id == post_id
            spent = httpx.post(token_url, data=form)
            assert spent.status_code == 400 and spent.json()["error"] == "invalid_request"
