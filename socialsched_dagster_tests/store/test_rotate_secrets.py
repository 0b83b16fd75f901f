"""Rotating the token key re-encrypts every secret the app keeps, not only accounts' tokens:
after it, the old key can be dropped and the API's signing and webhook secrets still read."""

from __future__ import annotations

import pytest

from socialsched_dagster.security.token_cipher import TokenCipher, TokenKeyError, new_key
from socialsched_dagster.store.accounts import rotate_token_encryption
from socialsched_dagster.store.models import DEFAULT_WORKSPACE_ID, ApiKey, Webhook, Workspace


def test_signing_and_webhook_secrets_are_rotated_with_the_tokens(db):
    old, new = new_key(), new_key()
    before = TokenCipher([old])

    def seed(s):
        workspace = s.get(Workspace, DEFAULT_WORKSPACE_ID)
        s.add(
            ApiKey(
                workspace_id=workspace.id,
                name="signed",
                role="editor",
                prefix="a" * 12,
                secret_hash="0" * 64,
                signing_secret_enc=before.encrypt("sign-me"),
            )
        )
        s.add(
            Webhook(
                workspace_id=workspace.id,
                url="https://hooks.example/x",
                secret_enc=before.encrypt("hook-secret"),
                events=["post.published"],
            )
        )

    db.transaction(seed)
    tokens, others = db.transaction(lambda s: rotate_token_encryption(s, TokenCipher([new, old])))
    assert (tokens, others) == (0, 2)
    only_new = TokenCipher([new])
    with db.session() as s:
        key, hook = s.query(ApiKey).one(), s.query(Webhook).one()
        assert only_new.decrypt(key.signing_secret_enc) == "sign-me"
        assert only_new.decrypt(hook.secret_enc) == "hook-secret"
        with pytest.raises(TokenKeyError):
            before.decrypt(hook.secret_enc)
