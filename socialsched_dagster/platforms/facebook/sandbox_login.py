"""Facebook Login in the sandbox: who granted which Pages. A user token's account is a Facebook
user id; `/me/accounts` lists the Pages that user granted on the consent page, each with a
Page token. Grants are journalled as "ext" events, so a restarted sandbox still knows them."""

from __future__ import annotations

from typing import Any

PLATFORM = "facebook"


class FacebookLogin:
    def __init__(self, state: Any) -> None:
        self.state = state
        self.pages_of: dict[str, list[str]] = {}

    def grant(self, user: str, pages: list[str]) -> None:
        self.state.journal.append(
            {"t": "ext", "platform": PLATFORM, "kind": "login", "user": user, "pages": pages}
        )
        self.pages_of[user] = list(pages)

    def replay(self, event: dict[str, Any]) -> None:
        if event.get("kind") == "login":
            self.pages_of[str(event["user"])] = [str(p) for p in event.get("pages") or []]
