"""LinkedIn's failures as a user meets them: a sunset API version names the setting to change,
429s and daily limits, dead tokens, lost or garbled answers to the post create."""

from __future__ import annotations

from datetime import date

import pytest

from socialsched_dagster.domain.content import PostContent
from socialsched_dagster.domain.errors import ErrorKind, PublishError
from socialsched_dagster.platforms.graph_versions import Level
from socialsched_dagster.platforms.linkedin import LinkedInClient
from socialsched_dagster.platforms.linkedin.settings import LinkedInSettings
from socialsched_dagster.platforms.linkedin.versions import configured_status, version_status

from .helpers import IMAGE, MEMBER, configure, job, text


def test_a_sunset_version_is_a_clear_error_naming_the_setting_and_nothing_is_sent(
    sb, config, guard
):
    client = LinkedInClient(config, guard, settings=LinkedInSettings(version="202401"))
    j = job(sb, text("too old"))
    with pytest.raises(PublishError) as err:
        client.publish(j, client.prepare(j))
    e = err.value
    assert e.kind is ErrorKind.VALIDATION and not e.kind.retryable
    assert e.http_status == 426 and e.code == "NONEXISTENT_VERSION"
    assert "Requested version 20240101 is not active" in e.message  # LinkedIn's own words
    assert "SOCIALSCHED_LINKEDIN_VERSION" in e.message
    assert sb.control.ledger() == []
    client.close()


def test_a_malformed_version_setting_is_refused_before_any_client_exists():
    with pytest.raises(ValueError, match="SOCIALSCHED_LINKEDIN_VERSION must be"):
        LinkedInSettings.from_env({"SOCIALSCHED_LINKEDIN_VERSION": "2026-11"})


def test_the_version_status_warns_before_linkedin_may_sunset_it():
    assert version_status("202611", date(2026, 12, 1)).level is Level.OK
    soon = version_status("202601", date(2026, 12, 15))
    assert soon.level is Level.WARN and soon.retires_on == date(2027, 1, 1)
    gone = version_status("202511", date(2026, 12, 1))
    assert gone.level is Level.ERROR and "SOCIALSCHED_LINKEDIN_VERSION" in gone.message
    assert version_status("202701", date(2026, 12, 1)).level is Level.ERROR  # not released
    setting = {"SOCIALSCHED_LINKEDIN_VERSION": "202601"}
    assert configured_status(date(2026, 12, 20), setting).level is Level.WARN


def test_the_daily_post_limit_is_rate_limited_until_linkedins_day_resets(sb, li):
    configure(sb, member_daily_posts=1)
    first = job(sb, text("one"), account=MEMBER)
    li.publish(first, li.prepare(first))
    second = job(sb, text("two"), account=MEMBER, target_id=2)
    with pytest.raises(PublishError) as err:
        li.publish(second, li.prepare(second))
    e = err.value
    assert e.kind is ErrorKind.RATE_LIMITED and e.http_status == 429
    assert "Resource level throttle limit for calls to this resource is reached." in e.message
    assert "reset at midnight UTC, in" in e.message
    # LinkedIn documents no Retry-After: our own back-off decides when to ask again.
    assert e.retry_after_s is None
    assert len(sb.control.ledger()) == 1


def test_a_429_storm_on_the_upload_is_rate_limited_too(sb, li):
    sb.control.set_faults(storm_429={"seconds": 30, "endpoints": ["linkedin_images_init"]})
    with pytest.raises(PublishError) as err:
        li.prepare(job(sb, PostContent(text="pic", media=(IMAGE,))))
    assert err.value.kind is ErrorKind.RATE_LIMITED and err.value.code == "TOO_MANY_REQUESTS"


@pytest.mark.parametrize(
    ("how", "words"),
    [("expired", "The token used in the request has expired"),
     ("revoked", "The token used in the request has been revoked by the user")],
)  # fmt: skip
def test_a_dead_token_is_auth_expired_in_linkedins_words(sb, li, how, words):
    if how == "expired":
        j = job(sb, text("late"), issued_ago=61 * 86400, expires_in=60 * 86400)
    else:
        j = job(sb, text("late"))
        sb.control.revoke(j.account_external_id, "linkedin")
    with pytest.raises(PublishError) as err:
        li.publish(j, li.prepare(j))
    assert err.value.kind is ErrorKind.AUTH_EXPIRED and words in err.value.message
    assert j.access_token not in str(err.value)


def test_a_server_error_on_the_post_create_is_an_unknown_outcome(sb, li):
    j = job(sb, text("500"))
    container = li.prepare(j)
    sb.control.set_faults(error_rates={"linkedin_posts_create": 1.0})
    with pytest.raises(PublishError) as err:
        li.publish(j, container)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME and err.value.http_status == 500
    assert err.value.message == "Internal Server Error"


def test_a_server_error_before_the_post_is_an_ordinary_retry(sb, li):
    sb.control.set_faults(error_rates={"linkedin_images_init": {"rate": 1.0, "status": 503}})
    with pytest.raises(PublishError) as err:
        li.prepare(job(sb, PostContent(text="pic", media=(IMAGE,))))
    assert err.value.kind is ErrorKind.PLATFORM_UNAVAILABLE and err.value.kind.retryable


def test_a_garbled_create_answer_is_an_unknown_outcome_quoting_it(sb, li):
    j = job(sb, text("garbled"))
    container = li.prepare(j)
    sb.control.set_faults(malformed={"endpoints": ["linkedin_posts_create"], "count": 1})
    with pytest.raises(PublishError) as err:
        li.publish(j, container)
    assert err.value.kind is ErrorKind.UNKNOWN_OUTCOME
    assert "linkedin posts create: malformed response" in err.value.message
    assert "Sorry, something went wrong" in err.value.message
