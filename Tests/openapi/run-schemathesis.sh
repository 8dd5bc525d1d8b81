#!/usr/bin/env bash
# Drives every operation of Splice's OpenAPI document with schemathesis against a real `splice demo` (its built-in
# provider emulators behind it), and fails on a server error or on an answer the document does not allow.
#
#   Tests/openapi/run-schemathesis.sh SPLICE_BINARY PYTHON_VENV [MAX_EXAMPLES]
#
# PYTHON_VENV has Tests/openapi/requirements.txt installed (.ci/run makes it). The demo is started on a free port,
# waited for (/readyz), and stopped however this script ends. Prints how many test cases ran.
set -euo pipefail
cd "$(dirname "$0")/../.."

splice="${1:?usage: $0 SPLICE_BINARY PYTHON_VENV [MAX_EXAMPLES]}"
venv="$(cd "${2:?usage: $0 SPLICE_BINARY PYTHON_VENV [MAX_EXAMPLES]}" && pwd)"
max_examples="${3:-30}"
python="$venv/bin/python"

work="$(mktemp -d /tmp/splice-schemathesis.XXXXXX)"
demo_pid=""
stop_demo() {
    if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
        kill -TERM "$demo_pid" 2>/dev/null || true
        wait "$demo_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap stop_demo EXIT

# A free port for the gateway (the Huawei route's own listener takes another, picked by the demo).
port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
"$splice" demo --port "$port" --passthrough-port 0 --log-level warning >"$work/demo.log" 2>&1 &
demo_pid=$!

# Ready within 60 s, or the run fails with the demo's output.
"$python" - "$base" "$demo_pid" <<'EOF' || { echo "splice demo did not become ready:" >&2; cat "$work/demo.log" >&2; exit 1; }
import os, sys, time, urllib.request
base, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=2) as answer:
            if answer.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.2)
sys.exit(1)
EOF

# The document as served must be valid too (it is the YAML converted by the gateway).
"$python" - "$base" "$work/openapi.json" <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/openapi.json", timeout=10) as answer:
    open(sys.argv[2], "wb").write(answer.read())
EOF
"$venv/bin/openapi-spec-validator" "$work/openapi.json"

# Every documented operation must be served in its documented shape: one that answers 404 not_found (or /routes
# without its `generation`) is a defect, named here, and the run fails. Redirects (the console's 303s) are checked as
# answered, not followed.
mapfile -t unserved < <("$python" - "$base" <<'EOF'
import json, sys, urllib.error, urllib.request
base = sys.argv[1]
def answer(method, path):
    request = urllib.request.Request(base + path, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
def not_found(status, body):
    try:
        return status == 404 and json.loads(body)["error"]["code"] == "not_found"
    except (ValueError, KeyError, TypeError):
        return False
for operation, method, path in [
    ("metrics", "GET", "/metrics"), ("console", "GET", "/console"), ("consoleLogin", "POST", "/console/login"),
    ("consoleLogout", "POST", "/console/logout"), ("reload", "POST", "/admin/reload"),
]:
    if not_found(*answer(method, path)):
        print(operation)
status, body = answer("GET", "/routes")
if status == 200 and "generation" not in json.loads(body):
    print("listRoutes")
EOF
)
if [ "${#unserved[@]}" -gt 0 ]; then
    for operation in "${unserved[@]}"; do
        echo "operation '$operation' is documented but not served in its documented shape by this build" >&2
    done
    exit 1
fi

# Run in the scratch folder: schemathesis leaves a cache (.schemathesis/) where it runs.
status=0
# From the file just served (schemathesis leaves out the operation that serves the document it loaded from a URL).
(cd "$work" && "$venv/bin/schemathesis" run "$work/openapi.json" --url "$base" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
    --max-examples "$max_examples" --workers 2 --request-timeout 30 --max-redirects 0 --generation-database none --no-color \
    ) 2>&1 | tee "$work/schemathesis.log" || status=$?

# How many test cases ran: schemathesis' own count ("Test cases:" then "N generated, N passed" or "… found …").
counts="$(grep -A1 '^Test cases:' "$work/schemathesis.log" | tail -n 1 | sed 's/^ *//' || true)"
echo "schemathesis: ${counts:-no count printed}"
if [ "$status" -eq 0 ] && [[ "$counts" =~ ^([0-9]+)\ generated,\ ([0-9]+)\ passed$ ]]; then
    echo "schemathesis: ${BASH_REMATCH[2]} passed, 0 failed"
elif [ "$status" -eq 0 ]; then
    echo "schemathesis exited 0 but its count is not the expected one: ${counts:-none}" >&2
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "schemathesis found problems (above); the demo's log:" >&2
    tail -n 50 "$work/demo.log" >&2
fi
exit "$status"
