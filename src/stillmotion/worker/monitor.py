"""The Celery app as monitoring tools load it, built from the environment's settings:

    celery -A stillmotion.worker.monitor flower --port=5555
    celery -A stillmotion.worker.monitor inspect active

(it must be this app, not a bare `--broker`: the control and event exchanges carry the
deployment's queue prefix).
"""

from __future__ import annotations

from stillmotion.config import get_settings
from stillmotion.worker.celery_app import create_celery

app = create_celery(get_settings())
