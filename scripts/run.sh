#!/usr/bin/env bash
# Start the task worker in the background and the web server in the foreground; stop both together.
set -euo pipefail
PY="${PY:-.venv/bin/python}"
"$PY" manage.py db_worker --interval 2 &
worker=$!
# Reminders and retries: what cron runs in production (`manage.py run_periodic`).
(while sleep "${PERIODIC_INTERVAL_SECONDS:-900}"; do "$PY" manage.py run_periodic; done) &
scheduler=$!
trap 'kill "$worker" "$scheduler" 2>/dev/null || true' EXIT INT TERM
"$PY" manage.py demo_logins
echo "无诈已启动：http://127.0.0.1:8000  (Ctrl+C 停止)"
"$PY" manage.py runserver 127.0.0.1:8000
