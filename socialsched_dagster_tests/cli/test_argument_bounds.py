"""Numbers and times on the command line that the database or the clock cannot hold get a
usage error from the CLI itself, never a driver's traceback."""

import pytest


@pytest.mark.parametrize("command", ["cancel", "retry"])
def test_a_post_id_beyond_the_database_is_a_usage_error(accounts, command):
    result = accounts("posts", command, "999999999999999999999")
    assert result.code == 2 and "Traceback" not in result.all
    assert "is not in the range" in result.err


@pytest.mark.parametrize(
    ("options", "code", "says"),
    [
        (["--expires-in", "99999999999999"], 2, "is not in the range"),
        (["--expires-in", "0"], 2, "is not in the range"),
        (["--expires-at", "2020-01-01T00:00Z"], 1, "the token expired at 2020-01-01 00:00 UTC"),
    ],
)
def test_a_token_expiry_that_cannot_be_right_is_refused(accounts, options, code, says):
    args = ["--platform", "facebook", "--external-id", "77", "--handle", "fresh", *options]
    result = accounts("accounts", "add", *args, stdin="tok\n")
    assert result.code == code and "Traceback" not in result.all, result.all
    assert says in result.err
    again = accounts("accounts", "reconnect", "facebook:page", *options, stdin="tok\n")
    assert again.code == code and says in again.err
    assert "facebook:fresh" not in accounts.ok("accounts", "list").out
