"""gunicorn settings for Remiss, every one overridable from the environment.

    gunicorn -c deploy/gunicorn.conf.py 'remiss:create_app()'

Sync workers: each request holds one database connection for its length and does its work on
the CPU (templates, Markdown was rendered on save); a process per core pair is what the
measurements in docs/performance.md were taken with. Threads would share the GIL.
"""
import json
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str((os.cpu_count() or 1) * 2 + 1)))
worker_class = "sync"
# Reports of large consultations stream for minutes; the proxy's timeout must match (deployment.md).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter): bounds any slow leak.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# The reverse proxy on the same host (or the addresses in FORWARDED_ALLOW_IPS) may set X-Forwarded-*.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
control_socket_disable = True  # no control socket (not usable on these machines, not needed)
# Errors and the app's own logs go to stderr as JSON lines (remiss/logs.py); the access log too.
errorlog = "-"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = json.dumps({
    "logger": "gunicorn.access", "remote_addr": "%(h)s", "method": "%(m)s", "path": "%(U)s",
    "status": "%(s)s", "bytes": "%(B)s", "duration_ms": "%(M)s", "request_id": "%({x-request-id}i)s",
    "user_agent": "%(a)s",
})
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


def post_worker_init(worker):
    """The app is loaded: its objects out of the garbage collector's way (remiss.freeze_startup_objects)."""
    from remiss import freeze_startup_objects

    freeze_startup_objects()


# gunicorn's own lines (boot, worker exits, errors) as JSON too, in the app's format.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": loglevel.upper(), "handlers": ["stderr"]},
    "formatters": {"json": {"()": "remiss.logs.JsonFormatter"}, "line": {"format": "%(message)s"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
        # The access lines are JSON already (access_log_format).
        "access": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}
