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
#
# A second, small cluster is for the one test that restarts its server (a store outage): restarting the shared one
# would fail every other test running at the same time. ENV_FILE names it too:
#   SPLICE_TEST_POSTGRES_OUTAGE_URL   its URL
#   SPLICE_TEST_POSTGRES_CTL          a script: `stop` (fast shutdown, waits) and `start` (same port, waits)
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

# Runs as the `postgres` user when root (initdb and the server refuse to run as root).
as_pg=()

# The server's options: loopback only, the cluster's own socket folder, no durability (throwaway).
server_options() { # DIR PORT MAX_CONNECTIONS
    echo "-c listen_addresses=127.0.0.1 -p $2 -c unix_socket_directories=$1 -c max_connections=$3 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_cluster BIN_DIR MAX_CONNECTIONS: a cluster in a new folder, started, with a `splice` role owning `splice_test`;
# prints "DIR PORT PASSWORD". The folder is named in ENV_FILE by the caller before anything can fail half-way.
make_cluster() {
    local bin_dir="$1" max_connections="$2" dir port password
    dir="$(mktemp -d /tmp/splice-postgres.XXXXXX)"
    chmod 755 "$dir"
    [ "${#as_pg[@]}" -eq 0 ] || chown postgres: "$dir"
    port="$(free_port)"
    password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
    echo "$dir" >>"$env_file.dirs"

    # The superuser connects only through the folder's Unix socket (trust); TCP needs the test user's password.
    "${as_pg[@]}" "$bin_dir/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    "${as_pg[@]}" "$bin_dir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
        -o "$(server_options "$dir" "$port" "$max_connections")" >/dev/null || { cat "$dir/server.log" >&2; return 1; }

    local tries=0
    until "$bin_dir/pg_isready" -q -h 127.0.0.1 -p "$port"; do
        tries=$((tries + 1))
        [ "$tries" -lt 60 ] || { echo "postgres.sh: the server did not get ready" >&2; cat "$dir/server.log" >&2; return 1; }
        sleep 0.5
    done

    "${as_pg[@]}" "$bin_dir/psql" -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE splice LOGIN PASSWORD '$password'" -c "CREATE DATABASE splice_test OWNER splice" >/dev/null || return 1
    echo "$dir $port $password"
}

# write_ctl DIR PORT BIN_DIR: DIR/ctl stops and starts that cluster again, on the same port.
write_ctl() {
    local dir="$1" port="$2" bin_dir="$3" runner=""
    [ "${#as_pg[@]}" -eq 0 ] || runner="runuser -u postgres --"
    cat >"$dir/ctl" <<CTL
#!/usr/bin/env bash
# Stops or starts the outage test's PostgreSQL ($dir); written by .ci/postgres.sh.
set -euo pipefail
case "\${1:-}" in
stop) $runner "$bin_dir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ;;
start) $runner "$bin_dir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o "$(server_options "$dir" "$port" 20)" >/dev/null ;;
*) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
CTL
    chmod 755 "$dir/ctl"
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

    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
        as_pg=(runuser -u postgres --)
    fi

    # ENV_FILE names the clusters' folders from the start, so that `stop` cleans up after a start that failed.
    mkdir -p "$(dirname "$env_file")"
    echo "export SPLICE_TEST_POSTGRES_BIN=$bin_dir" >"$env_file"
    : >"$env_file.dirs"
    trap 'finish_env_file' EXIT

    local main outage dir port password
    # Tests run in parallel, each store with its own pool: room for a few hundred connections.
    main="$(make_cluster "$bin_dir" 300)" || exit 1
    read -r dir port password <<<"$main"
    echo "export SPLICE_TEST_POSTGRES_URL=postgres://splice:$password@127.0.0.1:$port/splice_test?sslmode=disable" >>"$env_file"
    echo "postgres.sh: PostgreSQL $("$bin_dir/postgres" -V | awk '{print $3}') on 127.0.0.1:$port (folder $dir); source $env_file"

    outage="$(make_cluster "$bin_dir" 20)" || exit 1
    read -r dir port password <<<"$outage"
    write_ctl "$dir" "$port" "$bin_dir"
    {
        echo "export SPLICE_TEST_POSTGRES_OUTAGE_URL=postgres://splice:$password@127.0.0.1:$port/splice_test?sslmode=disable"
        echo "export SPLICE_TEST_POSTGRES_CTL=$dir/ctl"
    } >>"$env_file"
    echo "postgres.sh: the outage test's PostgreSQL on 127.0.0.1:$port (folder $dir)"
}

# The folders made so far go into ENV_FILE, whether `start` succeeded or not.
finish_env_file() {
    local dir
    while read -r dir; do
        [ -z "$dir" ] || echo "export SPLICE_TEST_POSTGRES_DIR=$dir" >>"$env_file"
    done <"$env_file.dirs"
    rm -f "$env_file.dirs"
}

stop() {
    [ -f "$env_file" ] || { echo "postgres.sh: no $env_file: nothing to stop"; return 0; }
    local dir bin_dir
    bin_dir="$(sed -n 's/^export SPLICE_TEST_POSTGRES_BIN=//p' "$env_file")"
    [ "$(id -u)" -ne 0 ] || as_pg=(runuser -u postgres --)
    # Only folders this script made: never remove anything else the file might name.
    while read -r dir; do
        if [ -n "$dir" ] && [[ "$dir" == /tmp/splice-postgres.* ]] && [ -d "$dir" ]; then
            if [ -f "$dir/data/postmaster.pid" ] && [ -n "$bin_dir" ]; then
                "${as_pg[@]}" "$bin_dir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
            fi
            rm -rf "$dir"
        fi
    done < <(sed -n 's/^export SPLICE_TEST_POSTGRES_DIR=//p' "$env_file")
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
