"""Instagram content publishing against the real sandbox server."""

from __future__ import annotations

import hashlib
import time

from .helpers import IG, error, ig_image, ig_publish, status_of, token


def test_image_publish_end_to_end_with_ledger_and_target(sb, http):
    tok = token(sb)
    container = ig_image(http, tok, caption="launch day #one")
    assert status_of(http, tok, container) == "FINISHED"
    r = ig_publish(http, tok, container, target="target-42")
    assert r.status_code == 200, r.text
    media_id = r.json()["id"]
    assert status_of(http, tok, container) == "PUBLISHED"
    [entry] = sb.control.ledger()
    assert entry["platform"] == "instagram" and entry["account"] == IG
    assert entry["external_id"] == media_id and entry["source_id"] == container
    assert entry["target"] == "target-42" and entry["endpoint"] == "ig_publish"
    assert entry["content_sha256"] == hashlib.sha256(b"launch day #one").hexdigest()
    # Usage headers ride on every Graph answer.
    assert "x-app-usage" in r.headers and IG in r.headers["x-business-use-case-usage"]


def test_republishing_a_published_container_creates_no_second_item(sb, http):
    tok = token(sb)
    container = ig_image(http, tok)
    assert ig_publish(http, tok, container, "t").status_code == 200
    again = ig_publish(http, tok, container, "t")
    assert again.status_code == 400 and error(again) == (9007, 2207027)
    assert len(sb.control.ledger()) == 1
    assert sb.control.stats()["duplicate_target_count"] == 0


def test_video_container_in_progress_then_finished_and_early_publish_refused(sb, http):
    tok = token(sb)
    body = {
        "media_type": "REELS",
        "video_url": "https://cdn.example.com/v.mp4",
        "access_token": tok,
    }
    container = http.post(f"/v21.0/{IG}/media", data=body).json()["id"]
    assert status_of(http, tok, container) == "IN_PROGRESS"
    early = ig_publish(http, tok, container)
    assert early.status_code == 400 and error(early) == (24, 2207008)
    time.sleep(0.6)  # the default test sandbox processes videos in 0.5 s
    assert status_of(http, tok, container) == "FINISHED"
    assert ig_publish(http, tok, container).status_code == 200


def test_carousel_counts_once(sb, http):
    tok = token(sb)
    kids = [ig_image(http, tok, is_carousel_item="true") for _ in range(3)]
    body = {
        "media_type": "CAROUSEL",
        "children": ",".join(kids),
        "caption": "c",
        "access_token": tok,
    }
    carousel = http.post(f"/v21.0/{IG}/media", data=body).json()["id"]
    assert status_of(http, tok, carousel) == "FINISHED"
    assert ig_publish(http, tok, carousel).status_code == 200
    limit = http.get(f"/v21.0/{IG}/content_publishing_limit", params={"access_token": tok})
    assert limit.json()["data"][0]["quota_usage"] == 1
    one_child = {**body, "children": kids[0]}
    assert http.post(f"/v21.0/{IG}/media", data=one_child).status_code == 400


def test_json_body_params_are_accepted(sb, http):
    tok = token(sb)
    body = {"image_url": "https://cdn.example.com/a.jpg", "caption": "json", "access_token": tok}
    r = http.post(f"/v21.0/{IG}/media", json=body)
    assert r.status_code == 200, r.text


def test_caption_limits_and_unfetchable_media(sb, http):
    tok = token(sb)
    url = f"/v21.0/{IG}/media"
    img = {"image_url": "https://cdn.example.com/a.jpg", "access_token": tok}
    long = http.post(url, data={**img, "caption": "x" * 2201})
    assert long.status_code == 400 and error(long)[0] == 100
    tags = http.post(url, data={**img, "caption": " ".join(f"#t{i}" for i in range(31))})
    assert tags.status_code == 400 and error(tags)[0] == 100
    bad = ig_image(http, tok, image_url="https://unfetchable.invalid/a.jpg")
    assert status_of(http, tok, bad) == "ERROR"
    assert error(ig_publish(http, tok, bad)) == (9004, 2207052)
    ftp = ig_image(http, tok, image_url="ftp://cdn.example.com/a.jpg")
    assert status_of(http, tok, ftp) == "ERROR"


def test_publishing_cap_and_limit_numbers(strict, strict_http):
    tok = token(strict)
    limit_url = f"/v21.0/{IG}/content_publishing_limit"
    for i in range(3):
        container = ig_image(strict_http, tok, caption=f"post {i}")
        assert ig_publish(strict_http, tok, container).status_code == 200
    usage = strict_http.get(limit_url, params={"fields": "quota_usage,config", "access_token": tok})
    assert usage.json() == {
        "data": [{"quota_usage": 3, "config": {"quota_total": 3, "quota_duration": 86400}}]
    }
    container = ig_image(strict_http, tok, caption="one too many")
    capped = ig_publish(strict_http, tok, container)
    assert capped.status_code == 400 and error(capped) == (9, 2207042)
    strict.control.advance_clock(86400 + 1)  # the rolling window moves on; the container expired
    expired = ig_publish(strict_http, tok, container)
    # Instagram's error-code table: 400, code -2, subcode 2207020, "generate a new container".
    assert expired.status_code == 400 and error(expired) == (-2, 2207020)
    assert "has expired" in expired.json()["error"]["message"]
    assert status_of(strict_http, tok, container) == "EXPIRED"
    usage = strict_http.get(limit_url, params={"access_token": tok}).json()
    assert usage["data"][0]["quota_usage"] == 0


def test_media_list_newest_first_with_cursor_paging(sb, http):
    tok = token(sb)
    for i in range(3):
        ig_publish(http, tok, ig_image(http, tok, caption=f"caption {i}"))
    params = {"fields": "id,caption,timestamp", "limit": 2, "access_token": tok}
    first = http.get(f"/v21.0/{IG}/media", params=params).json()
    assert [m["caption"] for m in first["data"]] == ["caption 2", "caption 1"]
    assert set(first["data"][0]) == {"id", "caption", "timestamp"}
    after = first["paging"]["cursors"]["after"]
    second = http.get(f"/v21.0/{IG}/media", params={**params, "after": after}).json()
    assert [m["caption"] for m in second["data"]] == ["caption 0"]
    assert "next" in first["paging"] and "next" not in second["paging"]


def test_containers_expire_24_hours_after_creation_by_the_sandbox_clock(sb, http):
    tok = token(sb, expires_in=None)
    container = ig_image(http, tok, caption="publish me tomorrow")
    sb.control.advance_clock(86400 - 60)
    assert status_of(http, tok, container) == "FINISHED"
    sb.control.advance_clock(60)
    assert status_of(http, tok, container) == "EXPIRED"
    assert error(ig_publish(http, tok, container)) == (-2, 2207020)
    fresh = ig_image(http, tok, caption="publish me tomorrow")  # a new one works
    assert ig_publish(http, tok, fresh).status_code == 200
    assert [e["source_id"] for e in sb.control.ledger()] == [fresh]
