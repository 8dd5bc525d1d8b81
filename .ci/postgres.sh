#!/usr/bin/env bash
# A throwaway PostgreSQL for the state store's tests (Tests/SpliceStatePostgresTests).
#
#   .ci/postgres.sh start [ENV_FILE]   # installs Debian's postgresql if missing, starts a cluster on a free
#                                      # loopback port, writes `export SPLICE_TEST_POSTGRES_URL=...` to ENV_FILE
#   . ENV_FILE                         # then `swift test` finds the server
#   .ci/postgres.sh stop [ENV_FILE]    # stops that cluster and removes its folder and ENV_FILE
#
# ENV_FILE defaults to .build/test-postgres.env. The cluster lives in a temporary folder, listens on 127.0.0.1 only,
# and asks for a password (scram-sha-256) over TCP, as a real deployment would.
set -euo pipefail

command_name="${1:-}"
env_file="${2:-}"
# A given ENV_FILE is relative to the caller's folder; the default one to the repository's.
if [ -n "$env_file" ] && [[ "$env_file" != /* ]]; then
    env_file="$PWD/$env_file"
fi
cd "$(dirname "$0")/.."
env_file="${env_file:-$PWD/.build/test-postgres.env}"

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    as_root=(sudo -n)
fi

find_bin_dir() {
    # Debian keeps the server's programs out of PATH, one folder per major version: take the newest.
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
        echo "$dir"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

start() {
    local bin_dir
    bin_dir="$(find_bin_dir)"
    if [ -z "$bin_dir" ]; then
        echo "postgres.sh: installing Debian's postgresql"
        export DEBIAN_FRONTEND=noninteractive
        "${as_root[@]}" apt-get update -qq
        "${as_root[@]}" apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        bin_dir="$(find_bin_dir)"
        [ -n "$bin_dir" ] || { echo "postgres.sh: initdb not found after installing postgresql" >&2; exit 1; }
    fi

    # initdb and the server refuse to run as root: as root they run as the package's `postgres` user.
    local as_pg=()
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
        as_pg=(runuser -u postgres --)
    fi

    local dir port password
    dir="$(mktemp -d /tmp/splice-postgres.XXXXXX)"
    chmod 755 "$dir"
    [ "${#as_pg[@]}" -eq 0 ] || chown postgres: "$dir"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

    # The superuser connects only through the folder's Unix socket (trust); TCP needs the test user's password.
    "${as_pg[@]}" "$bin_dir/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # Tests run in parallel, each store with its own pool: room for a few hundred connections. fsync off: throwaway.
    "${as_pg[@]}" "$bin_dir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
        "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

    local tries=0
    until "$bin_dir/pg_isready" -q -h 127.0.0.1 -p "$port"; do
        tries=$((tries + 1))
        [ "$tries" -lt 60 ] || { echo "postgres.sh: the server did not get ready" >&2; cat "$dir/server.log" >&2; exit 1; }
        sleep 0.5
    done

    "${as_pg[@]}" "$bin_dir/psql" -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE splice LOGIN PASSWORD '$password'" -c "CREATE DATABASE splice_test OWNER splice" >/dev/null

    mkdir -p "$(dirname "$env_file")"
    {
        echo "export SPLICE_TEST_POSTGRES_URL=postgres://splice:$password@127.0.0.1:$port/splice_test?sslmode=disable"
        echo "export SPLICE_TEST_POSTGRES_DIR=$dir"
        echo "export SPLICE_TEST_POSTGRES_BIN=$bin_dir"
    } >"$env_file"
    echo "postgres.sh: PostgreSQL $("$bin_dir/postgres" -V | awk '{print $3}') on 127.0.0.1:$port (folder $dir); source $env_file"
}

stop() {
    [ -f "$env_file" ] || { echo "postgres.sh: no $env_file: nothing to stop"; return 0; }
    local dir bin_dir
    dir="$(sed -n 's/^export SPLICE_TEST_POSTGRES_DIR=//p' "$env_file")"
    bin_dir="$(sed -n 's/^export SPLICE_TEST_POSTGRES_BIN=//p' "$env_file")"
    local as_pg=()
    [ "$(id -u)" -ne 0 ] || as_pg=(runuser -u postgres --)
    # Only a folder this script made: never remove anything else the file might name.
    if [ -n "$dir" ] && [[ "$dir" == /tmp/splice-postgres.* ]] && [ -d "$dir" ]; then
        if [ -f "$dir/data/postmaster.pid" ]; then
            "${as_pg[@]}" "$bin_dir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
        fi
        rm -rf "$dir"
    fi
    rm -f "$env_file"
    echo "postgres.sh: stopped"
}

case "$command_name" in
start) start ;;
stop) stop ;;
*)
    echo "usage: $0 start|stop [ENV_FILE]" >&2
    exit 2
    ;;
esac
