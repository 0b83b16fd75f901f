"""Bluesky's content rules at intake (through the registry, as the CLI and CSV import use it)."""

from __future__ import annotations

import pytest

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.platforms.registry import content_errors

from .helpers import IMAGES, P

FLAG = "\U0001f1eb\U0001f1f7"  # 2 code points, 8 bytes, 1 grapheme
ACCENTED = "e\u0301"  # 2 code points, 3 bytes, 1 grapheme


def reasons(content: PostContent) -> list[str]:
    return [f"{e.field}: {e.reason}" for e in content_errors(P, content)]


@pytest.mark.parametrize("unit", ["a", FLAG, ACCENTED])
def test_300_graphemes_pass_and_301_do_not_whatever_their_code_points(unit):
    assert reasons(PostContent(text=unit * 300)) == []
    assert reasons(PostContent(text=unit * 301)) == [
        "text: text is 301 characters, at most 300 on Bluesky"
    ]


def test_the_link_counts_toward_the_300():
    link = "https://example.com/" + "x" * 30
    assert reasons(PostContent(text="a" * 248, link=link)) == []  # 248 + 2 newlines + 50
    assert reasons(PostContent(text="a" * 249, link=link)) == [
        "text: text with its link is 301 characters, at most 300 on Bluesky"
    ]


def test_long_emoji_can_pass_300_graphemes_but_not_3000_bytes():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 25 bytes each
    assert reasons(PostContent(text=family * 120)) == []
    (reason,) = reasons(PostContent(text=family * 121))
    assert reason.startswith("text: text is 3,025 bytes in UTF-8, at most 3,000")


def test_images_at_most_four_in_bluesky_formats_and_no_video():
    assert reasons(PostContent(media=IMAGES[:4])) == []
    assert reasons(PostContent(media=IMAGES[:5])) == [
        "media: at most 4 images per Bluesky post, got 5"
    ]
    assert reasons(PostContent(text="x", media=(Media.parse("https://c.example/a.gif"),))) == [
        "media: image .gif is not accepted, only JPG, JPEG, PNG, WEBP"
    ]
    (reason,) = reasons(PostContent(text="x", media=(Media.parse("https://c.example/a.mp4"),)))
    assert reason.startswith("media: video is not supported for Bluesky yet")


def test_a_post_needs_something_to_show():
    assert reasons(PostContent(text="  ")) == [
        "text: a Bluesky post needs text, a link or an image"
    ]
    assert reasons(PostContent(link="https://example.com")) == []
    assert reasons(PostContent(media=IMAGES[:1])) == []
