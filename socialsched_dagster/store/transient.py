"""Which database errors are worth retrying, and why.

A PostgreSQL restart reaches a client in several shapes, most of them without a SQLSTATE: a
failed connect is raised by libpq before any server message has a code, so psycopg2 gives only
the text. In the order a client meets them:
  * sessions in flight are ended ("terminating connection due to administrator command", 57P01,
    or just "server closed the connection unexpectedly");
  * new connections are turned away ("the database system is shutting down");
  * nothing listens ("Connection refused", or a Unix socket file that is gone);
  * the server comes back ("the database system is starting up", "... is not yet accepting
    connections", "... is in recovery mode").
Each is worth waiting out. Anything with a definite SQLSTATE outside the classes below (a
constraint, a syntax error, a statement timeout) is an answer, not an outage, and is never
retried.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

# Phrases of libpq, psycopg2 and PostgreSQL's own FATAL messages, lower-cased; first match names
# the reason. The server-state phrases come first: they say more than "connection dropped".
_SERVER_STATES = (
    ("the database system is shutting down", "database shutting down"),
    ("the database system is starting up", "database starting up"),
    ("the database system is not yet accepting connections", "database starting up"),
    ("the database system is in recovery mode", "database in recovery"),
)
_LOST_CONNECTION = (
    ("connection refused", "connection refused"),
    ("could not connect", "could not connect"),
    ("timeout expired", "connect timeout"),  # libpq's connect_timeout
    # 57P01: a fast shutdown, or pg_terminate_backend: either way the session is gone.
    ("terminating connection due to administrator command", "connection dropped"),
    ("server closed the connection unexpectedly", "connection dropped"),
    ("ssl syscall error: eof detected", "connection dropped"),
    ("no connection to the server", "connection dropped"),
    ("connection already closed", "connection dropped"),
    ("could not receive data from server", "connection dropped"),
    ("could not send data to server", "connection dropped"),
)
# Not a lost connection: the same connection can carry the retry.
_CONTENTION = {"serialization failure", "deadlock", "database locked"}


def _message_reason(text: str) -> str | None:
    for phrase, reason in _SERVER_STATES + _LOST_CONNECTION:
        if phrase in text:
            return reason
    if "on socket" in text and "no such file or directory" in text:
        return "connection refused"  # a Unix socket while the server is down
    return None


def transient_reason(exc: BaseException) -> str | None:
    """Why the SQLAlchemy error `exc` is worth retrying, or None if it is not."""
    if not isinstance(exc, DBAPIError):
        return None
    code = getattr(exc.orig, "pgcode", None)
    text = str(exc.orig).lower()
    if code == "40001":
        return "serialization failure"
    if code == "40P01":
        return "deadlock"
    if code in ("57P01", "57P02", "57P03") or (code and code.startswith("08")):
        return _message_reason(text) or "connection dropped"
    if code:
        return None  # the server answered with a definite error
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return None
    if "database is locked" in text or "database is busy" in text:
        return "database locked"
    reason = _message_reason(text)
    if reason is None and exc.connection_invalidated:
        return "connection dropped"  # SQLAlchemy's dialect recognised a disconnect
    return reason


def is_connection_loss(exc: BaseException) -> bool:
    """`exc` means the connection it came from is dead (or never was): not to be reused."""
    reason = transient_reason(exc)
    return reason is not None and reason not in _CONTENTION


def transient_cause(exc: BaseException | None) -> str | None:
    """`transient_reason` of `exc` or of an exception it was raised from: for code such as
    Dagster's storage, which wraps the driver's error in its own after retrying a little."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        reason = transient_reason(exc)
        if reason is not None:
            return reason
        exc = exc.__cause__ or exc.__context__
    return None
