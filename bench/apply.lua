-- wrk script: POST one application per request.
-- USERS=N (env) draws user ids from 1..N; unset, from 1..2^31 (practically every request a new user).
local users = tonumber(os.getenv("USERS") or "2147483647")
local event = os.getenv("EVENT") or "default"

wrk.method = "POST"
wrk.path = "/api/events/" .. event .. "/applications"
wrk.headers["Content-Type"] = "application/json"

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + seed)
end

function request()
  return wrk.format(nil, nil, nil, string.format('{"userId":%d}', math.random(1, users)))
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d %d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
