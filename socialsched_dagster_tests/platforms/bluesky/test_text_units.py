"""Counting and marking up text as Bluesky does: graphemes, UTF-8 byte facets, record keys."""

from __future__ import annotations

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.platforms.bluesky.graphemes import grapheme_len, graphemes, utf8_len
from socialsched_dagster.platforms.bluesky.richtext import facets, post_text
from socialsched_dagster.platforms.bluesky.tid import TidClock, decode, encode, is_tid, new_tid

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one family emoji


@pytest.mark.parametrize(
    "text,count",
    [
        ("a", 1),
        ("e\u0301", 1),  # e + combining acute: 2 code points, 1 grapheme
        (FAMILY, 1),  # 7 code points
        ("\U0001f44d\U0001f3fd", 1),  # thumbs up + skin tone
        ("\U0001f3f3\ufe0f\u200d\U0001f308", 1),  # rainbow flag
        ("\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea", 2),  # two flags from 4 regional indicators
        ("\U0001f1eb\U0001f1f7\U0001f1e9", 2),  # an unpaired indicator stands alone
        ("\r\n", 1),
        ("\n\r", 2),
        ("\u1100\u1161\u11a8", 1),  # Hangul jamo L V T
        ("한국어", 3),
        ("नमस्ते", 3),  # Devanagari conjunct (Unicode 15.1 GB9c), as atproto's own test says
        ("a~öñ©⽘☎𓋓😀" + FAMILY, 10),  # atproto's graphemeLen test string
        ("\u0600a", 1),  # a prepended Arabic number sign
        ("", 0),
    ],
)
def test_graphemes_are_counted_as_people_see_characters(text, count):
    assert grapheme_len(text) == count
    assert "".join(graphemes(text)) == text


def test_byte_length_is_utf8():
    assert utf8_len("é") == 2 and utf8_len(FAMILY) == 25 and utf8_len("abc") == 3


def _marked(text, found):
    data = text.encode()
    return [(data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f) for f in found]


def test_facets_cover_utf8_bytes_not_code_points():
    text = "café 🎉 @bob.bsky.social read https://example.com/a?b=1. #Launch! #2026 \uff03日本"
    found = _marked(text, facets(text, lambda h: f"did:plc:{h.split('.')[0]}"))
    assert [(span, f["features"][0]) for span, f in found] == [
        ("@bob.bsky.social", {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"}),
        (
            "https://example.com/a?b=1",
            {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/a?b=1"},
        ),
        ("#Launch", {"$type": "app.bsky.richtext.facet#tag", "tag": "Launch"}),
        ("\uff03日本", {"$type": "app.bsky.richtext.facet#tag", "tag": "日本"}),
    ]
    # "#2026" is only digits: no tag, as in the Bluesky app.
    # The mention is the 8th character but starts at byte 11: é takes 2 bytes and 🎉 4.
    assert found[0][1]["index"] == {"byteStart": 11, "byteEnd": 27}


def test_an_unresolvable_mention_stays_plain_text_and_words_are_not_handles():
    text = "ask @ghost.example.com or mail me@example.com, @nodot, (@x.bsky.social)"
    found = _marked(text, facets(text, lambda h: None if h.startswith("ghost") else "did:plc:x"))
    assert [span for span, _ in found] == ["@x.bsky.social"]


def test_link_closing_a_parenthesis_leaves_it_out():
    text = "(see https://example.com/page) and https://en.wikipedia.org/wiki/A_(b)"
    spans = [span for span, _ in _marked(text, facets(text, lambda h: None))]
    assert spans == ["https://example.com/page", "https://en.wikipedia.org/wiki/A_(b)"]


def test_the_post_link_goes_below_the_text_unless_the_text_has_it():
    assert post_text(PostContent(text="New post ", link="https://e.com/x")) == (
        "New post\n\nhttps://e.com/x"
    )
    assert post_text(PostContent(text="at https://e.com/x", link="https://e.com/x")) == (
        "at https://e.com/x"
    )
    assert post_text(PostContent(link="https://e.com/x")) == "https://e.com/x"


def test_record_keys_are_tids():
    key = new_tid()
    assert len(key) == 13 and is_tid(key) and key[0] in "234567abcdefghij"
    assert encode(0, 0) == "2222222222222"
    assert decode(encode(1_700_000_000_123_456, 517)) == (1_700_000_000_123_456, 517)
    assert not is_tid("3jzfcijpj2z2") and not is_tid("kjzfcijpj2z2a")


def test_keys_of_one_clock_only_go_up_even_when_the_clock_stands_still():
    clock = TidClock(clock_id=7)
    keys = [clock.next(now_us=1_000_000) for _ in range(3)]
    assert keys == sorted(keys) and len(set(keys)) == 3
    assert clock.next(now_us=5) > keys[-1]  # a clock stepping back does not reuse a key
