"""Each kind of LinkedIn post through the client against the sandbox: text (with LinkedIn's
reserved characters arriving whole), one image, several images, a link as an article or in the
text; and the author checks (a wrong URN, a token that is not the author's)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.registry import content_errors, spec
from socialsched_dagster.sandbox.ledger import content_sha256

from .helpers import IMAGE, IMAGE_2, MEMBER, PAGE, P, configure, job, rest, text


def _read_back(sb, j, urn: str) -> dict:
    from socialsched_dagster.platforms.linkedin.urns import quoted

    response = rest(sb, "GET", f"/posts/{quoted(urn)}", j.access_token)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_text_post_goes_out_once_with_its_urn(sb, li):
    j = job(sb, text("Hello from the page"))
    urn = li.publish(j, li.prepare(j))
    assert urn.startswith("urn:li:share:")
    [entry] = sb.control.ledger()
    assert entry["external_id"] == urn and entry["account"] == PAGE and entry["target"] == "1"
    assert entry["content_sha256"] == content_sha256("Hello from the page")


def test_reserved_characters_arrive_as_written_and_hashtags_stay_hashtags(sb, li):
    written = "Q&A (live) [today] {at} 5 <pm> @team | a_b *c* ~d~ \\ #launch # not-a-tag"
    j = job(sb, text(written))
    urn = li.publish(j, li.prepare(j))
    # The sandbox cuts a commentary at its first unescaped reserved character, as LinkedIn does.
    assert sb.control.ledger()[0]["content_sha256"] == content_sha256(written)
    commentary = _read_back(sb, j, urn)["commentary"]
    assert "#launch" in commentary and "\\(live\\)" in commentary and "\\# not" in commentary


def test_an_image_post_uploads_once_and_waits_until_linkedin_has_processed_it(sb, li):
    configure(sb, image_processing_s=0.5)
    j = job(sb, PostContent(text="Our new office", media=(IMAGE,)))
    container = li.prepare(j)
    requests_after_prepare = sb.control.stats()["requests"]
    assert requests_after_prepare.get("linkedin_images_init") == 1
    assert requests_after_prepare.get("linkedin_image_upload") == 1
    urn = li.publish(j, container)
    assert urn.startswith("urn:li:ugcPost:")
    assert sb.control.stats()["requests"]["linkedin_image_get"] >= 2  # PROCESSING, AVAILABLE
    post = _read_back(sb, j, urn)
    assert post["content"]["media"]["id"].startswith("urn:li:image:")
    assert li.prepare(replace(j, container_id=container)) == container  # no second upload


def test_several_images_are_one_multi_image_post(sb, li):
    j = job(sb, PostContent(text="Two views", media=(IMAGE, IMAGE_2)))
    urn = li.publish(j, li.prepare(j))
    images = _read_back(sb, j, urn)["content"]["multiImage"]["images"]
    assert len(images) == 2 and len({i["id"] for i in images}) == 2


def test_a_link_with_a_title_is_an_article_and_without_one_goes_in_the_text(sb, li):
    article = PostContent(text="Read it", link="https://example.com/story", title="The story")
    j = job(sb, article)
    post = _read_back(sb, j, li.publish(j, li.prepare(j)))
    assert post["content"] == {
        "article": {"source": "https://example.com/story", "title": "The story"}
    }
    assert post["commentary"] == "Read it"
    bare = job(sb, PostContent(text="Also", link="https://example.com/other"), target_id=2)
    post = _read_back(sb, bare, li.publish(bare, li.prepare(bare)))
    assert "content" not in post and post["commentary"] == "Also\n\nhttps://example.com/other"


def test_a_member_posts_as_themselves(sb, li):
    j = job(sb, text("A note from me"), account=MEMBER)
    urn = li.publish(j, li.prepare(j))
    assert sb.control.ledger()[0]["account"] == MEMBER and urn.startswith("urn:li:share:")


@pytest.mark.parametrize("bad", ["10000042", "urn:li:company:10000042", "urn:li:organization:x1"])
def test_an_account_id_that_is_not_an_author_urn_is_refused_before_any_call(sb, li, bad):
    j = job(sb, text("x"), account=bad)
    with pytest.raises(PublishError) as err:
        li.prepare(j)
    assert err.value.kind is ErrorKind.VALIDATION and "urn:li:organization:<id>" in str(err.value)
    assert sb.control.stats()["requests_total"] == 0


def test_a_token_that_is_not_the_authors_is_refused_with_linkedins_words(sb, li):
    other = job(sb, text("not mine"), account="urn:li:organization:555")
    j = job(sb, text("not mine"), access_token=other.access_token)  # PAGE as author
    with pytest.raises(PublishError) as err:
        li.publish(j, li.prepare(j))
    assert err.value.kind is ErrorKind.ACCOUNT_BLOCKED and err.value.http_status == 403
    assert "Not enough permissions to access: partnerApiPostsExternal.CREATE" in err.value.message
    assert "w_organization_social" in err.value.message
    assert sb.control.ledger() == []


def test_the_demos_sample_page_publishes_each_kind_of_sample_post(sb, li):
    samples = spec(P).samples
    for n in range(3):
        content = samples.content(n, "media.socialsched.dev")
        assert content_errors(P, content) == []
        j = job(sb, content, account=samples.external_id, target_id=n + 1)
        li.publish(j, li.prepare(j))
    assert [e["account"] for e in sb.control.ledger()] == [samples.external_id] * 3
