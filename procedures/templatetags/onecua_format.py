from django import template

from procedures import formatting

register = template.Library()
register.filter("vn_datetime", formatting.vn_datetime)
register.filter("vn_date", formatting.vn_date)
register.filter("vn_short_datetime", formatting.vn_short_datetime)
