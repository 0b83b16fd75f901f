"""Intake's URL check of a post: media on public hosts (or configured stand-ins), links that are
web links, every problem blamed on its field; and the domain's own syntax check of media."""

from __future__ import annotations

import pytest

from socialsched_dagster.domain.content import Media, MediaKind, PostContent
from socialsched_dagster.intake.media_check import url_problems
from socialsched_dagster.intake.post_request import FieldError
from socialsched_dagster.security.public_urls import CachingResolver, MediaPolicy


class Counting:
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers, self.asked = answers, []

    def __call__(self, host: str) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError(f"{host}: no such host")
        return self.answers[host]


def _images(*urls: str, link: str = "") -> PostContent:
    return PostContent(text="t", link=link, media=tuple(Media(u, MediaKind.IMAGE) for u in urls))


def test_media_problems_are_blamed_on_the_media_field():
    content = _images("https://cdn.test/a.jpg", "http://169.254.169.254/b.jpg")
    problems = url_problems(content, MediaPolicy(), Counting({"cdn.test": ["8.8.8.8"]}))
    assert problems == [
        FieldError(
            "media",
            "media URL 'http://169.254.169.254/b.jpg' is refused: 169.254.169.254 is not a "
            "public address (link-local)",
        )
    ]


def test_each_host_is_resolved_once_per_call_and_once_per_file_with_a_shared_resolver():
    inner = Counting({"cdn.test": ["8.8.8.8"]})
    content = _images(*(f"https://cdn.test/{n}.jpg" for n in range(4)))
    assert url_problems(content, MediaPolicy(), CachingResolver(inner)) == []
    assert inner.asked == ["cdn.test"]
    shared = CachingResolver(inner)  # what an import passes for all its rows
    for _row in range(3):
        assert url_problems(content, MediaPolicy(), shared) == []
    assert inner.asked == ["cdn.test", "cdn.test"]


def test_stand_ins_need_no_dns():
    resolve = Counting({})
    policy = MediaPolicy(stand_in_hosts=("example.com",))
    assert url_problems(_images("https://cdn.example.com/a.jpg"), policy, resolve) == []
    assert resolve.asked == []


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "mailto:someone@example.com",
        "ftp://files.example.com/a",
        "//evil.example.com/a",
        "https://",
        "https://user:pw@example.com/",
    ],
)
def test_links_must_be_web_links(link):
    [problem] = url_problems(PostContent(text="t", link=link), MediaPolicy(), Counting({}))
    assert problem.field == "link" and problem.reason.startswith("link ")


def test_links_are_never_resolved():
    resolve = Counting({})
    content = PostContent(text="t", link="https://shop.nowhere.invalid/sale?utm=1")
    assert url_problems(content, MediaPolicy(), resolve) == [] and resolve.asked == []


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("video:javascript:alert(1)", "must start with http:// or https://"),
        ("image:data:image/png;base64,AAAA", "must start with http:// or https://"),
        ("file:///etc/passwd.jpg", "must start with http:// or https://"),
        ("https://u:p@cdn.example.com/a.jpg", "user name or password"),
        ("https:///a.jpg", "has no host name"),
        ("https://cdn.example.com/a\u200b.jpg", "control character"),
    ],
)
def test_media_parse_refuses_non_web_urls(text, says):
    with pytest.raises(ValueError, match=says) as err:
        Media.parse(text)
    assert "p@" not in str(err.value)
