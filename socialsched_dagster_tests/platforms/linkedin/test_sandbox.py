"""The LinkedIn sandbox behaves as LinkedIn's documentation says, whoever calls it: its error
bodies, the version gate, the image lifecycle, little text, the read permissions, and its state
across a restart."""

from __future__ import annotations

import httpx

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.platforms.base import Reconciled, Unguarded
from socialsched_dagster.platforms.config import PlatformConfig
from socialsched_dagster.platforms.linkedin import LinkedInClient
from socialsched_dagster.platforms.linkedin.urns import quoted
from socialsched_dagster.sandbox.ledger import content_sha256
from socialsched_dagster.sandbox.process import SandboxProcess

from .conftest import SETTINGS
from .helpers import MEMBER, PAGE, configure, grant, job, post_raw, rest, text, token


def _init_upload(sb, access: str, owner: str = PAGE) -> dict:
    body = {"initializeUploadRequest": {"owner": owner}}
    response = rest(sb, "POST", "/images?action=initializeUpload", access, json=body)
    assert response.status_code == 200, response.text
    return response.json()["value"]


def _status(sb, access: str, image: str) -> str:
    return rest(sb, "GET", f"/images/{quoted(image)}", access).json()["status"]


def test_refusals_carry_linkedins_error_body(sb):
    missing = rest(sb, "GET", "/posts?q=author", "")
    assert missing.status_code == 401 and missing.json() == {
        "status": 401,
        "serviceErrorCode": 65604,
        "code": "EMPTY_ACCESS_TOKEN",
        "message": "Empty oauth2_access_token",
    }
    unknown = httpx.get(f"{sb.base_url}/linkedin/rest/nothingHere")
    assert unknown.status_code == 404 and unknown.json()["message"] == "No virtual resource found"


def test_the_version_header_is_required_and_must_be_active(sb):
    access = token(sb)
    none = rest(sb, "GET", "/posts?q=author", access, version=None)
    assert none.status_code == 400 and none.json()["code"] == "VERSION_MISSING"
    for old in ("202311", "203001", "latest"):
        sunset = rest(sb, "GET", "/posts?q=author", access, version=old)
        assert sunset.status_code == 426, old
        assert sunset.json()["code"] == "NONEXISTENT_VERSION"
    gone = rest(sb, "GET", "/posts?q=author", access, version="202311").json()
    assert gone == {
        "status": 426,
        "code": "NONEXISTENT_VERSION",
        "message": "Requested version 20231101 is not active",
    }


def test_an_image_waits_for_its_bytes_then_processes_then_is_available(sb):
    configure(sb, image_processing_s=60)
    access = token(sb)
    value = _init_upload(sb, access)
    image = value["image"]
    assert image.startswith("urn:li:image:") and _status(sb, access, image) == "WAITING_UPLOAD"
    post = {
        "author": PAGE, "commentary": "too early", "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED"}, "lifecycleState": "PUBLISHED",
        "content": {"media": {"id": image}},
    }  # fmt: skip
    early = rest(sb, "POST", "/posts", access, json=post)
    assert early.status_code == 400 and early.json()["code"] == "MEDIA_ASSET_WAITING_UPLOAD"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    assert httpx.put(value["uploadUrl"], content=png).status_code == 201
    assert _status(sb, access, image) == "PROCESSING"
    sb.control.advance_clock(61)
    assert _status(sb, access, image) == "AVAILABLE"
    assert rest(sb, "POST", "/posts", access, json=post).status_code == 201


def test_bytes_that_are_no_image_fail_processing(sb):
    access = token(sb)
    value = _init_upload(sb, access)
    httpx.put(value["uploadUrl"], content=b"%PDF-1.7 not an image")
    assert _status(sb, access, value["image"]) == "PROCESSING_FAILED"


def test_an_unescaped_reserved_character_cuts_the_post_there(sb):
    access = token(sb)
    urn = post_raw(sb, access, PAGE, "Big news (finally) today")
    assert sb.control.ledger()[0]["content_sha256"] == content_sha256("Big news ")
    kept = rest(sb, "GET", f"/posts/{quoted(urn)}", access).json()["commentary"]
    assert kept == "Big news "


def test_reading_posts_needs_the_read_permission_and_lists_newest_first(sb):
    page, member = token(sb), token(sb, MEMBER)
    for n in range(3):
        post_raw(sb, page, PAGE, f"page post {n}")
    listed = rest(sb, "GET", f"/posts?q=author&author={quoted(PAGE)}&count=2", page).json()
    assert [e["commentary"] for e in listed["elements"]] == ["page post 2", "page post 1"]
    assert listed["paging"]["total"] == 3 and listed["paging"]["links"][0]["rel"] == "next"
    mine = post_raw(sb, member, MEMBER, "a member's post")
    refused = rest(sb, "GET", f"/posts/{quoted(mine)}", member)
    assert refused.status_code == 403 and refused.json()["serviceErrorCode"] == 100
    grant(sb, MEMBER, "w_member_social", "r_member_social")
    assert rest(sb, "GET", f"/posts/{quoted(mine)}", member).status_code == 200
    too_many = rest(sb, "GET", f"/posts?q=author&author={quoted(PAGE)}&count=101", page)
    assert too_many.status_code == 400


def test_posts_images_and_permissions_survive_a_restart(tmp_path):
    with SandboxProcess(state_file=tmp_path / "state.jsonl") as sb:
        config = PlatformConfig.for_sandbox(sb.base_url, container_poll_interval_s=0.1)
        with LinkedInClient(config, Unguarded(), settings=SETTINGS) as li:
            grant(sb, MEMBER, "w_member_social", "r_member_social")
            image = Media.parse("https://cdn.example.com/r.png")
            sent = job(sb, PostContent(text="before the restart", media=(image,)), account=MEMBER)
            container = li.prepare(sent)
            urn = li.publish(sent, container)
            waiting = job(sb, text("prepared, not sent"), account=MEMBER, target_id=2)
            waiting_container = li.prepare(waiting)
            sb.restart(hard=True)
            found = li.reconcile(sent, container)
            assert found.state is Reconciled.PUBLISHED and found.external_id == urn
            assert li.reconcile(waiting, waiting_container).state is Reconciled.NOT_PUBLISHED
        assert [e["target"] for e in sb.control.ledger()] == ["1"]
