"""The Images API in the sandbox, as its reference describes it:

- `POST /rest/images?action=initializeUpload` `{"initializeUploadRequest": {"owner": urn}}`:
  the owner must be the token's (w_member_social / w_organization_social); answers
  `{"value": {"uploadUrlExpiresAt", "uploadUrl", "image"}}`, the image WAITING_UPLOAD;
- `PUT <uploadUrl>` with the bytes: 201; the image is PROCESSING, then AVAILABLE after
  `image_processing_s`, or PROCESSING_FAILED when the bytes are no JPG, PNG or GIF;
- `GET /rest/images/{urn}`: `{"id", "owner", "status", "downloadUrl"..}`, for a token allowed
  to read the owner's content (r_member_social / r_organization_social).
"""

from __future__ import annotations

import json
import secrets
import string

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox import errors
from .sandbox_calls import LinkedInCall, li_error, li_of, refuse
from .sandbox_state import SandboxImage, is_image
from .urns import IMAGE_PREFIX

_ID_CHARS = string.ascii_letters + string.digits + "-_"
UPLOAD_PATH = "/linkedin/dms-uploads"


def _image_id() -> str:
    return "D4E10AQ" + "".join(secrets.choice(_ID_CHARS) for _ in range(12))


async def initialize_upload(call: LinkedInCall) -> Response:
    request, li, now = call.request, call.li, call.state.now()
    if request.query_params.get("action") != "initializeUpload":
        raise refuse(400, "ILLEGAL_ARGUMENT", "Unsupported action: expected initializeUpload")
    try:
        body = json.loads(await request.body() or b"{}")
        owner = body["initializeUploadRequest"]["owner"]
    except (ValueError, KeyError, TypeError):
        raise refuse(
            400, "MISSING_FIELD", "/initializeUploadRequest/owner is required but missing"
        ) from None
    if not call.may_write(str(owner)):
        raise call.denied("images", "CREATE")
    image = SandboxImage(
        urn=f"{IMAGE_PREFIX}{_image_id()}",
        owner=str(owner),
        upload_id=secrets.token_urlsafe(12),
        created_at=now,
    )
    li.add_image(image)
    origin = str(request.base_url).rstrip("/")
    url = f"{origin}{UPLOAD_PATH}/{image.upload_id}/uploaded-image/0?cn=uploads&sync=0&v=beta"
    value = {"uploadUrlExpiresAt": int((now + 86400) * 1000), "uploadUrl": url, "image": image.urn}
    return errors.json_response({"value": value})


async def upload(request: Request) -> Response:
    """The signed upload URL: no token needed (the URL is the secret), bytes in the body."""
    li = li_of(request)
    urn = li.uploads.get(request.path_params["upload_id"])
    if urn is None:
        return li_error(404, "NOT_FOUND", "Could not find entity")
    data = await request.body()
    li.uploaded(li.images[urn], len(data), bool(data) and is_image(data))
    return Response(status_code=201)


async def get_image(call: LinkedInCall, urn: str) -> Response:
    image = call.li.images.get(urn)
    if image is None:
        raise refuse(404, "NOT_FOUND", "Could not find entity")
    if not call.may_read(image.owner):
        raise call.denied("images", "GET")
    status = call.li.image_status(image)
    body = {"id": image.urn, "owner": image.owner, "status": status}
    if status == "AVAILABLE":
        body["downloadUrl"] = f"https://media.licdn.com/dms/image/{urn.removeprefix(IMAGE_PREFIX)}"
        body["downloadUrlExpiresAt"] = int((call.state.now() + 86400) * 1000)
    return errors.json_response(body)
