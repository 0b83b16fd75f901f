"""After a lost answer: a page's posts are read back and ours is found by its exact commentary
and content, never another post like it; a member's can be read only with r_member_social, and
without it the outcome is left for a person, with what to do. A resend anyway is refused by
LinkedIn as a duplicate naming the live post, which is then the post."""

from __future__ import annotations

from dataclasses import replace

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.base import Reconciled
from socialsched_dagster.platforms.linkedin.prepared import Prepared

from .helpers import IMAGE, MEMBER, PAGE, grant, job, post_raw, text


def _lost(sb, li, j):
    """Publish with the answer lost after LinkedIn committed it: (container, the live URN)."""
    container = li.prepare(j)
    sb.control.set_faults(drop_after_commit={"endpoints": ["linkedin_posts_create"], "count": 1})
    with pytest.raises(PublishError) as err:
        li.publish(j, container)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    [entry] = sb.control.ledger()
    return container, entry["external_id"]


@pytest.mark.parametrize(
    "content",
    [text("Quarterly numbers are in"),
     PostContent(text="The team, today", media=(IMAGE,)),
     PostContent(text="Read it", link="https://example.com/q3", title="Q3")],
    ids=["text", "image", "article"],
)  # fmt: skip
def test_a_lost_page_post_is_found_among_the_pages_posts(sb, li, content):
    j = job(sb, content)
    container, urn = _lost(sb, li, j)
    found = li.reconcile(j, container)
    assert found.state is Reconciled.PUBLISHED and found.external_id == urn


def test_a_post_that_never_left_is_not_published_and_its_uploads_are_kept(sb, li):
    j = job(sb, PostContent(text="Not yet", media=(IMAGE,)))
    found = li.reconcile(j, li.prepare(j))
    assert found.state is Reconciled.NOT_PUBLISHED and found.container_usable
    assert li.reconcile(j, None).state is Reconciled.NOT_PUBLISHED


def test_posts_like_ours_are_never_taken_for_it(sb, li):
    words = "Launch day: thank you all"
    j = job(sb, PostContent(text=words, media=(IMAGE,)))
    container = li.prepare(j)
    for other in (f"{words}!", f"{words} ", words.lower()):
        post_raw(sb, j.access_token, PAGE, other)
    post_raw(sb, j.access_token, PAGE, words)  # the same words, without our image
    assert li.reconcile(j, container).state is Reconciled.NOT_PUBLISHED
    # The same text-only post, made before ours was prepared (someone else's, earlier):
    plain = job(sb, text(words), target_id=2)
    later = Prepared.decode(li.prepare(plain))
    later = replace(later, at_ms=later.at_ms + 3_600_000).encode()
    assert li.reconcile(plain, later).state is Reconciled.NOT_PUBLISHED


def test_a_members_post_cannot_be_read_without_r_member_social_so_a_person_decides(sb, li):
    j = job(sb, text("My first scheduled note"), account=MEMBER)
    container, _urn = _lost(sb, li, j)
    found = li.reconcile(j, container)
    assert found.state is Reconciled.UNKNOWABLE  # never asked again: a person settles it
    assert found.detail.startswith("may have been posted to LinkedIn")
    assert (
        "check the member's profile" in found.detail and "socialsched posts settle" in found.detail
    )
    assert "Not enough permissions to access" in found.detail  # LinkedIn's own refusal
    assert len(sb.control.ledger()) == 1
    # Asking again for every retry would only spend the member's daily calls: not for an hour.
    asked = sb.control.stats()["requests"]["linkedin_posts_list"]
    assert li.reconcile(j, container).detail == found.detail
    assert sb.control.stats()["requests"]["linkedin_posts_list"] == asked


def test_with_r_member_social_a_members_lost_post_is_found(sb, li):
    grant(sb, MEMBER, "w_member_social", "r_member_social")
    j = job(sb, PostContent(text="With the approved permission", media=(IMAGE,)), account=MEMBER)
    container, urn = _lost(sb, li, j)
    assert li.reconcile(j, container).external_id == urn


def test_a_page_whose_posts_may_not_be_read_is_left_for_a_person_too(sb, li):
    grant(sb, PAGE, "w_organization_social")  # posting allowed, reading not
    j = job(sb, text("Write-only"))
    container, _urn = _lost(sb, li, j)
    found = li.reconcile(j, container)
    assert found.state is Reconciled.UNKNOWABLE and "check the page" in found.detail


def test_linkedin_unwell_while_reading_is_asked_again_later(sb, li):
    j = job(sb, text("Ask later"))
    container, _urn = _lost(sb, li, j)
    sb.control.set_faults(error_rates={"linkedin_posts_list": 1.0})
    found = li.reconcile(j, container)
    assert found.state is Reconciled.UNKNOWN and "may have been posted" not in found.detail


def test_a_resent_post_is_refused_as_a_duplicate_naming_the_live_one(sb, li):
    j = job(sb, text("Sent twice by mistake"))
    container, urn = _lost(sb, li, j)
    assert li.publish(j, container) == urn  # "Content is a duplicate of <urn>"
    assert len(sb.control.ledger()) == 1
