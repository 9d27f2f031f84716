"""Gunicorn settings for the `web` role: `gunicorn -c config/gunicorn.conf.py 'feedback_service:create_app()'`.

Read from the environment so one file serves `make run`, the Procfile and a
production host alike.
"""
import multiprocessing
import os
import re

# Loopback by default: a public address is a deployment decision (BIND=0.0.0.0:8000
# behind a reverse proxy), never an accident of running the app. A host without a
# port listens on $PORT: a platform assigns the port only at run time.
_port = os.environ.get("PORT", "8000")
_bind = os.environ.get("BIND") or "127.0.0.1"
bind = _bind if _bind.startswith(("unix:", "fd://")) or re.search(r":\d+$", _bind) else f"{_bind}:{_port}"

# Requests are short and mostly wait on the database: the classic 2*cores+1,
# capped so a big host does not exhaust the database's connections.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 9))

# Import the app once in the master so workers fork with it loaded (faster
# start, shared memory); create_app() opens no connection, so nothing leaks
# across the fork.
preload_app = True

timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
# On SIGTERM, in-flight requests (a citizen's submission) get this long to finish.
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "20"))
keepalive = 5

# Recycle workers now and then so a slow leak never grows into an outage.
max_requests = 2000
max_requests_jitter = 200

# Logs go to stdout/stderr, where the process manager collects them.
accesslog = "-"
errorlog = "-"
# No client address and no /q/<token> or /d/<token> in the access log: the logger
# class redacts them from every atom (see feedback_service/access_log.py).
logger_class = "feedback_service.access_log.RedactingLogger"
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(L)s "%(f)s" "%(a)s"'
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = "sipas-web"

# Gunicorn 27 opens a control socket under ~/.gunicorn by default: a file
# outside the project, shared by every gunicorn of the user. The supervisor and
# the Procfile manage the process by signals, so it stays off.
control_socket_disable = True
