import itertools

import pytest

from socialsched_dagster.domain.states import (
    ALLOWED,
    CANCELLABLE,
    FINAL,
    IllegalTransition,
    TargetStatus,
    check_transition,
    post_status,
    sources_of,
)

S = TargetStatus
LEGAL = {
    (S.SCHEDULED, S.PUBLISHING),
    (S.SCHEDULED, S.HELD),
    (S.SCHEDULED, S.MISSED),
    (S.SCHEDULED, S.CANCELLED),
    (S.SCHEDULED, S.PENDING_APPROVAL),  # an editor changed an approved post
    (S.PUBLISHING, S.PUBLISHED),
    (S.PUBLISHING, S.FAILED),
    (S.PUBLISHING, S.SCHEDULED),
    (S.PUBLISHING, S.HELD),
    (S.PUBLISHING, S.MISSED),
    (S.PUBLISHING, S.PUBLISHING),  # taken over after the holder's lease ran out
    (S.HELD, S.SCHEDULED),
    (S.HELD, S.MISSED),
    (S.HELD, S.CANCELLED),
    (S.HELD, S.PUBLISHED),  # posts settle --published: a person saw it on the platform
    (S.MISSED, S.PUBLISHING),
    (S.MISSED, S.CANCELLED),
    (S.MISSED, S.SCHEDULED),  # posts retry
    (S.MISSED, S.PUBLISHED),  # posts settle --published
    (S.FAILED, S.SCHEDULED),
    (S.FAILED, S.CANCELLED),
    (S.FAILED, S.PUBLISHED),  # posts settle --published
    (S.PENDING_APPROVAL, S.SCHEDULED),  # approved
    (S.PENDING_APPROVAL, S.REJECTED),
    (S.PENDING_APPROVAL, S.CANCELLED),
    (S.REJECTED, S.PENDING_APPROVAL),  # edited and submitted again
    (S.REJECTED, S.CANCELLED),
}


@pytest.mark.parametrize("current,new", sorted(itertools.product(S, S)))
def test_every_transition_is_either_allowed_or_raises(current, new):
    if (current, new) in LEGAL:
        assert check_transition(current.value, new.value) is new
    else:
        with pytest.raises(IllegalTransition) as err:
            check_transition(current, new)
        assert current.value in str(err.value) and new.value in str(err.value)


def test_published_and_cancelled_are_final():
    assert {S.PUBLISHED, S.CANCELLED} == FINAL
    assert "none (final)" in str(IllegalTransition(S.PUBLISHED, S.SCHEDULED))


def test_a_target_under_way_cannot_be_cancelled():
    assert S.PUBLISHING not in CANCELLABLE
    assert all(S.CANCELLED in ALLOWED[s] for s in CANCELLABLE)


def test_sources_of_publishing_are_the_claimable_statuses():
    assert sources_of(S.PUBLISHING) == {S.SCHEDULED, S.MISSED, S.PUBLISHING}


@pytest.mark.parametrize(
    "targets,expected",
    [
        ([], "empty"),
        (["published", "published"], "published"),
        (["published", "failed"], "partial"),
        (["published", "missed"], "partial"),
        (["published", "cancelled"], "published"),
        (["scheduled", "published"], "scheduled"),
        (["publishing", "scheduled"], "publishing"),
        (["failed", "missed"], "failed"),
        (["held"], "held"),
    ],
)
def test_post_status_is_derived_from_targets(targets, expected):
    assert post_status(targets) == expected
