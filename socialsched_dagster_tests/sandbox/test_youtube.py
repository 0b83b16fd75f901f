"""YouTube resumable upload against the real sandbox server."""

from __future__ import annotations

import httpx

from .helpers import CHANNEL

CHUNK = 256 * 1024
TOTAL = 2 * CHUNK + 1000
SESSION_URL = "/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"


def open_session(sb, http, title="My video", description="desc", total=TOTAL, tok=None):
    tok = tok or sb.control.mint_token("youtube", CHANNEL)["access_token"]
    meta = {"snippet": {"title": title, "description": description, "categoryId": "22"}}
    return http.post(
        SESSION_URL,
        json={**meta, "status": {"privacyStatus": "public"}},
        headers={
            "Authorization": f"Bearer {tok}",
            "X-Upload-Content-Length": str(total),
            "X-Upload-Content-Type": "video/mp4",
            "X-Socialsched-Target": "yt-1",
        },
    )


def put(http, url, start, end, total=TOTAL):
    headers = {"Content-Range": f"bytes {start}-{end}/{total}"}
    return http.put(url, content=b"\0" * (end - start + 1), headers=headers)


def query(http, url, total=TOTAL):
    return http.put(url, headers={"Content-Range": f"bytes */{total}"})


def test_chunked_upload_with_interruption_resume_and_completed_query(sb, http):
    r = open_session(sb, http)
    assert r.status_code == 200 and r.content == b""
    url = r.headers["location"]
    assert url.startswith(sb.base_url) and "upload_id=" in url
    fresh = query(http, url)
    assert fresh.status_code == 308 and "range" not in fresh.headers
    first = put(http, url, 0, CHUNK - 1)
    assert first.status_code == 308 and first.headers["range"] == f"bytes=0-{CHUNK - 1}"
    # The connection "broke" here: ask where to resume instead of opening a new session.
    resume = query(http, url)
    assert resume.status_code == 308 and resume.headers["range"] == f"bytes=0-{CHUNK - 1}"
    assert put(http, url, CHUNK, 2 * CHUNK - 1).status_code == 308
    done = put(http, url, 2 * CHUNK, TOTAL - 1)
    assert done.status_code == 201, done.text
    video = done.json()
    assert video["kind"] == "youtube#video" and video["status"]["uploadStatus"] == "uploaded"
    again = query(http, url)
    assert again.status_code == 200 and again.json()["id"] == video["id"]
    [entry] = sb.control.ledger()
    assert entry["external_id"] == video["id"] and entry["target"] == "yt-1"
    assert entry["source_id"] in url


def test_chunks_must_be_multiples_of_256k(sb, http):
    url = open_session(sb, http).headers["location"]
    r = put(http, url, 0, 1000)
    assert r.status_code == 400 and r.json()["error"]["errors"][0]["reason"] == "badRequest"


def test_metadata_validation(sb, http):
    for title, reason in (
        ("", "invalidTitle"),
        ("x" * 101, "invalidTitle"),
        ("a<b", "invalidTitle"),
    ):
        r = open_session(sb, http, title=title)
        assert r.status_code == 400 and r.json()["error"]["errors"][0]["reason"] == reason
    r = open_session(sb, http, description="é" * 2501)  # 5002 bytes
    assert r.json()["error"]["errors"][0]["reason"] == "invalidDescription"


def test_auth_errors(sb, http):
    r = open_session(sb, http, tok="sbx1.bogus.token")
    assert r.status_code == 401 and r.json()["error"]["errors"][0]["reason"] == "authError"
    expired = sb.control.mint_token("youtube", CHANNEL, expires_in=10, issued_ago=60)
    assert open_session(sb, http, tok=expired["access_token"]).status_code == 401


def test_quota_exceeded(strict):
    with httpx.Client(base_url=strict.base_url) as http:
        assert open_session(strict, http).status_code == 200
        assert open_session(strict, http).status_code == 200
        r = open_session(strict, http)
        assert r.status_code == 403
        err = r.json()["error"]["errors"][0]
        assert (err["reason"], err["domain"]) == ("quotaExceeded", "youtube.quota")
