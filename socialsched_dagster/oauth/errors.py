"""What goes wrong while connecting, said for the person connecting (no secret, no trace)."""

from __future__ import annotations


class ConnectFailed(Exception):
    """`status` and `code` for the API's answer; `message` for the person."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
