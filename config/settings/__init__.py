# ruff: noqa: I001  (order matters: the app modules read what base resolved)
"""Settings, all from the environment; every default works on a fresh machine.

Split by concern (HackSoft's layout): `base` is Django and tenancy, the other modules
each own one subsystem and read what `base` resolved (data dir, Redis URL).
"""

from config.settings.base import *  # noqa: F403
from config.settings.celery import *  # noqa: F403
from config.settings.security import *  # noqa: F403
from config.settings.faults import *  # noqa: F403

from config.settings.content import *  # noqa: F403
from config.settings.api import *  # noqa: F403
from config.settings.search import *  # noqa: F403
from config.settings.events import *  # noqa: F403
from config.settings.images import *  # noqa: F403
from config.settings.answers import *  # noqa: F403
from config.settings.analytics import *  # noqa: F403
