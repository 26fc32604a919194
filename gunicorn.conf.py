"""gunicorn settings for production: `gunicorn cptref.wsgi` (this file is read from the working directory).

Everything comes from the environment, like the Django settings:
  GUNICORN_BIND      address to listen on, e.g. 127.0.0.1:8000 or unix:/run/cptref.sock (wins over PORT)
  PORT               port on all interfaces when GUNICORN_BIND is unset (default 8000)
  GUNICORN_WORKERS   sync worker processes (default 2 x CPU cores + 1)
  GUNICORN_TIMEOUT   seconds a request may take before its worker is restarted (default 30)
Logs: the access log and gunicorn's own messages go to stdout/stderr; Django logs to stdout (cptref/settings.py).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"

# A stuck request is killed after `timeout`; on SIGTERM (deploys, scaling in) workers get `graceful_timeout` to
# finish the requests they are serving; idle keep-alive connections from the proxy are held for `keepalive`.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = 5

accesslog = "-"  # stdout
errorlog = "-"  # stderr
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
