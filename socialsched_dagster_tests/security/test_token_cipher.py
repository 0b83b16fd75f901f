import stat

import pytest

from socialsched_dagster.security.token_cipher import TokenCipher, TokenKeyError, new_key


def test_the_embedded_key_file_is_created_once_and_private(tmp_path):
    key_file = tmp_path / "home" / "token.key"
    first = TokenCipher.from_config(None, key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = first.encrypt("EAAB-secret")
    # A second process reads the same key rather than minting another.
    assert TokenCipher.from_config(None, key_file).decrypt(secret) == "EAAB-secret"


def test_a_key_file_others_can_read_is_refused(tmp_path):
    key_file = tmp_path / "token.key"
    key_file.write_text(new_key())
    key_file.chmod(0o644)
    with pytest.raises(TokenKeyError, match="chmod 600"):
        TokenCipher.from_config(None, key_file)


def test_rotation_old_keys_still_decrypt_and_rotate_moves_to_the_new_key():
    old, new = new_key(), new_key()
    stored = TokenCipher.from_config(old, None).encrypt("token-1")
    rotated_config = TokenCipher.from_config(f"{new},{old}", None)
    assert rotated_config.decrypt(stored) == "token-1"
    moved = rotated_config.rotate(stored)
    assert TokenCipher.from_config(new, None).decrypt(moved) == "token-1"
    with pytest.raises(TokenKeyError, match="cannot be decrypted"):
        TokenCipher.from_config(old, None).decrypt(moved)


def test_ciphertext_never_contains_the_token():
    cipher = TokenCipher([new_key()])
    assert "plain-token" not in cipher.encrypt("plain-token")


def test_a_malformed_key_is_refused_without_echoing_it():
    with pytest.raises(TokenKeyError) as err:
        TokenCipher.from_config("not-a-key-but-a-secret", None)
    assert "not-a-key-but-a-secret" not in str(err.value)
