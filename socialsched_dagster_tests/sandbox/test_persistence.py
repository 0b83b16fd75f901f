"""The state file: a stopped or killed sandbox forgets nothing that was published."""

from __future__ import annotations

import httpx

from socialsched_dagster.sandbox.process import SandboxProcess

from .helpers import IG, PAGE, error, ig_image, ig_publish, status_of
from .test_youtube import CHUNK, open_session, put, query


def test_ledger_containers_sessions_and_revocations_survive_restart(tmp_path):
    state = tmp_path / "sandbox-state.jsonl"
    with SandboxProcess(state_file=state) as sb:
        http = httpx.Client(base_url=sb.base_url, timeout=10)
        ig = sb.control.mint_token("instagram", IG)["access_token"]
        published = ig_image(http, ig, caption="before restart")
        assert ig_publish(http, ig, published, target="t-1").status_code == 200
        pending = ig_image(http, ig)
        url = open_session(sb, http, total=CHUNK).headers["location"]
        assert put(http, url, 0, CHUNK - 1, total=CHUNK).status_code == 201
        page = sb.control.mint_token("facebook", PAGE)["access_token"]
        sb.control.revoke(PAGE, "facebook")

        sb.restart()  # graceful
        assert [e["target"] for e in sb.control.ledger()] == ["t-1", "yt-1"]
        sb.restart(hard=True)  # SIGKILL: the crash drill
        assert len(sb.control.ledger()) == 2
        # Tokens are self-describing: the old one still works; the revocation is remembered.
        assert status_of(http, ig, published) == "PUBLISHED"
        assert status_of(http, ig, pending) == "FINISHED"
        assert error(ig_publish(http, ig, published)) == (9007, 2207027)
        assert query(http, url, total=CHUNK).status_code == 200
        feed = http.get(f"/v21.0/{PAGE}/feed", params={"access_token": page})
        assert error(feed) == (190, 460)
        media = http.get(f"/v21.0/{IG}/media", params={"fields": "caption", "access_token": ig})
        assert [m["caption"] for m in media.json()["data"]] == ["before restart"]
        limit = http.get(f"/v21.0/{IG}/content_publishing_limit", params={"access_token": ig})
        assert limit.json()["data"][0]["quota_usage"] == 1
        sb.control.reset()  # a reset also empties the state file
        sb.restart()
        assert sb.control.ledger() == []
        http.close()
