"""The Mastodon sandbox's answers, shaped as Mastodon's REST entities: Status (with `content`
as the HTML Mastodon renders, not the text that was sent), MediaAttachment, Account, Instance.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from typing import Any

from .sandbox_state import InstanceConfig, MastodonSandbox, SandboxMedia

_TOKEN = re.compile(
    r"(?P<url>https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'])"
    r"|(?<![\w/])@(?P<user>\w+)(?:@(?P<domain>[\w.-]+\.\w+))?"
    r"|(?<![\w&])#(?P<tag>\w+)"
)


def iso(ts: float) -> str:
    dt = datetime.fromtimestamp(ts, timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def content_html(text: str, base: str) -> str:
    """TextFormatter's output: paragraphs, <br />, links shortened for display, mentions and
    hashtags as links (a remote mention shows without its domain)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    rendered = ["<br />".join(_line(line, base) for line in p.split("\n")) for p in paragraphs]
    return "".join(f"<p>{p}</p>" for p in rendered)


def _line(line: str, base: str) -> str:
    out, last = [], 0
    for m in _TOKEN.finditer(line):
        out.append(html.escape(line[last : m.start()], quote=False))
        out.append(_entity(m, base))
        last = m.end()
    out.append(html.escape(line[last:], quote=False))
    return "".join(out)


def _entity(m: re.Match, base: str) -> str:
    if m["url"]:
        url = m["url"]
        scheme, _, rest = url.partition("://")
        shown, hidden = rest[:30], rest[30:]
        ellipsis = "ellipsis" if hidden else ""
        return (
            f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" '
            f'translate="no"><span class="invisible">{scheme}://</span>'
            f'<span class="{ellipsis}">{html.escape(shown)}</span>'
            f'<span class="invisible">{html.escape(hidden)}</span></a>'
        )
    if m["user"]:
        host = m["domain"] or base.split("://", 1)[-1]
        return (
            f'<span class="h-card" translate="no"><a href="https://{html.escape(host)}/@'
            f'{m["user"]}" class="u-url mention">@<span>{m["user"]}</span></a></span>'
        )
    return f'<a href="{base}/tags/{m["tag"]}" class="mention hashtag" rel="tag">#<span>{m["tag"]}</span></a>'  # noqa: E501


def account(account_id: str, base: str, statuses_count: int = 0) -> dict[str, Any]:
    username = f"user{account_id[-6:]}"
    return {
        "id": account_id,
        "username": username,
        "acct": username,
        "display_name": f"Sandbox {username}",
        "locked": False,
        "bot": False,
        "discoverable": True,
        "group": False,
        "created_at": "2024-01-01T00:00:00.000Z",
        "note": "",
        "url": f"{base}/@{username}",
        "avatar": f"{base}/avatars/original/missing.png",
        "header": f"{base}/headers/original/missing.png",
        "followers_count": 0,
        "following_count": 0,
        "statuses_count": statuses_count,
        "last_status_at": None,
        "emojis": [],
        "fields": [],
    }


def media(m: SandboxMedia, base: str, now: float) -> dict[str, Any]:
    ready = now >= m.ready_at
    url = f"{base}/system/media_attachments/files/{m.id}/original/file"
    return {
        "id": m.id,
        "type": m.type,
        "url": url if ready else None,
        "preview_url": f"{base}/system/media_attachments/files/{m.id}/small/file",
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {},
        "description": m.description,
        "blurhash": "UPN1Ddxup{IT9an~.8RjK-oy%gkE%#W?i^t6",
    }


def status(sb: MastodonSandbox, entry: dict[str, Any], base: str) -> dict[str, Any]:
    sid, who = entry["external_id"], account(entry["account"], base)
    attached = [sb.media[i] for i in entry.get("_media_ids") or [] if i in sb.media]
    return {
        "id": sid,
        "created_at": iso(entry["ts"]),
        "in_reply_to_id": entry.get("in_reply_to"),
        "in_reply_to_account_id": entry.get("_in_reply_to_account"),
        "sensitive": False,
        "spoiler_text": "",
        "visibility": entry.get("_visibility", "public"),
        "language": "en",
        "uri": f"{base}/users/{who['username']}/statuses/{sid}",
        "url": f"{base}/@{who['username']}/{sid}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": None,
        "content": content_html(entry.get("_text", ""), base),
        "reblog": None,
        "application": {"name": "socialsched", "website": None},
        "account": who,
        "media_attachments": [media(m, base, float("inf")) for m in attached],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
    }


def instance(config: InstanceConfig, base: str) -> dict[str, Any]:
    return {
        "domain": config.domain,
        "title": "Mastodon sandbox",
        "version": "4.3.0",
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "",
        "usage": {"users": {"active_month": 1}},
        "languages": ["en"],
        "thumbnail": {"url": f"{base}/packs/media/images/preview.png"},
        "configuration": {
            "urls": {"streaming": base.replace("http", "ws", 1)},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {
                "max_characters": config.max_characters,
                "max_media_attachments": config.max_media_attachments,
                "characters_reserved_per_url": config.characters_reserved_per_url,
            },
            "media_attachments": {
                "description_limit": config.description_limit,
                "image_size_limit": config.image_size_limit,
                "image_matrix_limit": 33177600,
                "supported_mime_types": list(config.supported_mime_types),
                "video_frame_rate_limit": 120,
                "video_matrix_limit": 8294400,
                "video_size_limit": config.video_size_limit,
            },
            "polls": {
                "max_options": 4,
                "max_characters_per_option": 50,
                "min_expiration": 300,
                "max_expiration": 2629746,
            },
            "translation": {"enabled": False},
        },
        "registrations": {"enabled": False, "approval_required": False, "message": None},
        "contact": {"email": "", "account": None},
        "rules": [],
    }
