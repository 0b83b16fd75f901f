"""A thread of posts as the publisher walks it: one job per segment, in order, each a reply to
the segment before. A post without a thread is a thread of one, and its job is unchanged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..domain.platform_calls import PublishJob


def total(job: PublishJob) -> int:
    return len(job.content.segments)


def segment_job(job: PublishJob, done: Sequence[str]) -> PublishJob:
    """The job for the first segment not yet out, given the ids of those that are."""
    segments = job.content.segments
    if len(segments) == 1:
        return job
    position = len(done)
    return replace(
        job,
        content=segments[position],
        segment=position,
        reply_to=done[-1] if done else None,
        thread_root=done[0] if done else None,
    )


def where(job: PublishJob, count: int) -> str:
    """`segment 3 of 5: ` for a thread's message, nothing for a single post."""
    return f"segment {job.segment + 1} of {count}: " if count > 1 else ""
