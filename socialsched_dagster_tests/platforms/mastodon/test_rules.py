"""What intake refuses for Mastodon (what holds on every instance), and how text is counted
and recognised: Mastodon's rules, not ours."""

from __future__ import annotations

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.platforms.mastodon.match import is_ours
from socialsched_dagster.platforms.mastodon.text_length import countable_length
from socialsched_dagster.platforms.registry import content_errors

from .helpers import IMAGE, IMAGE_2, VIDEO

P = Platform.MASTODON


def reasons(content: PostContent) -> list[str]:
    return [e.reason for e in content_errors(P, content)]


def test_what_every_instance_accepts_passes():
    assert reasons(PostContent(text="hello")) == []
    assert reasons(PostContent(media=(VIDEO,))) == []  # media alone need no text
    assert reasons(PostContent(link="https://example.com/x")) == []
    four = tuple(Media.parse(f"https://cdn.example.com/{i}.webp") for i in range(4))
    assert reasons(PostContent(text="four", media=four)) == []


def test_what_no_instance_accepts_is_refused_at_intake():
    assert reasons(PostContent()) == ["a Mastodon post needs text, a link or media"]
    five = tuple(Media.parse(f"https://cdn.example.com/{i}.png") for i in range(5))
    assert "at most 4 attachments" in reasons(PostContent(text="x", media=five))[0]
    assert reasons(PostContent(text="x", media=(IMAGE, VIDEO))) == [
        "a video must be a Mastodon post's only attachment"
    ]
    assert "10,001 characters" in reasons(PostContent(text="x" * 10_001))[0]
    avi = Media.parse("https://cdn.example.com/clip.avi")
    assert reasons(PostContent(media=(avi,))) == [
        "video .avi is not accepted, only MP4, M4V, MOV, WEBM"
    ]
    assert reasons(PostContent(text="ok", media=(IMAGE, IMAGE_2))) == []


def test_text_is_counted_as_mastodon_counts_it():
    assert countable_length("https://example.com/" + "a" * 300) == 23
    assert countable_length("hi @alice@mastodon.example") == len("hi @alice")
    assert countable_length("é" + "e\u0301") == 2  # composed and decomposed alike
    assert countable_length("👩‍👩‍👧 🇫🇷 👍🏽") == 5  # a ZWJ family, a flag, a skin tone
    assert countable_length("see https://example.com/x.") == len("see ") + 23 + 1


# What Mastodon 4 renders for "Read @alice@other.example #news\n\nhttps://example.com/...":
RENDERED = (
    '<p>Read <span class="h-card" translate="no"><a href="https://other.example/@alice" '
    'class="u-url mention">@<span>alice</span></a></span> <a href="https://m.example/tags/news" '
    'class="mention hashtag" rel="tag">#<span>news</span></a></p><p><a href="https://example.com'
    '/a/very/long/path" target="_blank" rel="nofollow noopener" translate="no"><span '
    'class="invisible">https://</span><span class="ellipsis">example.com/a/very/long/pa</span>'
    '<span class="invisible">th</span></a></p>'
)


def test_a_status_is_recognised_by_its_words_whatever_the_instance_did_to_links():
    sent = "Read @alice@other.example #news\n\nhttps://example.com/a/very/long/path"
    assert is_ours({"content": RENDERED}, sent, [])
    shortened = RENDERED.replace("https://example.com/a/very/long/path", "https://l.example/x")
    assert is_ours({"content": shortened}, sent, [])
    assert not is_ours({"content": RENDERED}, "Read #news", [])
    assert not is_ours({"content": RENDERED, "reblog": {"id": "1"}}, sent, [])  # a boost


def test_a_media_status_is_recognised_by_its_attachment_ids_only():
    status = {"content": "<p>other words</p>", "media_attachments": [{"id": "42"}]}
    assert is_ours(status, "what we sent", ["41", "42"])
    assert not is_ours({"content": "<p>what we sent</p>"}, "what we sent", ["41"])
