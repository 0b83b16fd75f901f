import pytest

from socialsched_dagster.domain.content import Media, MediaKind, PostContent
from socialsched_dagster.domain.platforms import Platform
from socialsched_dagster.domain.validation import ContentError
from socialsched_dagster.platforms.registry import content_errors, validate_content

IMG = Media("https://cdn.example/a.jpg", MediaKind.IMAGE)
VID = Media("https://cdn.example/a.mp4", MediaKind.VIDEO)
IG, FB, YT = Platform.INSTAGRAM, Platform.FACEBOOK, Platform.YOUTUBE


def reasons(platform, content):
    return [f"{e.field}: {e.reason}" for e in content_errors(platform, content)]


def test_instagram_needs_media():
    assert reasons(IG, PostContent(text="hello")) == [
        "media: Instagram needs at least one image or video"
    ]


@pytest.mark.parametrize("length,ok", [(2200, True), (2201, False)])
def test_instagram_caption_limit(length, ok):
    errs = reasons(IG, PostContent(text="a" * length, media=(IMG,)))
    assert (errs == []) is ok
    if not ok:
        assert "2201 characters" in errs[0]


@pytest.mark.parametrize("tags,ok", [(30, True), (31, False)])
def test_instagram_hashtag_limit(tags, ok):
    text = " ".join(f"#tag{i}" for i in range(tags))
    assert (reasons(IG, PostContent(text=text, media=(IMG,))) == []) is ok


def test_hashtag_counting_ignores_html_entities_and_urls_fragments():
    text = "AT&#38;T rocks " + " ".join(f"#t{i}" for i in range(30))
    assert reasons(IG, PostContent(text=text, media=(IMG,))) == []


@pytest.mark.parametrize("items,ok", [(1, True), (2, True), (10, True), (11, False)])
def test_instagram_carousel_takes_2_to_10(items, ok):
    errs = reasons(IG, PostContent(media=(IMG,) * items))
    assert (errs == []) is ok
    if not ok:
        assert "2-10 items, got 11" in errs[0]


def test_facebook_needs_text_link_or_media():
    assert reasons(FB, PostContent(text="   ")) == [
        "text: a Facebook post needs text, a link or media"
    ]
    assert reasons(FB, PostContent(link="https://example.com")) == []
    assert reasons(FB, PostContent(media=(IMG,))) == []


@pytest.mark.parametrize("length,ok", [(63206, True), (63207, False), (50_000_000, False)])
def test_facebook_text_has_an_upper_bound(length, ok):
    errs = reasons(FB, PostContent(text="x" * length))
    assert (errs == []) is ok
    if not ok:
        assert errs == [f"text: text is {length:,} characters, at most 63,206"]


@pytest.mark.parametrize(
    "title,ok", [("x", True), ("t" * 100, True), ("t" * 101, False), ("", False), ("a<b", False)]
)
def test_youtube_title(title, ok):
    assert (reasons(YT, PostContent(title=title, media=(VID,))) == []) is ok


def test_youtube_description_is_measured_in_bytes():
    # 1,667 three-byte characters are 5,001 bytes though only 1,667 characters.
    errs = reasons(YT, PostContent(title="t", description="€" * 1667, media=(VID,)))
    assert errs == ["description: description is 5001 bytes, at most 5,000 allowed"]
    assert reasons(YT, PostContent(title="t", description="€" * 1666, media=(VID,))) == []


def test_youtube_needs_exactly_one_video():
    assert reasons(YT, PostContent(title="t", media=(IMG,))) == [
        "media: YouTube needs exactly one video"
    ]


def test_validate_content_reports_every_problem_at_once():
    with pytest.raises(ContentError) as err:
        validate_content(YT, PostContent(title="", media=()))
    assert "exactly one video" in str(err.value) and "needs a title" in str(err.value)


@pytest.mark.parametrize(
    "text,kind",
    [
        ("https://x/a.JPG", MediaKind.IMAGE),
        ("https://x/a.mp4?sig=1", MediaKind.VIDEO),
        ("video:https://cdn/abc", MediaKind.VIDEO),
        ("image:https://cdn/abc", MediaKind.IMAGE),
    ],
)
def test_media_kind_from_extension_or_prefix(text, kind):
    assert Media.parse(text).kind is kind


@pytest.mark.parametrize("text", ["https://cdn/abc", "ftp://x/a.jpg", "a.jpg"])
def test_media_refuses_what_it_cannot_classify(text):
    with pytest.raises(ValueError):
        Media.parse(text)
