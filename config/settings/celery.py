from config import services
from config.settings.base import REDIS_URL
from config.settings.env import env_int, env_str

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", services.redis_for_kombu(REDIS_URL))
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", services.redis_for_kombu(REDIS_URL))
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = env_int("CELERY_RESULT_EXPIRES", 3600)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Each app adds its periodic tasks (config/settings/<app>.py); `celery beat` runs them.
CELERY_BEAT_SCHEDULE = {}
