import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()

if settings.SEARCH_WARM_START:  # as config/wsgi.py: each worker warms its own embedder
    from search.embedders import embedder_warm_start

    embedder_warm_start()
