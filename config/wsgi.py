"""The WSGI application, imported by each web worker after the server forked or spawned it
(granian and gunicorn both load the app in the worker): the place to warm what every
worker needs before its first request."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from content.replay import Replay  # noqa: E402 (needs the settings loaded above)
from events.keeper import WebhookKeeper  # noqa: E402

# Cached pages and API-key reads of published pages are answered in front of Django's
# handler (content.replay), and webhook deliveries are stored there (events.keeper).
application = WebhookKeeper(Replay(django_application))

if settings.SEARCH_WARM_START:
    from search.embedders import embedder_warm_start

    embedder_warm_start()
