"""The WSGI application, imported by each web worker after the server forked or spawned it
(granian and gunicorn both load the app in the worker): the place to warm what every
worker needs before its first request."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

if settings.SEARCH_WARM_START:
    from search.embedders import embedder_warm_start

    embedder_warm_start()
