"""Dates as precise as the source: a day, a month or only a year. No database access.

A date known only to the month is stored as the first of that month with precision "month", and
shown as "August 2021", never as a day the source does not give and never as "date unknown".
"""

from datetime import date

from django.db import models


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


def precision_field(what: str) -> models.CharField:
    """The precision column stored beside a date field."""
    return models.CharField(
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=f"How precisely the source gives {what}: the day, only the month, or only the "
        "year (store the first day of the month or year).",
    )


def truncate(value: date, precision: str) -> date:
    """The first day of the period a date of this precision stands for."""
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    return value


def display(value: date | None, precision: str = DatePrecision.DAY) -> str:
    """The date in words as precise as it is known: "2021-08-26", "August 2021", "2021"; "" if none."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return f"{value:%B} {value.year}"
    return value.isoformat()


def iso(value: date | None, precision: str = DatePrecision.DAY) -> str:
    """ISO 8601 at the known precision ("2021-08", "2021"), for CSV and data exports."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()
