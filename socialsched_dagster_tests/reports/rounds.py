"""Publishing rounds for the report tests: real runs, all platforms at once."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import update

from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.store.models import PostTarget, utcnow

from ..pipeline.conftest import EXTERNAL_IDS


def publish_round(world, platforms=tuple(EXTERNAL_IDS), timeout: float = 180) -> None:
    """Each world platform's publishing job as a real run process, side by side: one after
    another would cost this folder's whole time budget."""
    procs = {p: world.run(p, wait=False) for p in platforms}
    for platform, proc in procs.items():
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
            pytest.fail(f"the {platform.value} run did not finish in {timeout} s:\n{out[-4000:]}")
        assert proc.returncode == 0, f"the {platform.value} run failed:\n{out[-4000:]}"


def set_target(world, post_id: int, **values) -> int:
    """Change a target behind the pipeline's back (a status no run produced in the test)."""

    def work(session):
        result = session.execute(
            update(PostTarget).where(PostTarget.post_id == post_id).values(**values)
        )
        return result.rowcount

    return world.db.transaction(work)


def fake_published(world, platform: Platform, external_id: str) -> int:
    """A target recorded as published under an id the platform never issued."""
    (post_id,) = world.schedule(platform, 1, due_in_s=-60)
    set_target(
        world, post_id, status="published", external_post_id=external_id, published_at=utcnow()
    )
    return post_id
