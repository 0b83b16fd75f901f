"""Facebook Pages publishing against the real sandbox server."""

from __future__ import annotations

import httpx
import pytest

from socialsched_dagster.sandbox.process import SandboxProcess

from .helpers import PAGE, error, token


def test_feed_photo_video_and_feed_listing(sb, http):
    tok = token(sb, "facebook", PAGE)
    feed = http.post(
        f"/v21.0/{PAGE}/feed",
        data={"message": "hello page", "link": "https://example.com", "access_token": tok},
        headers={"X-Socialsched-Target": "fb-1"},
    )
    assert feed.status_code == 200, feed.text
    post_id = feed.json()["id"]
    assert post_id.startswith(f"{PAGE}_")
    photo = http.post(
        f"/v21.0/{PAGE}/photos",
        data={"url": "https://cdn.example.com/p.jpg", "caption": "a photo", "access_token": tok},
    ).json()
    assert set(photo) == {"id", "post_id"} and photo["post_id"].startswith(f"{PAGE}_")
    video = http.post(
        f"/v21.0/{PAGE}/videos",
        data={"file_url": "https://cdn.example.com/v.mp4", "title": "T", "description": "D"},
        headers={"Authorization": f"Bearer {tok}"},
    )
    assert video.status_code == 200 and "id" in video.json()
    ledger = sb.control.ledger(platform="facebook")
    assert [e["endpoint"] for e in ledger] == ["fb_feed", "fb_photos", "fb_videos"]
    assert ledger[0]["target"] == "fb-1" and ledger[0]["external_id"] == post_id
    listing = http.get(
        f"/v21.0/{PAGE}/feed",
        params={"fields": "id,message,created_time", "limit": 2, "access_token": tok},
    ).json()
    assert [p["message"] for p in listing["data"]] == ["D", "a photo"]
    assert "created_time" in listing["data"][0] and "next" in listing["paging"]


def test_empty_post_and_bad_photo_are_refused_without_commit(sb, http):
    tok = token(sb, "facebook", PAGE)
    empty = http.post(f"/v21.0/{PAGE}/feed", data={"message": " ", "access_token": tok})
    assert empty.status_code == 400 and error(empty)[0] == 100
    photo = http.post(
        f"/v21.0/{PAGE}/photos",
        data={"url": "https://unfetchable.invalid/p.jpg", "access_token": tok},
    )
    assert photo.status_code == 400
    assert sb.control.ledger() == []


def test_instagram_token_cannot_post_to_a_page(sb, http):
    ig_tok = token(sb, "instagram", PAGE)
    r = http.post(f"/v21.0/{PAGE}/feed", data={"message": "x", "access_token": ig_tok})
    assert r.status_code == 400 and error(r)[0] == 10


def _post(http, path, tok, target=None, **data):
    headers = {"X-Socialsched-Target": target} if target else {}
    return http.post(f"/v27.0/{path}", data={**data, "access_token": tok}, headers=headers)


def _get(http, path, tok, fields):
    return http.get(f"/v27.0/{path}", params={"fields": fields, "access_token": tok})


def test_feed_items_carry_no_link_field_but_attachments(sb, http):
    tok = token(sb, "facebook", PAGE)
    post_id = _post(http, f"{PAGE}/feed", tok, message="read this", link="https://ex.com/a").json()
    assert post_id["id"]
    deprecated = _get(http, f"{PAGE}/feed", tok, "id,message,link")
    assert deprecated.status_code == 400 and error(deprecated) == (12, None)
    assert "link field is deprecated for versions v3.3 and higher" in deprecated.text
    unknown = _get(http, f"{PAGE}/posts", tok, "id,colour")
    assert error(unknown) == (100, None) and "nonexisting field (colour)" in unknown.text
    [item] = _get(http, f"{PAGE}/posts", tok, "id,attachments{url,unshimmed_url}").json()["data"]
    [attachment] = item["attachments"]["data"]
    assert set(attachment) == {"url", "unshimmed_url"}  # only the sub-fields asked for
    assert attachment["unshimmed_url"] == "https://ex.com/a"
    assert attachment["url"].startswith("https://l.facebook.com/l.php?u=https%3A%2F%2Fex.com")


def test_an_unpublished_post_is_invisible_until_published_once(sb, http):
    tok = token(sb, "facebook", PAGE)
    draft = _post(http, f"{PAGE}/feed", tok, "t-1", message="soon", published="false").json()
    post_id = draft["id"]
    assert sb.control.ledger() == [] and _get(http, f"{PAGE}/feed", tok, "id").json()["data"] == []
    node = _get(http, post_id, tok, "id,is_published,message").json()
    assert node == {"id": post_id, "is_published": False, "message": "soon"}
    assert _post(http, post_id, tok, "t-1", is_published="true").json() == {"success": True}
    [entry] = sb.control.ledger()
    assert (entry["endpoint"], entry["target"], entry["external_id"]) == (
        "fb_publish",
        "t-1",
        post_id,
    )
    assert _get(http, post_id, tok, "is_published").json()["is_published"] is True
    # Published again: the same post, still one in the ledger.
    assert _post(http, post_id, tok, "t-1", is_published="true").json() == {"success": True}
    assert len(sb.control.ledger()) == 1
    assert [p["id"] for p in _get(http, f"{PAGE}/posts", tok, "id").json()["data"]] == [post_id]


def test_a_photo_is_attached_to_a_draft_and_rehosted(sb, http):
    tok = token(sb, "facebook", PAGE)
    url = "https://cdn.example.com/p.jpg"
    photo = _post(http, f"{PAGE}/photos", tok, url=url, published="false", temporary="true")
    assert set(photo.json()) == {"id"}  # an unpublished photo has no story, so no post id
    media = f'[{{"media_fbid":"{photo.json()["id"]}"}}]'
    draft = _post(http, f"{PAGE}/feed", tok, attached_media=media, published="false").json()
    _post(http, draft["id"], tok, is_published="true")
    fields = "id,message,full_picture,attachments{media_type,url,media}"
    [item] = _get(http, f"{PAGE}/feed", tok, fields).json()["data"]
    assert "message" not in item  # captionless: Graph leaves the field out
    [attachment] = item["attachments"]["data"]
    assert attachment["media_type"] == "photo" and url not in str(item)  # re-hosted on the CDN
    assert "fbcdn.net" in item["full_picture"] == attachment["media"]["image"]["src"]
    bad = _post(http, f"{PAGE}/feed", tok, attached_media='[{"media_fbid":"42"}]')
    assert error(bad) == (100, None)


def test_unknown_ids_and_other_pages_posts_do_not_exist(sb, http):
    tok = token(sb, "facebook", PAGE)
    draft = _post(http, f"{PAGE}/feed", tok, message="mine", published="false").json()["id"]
    other = token(sb, "facebook", "100000000000002")
    for tk, node in ((tok, f"{PAGE}_123"), (other, draft)):
        read, write = _get(http, node, tk, "id"), _post(http, node, tk, is_published="true")
        for r in (read, write):
            assert r.status_code == 400 and error(r) == (100, 33)
            assert r.json()["error"]["type"] == "GraphMethodException"
    assert sb.control.ledger() == []


def test_injected_errors_answer_the_envelope_asked_for(sb, http):
    tok = token(sb, "facebook", PAGE)
    draft = _post(http, f"{PAGE}/feed", tok, message="m", published="false").json()["id"]
    one = {"rate": 1.0, "status": 500, "envelope": {"code": 1, "message": "An unknown error"}}
    sb.control.set_faults(error_rates={"fb_publish": one})
    r = _post(http, draft, tok, is_published="true")
    assert r.status_code == 500 and r.json()["error"]["is_transient"] is False
    assert error(r) == (1, None) and r.json()["error"]["message"] == "An unknown error"
    sb.control.set_faults(error_rates={"fb_publish": {"status": 502, "envelope": False}})
    bare = _post(http, draft, tok, is_published="true")
    assert bare.status_code == 502 and "json" not in bare.headers["content-type"]
    assert sb.control.ledger() == []  # injected before the handler: nothing committed
    with pytest.raises(httpx.HTTPStatusError):  # a Graph envelope on YouTube: a drill's typo
        sb.control.set_faults(error_rates={"yt_session": {"envelope": {"code": 1}}})


def test_dropping_only_the_answer_that_made_a_post_public(sb, http):
    tok = token(sb, "facebook", PAGE)
    drop = {"endpoints": ["fb_feed", "fb_publish"], "count": 1, "published_only": True}
    sb.control.set_faults(drop_after_commit=drop, drop_hold_seconds=0.2)
    draft = _post(http, f"{PAGE}/feed", tok, "t-9", message="m", published="false")
    assert draft.status_code == 200  # a draft is not public: its answer arrives
    with pytest.raises(httpx.RemoteProtocolError):
        _post(http, draft.json()["id"], tok, "t-9", is_published="true")
    assert [e["target"] for e in sb.control.ledger()] == ["t-9"]


def test_a_draft_survives_a_restart(tmp_path):
    with (
        SandboxProcess(state_file=tmp_path / "state.jsonl") as sb,
        httpx.Client(base_url=sb.base_url, timeout=10) as http,
    ):
        tok = token(sb, "facebook", PAGE)
        draft = _post(http, f"{PAGE}/feed", tok, message="m", published="false").json()["id"]
        sb.restart(hard=True)
        assert _get(http, draft, tok, "is_published").json()["is_published"] is False
        assert _post(http, draft, tok, "t-2", is_published="true").json()["success"]
        sb.restart()
        assert _get(http, draft, tok, "is_published").json()["is_published"] is True
        assert [e["target"] for e in sb.control.ledger()] == ["t-2"]
