-- wrk script for the memory run: as post.lua, and the (single) thread stops after WRK_REQUESTS answers, and
-- creates the file WRK_DONE_FILE, on which run.sh interrupts wrk (whose main thread waits out -d otherwise).
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or ""
wrk.headers["Content-Type"] = "application/json"

local limit = tonumber(os.getenv("WRK_REQUESTS") or "0")
local done_file = os.getenv("WRK_DONE_FILE")
local answered = 0

function response(status, headers, body)
    answered = answered + 1
    if answered == limit then
        wrk.thread:stop()
        if done_file then
            io.open(done_file, "w"):close()
        end
    end
end

function done(summary, latency, requests)
    local errors = summary.errors
    io.write(string.format(
        "WRK_RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d socket_errors=%d http_errors=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
