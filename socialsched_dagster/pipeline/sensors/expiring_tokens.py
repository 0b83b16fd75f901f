"""`expiring_tokens_sensor`: requests a refresh as soon as a token enters its horizon.

Each request names the token versions it is for (run key), so the same refresh is never
requested twice; a refresh that failed for now is requested again with exponential spacing,
remembered in the cursor.
"""

import hashlib
import json

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from ...domain.platforms import Platform
from ...store.models import OAuthToken, utcnow
from ...store.tokens import tokens_expiring
from ..resources.database import DatabaseResource
from ..resources.platforms import refresh_policy

MAX_SPACING_S = 1800


def build_expiring_tokens_sensor(job):
    @sensor(
        name="expiring_tokens_sensor",
        job=job,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Requests an oauth_tokens refresh when a token enters its refresh horizon.",
    )
    def expiring_tokens_sensor(context: SensorEvaluationContext, database: DatabaseResource):
        now, policy = utcnow(), refresh_policy()

        def read(s):
            due = [
                t
                for p in Platform
                for t in tokens_expiring(s, p.value, policy.refresh_before(p, now))
            ]
            failures = dict(
                s.query(OAuthToken.account_id, OAuthToken.consecutive_failures).filter(
                    OAuthToken.account_id.in_([t.account_id for t in due])
                )
            )
            return due, failures

        # A transaction, not a bare session: a database restart is waited out, not a failed tick.
        due, failures = database.get_database().transaction(
            read, name="expiring tokens sensor", read_only=True
        )
        if not due:
            return SkipReason("no token within its refresh horizon")
        last = json.loads(context.cursor) if context.cursor else {}
        wanted = []
        for token in due:
            n = failures.get(token.account_id, 0)
            key = f"{token.account_id}:{token.version.isoformat()}:{n}"
            previous = last.get(str(token.account_id))
            if previous and previous[0] == key:
                continue  # this exact refresh was requested already
            if previous and n and now.timestamp() - previous[1] < min(60 * 2**n, MAX_SPACING_S):
                continue  # failed for now: space the retries out
            wanted.append((token, key))
        if not wanted:
            return SkipReason(f"{len(due)} token(s) due, refresh already requested")
        for token, key in wanted:
            last[str(token.account_id)] = [key, now.timestamp()]
        context.update_cursor(json.dumps(last))
        digest = hashlib.sha256("|".join(sorted(k for _, k in wanted)).encode()).hexdigest()[:16]
        return RunRequest(
            run_key=f"tokens-{digest}",
            tags={"socialsched/trigger": "expiring_tokens_sensor"},
        )

    return expiring_tokens_sensor
