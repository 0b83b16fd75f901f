"""Encryption of OAuth tokens at rest.

`SOCIALSCHED_TOKEN_KEY` holds one or more Fernet keys separated by commas. The first encrypts;
all of them decrypt, so a key is rotated by putting the new one first and keeping the old one
until `socialsched accounts rotate-key` has re-encrypted every token. Without the variable (the
embedded default) a key file is created on first use, readable by its owner only.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class TokenKeyError(RuntimeError):
    pass


class TokenCipher:
    def __init__(self, keys: list[str]):
        if not keys:
            raise TokenKeyError("no token encryption key configured")
        try:
            self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys])
        except (ValueError, TypeError):
            # Never echo the key material itself.
            raise TokenKeyError(
                "SOCIALSCHED_TOKEN_KEY is not a list of valid Fernet keys (32 url-safe "
                "base64-encoded bytes each, comma-separated); generate one with "
                "`socialsched accounts new-key`"
            ) from None

    @classmethod
    def from_config(cls, key_env: str | None, key_file: Path) -> TokenCipher:
        if key_env:
            return cls([k for k in key_env.split(",") if k.strip()])
        return cls([_load_or_create_key_file(key_file)])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise TokenKeyError(_UNREADABLE) from None

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt under the primary (first) key."""
        try:
            return self._fernet.rotate(ciphertext.encode()).decode()
        except InvalidToken:
            raise TokenKeyError(_UNREADABLE) from None


_UNREADABLE = (
    "a stored token cannot be decrypted with the configured keys: was a key removed from "
    "SOCIALSCHED_TOKEN_KEY before `socialsched accounts rotate-key` had run?"
)


def new_key() -> str:
    return Fernet.generate_key().decode()


def _load_or_create_key_file(path: Path) -> str:
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise TokenKeyError(
                f"{path} is readable by others (mode {mode:o}); run `chmod 600 {path}`"
            )
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_key()
    try:
        # O_EXCL: two processes starting at once must not write two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
