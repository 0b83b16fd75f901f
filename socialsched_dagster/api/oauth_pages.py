"""The two small pages a browser sees at the end of a connection: connected, or why not.
Every value is escaped (an error text may come from the platform's redirect), and no page
quotes a code, a state or a token."""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;"
    "color:#222}h1{font-size:1.4rem}.ok{color:#17612f}.no{color:#a1261b}"
    "p{line-height:1.5}code{background:#f3f3f3;padding:0 .2rem}"
)


def _page(title: str, heading_class: str, heading: str, body: str, status: int) -> HTMLResponse:
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<h1 class="{heading_class}">{heading}</h1>{body}</body></html>'
    )
    return HTMLResponse(html, status_code=status)


def connected_page(platform: str, handle: str, workspace: str, reconnected: bool) -> HTMLResponse:
    ref = f"{platform}:{handle}"
    what = "Reconnected" if reconnected else "Connected"
    heading = f"{what} {escape(ref)} to workspace {escape(workspace)}"
    body = (
        "<p>You can close this page. The account is listed by "
        "<code>GET /api/v1/accounts</code> and posts can be scheduled to "
        f"<code>{escape(ref)}</code>.</p>"
    )
    return _page(f"{what} {ref}", "ok", heading, body, 200)


def error_page(status: int, code: str, message: str) -> HTMLResponse:
    body = f"<p>{escape(message)}</p><p>Nothing was changed. (<code>{escape(code)}</code>)</p>"
    return _page("Not connected", "no", "The account was not connected", body, status)
