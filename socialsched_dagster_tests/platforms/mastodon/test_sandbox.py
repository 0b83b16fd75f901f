"""The Mastodon sandbox keeps Mastodon's promises, which the client relies on: an
Idempotency-Key per account, kept an hour, surviving a restart; media attachable once."""

from __future__ import annotations

import httpx

from socialsched_dagster.sandbox.process import SandboxProcess

from .helpers import ACCOUNT, P

OTHER = "109300000000000002"


def token(sb: SandboxProcess, account: str = ACCOUNT) -> str:
    return sb.control.mint_token(P.value, account, expires_in=None)["access_token"]


def post(sb, tok: str, key: str | None, text: str = "hi", **form) -> httpx.Response:
    headers = {"Authorization": f"Bearer {tok}"}
    if key:
        headers["Idempotency-Key"] = key
    return httpx.post(
        f"{sb.base_url}/api/v1/statuses", data={"status": text, **form}, headers=headers
    )


def test_a_key_answers_its_status_per_account_for_an_hour(sb):
    mine, theirs = token(sb), token(sb, OTHER)
    first = post(sb, mine, "k1").json()
    assert post(sb, mine, "k1", text="anything else").json()["id"] == first["id"]
    assert post(sb, theirs, "k1").json()["id"] != first["id"]  # keys are per account
    assert post(sb, mine, None).json()["id"] != first["id"]
    sb.control.advance_clock(3601)
    assert post(sb, mine, "k1").json()["id"] != first["id"]  # forgotten after the hour
    assert len(sb.control.ledger()) == 4


def test_keys_and_statuses_survive_a_restart(tmp_path):
    with SandboxProcess(state_file=tmp_path / "state.jsonl") as sb:
        tok = token(sb)
        first = post(sb, tok, "kept").json()
        sb.restart(hard=True)
        assert post(sb, tok, "kept").json()["id"] == first["id"]
        listed = httpx.get(f"{sb.base_url}/api/v1/accounts/{ACCOUNT}/statuses").json()
        assert [s["id"] for s in listed] == [first["id"]]


def test_media_attach_once_and_answers_as_mastodon_does(sb):
    tok = token(sb)
    auth = {"Authorization": f"Bearer {tok}"}
    gif = b"GIF89a" + b"\x00" * 32
    upload = httpx.post(
        f"{sb.base_url}/api/v2/media", headers=auth, files={"file": ("a.gif", gif, "image/gif")}
    )
    assert upload.status_code == 200 and upload.json()["url"]
    assert "X-RateLimit-Remaining" in upload.headers
    media_id = upload.json()["id"]
    assert httpx.get(f"{sb.base_url}/api/v1/media/{media_id}", headers=auth).status_code == 200
    assert post(sb, tok, None, **{"media_ids[]": media_id}).status_code == 200
    # Attached: no longer found, and not attachable to a second status.
    assert httpx.get(f"{sb.base_url}/api/v1/media/{media_id}", headers=auth).status_code == 404
    again = post(sb, tok, None, **{"media_ids[]": media_id})
    assert again.status_code == 422
    assert again.json() == {
        "error": f"Media {media_id} not found or already attached to another post"
    }
    refused = httpx.post(f"{sb.base_url}/api/v1/statuses", data={"status": "x"})
    assert refused.status_code == 401 and refused.json() == {"error": "The access token is invalid"}
