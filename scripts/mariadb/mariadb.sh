#!/usr/bin/env bash
# Private MariaDB instances for tests, benchmarks and local runs.
#
#   mariadb.sh install             install mariadb-server/-client (apt) if missing
#   mariadb.sh start DIR [PORT]    start (or reuse) an instance in DIR on 127.0.0.1:PORT
#                                  and print its MYSQL_URL; PORT 0 or omitted = pick a free one
#   mariadb.sh stop DIR            stop the instance in DIR (waits for it to exit)
#   mariadb.sh status DIR          print the MYSQL_URL and exit 0 if it answers, else exit 1
#   mariadb.sh url DIR             print the MYSQL_URL recorded in DIR (no check)
#
# The instance has its own data directory (DIR/data), socket, pid file and
# error log, listens only on 127.0.0.1, and lets root in over TCP with an
# empty password: nothing secret is needed at run time, and nothing outside
# this machine can reach it. `start` is idempotent and safe to call from
# several processes at once (flock on DIR/.lock).
set -euo pipefail

die() { echo "mariadb.sh: $*" >&2; exit 1; }

find_bin() {
  local name
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    for d in /usr/sbin /usr/local/sbin /usr/bin /usr/local/bin /usr/libexec; do
      if [ -x "$d/$name" ]; then echo "$d/$name"; return 0; fi
    done
  done
  return 1
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

cmd_install() {
  if find_bin mariadbd mysqld >/dev/null && find_bin mariadb mysql >/dev/null; then
    echo "mariadb already installed: $(find_bin mariadbd mysqld)"
    return 0
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y --no-install-recommends mariadb-server mariadb-client; then
    as_root apt-get update
    as_root apt-get install -y --no-install-recommends mariadb-server mariadb-client
  fi
  # Debian starts a system-wide server on install; private instances do not need it.
  if command -v systemctl >/dev/null 2>&1; then as_root systemctl stop mariadb >/dev/null 2>&1 || true; fi
  find_bin mariadbd mysqld >/dev/null || die "install finished but no mariadbd/mysqld found"
}

client() { find_bin mariadb mysql || die "no mariadb/mysql client; run: $0 install"; }
admin() { find_bin mariadb-admin mysqladmin || die "no mariadb-admin; run: $0 install"; }

url_of() { echo "mysql://root@127.0.0.1:$(cat "$1/port")"; }

# True when the instance in $1 answers on its socket.
alive() {
  local dir=$1
  [ -S "$dir/mysqld.sock" ] && [ -f "$dir/port" ] || return 1
  "$(admin)" --no-defaults --socket="$dir/mysqld.sock" -uroot --connect-timeout=2 ping >/dev/null 2>&1
}

free_port() {
  # Ask the kernel for a free port on 127.0.0.1 (node is always present in this repo).
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

cmd_start() {
  local dir=${1:?usage: start DIR [PORT]} port=${2:-0}
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  exec 9>"$dir/.lock"
  flock -w 120 9 || die "timed out waiting for the lock on $dir"
  if alive "$dir"; then url_of "$dir"; return 0; fi

  local mariadbd user
  mariadbd=$(find_bin mariadbd mysqld) || die "no mariadbd/mysqld; run: $0 install"
  user=$(whoami)
  if [ -f "$dir/mysqld.pid" ]; then
    # A previous server in this dir died or is wedged: make sure it is gone.
    local old
    old=$(cat "$dir/mysqld.pid" 2>/dev/null || true)
    if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
      kill "$old" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$old" 2>/dev/null || true
    fi
    rm -f "$dir/mysqld.pid" "$dir/mysqld.sock"
  fi
  if [ ! -d "$dir/data/mysql" ]; then
    rm -rf "$dir/data"
    mariadb-install-db --no-defaults --datadir="$dir/data" --user="$user" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
      || { cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
  fi
  if [ "$port" = 0 ]; then
    if [ -f "$dir/port" ]; then port=$(cat "$dir/port"); else port=$(free_port); fi
  fi
  echo "$port" >"$dir/port"

  # Small buffers: these machines are shared. Durability settings stay at
  # their safe values (flush the redo log at every commit).
  nohup "$mariadbd" --no-defaults --user="$user" --datadir="$dir/data" \
    --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" \
    --port="$port" --bind-address="${MARIADB_BIND:-127.0.0.1}" --skip-name-resolve \
    --innodb-flush-log-at-trx-commit=1 --innodb-buffer-pool-size=128M \
    --innodb-log-file-size=64M --max-connections=500 --skip-log-bin \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    >>"$dir/stdout.log" 2>&1 </dev/null 9>&- &
  local pid=$!
  for _ in $(seq 1 600); do
    if alive "$dir"; then break; fi
    kill -0 "$pid" 2>/dev/null || { tail -n 30 "$dir/error.log" >&2 || true; die "mariadbd exited during start"; }
    sleep 0.1
  done
  alive "$dir" || { tail -n 30 "$dir/error.log" >&2 || true; die "mariadbd did not answer within 60 s"; }
  # Root over TCP (127.0.0.1 only, thanks to bind-address and skip-name-resolve).
  "$(client)" --no-defaults --socket="$dir/mysqld.sock" -uroot -e "
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
    FLUSH PRIVILEGES;" || die "could not grant root@127.0.0.1"
  # Multi-node tests (network namespaces) reach the server from other nodes'
  # addresses: MARIADB_BIND opens it there, MARIADB_REMOTE_HOST (an IP pattern
  # such as 10.201.3.%) lets root in from those addresses only.
  if [ -n "${MARIADB_REMOTE_HOST:-}" ]; then
    "$(client)" --no-defaults --socket="$dir/mysqld.sock" -uroot -e "
      CREATE USER IF NOT EXISTS 'root'@'${MARIADB_REMOTE_HOST}' IDENTIFIED BY '';
      GRANT ALL PRIVILEGES ON *.* TO 'root'@'${MARIADB_REMOTE_HOST}' WITH GRANT OPTION;
      FLUSH PRIVILEGES;" || die "could not grant root@${MARIADB_REMOTE_HOST}"
  fi
  url_of "$dir"
}

cmd_stop() {
  local dir=${1:?usage: stop DIR}
  [ -d "$dir" ] || return 0
  local pid=""
  [ -f "$dir/mysqld.pid" ] && pid=$(cat "$dir/mysqld.pid" 2>/dev/null || true)
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$dir/mysqld.pid"
    return 0
  fi
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$dir/mysqld.pid"; return 0; }
    sleep 0.1
  done
  echo "mariadb.sh: server $pid did not stop within 30 s; killing it" >&2
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/mysqld.pid"
}

cmd_status() {
  local dir=${1:?usage: status DIR}
  if alive "$dir"; then url_of "$dir"; else echo "not running" >&2; return 1; fi
}

cmd_url() {
  local dir=${1:?usage: url DIR}
  [ -f "$dir/port" ] || die "no instance in $dir"
  url_of "$dir"
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  url) shift; cmd_url "$@" ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
