"""X's content rules as intake applies them (through the registry), each post of a thread on
its own, and the pay-per-use cost of a post."""

from __future__ import annotations

import pytest

from socialsched_dagster.domain.content import Media, PostContent
from socialsched_dagster.domain.validation import ContentError
from socialsched_dagster.platforms.registry import content_errors, spec, validate_content
from socialsched_dagster.platforms.x.text import weighted_length

from .helpers import IMAGE, IMAGE_2, VIDEO, P

GIF = Media.parse("https://cdn.example.com/loop.gif")


def reasons(content: PostContent) -> list[str]:
    return [e.reason for e in content_errors(P, content)]


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("a" * 280, 280),
        ("日本語" * 20, 120),  # CJK counts 2
        ("😷", 2),  # an emoji counts 2
        ("👨‍👩‍👧‍👦", 2),  # so does a family of four joined into one emoji
        ("café", 4),  # é as one code point or two, after NFC
        ("cafe\u0301", 4),
        (f"see https://example.com/{'x' * 200}", 27),  # any URL counts 23
        ("see example.com", 27),  # a URL without a scheme too
        ("—“quoted”", 9),  # dashes and quotation marks count 1
        ("…", 2),  # the ellipsis is outside twitter-text's weight-1 ranges
    ],
)
def test_weighted_length_as_twitter_text_counts_it(text, length):
    assert weighted_length(text) == length


def test_280_weighted_characters_pass_and_one_more_does_not():
    assert reasons(PostContent(text="a" * 280)) == []
    assert reasons(PostContent(text="字" * 140)) == []
    [too_long] = reasons(PostContent(text="字" * 140 + "a"))
    assert "281 characters as X counts them" in too_long and "at most 280" in too_long
    with pytest.raises(ContentError):
        validate_content(P, PostContent(text="😷" * 141))


def test_a_link_counts_23_and_the_blank_line_before_it():
    # 255 + "\n\n" + 23 = 280: fits; one more character does not.
    url = "https://example.com/" + "long-path/" * 30
    assert reasons(PostContent(text="a" * 255, link=url)) == []
    assert len(reasons(PostContent(text="a" * 256, link=url))) == 1


def test_each_post_of_a_thread_is_checked_on_its_own():
    thread = PostContent(
        text="fine (1/3)",
        thread=(PostContent(text="x" * 281), PostContent(text="", media=())),
    )
    found = reasons(thread)
    assert len(found) == 2
    assert found[0].startswith("post 2 of the thread: text is 281 characters")
    assert found[1] == "post 3 of the thread: an X post needs text, a link or media"
    # A thread of short posts passes however long it is in total.
    many = PostContent(text="a" * 280, thread=tuple(PostContent(text="b" * 280) for _ in range(4)))
    assert reasons(many) == []


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        ((IMAGE,) * 4, None),
        ((IMAGE,) * 5, "at most 4 images per X post, got 5"),
        ((VIDEO,), None),
        ((VIDEO, IMAGE), "a video or an animated GIF must be an X post's only media"),
        ((GIF, IMAGE_2), "a video or an animated GIF must be an X post's only media"),
        ((GIF,), None),
        ((Media.parse("image:https://cdn.example.com/a.tiff"),), "image .tiff is not accepted"),
        ((Media.parse("https://cdn.example.com/a.avi"),), "video .avi is not accepted"),
    ],
)
def test_media_rules(media, expected):
    found = reasons(PostContent(text="media", media=media))
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith(expected)


def test_a_post_needs_text_or_media_and_no_characters_x_refuses():
    assert reasons(PostContent(text="  ")) == ["an X post needs text, a link or media"]
    assert reasons(PostContent(media=(IMAGE,))) == []
    assert reasons(PostContent(text="bad \ufffe char")) == [
        "text contains U+FFFE, U+FEFF or U+FFFF"
    ]


def test_the_cost_of_a_post_is_x_pay_per_use_price():
    cost = spec(P).post_cost_usd
    assert cost(PostContent(text="just words")) == pytest.approx(0.015)
    assert cost(PostContent(text="just words", media=(IMAGE,))) == pytest.approx(0.015)
    assert cost(PostContent(text="read", link="https://example.com/a")) == pytest.approx(0.20)
    assert cost(PostContent(text="see example.com today")) == pytest.approx(0.20)
    thread = PostContent(
        text="1/3", thread=(PostContent(text="2/3 https://example.com"), PostContent(text="3/3"))
    )
    assert cost(thread) == pytest.approx(0.015 + 0.20 + 0.015)  # one create per post


def test_the_prices_are_configuration(monkeypatch):
    monkeypatch.setenv("SOCIALSCHED_X_POST_COST_USD", "0.01")
    monkeypatch.setenv("SOCIALSCHED_X_URL_POST_COST_USD", "0.25")
    cost = spec(P).post_cost_usd
    assert cost(PostContent(text="plain")) == pytest.approx(0.01)
    assert cost(PostContent(text="https://example.com")) == pytest.approx(0.25)


def test_the_spec_declares_threads_tokens_and_samples_that_pass_its_rules():
    s = spec(P)
    assert s.supports_threads and s.refresh_token is not None
    assert s.refresh_horizon.total_seconds() == 20 * 60
    for n in range(1, 5):
        sample = s.samples.content(n, "media.socialsched.dev")
        assert reasons(sample) == []
    assert s.samples.content(1, "h").text != s.samples.content(3, "h").text
