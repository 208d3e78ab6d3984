"""{{ event.date|precise:event.date_precision }}: a date shown only as precisely as it is known."""

from django import template

from sources import dates

register = template.Library()


@register.filter
def precise(value, precision="day"):
    return dates.display(value, precision or dates.DatePrecision.DAY)
