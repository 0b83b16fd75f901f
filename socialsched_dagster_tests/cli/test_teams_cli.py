"""`socialsched workspaces` and `socialsched keys`, and the CLI working on one workspace."""

from __future__ import annotations

import json

import httpx


def test_a_key_is_printed_once_listed_without_its_secret_and_revocable(cli):
    cli.ok("workspaces", "add", "Acme", "--require-approval")
    assert "acme" in cli.ok("workspaces", "list").out
    created = cli.ok("keys", "create", "--workspace", "acme", "--role", "editor", "--name", "cms")
    key = created.out.strip()
    assert key.startswith("ssk_") and "not shown again" in created.err
    listed = cli.ok("keys", "list", "--workspace", "acme", "--json").out
    [row] = json.loads(listed)
    assert row["role"] == "editor" and row["name"] == "cms" and row["last_used_at"] is None
    secret = key.split("_", 2)[2]
    assert secret not in listed and key not in listed
    assert "revoked" in cli.ok("keys", "revoke", "--workspace", "acme", str(row["id"])).out
    assert json.loads(cli.ok("keys", "list", "--workspace", "acme", "--json").out)[0]["revoked_at"]


def test_key_and_workspace_mistakes_are_one_clear_line(cli):
    assert cli.ok("workspaces", "add", "acme")
    again = cli("workspaces", "add", "ACME")
    assert again.code == 1 and "workspace 'acme' already exists" in again.err
    bad = cli("workspaces", "add", "two words")
    assert bad.code == 1 and "1-64 characters" in bad.err
    nowhere = cli("keys", "create", "--workspace", "nope", "--role", "admin")
    assert nowhere.code == 1 and "no workspace 'nope'" in nowhere.err
    role = cli("keys", "create", "--workspace", "acme", "--role", "owner")
    assert role.code == 2 and "owner" in role.err
    other = cli("keys", "revoke", "--workspace", "acme", "999")
    assert other.code == 1 and "no key 999 in workspace acme" in other.err
    assert "Traceback" not in again.all + bad.all + nowhere.all + other.all


def test_the_cli_works_on_the_chosen_workspace_and_never_falls_back(cli, accounts):
    cli.ok("workspaces", "add", "acme")
    # The accounts fixture connected its accounts to the default workspace.
    assert "facebook:page" in cli.ok("accounts", "list").out
    assert "no accounts yet" in cli.ok("--workspace", "acme", "accounts", "list").out
    refused = cli(
        "--workspace",
        "acme",
        "posts",
        "schedule",
        "--at",
        "2030-01-01 10:00",
        "--account",
        "facebook:page",
        "--text",
        "hi",
    )
    assert refused.code == 1 and "no account 'facebook:page'" in refused.err
    missing = cli("posts", "list", env={"SOCIALSCHED_WORKSPACE": "nope"})
    assert missing.code == 1 and "no workspace 'nope'" in missing.err


def test_a_cli_key_reaches_the_api_with_its_role(cli, db_url, api_settings_for):
    """The key the CLI printed is the one the API accepts (and only for its workspace)."""
    cli.ok("workspaces", "add", "acme")
    key = cli.ok("keys", "create", "--workspace", "acme", "--role", "viewer").out.strip()
    with api_settings_for(db_url) as url:
        seen = httpx.get(f"{url}/api/v1/workspace", headers={"Authorization": f"Bearer {key}"})
        assert seen.json() == {"name": "acme", "require_approval": False, "role": "viewer"}
    used = json.loads(cli.ok("keys", "list", "--workspace", "acme", "--json").out)[0]
    assert used["last_used_at"] is not None
