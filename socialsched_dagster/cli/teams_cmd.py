"""`socialsched workspaces ...` and `socialsched keys ...`: teams and their API keys."""

from __future__ import annotations

import click

from .context import CliError, cipher, database, emit_json, user_errors

ROLES = click.Choice(["viewer", "editor", "approver", "admin"])


@click.group("workspaces")
def workspaces_group() -> None:
    """Create and list workspaces (one per team)."""


@workspaces_group.command("add")
@click.argument("name")
@click.option("--require-approval", is_flag=True, help="editors' posts wait for an approver")
@user_errors
def add(name, require_approval):
    """Create workspace NAME."""
    from ..teams.workspaces import add_workspace

    workspace = database().transaction(
        lambda s: add_workspace(s, name, require_approval=require_approval),
        name="workspaces add",
    )
    approval = " (posts need approval)" if workspace.require_approval else ""
    click.echo(f"workspace {workspace.name} created{approval}")


@workspaces_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@user_errors
def list_(as_json):
    """Show workspaces."""
    from ..teams.workspaces import list_workspaces

    with database().session() as s:
        rows = [(w.name, w.require_approval, w.created_at) for w in list_workspaces(s)]
    if as_json:
        emit_json([{"name": n, "require_approval": a, "created_at": c} for n, a, c in rows])
        return
    for name, approval, _ in rows:
        click.echo(f"{name:32} {'approval required' if approval else ''}")


@click.group("keys")
def keys_group() -> None:
    """Create, list and revoke API keys."""


@keys_group.command("create")
@click.option("--workspace", "workspace_name", required=True, help="the key's workspace")
@click.option("--role", required=True, type=ROLES)
@click.option("--name", default=None, help="who or what uses it (shown in the audit log)")
@click.option(
    "--signing",
    is_flag=True,
    help="also a signing secret: every request with the key must carry an HMAC signature",
)
@user_errors
def create(workspace_name, role, name, signing):
    """Create a key. It is printed once: store it now, it cannot be shown again.

    With --signing a second line is printed: the signing secret (see the API's
    X-Socialsched-Signature), also shown once."""
    from ..api.signing import enable_signing
    from ..teams import audit
    from ..teams.api_keys import create_key
    from ..teams.roles import Role
    from ..teams.workspaces import get_workspace

    token_cipher = cipher() if signing else None

    def work(s):
        workspace = get_workspace(s, workspace_name)
        key = create_key(s, workspace, role=Role.parse(role), name=name or f"{role} key")
        secret = enable_signing(s, token_cipher, key.id) if signing else None
        audit.record(
            s,
            workspace.id,
            actor="cli",
            action="key.create",
            subject=f"key:{key.id}",
            detail={"role": role, "signing": signing},
        )
        return key, secret

    key, secret = database().transaction(work, name="keys create")
    # The only place the secrets are shown: stdout, so they can be piped into a secret store.
    click.echo(key.plaintext)
    if secret is not None:
        click.echo(secret)
    signed = " with a signing secret (second line)" if signing else ""
    click.echo(f"key {key.id} ({role}) created{signed}; it is not shown again", err=True)


@keys_group.command("list")
@click.option("--workspace", "workspace_name", required=True)
@click.option("--json", "as_json", is_flag=True)
@user_errors
def list_keys_cmd(workspace_name, as_json):
    """Show a workspace's keys: id, role, name, created, last used, revoked (never a secret)."""
    from ..teams.api_keys import list_keys
    from ..teams.workspaces import get_workspace

    with database().session() as s:
        rows = [
            {
                "id": k.id,
                "prefix": f"ssk_{k.prefix}",
                "role": k.role,
                "name": k.name,
                "created_at": k.created_at,
                "last_used_at": k.last_used_at,
                "revoked_at": k.revoked_at,
                "signing": k.signing_secret_enc is not None,
            }
            for k in list_keys(s, get_workspace(s, workspace_name))
        ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("no keys: `socialsched keys create --help`")
        return
    click.echo(f"{'ID':>5} {'PREFIX':18} {'ROLE':9} {'LAST USED (UTC)':17} {'STATE':8} NAME")
    for r in rows:
        used = f"{r['last_used_at']:%Y-%m-%d %H:%M}" if r["last_used_at"] else "never"
        revoked = "revoked" if r["revoked_at"] else "active"
        click.echo(f"{r['id']:>5} {r['prefix']:18} {r['role']:9} {used:17} {revoked:8} {r['name']}")


@keys_group.command("revoke")
@click.option("--workspace", "workspace_name", required=True)
@click.argument("key_id", type=click.IntRange(1, 2**63 - 1))
@user_errors
def revoke(workspace_name, key_id):
    """Revoke a key: requests with it are refused from now on."""
    from ..teams import audit
    from ..teams.api_keys import ApiKeyError, revoke_key
    from ..teams.workspaces import get_workspace

    def work(s):
        workspace = get_workspace(s, workspace_name)
        try:
            revoke_key(s, workspace, key_id)
        except ApiKeyError as exc:
            raise CliError(str(exc)) from None
        audit.record(s, workspace.id, actor="cli", action="key.revoke", subject=f"key:{key_id}")

    database().transaction(work, name="keys revoke")
    click.echo(f"key {key_id} revoked")
