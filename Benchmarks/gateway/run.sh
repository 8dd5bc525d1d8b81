#!/usr/bin/env bash
# The gateway benchmark: Splice (release build) and nginx as a header-injecting reverse proxy, each in front of
# the same fake SpatialGen (nginx answering a fixed body), loaded by wrk on loopback. Prints one table.
#
#   bash Benchmarks/gateway/run.sh        # from the repository root (or anywhere: it finds the root itself)
#
# Settings (environment): DURATION (default 8s, per measured run), CONNECTIONS (default "32 256"),
# MEMORY_REQUESTS (default 1000000; 0 skips the memory run), MEMORY_CONNECTIONS (default 64), POSTGRES=1 (also
# measure /complete with the state store on a throwaway PostgreSQL cluster, started with .ci/postgres.sh),
# SKIP_BUILD=1 (use the existing .build-bench release binary), SPLICE_BINARY=PATH (measure that binary instead, e.g. an
# earlier commit's, for a before/after in one sitting; implies SKIP_BUILD), SPLICE_LOG_LEVEL (default info: what a
# user runs; the goal is measured there), KEEP_TMP=1 (keep the logs and configs).
# Everything runs on 127.0.0.1 on ports picked free at start; everything started is stopped on exit.
# Never part of `swift test` or .ci/run. Benchmarks/README.md explains the rows and keeps the last figures.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

DURATION="${DURATION:-8s}"
CONNECTIONS="${CONNECTIONS:-32 256}"
MEMORY_REQUESTS="${MEMORY_REQUESTS:-1000000}"
MEMORY_CONNECTIONS="${MEMORY_CONNECTIONS:-64}"
WARMUP="2s"
APPKEY="bench-spatialgen-appkey-0123456789"

say() { printf '==> %s\n' "$*" >&2; }

# --- Tools: wrk, nginx (with its echo module) and curl from Debian when missing. ----------------------------
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v curl >/dev/null 2>&1 || missing+=(curl)
[ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] || missing+=(libnginx-mod-http-echo)  # provider.conf
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]} (apt-get)"
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # RUNLEVEL=1 keeps the package's scripts from starting the system's own nginx.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

# --- Splice, release build in its own scratch path (the debug .build stays as it is). -------------------------
if [ -n "${SPLICE_BINARY:-}" ]; then
    SKIP_BUILD=1
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    say "building splice (release, --scratch-path .build-bench); a first build takes several minutes"
    swift build -c release --product splice --scratch-path .build-bench
fi
SPLICE="${SPLICE_BINARY:-$(swift build -c release --scratch-path .build-bench --show-bin-path)/splice}"
[ -x "$SPLICE" ] || {
    echo "no release binary at $SPLICE (run without SKIP_BUILD=1)" >&2
    exit 1
}

# --- A private temporary directory, and stopping everything on exit. -------------------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/splice-gateway-bench.XXXXXX")"
chmod 755 "$tmp"  # nginx workers may run as another user
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "${postgres_started:-0}" = 1 ]; then bash "$root/.ci/postgres.sh" stop "$tmp/postgres.env" >&2 || true; fi
    if [ "${KEEP_TMP:-0}" = 1 ]; then say "logs and configs kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Free loopback ports: random, checked by connecting (a refused connection means free), never reused here.
used_ports=" "
free_port() {
    local candidate attempt
    for attempt in $(seq 1 500); do
        candidate=$((20000 + RANDOM % 40000))
        [[ "$used_ports" == *" $candidate "* ]] && continue
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
            used_ports+="$candidate "
            printf -v "$1" '%s' "$candidate"
            return 0
        fi
    done
    echo "no free port found" >&2
    exit 1
}

wait_for_port() {
    local port=$1 name=$2 attempt
    for attempt in $(seq 1 150); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.2
    done
    echo "$name did not start listening on 127.0.0.1:$port" >&2
    exit 1
}

start_nginx() {  # name template port upstream-port
    local dir="$tmp/$1"
    mkdir -p "$dir"
    sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$3|g" -e "s|@UPSTREAM_PORT@|$4|g" -e "s|@APPKEY@|$APPKEY|g" \
        "$here/$2" >"$dir/nginx.conf"
    "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
    pids+=($!)
    wait_for_port "$3" "nginx ($1)"
}

free_port provider_port
free_port proxy_port
free_port splice_port

say "fake provider: nginx on 127.0.0.1:$provider_port"
start_nginx provider provider.conf "$provider_port" -
say "reference proxy: nginx on 127.0.0.1:$proxy_port"
start_nginx proxy proxy.conf "$proxy_port" "$provider_port"

mkdir -p "$tmp/routes"
cat >"$tmp/routes/spatialgen.yaml" <<EOF
provider: spatialgen
upstream: http://127.0.0.1:$provider_port
credentials:
  appKey: \${SG_KEY}
EOF
# The state store: an SQLite file in the temporary directory (the default), or PostgreSQL for the rows at the end.
printf 'state: sqlite:%s\n' "$tmp/state.db" >"$tmp/splice-sqlite.yaml"
splice_config="$tmp/splice-sqlite.yaml"
# Splice; restarted when it crashed (a crash is reported in the table, with its log kept apart).
splice_starts=0
crashes=()
start_splice() {
    splice_starts=$((splice_starts + 1))
    splice_log="$tmp/splice-$splice_starts.log"
    SG_KEY="$APPKEY" "$SPLICE" serve --config "$splice_config" --routes "$tmp/routes" --port "$splice_port" \
        --log-level "${SPLICE_LOG_LEVEL:-info}" >"$splice_log" 2>&1 &
    splice_pid=$!
    pids+=("$splice_pid")
    wait_for_port "$splice_port" "splice"
}
# Returns 1 (and restarts Splice) when it crashed since it was started.
check_splice() {  # what was running
    sleep 0.5
    if kill -0 "$splice_pid" 2>/dev/null && ! grep -q -E 'Program crashed|Backtracing from' "$splice_log"; then
        return 0
    fi
    local attempt
    for attempt in $(seq 1 120); do  # let the backtracer finish writing its report
        kill -0 "$splice_pid" 2>/dev/null || break
        sleep 0.5
    done
    kill -KILL "$splice_pid" 2>/dev/null || true
    wait "$splice_pid" 2>/dev/null || true
    local reason
    reason="$(grep -m1 -A3 '^Thread .* crashed:' "$splice_log" | grep -m1 -E '^ +0 ' | sed -E 's/^ *0 +0x[0-9a-f]+ //; s/ in splice.*//' || true)"
    crashes+=("$1: ${reason:-exited} (log: $(basename "$splice_log"))")
    say "splice crashed during $1: ${reason:-exited}; restarting it"
    start_splice
    return 1
}
say "splice serve on 127.0.0.1:$splice_port (log level ${SPLICE_LOG_LEVEL:-info}, log in the temporary directory)"
start_splice

# --- The three targets; each is checked once before it is measured. ------------------------------------------------
complete_body='{"route":"spatialgen","sessionId":"s","uploadId":"u","parts":[{"partNumber":1,"etag":"e"}]}'
passthrough_body='{"parts":[{"partNumber":1,"etag":"e"}]}'
targets=(nginx splice-complete splice-passthrough splice-idempotent)
declare -A url body label
url[nginx]="http://127.0.0.1:$proxy_port/api/videos/uploads/s/files/u/complete"
body[nginx]="$passthrough_body"
label[nginx]="nginx proxy (reference)"
url[splice-complete]="http://127.0.0.1:$splice_port/complete"
body[splice-complete]="$complete_body"
label[splice-complete]="splice POST /complete"
url[splice-passthrough]="http://127.0.0.1:$splice_port/spatialgen/api/videos/uploads/s/files/u/complete"
body[splice-passthrough]="$passthrough_body"
label[splice-passthrough]="splice passthrough"
url[splice-idempotent]="${url[splice-complete]}"
body[splice-idempotent]="$complete_body"
label[splice-idempotent]="splice POST /complete + Idempotency-Key (SQLite)"
declare -A script
script[splice-idempotent]="post-idempotent.lua"

for target in "${targets[@]}"; do
    answer="$(curl -sS -o "$tmp/check-$target.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data "${body[$target]}" "${url[$target]}")"
    if [ "$answer" != 200 ] || ! grep -q '"completed"' "$tmp/check-$target.json"; then
        echo "${label[$target]}: expected 200 with the provider's answer, got $answer: $(cat "$tmp/check-$target.json")" >&2
        exit 1
    fi
done

rss_mib() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# Runs wrk; sets the globals rps p50 p99 errors requests (latencies in ms).
run_wrk() {  # target connections duration [output-file]
    local target=$1 connections=$2 duration=$3 output=${4:-$tmp/wrk.txt} result
    WRK_BODY="${body[$target]}" wrk -t1 -c"$connections" -d"$duration" --latency -s "$here/${script[$target]:-post.lua}" \
        "${url[$target]}" >"$output" 2>&1
    result="$(grep '^WRK_RESULT' "$output")" || {
        cat "$output" >&2
        exit 1
    }
    eval "$(sed -e 's/^WRK_RESULT //' <<<"$result")"  # requests= duration_us= p50_us= p99_us= ...
    rps="$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')"
    p50="$(awk -v v="$p50_us" 'BEGIN { printf "%.2f", v / 1000 }')"
    p99="$(awk -v v="$p99_us" 'BEGIN { printf "%.2f", v / 1000 }')"
    errors=$((socket_errors + http_errors))
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

rows=()
idle_rss="$(rss_mib "$splice_pid")"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
declare -A nginx_rps nginx_p99
for connections in $CONNECTIONS; do
    for target in "${targets[@]}"; do
        say "${label[$target]}: $connections connections, $WARMUP warm-up, then $DURATION"
        run_wrk "$target" "$connections" "$WARMUP"
        [ "$target" = nginx ] || check_splice "the warm-up of ${label[$target]} at $connections connections" || true
        run_wrk "$target" "$connections" "$DURATION" "$tmp/wrk-$target-$connections.txt"
        [ "$target" = nginx ] || check_splice "${label[$target]} at $connections connections" || true
        if [ "$target" = nginx ]; then
            nginx_rps[$connections]=$rps
            nginx_p99[$connections]=$p99
            rows+=("| ${label[$target]} | $connections | $rps | $p50 | $p99 | $errors | - | 1.00 | 1.00 |")
        else
            rows+=("| ${label[$target]} | $connections | $rps | $p50 | $p99 | $errors | $(rss_mib "$splice_pid") MiB |"\
" $(ratio "$rps" "${nginx_rps[$connections]}") | $(ratio "$p99" "${nginx_p99[$connections]}") |")
        fi
    done
done

memory_note=""
if [ "$MEMORY_REQUESTS" -gt 0 ]; then
    # wrk stops after MEMORY_REQUESTS answers (post-count.lua); its duration is only a bound, three times what the
    # rate just measured at MEMORY_CONNECTIONS predicts. RSS is read before, at the predicted half and at the end.
    run_wrk splice-complete "$MEMORY_CONNECTIONS" 3s
    check_splice "the memory run's rate measurement" || true
    expected=$(awk -v n="$MEMORY_REQUESTS" -v r="$rps" 'BEGIN { printf "%d", n / r + 1 }')
    say "memory run: splice POST /complete, $MEMORY_CONNECTIONS connections, $MEMORY_REQUESTS requests (about ${expected}s)"
    start_rss="$(rss_mib "$splice_pid")"
    start_lines=$(wc -l <"$splice_log")
    done_file="$tmp/memory-run.done"
    WRK_BODY="${body[splice-complete]}" WRK_REQUESTS="$MEMORY_REQUESTS" WRK_DONE_FILE="$done_file" \
        wrk -t1 -c"$MEMORY_CONNECTIONS" -d"$((expected * 3 + 10))s" --latency -s "$here/post-count.lua" \
        "${url[splice-complete]}" >"$tmp/wrk-memory.txt" 2>&1 &
    wrk_pid=$!
    pids+=("$wrk_pid")
    started=$SECONDS
    half_rss=""
    while kill -0 "$wrk_pid" 2>/dev/null; do
        if [ -z "$half_rss" ] && [ $((SECONDS - started)) -ge $((expected / 2)) ]; then
            half_rss="$(rss_mib "$splice_pid")"
            half_requests=$(($(wc -l <"$splice_log") - start_lines))  # Splice logs one line per request
        fi
        if [ -e "$done_file" ]; then
            kill -INT "$wrk_pid" 2>/dev/null || true  # wrk prints its summary and exits
            break
        fi
        sleep 0.2
    done
    wait "$wrk_pid" || true
    if [ -z "$half_rss" ]; then
        half_rss="?"
        half_requests="?"
    fi
    end_rss="$(rss_mib "$splice_pid")"
    check_splice "the memory run" || end_rss="$end_rss (crashed)"
    result="$(grep '^WRK_RESULT' "$tmp/wrk-memory.txt")" || {
        cat "$tmp/wrk-memory.txt" >&2
        exit 1
    }
    eval "$(sed -e 's/^WRK_RESULT //' <<<"$result")"
    rps="$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')"
    p50="$(awk -v v="$p50_us" 'BEGIN { printf "%.2f", v / 1000 }')"
    p99="$(awk -v v="$p99_us" 'BEGIN { printf "%.2f", v / 1000 }')"
    errors=$((socket_errors + http_errors))
    rows+=("| splice POST /complete, memory run | $MEMORY_CONNECTIONS | $rps | $p50 | $p99 | $errors |"\
" $start_rss → $half_rss → $end_rss MiB | - | - |")
    memory_note="memory run: $requests requests in $(awk -v d="$duration_us" 'BEGIN { printf "%.0f", d / 1e6 }') s;"
    memory_note+=" RSS before → after $half_requests requests → at the end"
    [ "$requests" -ge "$MEMORY_REQUESTS" ] || memory_note+=" (fewer than $MEMORY_REQUESTS: wrk reached its time bound)"
fi
# The same /complete rows with the state store on PostgreSQL (a throwaway cluster from .ci/postgres.sh).
if [ "${POSTGRES:-0}" = 1 ]; then
    say "PostgreSQL: a throwaway cluster (.ci/postgres.sh)"
    bash "$root/.ci/postgres.sh" start "$tmp/postgres.env" >&2
    postgres_started=1
    # shellcheck disable=SC1091
    . "$tmp/postgres.env"
    kill "$splice_pid" 2>/dev/null || true
    wait "$splice_pid" 2>/dev/null || true
    printf 'state: %s\n' "$SPLICE_TEST_POSTGRES_URL" >"$tmp/splice-postgres.yaml"
    splice_config="$tmp/splice-postgres.yaml"
    start_splice
    label[splice-complete]="splice POST /complete (PostgreSQL ledger)"
    label[splice-idempotent]="splice POST /complete + Idempotency-Key (PostgreSQL)"
    for connections in $CONNECTIONS; do
        for target in splice-complete splice-idempotent; do
            say "${label[$target]}: $connections connections, $WARMUP warm-up, then $DURATION"
            run_wrk "$target" "$connections" "$WARMUP"
            run_wrk "$target" "$connections" "$DURATION" "$tmp/wrk-$target-postgres-$connections.txt"
            check_splice "${label[$target]} at $connections connections" || true
            rows+=("| ${label[$target]} | $connections | $rps | $p50 | $p99 | $errors | $(rss_mib "$splice_pid") MiB |"\
" $(ratio "$rps" "${nginx_rps[$connections]}") | $(ratio "$p99" "${nginx_p99[$connections]}") |")
        done
    done
fi
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

log_errors="$(cat "$tmp"/splice-*.log | grep -c -E '^[0-9T:+-]+ (error|critical) ' || true)"

cat <<EOF

Gateway benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')
machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo); load average $load_before before, $load_after after
wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }') (1 thread, $DURATION per run after $WARMUP warm-up), $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), splice release build
splice RSS after start: $idle_rss MiB; splice log lines at error level: $log_errors; splice crashes: ${#crashes[@]}
${memory_note}
latencies in ms; errors = socket errors + HTTP status ≥ 400; ratios = splice ÷ nginx at the same connections

| target | conns | req/s | p50 | p99 | errors | splice RSS | req/s ÷ nginx | p99 ÷ nginx |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
EOF
printf '%s\n' "${rows[@]}"
if [ "${#crashes[@]}" -gt 0 ]; then
    echo
    echo "Splice crashed ${#crashes[@]} time(s) and was restarted (the RSS after a restart is a new process's):"
    printf -- '- %s\n' "${crashes[@]}"
fi
