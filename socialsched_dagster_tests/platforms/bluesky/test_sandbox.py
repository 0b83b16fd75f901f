"""The sandbox's PDS as a client meets it over HTTP: what it refuses and how, and what it
remembers across a restart."""

from __future__ import annotations

import pytest

from socialsched_dagster.platforms.bluesky.tid import new_tid
from socialsched_dagster.platforms.stand_in_media import stand_in_png
from socialsched_dagster.sandbox.process import SandboxProcess

from .helpers import DID, login, xrpc

POST = "app.bsky.feed.post"


def create(sb, token, text, *, rkey=None, **record):
    body = {"repo": DID, "collection": POST, "rkey": rkey or new_tid(),
            "record": {"$type": POST, "text": text, "createdAt": "2026-12-01T12:00:00.000Z",
                       **record}}  # fmt: skip
    return xrpc(sb, "com.atproto.repo.createRecord", token=token, json=body)


def facet(start, end):
    feature = {"$type": "app.bsky.richtext.facet#tag", "tag": "tag"}
    return {"index": {"byteStart": start, "byteEnd": end}, "features": [feature]}


def test_facets_must_fall_on_utf8_character_boundaries(sb):
    token = login(sb)["accessJwt"]
    text = "café #tag"  # the tag is bytes 6-10; as code points it would be 5-9
    assert create(sb, token, text, facets=[facet(6, 10)]).status_code == 200
    refused = create(sb, token, text, facets=[facet(4, 9)])  # 4 is inside "é"
    assert refused.status_code == 400
    assert refused.json() == {
        "error": "InvalidRequest",
        "message": "Invalid app.bsky.feed.post record: Record/facets/0/index 4-9 does not fall "
        "on the text's UTF-8 character boundaries",
    }
    assert create(sb, token, text, facets=[facet(6, 11)]).status_code == 400  # past the end


def test_text_is_measured_in_graphemes(sb):
    token = login(sb)["accessJwt"]
    flags = "\U0001f1eb\U0001f1f7" * 300  # 600 code points, 300 graphemes
    assert create(sb, token, flags).status_code == 200
    refused = create(sb, token, "a" * 301)
    assert refused.status_code == 400 and "300 graphemes" in refused.json()["message"]


def test_a_taken_record_key_is_the_pds_bare_500(sb):
    token = login(sb)["accessJwt"]
    rkey = new_tid()
    assert create(sb, token, "first", rkey=rkey).status_code == 200
    again = create(sb, token, "second", rkey=rkey)
    assert again.status_code == 500
    assert again.json() == {"error": "InternalServerError", "message": "Internal Server Error"}
    assert "ratelimit-remaining" in again.headers
    assert len(sb.control.ledger()) == 1


def test_writes_cost_three_points_of_5000_an_hour(sb):
    token = login(sb)["accessJwt"]
    answers = [create(sb, token, f"post {i}") for i in range(2)]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["4997", "4994"]
    assert answers[0].headers["ratelimit-policy"] == "5000;w=3600"


def test_records_name_blobs_the_repo_holds(sb):
    token = login(sb)["accessJwt"]
    data = stand_in_png("https://cdn.example.com/x.png")
    upload = xrpc(
        sb, "com.atproto.repo.uploadBlob", token=token, content=data,
        headers={"Content-Type": "image/jpeg"},  # the PDS sniffs the bytes, not the header
    )  # fmt: skip
    blob = upload.json()["blob"]
    assert blob["mimeType"] == "image/png" and blob["size"] == len(data)
    assert blob["ref"]["$link"].startswith("bafkrei")  # a raw sha-256 CIDv1, as the PDS makes

    def with_image(ref):
        return create(sb, token, "pic", embed={"$type": "app.bsky.embed.images",
                                               "images": [{"image": ref, "alt": ""}]})  # fmt: skip

    wrong_size = with_image({**blob, "size": 1})
    assert wrong_size.status_code == 400 and wrong_size.json()["error"] == "InvalidSize"
    missing = with_image({**blob, "ref": {"$link": "bafkreiaaaa"}})
    assert missing.json() == {
        "error": "BlobNotFound",
        "message": "Could not find blob: bafkreiaaaa",
    }
    assert with_image(blob).status_code == 200


def test_tokens_are_checked_as_the_pds_checks_them(sb):
    session = login(sb)
    assert create(sb, None, "x").json()["error"] == "AuthMissing"
    assert create(sb, session["refreshJwt"], "x").json()["error"] == "InvalidToken"
    sb.control.advance_clock(2 * 3600 + 1)
    expired = create(sb, session["accessJwt"], "x")
    assert (expired.status_code, expired.json()) == (
        400, {"error": "ExpiredToken", "message": "Token has expired"},
    )  # fmt: skip
    refreshed = xrpc(sb, "com.atproto.server.refreshSession", token=session["refreshJwt"],
                     content=b"")  # fmt: skip
    assert refreshed.status_code == 200
    assert create(sb, refreshed.json()["accessJwt"], "x").status_code == 200


def test_handles_resolve_and_reads_need_no_session(sb):
    assert xrpc(sb, "com.atproto.identity.resolveHandle", params={"handle": "Bob.bsky.social"}
                ).json() == {"did": "did:plc:bob"}  # fmt: skip
    unknown = xrpc(sb, "com.atproto.identity.resolveHandle", params={"handle": "x.example.org"})
    assert unknown.status_code == 400 and unknown.json()["message"] == "Unable to resolve handle"
    missing = xrpc(
        sb, "com.atproto.repo.getRecord",
        params={"repo": DID, "collection": POST, "rkey": "3kaaaaaaaaaaa"},
    )  # fmt: skip
    assert missing.status_code == 400 and missing.json()["error"] == "RecordNotFound"


def test_listing_pages_newest_first(sb):
    token = login(sb)["accessJwt"]
    keys = [new_tid() for _ in range(3)]
    for i, key in enumerate(keys):
        create(sb, token, f"post {i}", rkey=key)
    params = {"repo": "alice.bsky.social", "collection": POST, "limit": 2}
    first = xrpc(sb, "com.atproto.repo.listRecords", params=params).json()
    assert [r["value"]["text"] for r in first["records"]] == ["post 2", "post 1"]
    rest = xrpc(sb, "com.atproto.repo.listRecords", params={**params, "cursor": first["cursor"]})
    assert [r["value"]["text"] for r in rest.json()["records"]] == ["post 0"]


@pytest.fixture
def journaled(tmp_path):
    with SandboxProcess(state_file=tmp_path / "state.jsonl") as sb:
        yield sb


def test_a_restarted_sandbox_keeps_sessions_blobs_and_records(journaled):
    sb = journaled
    session = login(sb)
    token = session["accessJwt"]
    data = stand_in_png("https://cdn.example.com/kept.png")
    blob = xrpc(sb, "com.atproto.repo.uploadBlob", token=token, content=data,
                headers={"Content-Type": "image/png"}).json()["blob"]  # fmt: skip
    rkey = new_tid()
    assert create(sb, token, "kept", rkey=rkey).status_code == 200
    sb.restart(hard=True)
    refreshed = xrpc(sb, "com.atproto.server.refreshSession", token=session["refreshJwt"],
                     content=b"")  # fmt: skip
    assert refreshed.status_code == 200
    image = {"$type": "app.bsky.embed.images", "images": [{"image": blob, "alt": ""}]}
    assert create(sb, token, "with the kept blob", embed=image).status_code == 200
    assert create(sb, token, "again", rkey=rkey).status_code == 500  # the key is still taken
    read = xrpc(sb, "com.atproto.repo.getRecord",
                params={"repo": DID, "collection": POST, "rkey": rkey})  # fmt: skip
    assert read.json()["value"]["text"] == "kept"
