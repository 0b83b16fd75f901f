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


def test_sessions_expire_after_a_week_completed_or_not(sb, http):
    done = open_session(sb, http, title="finished").headers["location"]
    assert put(http, done, 0, TOTAL - 1).status_code == 201
    pending = open_session(sb, http, title="never finished").headers["location"]
    assert put(http, pending, 0, CHUNK - 1).status_code == 308
    sb.control.advance_clock(7 * 86400 - 60)
    assert query(http, done).status_code == 200 and query(http, pending).status_code == 308
    sb.control.advance_clock(61)
    for url in (done, pending):
        gone = query(http, url)
        assert gone.status_code == 404, gone.text
        err = gone.json()["error"]
        assert (err["code"], err["status"], err["errors"][0]["reason"]) == (
            404,
            "NOT_FOUND",
            "notFound",
        )
        assert put(http, url, CHUNK, TOTAL - 1).status_code == 404  # no more bytes either
    assert len(sb.control.ledger()) == 1  # the completed video stays published


def uploads(http, tok, **params):
    auth = {"Authorization": f"Bearer {tok}"}
    channel = http.get(
        "/youtube/v3/channels", params={"part": "contentDetails", "mine": "true"}, headers=auth
    )
    assert channel.status_code == 200, channel.text
    [item] = channel.json()["items"]
    assert item["id"] == CHANNEL
    playlist = item["contentDetails"]["relatedPlaylists"]["uploads"]
    query_ = {"part": "snippet", "playlistId": playlist, **params}
    return playlist, http.get("/youtube/v3/playlistItems", params=query_, headers=auth)


def test_the_channel_lists_its_uploads_newest_first(sb, http):
    tok = sb.control.mint_token("youtube", CHANNEL)["access_token"]
    ids = []
    for n in range(3):
        url = open_session(sb, http, title=f"video {n}", description=f"about {n}", tok=tok)
        ids.append(put(http, url.headers["location"], 0, TOTAL - 1).json()["id"])
        sb.control.advance_clock(60)
    open_session(sb, http, title="not uploaded", tok=tok)  # a session alone is no video
    playlist, first = uploads(http, tok, maxResults=2)
    assert playlist == "UU" + CHANNEL[2:]
    body = first.json()
    assert body["kind"] == "youtube#playlistItemListResponse"
    assert body["pageInfo"] == {"totalResults": 3, "resultsPerPage": 2}
    snippets = [i["snippet"] for i in body["items"]]
    assert [s["resourceId"]["videoId"] for s in snippets] == [ids[2], ids[1]]
    assert [(s["title"], s["description"]) for s in snippets] == [
        ("video 2", "about 2"),
        ("video 1", "about 1"),
    ]
    assert snippets[0]["publishedAt"] > snippets[1]["publishedAt"]
    _, rest = uploads(http, tok, maxResults=2, pageToken=body["nextPageToken"])
    [last] = rest.json()["items"]
    assert last["snippet"]["resourceId"]["videoId"] == ids[0] and "nextPageToken" not in rest.json()
    # Another channel's playlist is not found; the list needs a token.
    auth = {"Authorization": f"Bearer {tok}"}
    other = http.get(
        "/youtube/v3/playlistItems",
        params={"part": "snippet", "playlistId": "UUsomeoneelse"},
        headers=auth,
    )
    assert other.status_code == 404
    assert other.json()["error"]["errors"][0]["reason"] == "playlistNotFound"
    anonymous = http.get("/youtube/v3/playlistItems", params={"part": "snippet"})
    assert anonymous.status_code == 401


def test_backend_error_after_the_final_chunk_committed(sb, http):
    url = open_session(sb, http).headers["location"]
    assert put(http, url, 0, CHUNK - 1).status_code == 308
    sb.control.set_faults(error_after_commit={"endpoints": ["yt_upload"], "status": 503})
    r = put(http, url, CHUNK, TOTAL - 1)
    assert r.status_code == 503
    err = r.json()["error"]
    assert (err["code"], err["errors"][0]["reason"]) == (503, "backendError")
    [entry] = sb.control.ledger()  # the video exists although the answer was an error
    done = query(http, url)
    assert done.status_code == 200 and done.json()["id"] == entry["external_id"]
    assert sb.control.faults()["error_after_commit"]["count"] == 0
