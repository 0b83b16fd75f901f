"""Run tags that make the daemon serve publishing first and end runs that are stuck.

`dagster/priority`: the QueuedRunCoordinator dequeues higher values first, and pool slots go to
higher values first. Publishing runs are late the moment they wait. Token refreshes come next: a
token that runs out holds every post of its account, and a refresh run takes seconds; they stay
below publishing because a publish that meets an expired token refreshes it itself. Health
checks and reports keep Dagster's default (0): a few minutes late changes nothing.

`dagster/max_runtime`: run monitoring terminates (and marks failed) a run older than this,
whatever launcher is in use; it is the one way Dagster ends a run that is alive but stuck.
"""

from __future__ import annotations

from ..publishing.settings import PublishSettings

PRIORITY_TAG = "dagster/priority"
# Which lane a run is in: the instance caps the lanes that are not publishing
# (`tag_concurrency_limits` in both dagster.yaml files), so however many health checks or token
# refreshes pile up, they never hold the run slots the platforms' publishing runs need.
LANE_TAG = "socialsched/lane"
MAX_RUNTIME_TAG = "dagster/max_runtime"
PUBLISH_PRIORITY = 10
TOKEN_REFRESH_PRIORITY = 5
WINDOW_S = 3600.0
# Health checks and token refreshes take seconds to a minute; ten times that is stuck.
SHORT_JOB_MAX_RUNTIME_S = 900


def publishing_max_runtime_s(settings: PublishSettings, lead_s: float) -> int:
    """The longest a publishing run can have useful work: requested `lead_s` before its window,
    it lives through the hour, and the last target of the hour may be retried until it is
    `stale_after` late. Past that nothing in its window can be sent automatically any more, so
    a run still up is stuck (a hung call, a lost process). Ten minutes of slack on top."""
    return int(lead_s + WINDOW_S + settings.stale_after_s + 600)


def publishing_run_tags(settings: PublishSettings, lead_s: float) -> dict[str, str]:
    return {
        PRIORITY_TAG: str(PUBLISH_PRIORITY),
        MAX_RUNTIME_TAG: str(publishing_max_runtime_s(settings, lead_s)),
        LANE_TAG: "publishing",
    }


def token_refresh_run_tags() -> dict[str, str]:
    return {
        PRIORITY_TAG: str(TOKEN_REFRESH_PRIORITY),
        MAX_RUNTIME_TAG: str(SHORT_JOB_MAX_RUNTIME_S),
        LANE_TAG: "tokens",
    }


def upkeep_run_tags() -> dict[str, str]:
    """Reports and engagement reads: the capped upkeep lane, no runtime bound (their length
    grows with the history they read)."""
    return {LANE_TAG: "upkeep"}


def health_run_tags() -> dict[str, str]:
    return {MAX_RUNTIME_TAG: str(SHORT_JOB_MAX_RUNTIME_S), **upkeep_run_tags()}
