"""Launching a backfill of a platform asset through Dagster's GraphQL API.

Dagster has no public Python API to launch a backfill; `launchPartitionBackfill` is the
supported route, and the webserver that serves it is the one users already run. The backfill
is one run per the asset's single-run policy; a run that is not started by the sensor sends
the window's missed targets too, and published ones are never touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from ..store.due import hour_floor

KEY_FORMAT = "%Y-%m-%d-%H:%M"

LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on PartitionKeysNotFoundError { message }
    ... on PartitionSetNotFoundError { message }
    ... on UnauthorizedError { message }
    ... on InvalidSubsetError { message }
  }
}
"""

STATUS = """
query Status($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { status numPartitions }
    ... on PythonError { message }
  }
}
"""


class BackfillError(RuntimeError):
    pass


@dataclass(frozen=True)
class Backfill:
    backfill_id: str
    partitions: list[str]
    url: str


def window_keys(start: datetime, end: datetime) -> list[str]:
    """Hourly partition keys covering [start, end): every window a due time in range falls in."""
    if end <= start:
        raise BackfillError("--to must be after --from")
    keys, cursor = [], hour_floor(start)
    while cursor < end:
        keys.append(cursor.strftime(KEY_FORMAT))
        cursor += timedelta(hours=1)
    if len(keys) > 24 * 31:
        raise BackfillError(f"{len(keys)} hourly windows: backfill at most a month at a time")
    return keys


def _graphql(ui_url: str, query: str, variables: dict, timeout_s: float = 30.0) -> dict:
    try:
        response = httpx.post(
            f"{ui_url.rstrip('/')}/graphql",
            json={"query": query, "variables": variables},
            timeout=timeout_s,
        )
    except httpx.TransportError as exc:
        raise BackfillError(
            f"cannot reach the Dagster webserver at {ui_url} ({type(exc).__name__}); is it "
            "running (scripts/dev.sh demo, dagster-webserver)? Pass --ui-url otherwise"
        ) from None
    if response.status_code != 200:
        raise BackfillError(f"Dagster GraphQL answered HTTP {response.status_code}")
    body = response.json()
    if body.get("errors"):
        raise BackfillError("; ".join(e.get("message", "?") for e in body["errors"]))
    return body["data"]


def launch(ui_url: str, platform: str, start: datetime, end: datetime) -> Backfill:
    keys = window_keys(start, end)
    params = {
        "partitionNames": keys,
        "assetSelection": [{"path": [f"{platform}_posts"]}],
        "title": f"re-publish {platform} {keys[0]} .. {keys[-1]}",
        "tags": [{"key": "socialsched/trigger", "value": "backfill"}],
    }
    result = _graphql(ui_url, LAUNCH, {"params": params})["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        raise BackfillError(f"{result['__typename']}: {result.get('message', '')}")
    backfill_id = result["backfillId"]
    return Backfill(backfill_id, keys, f"{ui_url.rstrip('/')}/runs/b/{backfill_id}")


def wait(ui_url: str, backfill_id: str, timeout_s: float = 600, poll_s: float = 2.0) -> str:
    """Poll until the backfill leaves REQUESTED; returns its final status."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = _graphql(ui_url, STATUS, {"id": backfill_id})["partitionBackfillOrError"]
        status = result.get("status")
        if status and status not in ("REQUESTED", "CANCELING"):
            return status
        if time.monotonic() > deadline:
            raise BackfillError(f"backfill {backfill_id} still {status} after {timeout_s:.0f} s")
        time.sleep(poll_s)
