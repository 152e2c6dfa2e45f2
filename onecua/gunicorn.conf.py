"""gunicorn's settings in production (Dockerfile, docker-compose.yml): `gunicorn onecua.wsgi:application
--config onecua/gunicorn.conf.py --bind … --workers …`.

Why a configuration file: gunicorn's access log writes each request line as it came, and the rating pages'
addresses carry a token that opens the page (/danh-gia/ho-so/<code>/<token>/); a Referer can carry one too.
gunicorn has no access-log format that drops part of a path, so its loggers go through the same filter as
Django's (onecua.logging_filters.MaskPersonalData: tokens, phone and ID numbers, e-mail addresses masked) by
way of `logconfig_dict`. The access log stays on (to stdout), masked; its format leaves out the User-Agent.

With PROMETHEUS_MULTIPROC_DIR set (docker-compose.yml), a worker that exits is marked dead for prometheus-client,
so its gauges stop counting at /metrics (its counters and histograms are kept, as the library intends).

This file is read by gunicorn's master process before Django is set up: it imports nothing from Django.
"""

import os

# Apache's common log format, the request time added: client, time, request line (masked), status, bytes, referrer
# (masked), microseconds.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" %(D)sus'

_FILTERS = ["mask_personal_data"]
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "onecua.logging_filters.MaskPersonalData"}},
    "formatters": {
        "generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(message)s",
                    "datefmt": "[%Y-%m-%d %H:%M:%S %z]"},
        "access": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stdout",
                    "filters": _FILTERS},
        "error_console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stderr",
                          "filters": _FILTERS},
        "access_console": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout",
                           "filters": _FILTERS},
    },
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["access_console"], "propagate": False},
    },
}


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
