"""Facebook Pages publishing against the real sandbox server."""

from __future__ import annotations

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
