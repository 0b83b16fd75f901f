import json

from sqlalchemy import create_engine, text


def test_add_via_stdin_and_list_shows_status_and_expiry_never_the_token(cli):
    cli.ok(
        "accounts", "add", "--platform", "instagram", "--external-id", "1784100001",
        "--handle", "shop", "--expires-in", "86400",
        stdin="SECRET-ACCESS-ig\nSECRET-REFRESH-ig\n",
    )  # fmt: skip
    for platform, external_id, handle in [("facebook", "1000001", "page"),
                                          ("youtube", "UC0001", "channel")]:  # fmt: skip
        cli.ok("accounts", "add", "--platform", platform, "--external-id", external_id,
               "--handle", handle, "--expires-in", "86400", stdin="SECRET-x\n")  # fmt: skip
    accounts = cli
    listed = accounts.ok("accounts", "list")
    assert "instagram:shop" in listed.out and "active" in listed.out and "in 23 h" in listed.out
    as_json = json.loads(accounts.ok("accounts", "list", "--json").out)
    assert {a["account"] for a in as_json} == {"instagram:shop", "facebook:page", "youtube:channel"}
    assert all(a["token_expires_at"] for a in as_json)
    for output in (listed.all, json.dumps(as_json)):
        assert "SECRET" not in output


def test_tokens_are_encrypted_at_rest(accounts, db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT access_token_enc, refresh_token_enc FROM oauth_tokens"))
        stored = " ".join(f"{a} {r}" for a, r in rows)
    engine.dispose()
    assert stored and "SECRET" not in stored


def test_add_reads_the_token_from_a_named_env_var(cli):
    cli.ok(
        "accounts", "add", "--platform", "facebook", "--external-id", "42", "--handle", "news",
        "--token-env", "FB_TOKEN", env={"FB_TOKEN": "SECRET-from-env"},
    )  # fmt: skip
    assert "facebook:news" in cli.ok("accounts", "list").out
    missing = cli(
        "accounts", "add", "--platform", "facebook", "--external-id", "43", "--handle", "x",
        "--token-env", "NOT_SET_ANYWHERE",
    )  # fmt: skip
    assert missing.code == 1 and "NOT_SET_ANYWHERE is empty or not set" in missing.err


def test_there_is_no_way_to_pass_a_token_in_argv(cli):
    result = cli("accounts", "add", "--help")
    assert "--token-env" in result.out
    assert "--token " not in result.out and "--access-token" not in result.out


def test_a_duplicate_account_is_refused_and_no_secret_is_echoed(accounts):
    again = accounts(
        "accounts", "add", "--platform", "instagram", "--external-id", "1784100001",
        "--handle", "shop", stdin="SECRET-second\n",
    )  # fmt: skip
    assert again.code == 1
    assert "already exists" in again.err and "reconnect" in again.err
    assert "SECRET" not in again.all


def test_an_empty_stdin_is_a_clear_error(cli):
    result = cli(
        "accounts", "add", "--platform", "youtube", "--external-id", "UC9", "--handle", "c",
        stdin="",
    )  # fmt: skip
    assert result.code == 1 and "no token on stdin" in result.err


def test_disable_holds_scheduled_posts(accounts):
    accounts.ok("posts", "schedule", "--at", "now", "--account", "facebook:page", "--text", "hello")
    result = accounts.ok("accounts", "disable", "facebook:page")
    assert "1 scheduled target(s) held" in result.out
    listed = accounts.ok("posts", "list", "--status", "held")
    assert "facebook:page" in listed.out and "account disabled" in listed.out
    assert "disabled" in accounts.ok("accounts", "list").out
    refused = accounts(
        "posts", "schedule", "--at", "now", "--account", "facebook:page", "--text", "x"
    )
    assert refused.code == 1 and "account facebook:page is disabled" in refused.err


def test_rotate_key_reencrypts_under_the_new_primary_key(accounts, token_key):
    new = accounts.ok("accounts", "new-key").out.strip()
    both = f"{new},{token_key}"
    assert (
        "re-encrypted 3 token(s)"
        in accounts.ok("accounts", "rotate-key", env={"SOCIALSCHED_TOKEN_KEY": both}).out
    )
    # With only the new key, every token still decrypts (rotate-key needs to read them all).
    assert (
        "re-encrypted 3"
        in accounts.ok("accounts", "rotate-key", env={"SOCIALSCHED_TOKEN_KEY": new}).out
    )
    stale = accounts("accounts", "rotate-key")  # the old key alone no longer reads them
    assert stale.code == 1 and "cannot be decrypted" in stale.err
