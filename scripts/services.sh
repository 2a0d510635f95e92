#!/usr/bin/env bash
# Starts (or stops) private PostgreSQL and MariaDB servers for the tests, on loopback ports of their own, with
# data in $PKM_SERVICES_DIR (default /tmp/passkey-migrate-services). Idempotent: a running server is left alone.
# Prints the connection strings the tests use. Needs the Debian packages postgresql and mariadb-server.
set -euo pipefail
DIR="${PKM_SERVICES_DIR:-/tmp/passkey-migrate-services}"
PG_PORT="${PKM_PG_PORT:-55432}"
MY_PORT="${PKM_MYSQL_PORT:-53306}"
PASSWORD="${PKM_DB_PASSWORD:-pkm-Test-pw-7}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_pg() {
  mkdir -p "$DIR"
  if [ -n "$PG_BIN" ] && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then return 0; fi
  [ -n "$PG_BIN" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
  if [ ! -f "$DIR/pg/PG_VERSION" ]; then
    mkdir -p "$DIR/pg"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR/pg"
    as_pg "$PG_BIN/initdb" -D "$DIR/pg" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  fi
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$DIR/pg"
  as_pg "$PG_BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $DIR/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
  as_pg "$PG_BIN/psql" -h "$DIR/pg" -p "$PG_PORT" -U postgres -qtc "alter user postgres password '$PASSWORD'" >/dev/null
}

start_mysql() {
  mkdir -p "$DIR"
  if mariadb --protocol=tcp -h 127.0.0.1 -P "$MY_PORT" -uroot -p"$PASSWORD" -e 'select 1' >/dev/null 2>&1; then return 0; fi
  command -v mariadbd >/dev/null || { echo "MariaDB is not installed (apt-get install mariadb-server)" >&2; exit 1; }
  if [ ! -d "$DIR/mysql/mysql" ]; then
    mkdir -p "$DIR/mysql"
    mariadb-install-db --user="$(id -un)" --datadir="$DIR/mysql" --auth-root-authentication-method=normal >/dev/null 2>&1
  fi
  (mariadbd --user="$(id -un)" --datadir="$DIR/mysql" --port="$MY_PORT" --bind-address=127.0.0.1 \
      --socket="$DIR/mysql.sock" --pid-file="$DIR/mysql.pid" --skip-name-resolve --max-connections=300 \
      --innodb-flush-log-at-trx-commit=0 --log-error="$DIR/mysql.log" >/dev/null 2>&1 &)
  for _ in $(seq 1 120); do
    if mariadb-admin --socket="$DIR/mysql.sock" -uroot ping >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  mariadb --socket="$DIR/mysql.sock" -uroot -e \
    "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '$PASSWORD'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;" 
  mariadb --protocol=tcp -h 127.0.0.1 -P "$MY_PORT" -uroot -p"$PASSWORD" -e 'select 1' >/dev/null
}

stop_all() {
  [ -n "$PG_BIN" ] && [ -f "$DIR/pg/postmaster.pid" ] && as_pg "$PG_BIN/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null || true
  [ -S "$DIR/mysql.sock" ] && mariadb-admin --socket="$DIR/mysql.sock" -uroot shutdown >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start)
    start_pg
    start_mysql
    echo "PKM_PG=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Password=$PASSWORD"
    echo "PKM_MYSQL=Server=127.0.0.1;Port=$MY_PORT;User=root;Password=$PASSWORD"
    ;;
  stop) stop_all ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
