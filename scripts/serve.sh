#!/usr/bin/env bash
# make run: one job worker in the background and the development server in the foreground, in
# make's process group. Ctrl+C reaches both; and whenever runserver ends (Ctrl+C, a port already
# taken, TERM), the trap stops the worker, so no worker outlives the server. Only the worker's own
# pid is signalled: `kill 0` would signal make as well. A chunk the worker was in the middle of is
# printed again by the next worker once its lease runs out (common/jobs/sweep.py).
# Usage: scripts/serve.sh HOST:PORT   (PYTHON names the interpreter; make passes .venv's)
set -uo pipefail
python=${PYTHON:-.venv/bin/python}

"$python" manage.py jobs_worker &
worker=$!

stop_worker() {
  trap - EXIT INT TERM
  kill -TERM "$worker" 2>/dev/null || return 0
  # The first signal lets the worker end the task it runs; after 10 s it is stopped outright.
  for _ in $(seq 1 100); do
    kill -0 "$worker" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$worker" 2>/dev/null
  wait "$worker" 2>/dev/null
  return 0
}
trap stop_worker EXIT
trap 'stop_worker; exit 130' INT
trap 'stop_worker; exit 143' TERM

echo "后台任务进程 jobs_worker 已启动（pid $worker），与开发服务器一同用 Ctrl+C 停止。"
"$python" manage.py runserver "$@"
