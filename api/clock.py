"""China Standard Time: the calendar a user's days and months are counted in, whatever the server's zone."""
from datetime import date, datetime, timedelta, timezone

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def china_now() -> datetime:
    """The current instant, in China Standard Time."""
    return datetime.now(CHINA_STANDARD_TIME)


def china_today() -> date:
    """Today's date in China (a server running on UTC is a day behind from 16:00 to 24:00 UTC)."""
    return china_now().date()
