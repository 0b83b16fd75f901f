"""Finding a Facebook post by what it says, when there is no id to read it by.

The last resort (facebook.py prefers the draft's id): for videos, published in one call, and for
targets with no stored id. Matched on what Graph returns today, not on what we sent: the
`message` (whitespace normalised), and a link under `attachments` (`unshimmed_url`, or the
`u` of an l.facebook.com redirect), since feed items lost their `link` field in v3.3. Photos
are re-hosted, so a photo is recognised by its caption and a photo attachment, never its URL.
Only posts created within the look-back are read, up to PAGES pages of PER_PAGE: a busy page
makes a few hundred posts in two days.

Evidence, not proof: the same words posted twice within the window are taken for ours, and our
post is not sent (a missed post rather than a double one). A captionless photo has nothing to
recognise it by: if the window holds no captionless photo post it certainly did not go out,
otherwise the answer is "unknown" and a person decides.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ...domain.content import MediaKind, PostContent
from ...domain.errors import PublishError
from ..base import PublishJob, Reconciled, Reconciliation
from ..graph_api import GraphApi
from ..recent import recent_items

PER_PAGE, PAGES = 100, 5  # Graph serves at most 100 posts a page
POST_FIELDS = "id,message,created_time,attachments{media_type,type,url,unshimmed_url,target{url}}"
LINK_TYPES = frozenset({"link", "share"})


def find_published(graph: GraphApi, job: PublishJob, lookback_s: float) -> Reconciliation:
    try:
        if job.content.media and job.content.media[0].kind is MediaKind.VIDEO:
            return _find_video(graph, job, lookback_s)
        return _find_post(graph, job, lookback_s)
    except PublishError as exc:
        return Reconciliation(Reconciled.UNKNOWN, detail=f"page posts: {exc}")


def _recent(graph: GraphApi, job: PublishJob, edge: str, fields: str, lookback_s: float):
    return recent_items(
        graph, job, f"{job.account_external_id}/{edge}", f"{edge} list", fields,
        "created_time", lookback_s, pages=PAGES, per_page=PER_PAGE,
        since=int(time.time() - lookback_s),
    )  # fmt: skip


def _find_post(graph: GraphApi, job: PublishJob, lookback_s: float) -> Reconciliation:
    c = job.content
    text, link, photo = normalise(c.text), c.link.strip(), bool(c.media)
    if photo:
        link = ""  # a photo post carries its photo, not the link (facebook.py sends none)
    items = _recent(graph, job, "posts", POST_FIELDS, lookback_s)
    if not text and not link:
        return _captionless(list(items)) if photo else Reconciliation(
            Reconciled.UNKNOWN, detail="the post has nothing to recognise it by"
        )  # fmt: skip
    for item in items:  # read page by page: the newest match ends the search
        kinds = {a.get("media_type") for a in _attachments(item)}
        if normalise(item.get("message", "")) != text or (photo and "photo" not in kinds):
            continue
        if link and not _links_to(item, link, strict=not text):
            continue
        if item.get("id"):
            return Reconciliation(Reconciled.PUBLISHED, str(item["id"]), "found by its content")
    return Reconciliation(
        Reconciled.NOT_PUBLISHED, detail="no recent post of the page says what we sent"
    )


def _captionless(items: list[dict[str, Any]]) -> Reconciliation:
    candidates = [
        i for i in items
        if not normalise(i.get("message", ""))
        and any(a.get("media_type") == "photo" for a in _attachments(i))
    ]  # fmt: skip
    if not candidates:
        return Reconciliation(
            Reconciled.NOT_PUBLISHED, detail="no captionless photo among the page's recent posts"
        )
    return Reconciliation(
        Reconciled.UNKNOWN,
        detail=f"{len(candidates)} captionless photo post(s) in the window: cannot tell ours",
    )


def _find_video(graph: GraphApi, job: PublishJob, lookback_s: float) -> Reconciliation:
    c = job.content
    title, description = normalise(c.title), normalise(video_description(c))
    fields = "id,title,description,created_time"
    for item in _recent(graph, job, "videos", fields, lookback_s):
        same = normalise(item.get("title", "")) == title
        if same and normalise(item.get("description", "")) == description and item.get("id"):
            return Reconciliation(Reconciled.PUBLISHED, str(item["id"]), "found by its title")
    return Reconciliation(
        Reconciled.NOT_PUBLISHED, detail="no recent video of the page has this title"
    )


def video_description(c: PostContent) -> str:
    """What we send as a video's description (and Graph shows as its post's message)."""
    return c.description or c.text


def normalise(text: str) -> str:
    return " ".join((text or "").split())


def _attachments(item: dict[str, Any]) -> list[dict[str, Any]]:
    box = item.get("attachments")
    data = box.get("data") if isinstance(box, dict) else None
    return [a for a in data if isinstance(a, dict)] if isinstance(data, list) else []


def _links_to(item: dict[str, Any], link: str, *, strict: bool) -> bool:
    """Whether a post links to `link`. Not strict (the text matched already): any link
    attachment will do, because a shortened link shows as where it leads."""
    want = _url_key(link)
    shares = [a for a in _attachments(item) if a.get("media_type") in LINK_TYPES
              or a.get("type") in LINK_TYPES]  # fmt: skip
    for a in shares:
        target = a.get("target") if isinstance(a.get("target"), dict) else {}
        urls = (a.get("unshimmed_url"), a.get("url"), target.get("url"))
        if any(isinstance(u, str) and _url_key(u) == want for u in urls):
            return True
    return bool(shares) and not strict


def _url_key(url: str) -> tuple[str, str, str]:
    """Host, path and query, tolerant of scheme, `www.`, a trailing slash and the l.facebook.com
    redirect Graph wraps outbound links in."""
    url = url.strip()
    parts = urlsplit(url if "://" in url else f"https://{url}")  # Graph adds a scheme we omit
    host = (parts.hostname or "").lower()
    if host in ("l.facebook.com", "lm.facebook.com") and parts.path == "/l.php":
        inner = parse_qs(parts.query).get("u")
        if inner:
            return _url_key(inner[0])
    return host.removeprefix("www."), parts.path.rstrip("/"), parts.query
