-- wrk script: like post.lua, with a new Idempotency-Key on every request (so that every request is claimed and its
-- answer stored: the cost of an idempotent /complete), and the same machine-readable line when done.
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or ""
wrk.headers["Content-Type"] = "application/json"

local prefix = string.format("bench-%d-%d", os.time(), math.random(1, 1000000000))
local counter = 0

function request()
    counter = counter + 1
    wrk.headers["Idempotency-Key"] = prefix .. "-" .. counter
    return wrk.format()
end

function done(summary, latency, requests)
    local errors = summary.errors
    io.write(string.format(
        "WRK_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d socket_errors=%d http_errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
