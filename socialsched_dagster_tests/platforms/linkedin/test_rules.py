"""What intake refuses for LinkedIn, from its documented limits, and how the commentary is
written and counted: little format, as LinkedIn receives it."""

from __future__ import annotations

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.linkedin.little_text import escape, utf16_length
from socialsched_dagster.platforms.linkedin.sandbox_little import read
from socialsched_dagster.platforms.registry import content_errors

from .helpers import IMAGE, IMAGE_2, VIDEO

P = Platform.LINKEDIN


def reasons(content: PostContent) -> list[str]:
    return [e.reason for e in content_errors(P, content)]


def test_what_linkedin_accepts_passes():
    assert reasons(PostContent(text="hello")) == []
    assert reasons(PostContent(text="two", media=(IMAGE, IMAGE_2))) == []
    assert reasons(PostContent(link="https://example.com/x")) == []  # the link is the text
    nine = tuple(Media.parse(f"https://cdn.example.com/{i}.gif") for i in range(9))
    assert reasons(PostContent(text="nine", media=nine)) == []
    assert reasons(PostContent(text="x" * 3000)) == []


def test_what_linkedin_refuses_is_refused_at_intake():
    assert reasons(PostContent(media=(IMAGE,))) == [
        "a LinkedIn post needs text: LinkedIn refuses a post without commentary"
    ]
    article = PostContent(link="https://example.com/x", title="A title")
    assert "the text of an article post" in reasons(article)[0]
    assert (
        "does not publish videos to LinkedIn" in reasons(PostContent(text="v", media=(VIDEO,)))[0]
    )
    ten = tuple(Media.parse(f"https://cdn.example.com/{i}.png") for i in range(10))
    assert reasons(PostContent(text="x", media=ten)) == [
        "10 images, socialsched publishes at most 9 to one LinkedIn post"
    ]
    webp = Media.parse("https://cdn.example.com/a.webp")
    assert reasons(PostContent(text="x", media=(webp,))) == [
        "image .webp is not accepted, only JPG, JPEG, PNG, GIF"
    ]
    assert (
        "LinkedIn has no threads" in reasons(PostContent(text="a", thread=(PostContent("b"),)))[0]
    )


def test_the_3000_are_counted_as_sent_escaped_emoji_and_links_included():
    assert "3,001 characters as LinkedIn receives it" in reasons(PostContent(text="x" * 3001))[0]
    # 1,500 parentheses travel as 3,000 characters, then two more.
    assert "3,002 characters" in reasons(PostContent(text="(" * 1500 + "xy"))[0]
    assert utf16_length("👍") == 2 and utf16_length("é") == 1
    linked = PostContent(text="x" * 2990, link="https://example.com/abc")
    assert "3,015 characters" in reasons(linked)[0]


def test_escaping_keeps_the_text_and_its_hashtags():
    written = "Price (net) [eur] {x} <b> @you | a_b *c* ~d~ \\ #Tag #2026 a#b #"
    escaped = escape(written)
    # #Tag and #2026 stay hashtags; the '#' inside a word and the lone one are text.
    assert escaped == (
        r"Price \(net\) \[eur\] \{x\} \<b\> \@you \| a\_b \*c\* \~d\~ \\ #Tag #2026 a\#b \#"
    )
    kept, shown = read(escaped)
    assert kept == escaped and shown == written
    assert read("cut (here")[1] == "cut "  # unescaped: LinkedIn keeps the text before it
