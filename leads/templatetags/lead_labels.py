from django import template

from leads.labels import region_label, segment_label, status_label

register = template.Library()

register.filter("segment_label", segment_label)
register.filter("region_label", region_label)
register.filter("status_label", status_label)
