"""The Bluesky sandbox's repository: uploadBlob, createRecord, getRecord, listRecords, and
identity.resolveHandle, answering as the reference PDS does.

Faithful where a client could be fooled: a second createRecord under a key the repo already
holds fails with the PDS's bare 500 ("InternalServerError", no hint of a conflict: the PDS's
tree insert throws); blobs are content-addressed (the same bytes give the same CID) and a blob
no record references is dropped after `blob_ttl_s`; the blob ref a record names must match the
stored blob's MIME type and size; each create costs 3 of the account's write points and every
answer carries the RateLimit-* headers of the tightest window. A reply is stored whatever its
refs name, as the PDS stores it; its ledger entry says what it answers (`in_reply_to`, the
parent's URI, and `thread_root`) and whether the AppView would show it in that thread
(`reply_problem`, sandbox_thread.py). getRecord and listRecords give the record back as written,
`reply` included.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ...sandbox.errors import json_response
from ...sandbox.graph import TARGET_HEADER
from .sandbox_auth import DID, account_of, did_for, json_body, rate_limited, xrpc_error
from .sandbox_state import PLATFORM, Blob, BlueskySandbox
from .sandbox_thread import reply_problem
from .sandbox_validate import post_problem
from .tid import TidClock, is_tid

POST = "app.bsky.feed.post"
_tids = TidClock()


def cid(codec: int, data: bytes) -> str:
    """A CIDv1 (sha2-256), base32: raw (0x55) for blobs, dag-cbor (0x71) for records."""
    digest = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(digest).decode().lower().rstrip("=")


def sniff(data: bytes, declared: str) -> str:
    """The MIME type by magic bytes, as the PDS's file-type check finds it; else the header's."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return declared or "application/octet-stream"


async def upload_blob(request: Request, ext: BlueskySandbox) -> Response:
    did = account_of(request, ext)
    if isinstance(did, Response):
        return did
    declared = request.headers.get("content-type", "").split(";")[0].strip()
    if not declared:
        return xrpc_error(
            400, "InvalidRequest", "Request encoding (Content-Type) required but not provided"
        )
    data = await request.body()
    if len(data) > ext.limits.upload_limit:
        return xrpc_error(413, "PayloadTooLarge", "request entity too large")
    blob = Blob(did, cid(0x55, data), sniff(data, declared), len(data), ext.state.now())
    ext.add_blob(blob)
    ref = {"$type": "blob", "ref": {"$link": blob.cid}, "mimeType": blob.mime_type}
    return json_response({"blob": {**ref, "size": blob.size}})


async def create_record(request: Request, ext: BlueskySandbox) -> Response:
    did = account_of(request, ext)
    if isinstance(did, Response):
        return did
    body = await json_body(request)
    if isinstance(body, Response):
        return body
    # The PDS spends the write points before its handler looks at the record.
    now = ext.state.now()
    windows = ext.write_windows(did)
    refused = windows.consume(now, ext.limits.create_cost)
    if refused is not None:
        ext.state.stats.rate_limit_violations += 1
        ext.state.stats.throttled["bluesky_create_record"] += 1
        return rate_limited(refused.headers(now), refused.start + refused.seconds - now)
    headers = windows.tightest(now).headers(now)
    repo, collection, record = body.get("repo"), body.get("collection"), body.get("record")
    if not isinstance(repo, str) or not isinstance(record, dict) or collection != POST:
        return xrpc_error(
            400, "InvalidRequest", f"the sandbox takes {POST} records with repo and record", headers
        )
    if (repo if repo.startswith("did:") else did_for(repo)) != did:
        return xrpc_error(401, "AuthenticationRequired", "Authentication Required", headers)
    rkey = body.get("rkey") or _tids.next(int(now * 1e6))
    if not isinstance(rkey, str) or not is_tid(rkey):
        message = f"Invalid record key for {POST}: {rkey!r} is not a TID"
        return xrpc_error(400, "InvalidRequest", message, headers)
    if record.get("$type") != POST:
        return xrpc_error(400, "InvalidRequest", f"Invalid $type: expected {POST}", headers)
    message = post_problem(record)
    if message:
        return xrpc_error(400, "InvalidRequest", message, headers)
    refusal = _blob_problem(ext, did, record)
    if refusal:
        return xrpc_error(400, *refusal, headers)
    if (did, rkey) in ext.records:
        # The reference PDS's repo tree refuses the duplicate key with a plain exception.
        return xrpc_error(500, "InternalServerError", "Internal Server Error", headers)
    uri = f"at://{did}/{POST}/{rkey}"
    record_cid = cid(0x71, json.dumps(record, sort_keys=True).encode())
    reply = record.get("reply")
    entry = ext.state.ledger.new_entry(
        platform=PLATFORM, account=did, external_id=uri, endpoint="bluesky_create_record",
        ts=now, text=record["text"], source_id=uri, target=request.headers.get(TARGET_HEADER),
        in_reply_to=reply["parent"]["uri"] if reply else None, record=record, cid=record_cid,
    )  # fmt: skip
    if reply:
        entry["thread_root"] = reply["root"]["uri"]
        entry["reply_problem"] = reply_problem(ext.records, reply)
    ext.state.record(entry)
    commit = {"cid": cid(0x71, uri.encode() + str(now).encode()), "rev": _tids.next()}
    answer = {"uri": uri, "cid": record_cid, "commit": commit, "validationStatus": "valid"}
    return json_response(answer, 200, headers)


def _blob_problem(ext: BlueskySandbox, did: str, record: dict[str, Any]):
    """(error name, message) for a blob ref the repo cannot back, as the PDS checks them."""
    now = ext.state.now()
    for image in (record.get("embed") or {}).get("images") or []:
        ref = image["image"]
        link = ref["ref"]["$link"]
        found = ext.blob(did, link, now)
        if found is None:
            return "BlobNotFound", f"Could not find blob: {link}"
        if found.mime_type != ref["mimeType"]:
            return "InvalidMimeType", (
                "Referenced Mimetype does not match stored blob. "
                f"Expected: {found.mime_type}, Got: {ref['mimeType']}"
            )
        if found.size != ref["size"]:
            return "InvalidSize", (
                f"Referenced Size does not match stored blob. Expected: {found.size}, "
                f"Got: {ref['size']}"
            )
    return None


async def get_record(request: Request, ext: BlueskySandbox) -> Response:
    q = request.query_params
    missing = [k for k in ("repo", "collection", "rkey") if not q.get(k)]
    if missing:
        return xrpc_error(400, "InvalidRequest", f'Params must have the property "{missing[0]}"')
    did = _did(q["repo"])
    uri = f"at://{did or q['repo']}/{q['collection']}/{q['rkey']}"
    found = ext.records.get((did, q["rkey"])) if q["collection"] == POST else None
    if found is None:
        return xrpc_error(400, "RecordNotFound", f"Could not locate record: {uri}")
    return json_response({"uri": found.uri, "cid": found.cid, "value": found.value})


async def list_records(request: Request, ext: BlueskySandbox) -> Response:
    q = request.query_params
    did = _did(q.get("repo", ""))
    if did is None or not q.get("collection"):
        return xrpc_error(400, "InvalidRequest", 'Params must have "repo" and "collection"')
    try:
        limit = int(q.get("limit", 50))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100:
        return xrpc_error(400, "InvalidRequest", "limit must be an integer from 1 to 100")
    reverse = q.get("reverse", "false").lower() == "true"
    keys = sorted((k for d, k in ext.records if d == did), reverse=not reverse)
    cursor = q.get("cursor")
    if cursor:
        keys = [k for k in keys if (k > cursor if reverse else k < cursor)]
    page = keys[:limit] if q["collection"] == POST else []
    records = [
        {"uri": r.uri, "cid": r.cid, "value": r.value}
        for r in (ext.records[(did, k)] for k in page)
    ]
    body: dict[str, Any] = {"records": records}
    if len(page) == limit:
        body["cursor"] = page[-1]
    return json_response(body)


async def resolve_handle(request: Request, ext: BlueskySandbox) -> Response:
    handle = request.query_params.get("handle", "").strip().lower()
    if not handle:
        return xrpc_error(400, "InvalidRequest", 'Params must have the property "handle"')
    did = did_for(handle)
    if did is not None:
        return json_response({"did": did})
    if handle.endswith(".bsky.social"):
        return xrpc_error(400, "HandleNotFound", "Unable to resolve handle")
    return xrpc_error(400, "InvalidRequest", "Unable to resolve handle")


def _did(repo: str) -> str | None:
    return repo if DID.match(repo) else did_for(repo)
