-- wrk script for `make bench` (bench/src/main.rs runs wrk with it and reads what `done` prints).
-- WRK_POST=1: every request is the reset request as a browser posts it, for a new username
-- (a new visitor each time); else wrk's own GET of the URL, with the headers given by -H.
-- Either way it counts the answers by status, per thread, and prints them all at the end.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  sent = 0
  post = os.getenv("WRK_POST") == "1"
  if post then
    wrk.method = "POST"
    wrk.path = "/api/reset/request"
    wrk.headers["Origin"] = os.getenv("WRK_ORIGIN")
    wrk.headers["Sec-Fetch-Site"] = "same-origin"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
    wrk.headers["Accept"] = "application/json"
  end
end

function request()
  if not post then
    return wrk.request()
  end
  sent = sent + 1
  return wrk.format(nil, nil, nil, "username=bench-wrk-" .. id .. "-" .. sent)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("bench requests %d\n", summary.requests))
  io.write(string.format("bench micros %d\n", summary.duration))
  io.write(string.format("bench p50 %d\n", latency:percentile(50)))
  io.write(string.format("bench p99 %d\n", latency:percentile(99)))
  io.write(string.format("bench failures %d\n", e.connect + e.read + e.write + e.timeout))
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      io.write(string.format("bench status %d %d\n", status, n))
    end
  end
end
