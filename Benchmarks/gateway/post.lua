-- wrk script: POSTs the JSON body given in WRK_BODY, and prints one machine-readable line when done.
-- errors = socket errors (connect, read, write, timeout) + HTTP answers with a status >= 400
-- (wrk's "Non-2xx or 3xx responses").
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or ""
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
    local errors = summary.errors
    io.write(string.format(
        "WRK_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d socket_errors=%d http_errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
