"""Turning what a person typed into a UTC instant, refusing what is ambiguous.

A wall-clock time in a zone with daylight saving can fall into the spring-forward gap (it never
happens) or the autumn fold (it happens twice). Guessing would publish an hour off, so both are
refused with a message that names the instants the person could have meant.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC = timezone.utc


class ScheduleError(ValueError):
    pass


def zone(name: str) -> ZoneInfo:
    name = (name or "").strip()
    if not name:
        raise ScheduleError("a time zone is required (an IANA name such as Europe/Paris or UTC)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        hint = _closest_zone(name)
        extra = f"; did you mean {hint}?" if hint else ""
        raise ScheduleError(f"unknown time zone {name!r}: use an IANA name{extra}") from None


def _closest_zone(name: str) -> str | None:
    lowered = name.lower().replace(" ", "_")
    for candidate in sorted(available_timezones()):
        if candidate.lower() == lowered or candidate.lower().endswith("/" + lowered):
            return candidate
    return None


def _fmt(moment: datetime) -> str:
    offset = moment.isoformat(timespec="minutes")[16:] or "+00:00"
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname()} (UTC{offset})"


def _with_colon(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


def resolve_local(naive: datetime, tz: ZoneInfo) -> datetime:
    """The one UTC instant that wall time `naive` in `tz` means, or a ScheduleError."""
    early = naive.replace(tzinfo=tz, fold=0)
    late = naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() == late.utcoffset():
        return early.astimezone(UTC)
    # Offsets differ: either a fold (both real) or a gap (neither round-trips).
    round_trip = early.astimezone(UTC).astimezone(tz)
    if round_trip.replace(tzinfo=None) == naive:
        choices = " or ".join(_with_colon(m) for m in (early, late))
        raise ScheduleError(
            f"{naive:%Y-%m-%d %H:%M} is ambiguous in {tz.key}: clocks go back and it happens "
            f"twice, at {_fmt(early)} and at {_fmt(late)}. Write it with its offset: {choices}"
        )
    # fold=1 reads the time with the offset after the change, which lands before the gap;
    # fold=0 reads it with the old offset, which lands after it.
    before = late.astimezone(UTC).astimezone(tz)
    after = early.astimezone(UTC).astimezone(tz)
    gap_start = _gap_start(naive, tz)
    raise ScheduleError(
        f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key}: clocks jump forward at "
        f"{gap_start:%H:%M}. Choose {_fmt(before)} or {_fmt(after)}, "
        f"i.e. {_with_colon(before)} or {_with_colon(after)}"
    )


def _gap_start(naive: datetime, tz: ZoneInfo) -> datetime:
    """First wall-clock minute that does not exist, for the message."""
    probe = naive
    for _ in range(24 * 60):
        earlier = probe - timedelta(minutes=1)
        e, late = earlier.replace(tzinfo=tz, fold=0), earlier.replace(tzinfo=tz, fold=1)
        if e.utcoffset() == late.utcoffset():
            return probe
        probe = earlier
    return naive


# Far enough for any campaign; beyond it a time is a typo (2062 for 2026). The intake checks it.
MAX_AHEAD = timedelta(days=5 * 365)


def parse_schedule_time(
    text: str, tz_name: str, *, now: datetime, allow_now: bool = True
) -> datetime:
    """Parse `text` ("now", an ISO time with offset, or a wall time in `tz_name`) to UTC.

    Past times are refused: a post scheduled for yesterday would be published the moment it is
    saved, which is never what a typo meant. "now" is the explicit way to ask for that.
    """
    tz = zone(tz_name)
    raw = (text or "").strip()
    if not raw:
        raise ScheduleError("a scheduled time is required (ISO 8601, e.g. 2026-12-01 09:30)")
    if raw.lower() == "now":
        if not allow_now:
            raise ScheduleError("'now' is not accepted here")
        return now.astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ScheduleError(
            f"cannot read {raw!r} as a time: use ISO 8601, e.g. 2026-12-01 09:30 or "
            "2026-12-01T09:30+01:00, or 'now'"
        ) from None
    try:
        moment = parsed.astimezone(UTC) if parsed.tzinfo else resolve_local(parsed, tz)
    except OverflowError:  # year 1 or 9999 shifted by the zone's offset
        raise ScheduleError(f"{raw} is out of range; schedule within the next years") from None
    if moment < now:
        raise ScheduleError(
            f"{raw} ({_fmt(moment.astimezone(tz))}) is in the past; "
            "schedule a future time or 'now' to publish at once"
        )
    return moment
