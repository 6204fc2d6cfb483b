"""Times are stored in UTC and shown in Europe/Stockholm."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local(value: datetime | None) -> datetime | None:
    """The same instant on the Stockholm wall clock."""
    return value.astimezone(STOCKHOLM) if value else None
