"""Whether a post whose answer was lost went out, from the author's own posts.

LinkedIn has no idempotency key, and the post's URN came back only in the lost answer, so the
author's posts are read back (`GET /rest/posts?q=author&author=..&sortBy=CREATED`, newest
first) to the time of `prepare`, and ours is the one with our exact commentary and content: for
an image post, the image URNs our `prepare` uploaded, which no other post can hold. Two text
posts alike in every character within minutes cannot both exist: LinkedIn refuses the second as
a duplicate.

Reading a member's posts needs r_member_social, a permission LinkedIn grants only to approved
apps; a page's needs r_organization_social. Without it the outcome can never be known here, and
the post must not be sent again: a person has to look.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from ...domain.errors import PublishError
from ..base import PublishJob, Reconciled, Reconciliation
from ..http import Call, json_object
from .api import LinkedInApi
from .posts import commentary, content_field
from .prepared import Prepared
from .settings import LinkedInSettings
from .urns import PERSON, author_kind, is_post, quoted

PAGE_SIZE = 50
CANNOT_TELL = (
    "may have been posted to LinkedIn, and socialsched cannot read {whose} posts to know "
    "({why}); it is not sent again on its own: check {where}, then run `socialsched posts "
    "settle POST --account ACCOUNT --published URN` if it is there, or `--not-published` to "
    "send it"
)


class ReadRefusals:
    """Tokens LinkedIn refused to read the author's posts with, for an hour: asking again for
    every retry of an undecidable post would only spend the member's daily calls. A token's
    permissions never change (a new grant is a new token), so the refusal holds for it."""

    def __init__(self, ttl_s: float = 3600.0) -> None:
        self.ttl_s, self._lock = ttl_s, threading.Lock()
        self._seen: dict[tuple[str, str], tuple[float, str]] = {}

    def get(self, job: PublishJob) -> str | None:
        with self._lock:
            seen = self._seen.get(self._key(job))
        return seen[1] if seen and time.monotonic() < seen[0] else None

    def remember(self, job: PublishJob, message: str) -> None:
        with self._lock:
            self._seen[self._key(job)] = (time.monotonic() + self.ttl_s, message)

    @staticmethod
    def _key(job: PublishJob) -> tuple[str, str]:
        return job.account_external_id, hashlib.sha256(job.access_token.encode()).hexdigest()


def reconcile(
    api: LinkedInApi,
    settings: LinkedInSettings,
    job: PublishJob,
    container: str | None,
    refusals: ReadRefusals | None = None,
) -> Reconciliation:
    if not container:
        return Reconciliation(Reconciled.NOT_PUBLISHED, detail="nothing was prepared")
    prepared = Prepared.decode(container)
    refused = refusals.get(job) if refusals else None
    if refused is not None:
        return Reconciliation(Reconciled.UNKNOWABLE, detail=unreadable(job, refused))
    try:
        found = find_post(api, settings, job, prepared)
    except PublishError as exc:
        if exc.http_status == 403:
            if refusals is not None:
                refusals.remember(job, exc.message)
            return Reconciliation(Reconciled.UNKNOWABLE, detail=unreadable(job, exc.message))
        return Reconciliation(Reconciled.UNKNOWN, detail=f"reading the author's posts: {exc}")
    if found is _TOO_MANY:
        return Reconciliation(
            Reconciled.UNKNOWN,
            detail=f"more than {settings.search_pages * PAGE_SIZE} posts by the author since; "
            "cannot tell yet",
        )
    if found is not None:
        return Reconciliation(Reconciled.PUBLISHED, found, "found among the author's posts")
    return Reconciliation(Reconciled.NOT_PUBLISHED, detail="not among the author's posts")


def unreadable(job: PublishJob, why: str) -> str:
    member = author_kind(job.account_external_id) == PERSON
    return CANNOT_TELL.format(
        whose="a member's" if member else "the page's",
        why=why,
        where="the member's profile" if member else "the page",
    )


_TOO_MANY = object()


def find_post(
    api: LinkedInApi, settings: LinkedInSettings, job: PublishJob, prepared: Prepared
) -> Any:
    """Our post's URN, None when it is not there, or _TOO_MANY when the pages ran out first."""
    author = job.account_external_id
    author_kind(author)
    expected = (commentary(job.content), _shape(content_field(job.content, prepared.images)))
    since_ms = prepared.at_ms - int(settings.search_slack_s * 1000)
    call = Call("linkedin posts list", False, (job.access_token,))
    for page in range(settings.search_pages):
        query = (
            f"?q=author&author={quoted(author)}&sortBy=CREATED&count={PAGE_SIZE}"
            f"&start={page * PAGE_SIZE}"
        )
        response = api.request(
            job, "GET", f"/rest/posts{query}", "posts list", headers={"X-RestLi-Method": "FINDER"}
        )
        elements = json_object(call, response, "elements")["elements"]
        if not isinstance(elements, list):
            return None
        for element in elements:
            if not isinstance(element, dict):
                continue
            created = element.get("createdAt")
            if not isinstance(created, int):
                continue
            if created < since_ms:
                return None  # newest first: the rest are older than our prepare
            if _ours(element, author, expected):
                return str(element["id"])
        if len(elements) < PAGE_SIZE:
            return None
    return _TOO_MANY


def _ours(element: dict[str, Any], author: str, expected: tuple[str, Any]) -> bool:
    return (
        element.get("author") == author
        and is_post(str(element.get("id", "")))
        and element.get("lifecycleState", "PUBLISHED") == "PUBLISHED"
        and (element.get("commentary") or "", _shape(element.get("content"))) == expected
    )


def _shape(content: Any) -> tuple[str, ...] | None:
    """What identifies a post's content: its image URNs, or its article's URL."""
    if not isinstance(content, dict) or not content:
        return None
    if isinstance(content.get("media"), dict):
        return ("media", str(content["media"].get("id")))
    if isinstance(content.get("multiImage"), dict):
        images = content["multiImage"].get("images") or []
        return ("multiImage", *(str(i.get("id")) for i in images if isinstance(i, dict)))
    if isinstance(content.get("article"), dict):
        return ("article", str(content["article"].get("source")))
    return ("other", *sorted(content))
