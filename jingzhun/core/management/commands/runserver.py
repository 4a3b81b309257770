"""`jingzhun runserver` serves the apps' static files wherever the settings ask for it.

DEBUG is off unless the environment turns it on, so that no page on a county's network shows a
traceback; but Django's runserver serves static files only under DEBUG or with --insecure, and
`jingzhun runserver` then served every page without its CSS or JavaScript (htmx, the charts).
The development settings set SERVE_STATIC; production never does (a front server serves
`collectstatic`'s STATIC_ROOT there). This app comes before django.contrib.staticfiles in
INSTALLED_APPS so that this command is the one Django finds.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver


class Command(StaticRunserver):
    def get_handler(self, *args, **options):
        if getattr(settings, "SERVE_STATIC", False):
            options["insecure_serving"] = True
        return super().get_handler(*args, **options)
