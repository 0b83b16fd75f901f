"""Publishing to the sandbox's PDS: what the record says, images as blobs, and a record key that
makes every repeat of the same post land on the same record."""

from __future__ import annotations

import json

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.base import Reconciled
from socialsched_dagster.platforms.bluesky.tid import is_tid

from .helpers import DID, IMAGES, job, record, requests, text_post


def test_a_text_post_with_a_mention_a_link_and_a_hashtag(sb, bsky):
    text = "Naïve café launch 🎉 with @bob.bsky.social: https://example.com/launch #café"
    j = job(sb, text_post(text))
    uri = bsky.publish(j, bsky.prepare(j))
    assert uri.startswith(f"at://{DID}/app.bsky.feed.post/")
    value = record(sb, uri)
    assert value["text"] == text and value["createdAt"].endswith("Z")
    data = text.encode()
    spans = {
        data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]
        for f in value["facets"]
    }
    assert spans == {
        "@bob.bsky.social": {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"},
        "https://example.com/launch": {
            "$type": "app.bsky.richtext.facet#link",
            "uri": "https://example.com/launch",
        },
        "#café": {"$type": "app.bsky.richtext.facet#tag", "tag": "café"},
    }
    (entry,) = sb.control.ledger()
    assert entry["external_id"] == uri and entry["target"] == "1"


def test_a_post_link_is_written_below_the_text_and_linked(sb, bsky):
    j = job(sb, PostContent(text="Read this", link="https://example.com/read"))
    value = record(sb, bsky.publish(j, bsky.prepare(j)))
    assert value["text"] == "Read this\n\nhttps://example.com/read"
    assert value["facets"][0]["features"][0]["uri"] == "https://example.com/read"


def test_images_are_uploaded_as_blobs_with_empty_alt_text(sb, bsky):
    j = job(sb, PostContent(text="two pictures", media=IMAGES[:2]))
    handle = bsky.prepare(j)
    stored = json.loads(handle)
    assert is_tid(stored["rkey"]) and len(stored["blobs"]) == 2 and len(handle) <= 255
    value = record(sb, bsky.publish(j, handle))
    images = value["embed"]["images"]
    assert value["embed"]["$type"] == "app.bsky.embed.images"
    assert [i["alt"] for i in images] == ["", ""]
    assert [i["image"]["ref"]["$link"] for i in images] == [b[0] for b in stored["blobs"]]
    assert all(i["image"]["mimeType"] == "image/png" for i in images)
    assert requests(sb, "upload_blob") == 2  # uploaded once, in prepare


def test_four_images_keep_the_handle_short_and_are_uploaded_once(sb, bsky):
    j = job(sb, PostContent(text="four", media=IMAGES[:4]))
    handle = bsky.prepare(j)
    assert len(handle) <= 255 and "blobs" not in json.loads(handle)
    value = record(sb, bsky.publish(j, handle))
    assert len(value["embed"]["images"]) == 4
    assert requests(sb, "upload_blob") == 4


def test_a_stored_handle_is_reused_and_images_come_back_as_the_same_blobs(sb, bsky, config, guard):
    from socialsched_dagster.platforms.bluesky import BlueskyClient

    j = job(sb, PostContent(text="three", media=IMAGES[:3]))
    handle = bsky.prepare(j)
    again = job(sb, j.content, container_id=handle, token=j.access_token)
    assert bsky.prepare(again) == handle  # the key of an earlier attempt, never a new one
    with BlueskyClient(config, guard) as other:  # another run: nothing in memory
        uri = other.publish(again, handle)
    assert len(record(sb, uri)["embed"]["images"]) == 3
    assert requests(sb, "upload_blob") == 6  # uploaded again: same bytes, same blobs


def test_publishing_the_same_key_twice_is_one_post(sb, bsky):
    j = job(sb, text_post("only once"))
    handle = bsky.prepare(j)
    first = bsky.publish(j, handle)
    assert bsky.publish(j, handle) == first  # the PDS's 500 for the taken key, then a read
    assert len(sb.control.ledger()) == 1
    assert requests(sb, "create_record") == 2 and requests(sb, "get_record") == 1


def test_a_key_holding_another_post_is_a_permanent_error_not_a_second_post(sb, bsky):
    j = job(sb, text_post("the first text"))
    handle = bsky.prepare(j)
    bsky.publish(j, handle)
    changed = job(sb, text_post("an edited text"), token=j.access_token)
    with pytest.raises(PublishError) as err:
        bsky.publish(changed, handle)
    assert err.value.kind is ErrorKind.VALIDATION and err.value.code == "RecordKeyTaken"
    assert "already holds another post ('the first text')" in err.value.message
    assert len(sb.control.ledger()) == 1


def test_blobs_the_pds_dropped_are_uploaded_again(sb, bsky):
    j = job(sb, PostContent(text="late", media=IMAGES[:1]))
    handle = bsky.prepare(j)
    sb.control.advance_clock(1.5 * 3600)  # unreferenced blobs are gone after an hour
    uri = bsky.publish(j, handle)
    assert record(sb, uri)["embed"]["images"][0]["image"]["ref"]["$link"] in handle
    assert requests(sb, "upload_blob") == 2 and requests(sb, "create_record") == 2


def test_reconcile_reads_the_one_key(sb, bsky):
    j = job(sb, text_post("did it go out?"))
    assert bsky.reconcile(j, None).state is Reconciled.NOT_PUBLISHED
    handle = bsky.prepare(j)
    before = bsky.reconcile(j, handle)
    assert before.state is Reconciled.NOT_PUBLISHED and before.container_usable
    uri = bsky.publish(j, handle)
    after = bsky.reconcile(j, handle)
    assert (after.state, after.external_id) == (Reconciled.PUBLISHED, uri)
    assert requests(sb, "get_record") == 2 and requests(sb, "list_records") == 0


def test_reconcile_when_the_pds_is_unreachable_is_unknown(sb, bsky):
    j = job(sb, text_post("?"))
    handle = bsky.prepare(j)
    sb.control.set_faults(down=True)
    result = bsky.reconcile(j, handle)
    assert result.state is Reconciled.UNKNOWN and "HTTP 503" in result.detail
