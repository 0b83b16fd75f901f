"""Threads' content rules at intake (platforms.registry.content_errors), from its docs."""

from __future__ import annotations

import pytest

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.platforms.registry import content_errors

from .helpers import IMAGE, VIDEO, P


def _reasons(content: PostContent) -> list[str]:
    return [f"{e.field}: {e.reason}" for e in content_errors(P, content)]


def test_text_up_to_500_characters():
    assert _reasons(PostContent(text="a" * 500)) == []
    [reason] = _reasons(PostContent(text="a" * 501))
    assert reason.startswith("text:") and "501" in reason and "at most 500" in reason


def test_an_emoji_counts_as_its_utf8_bytes():
    smile = "\U0001f600"  # 4 bytes in UTF-8
    assert _reasons(PostContent(text=smile * 125)) == []  # 500
    [reason] = _reasons(PostContent(text=smile * 125 + "a"))  # 501
    assert "emoji" in reason
    assert _reasons(PostContent(text="é" * 500)) == []  # accents are one character each


def test_a_post_needs_text_or_media():
    assert _reasons(PostContent(text="  ")) == ["text: a Threads post needs text or media"]
    assert _reasons(PostContent(media=(IMAGE,))) == []


@pytest.mark.parametrize("count,ok", [(2, True), (20, True), (21, False)])
def test_carousel_takes_up_to_20_items(count, ok):
    media = tuple(Media.parse(f"https://cdn.example.com/{n}.jpg") for n in range(count))
    reasons = _reasons(PostContent(text="many", media=media))
    assert (reasons == []) is ok
    if not ok:
        assert reasons == ["media: a carousel takes 2-20 items, got 21"]


def test_media_formats():
    assert _reasons(PostContent(media=(Media.parse("https://cdn.example.com/a.png"),))) == []
    assert _reasons(PostContent(media=(VIDEO, Media.parse("https://cdn.example.com/b.mov")))) == []
    [reason] = _reasons(PostContent(media=(Media.parse("https://cdn.example.com/a.gif"),)))
    assert "image .gif is not accepted, only JPG, JPEG, PNG" in reason
    [reason] = _reasons(PostContent(media=(Media.parse("https://cdn.example.com/a.webm"),)))
    assert "only MP4, MOV" in reason


def test_a_link_attachment_only_on_a_text_post():
    assert _reasons(PostContent(text="read", link="https://example.com/a")) == []
    [reason] = _reasons(PostContent(text="read", link="https://example.com/a", media=(IMAGE,)))
    assert reason.startswith("link:") and "only to a text post" in reason


def test_at_most_five_different_links_with_the_attachment():
    four = " ".join(f"https://example.com/{n}" for n in range(4))
    assert _reasons(PostContent(text=four, link="https://example.com/extra")) == []
    # The attachment repeating a URL of the text counts once.
    five = f"{four} www.example.org"
    assert _reasons(PostContent(text=five, link="https://example.com/0")) == []
    [reason] = _reasons(PostContent(text=five, link="https://example.com/extra"))
    assert "6 different links, at most 5" in reason
