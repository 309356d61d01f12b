-- wrk script: POST one application per request.
-- TOKENS=FILE (env): applicants' access tokens, one per line (Harness tokens): user n applies with line n and no body.
-- Unset: the body {"userId": n} of the builds before applicants were tokens' subjects.
-- USERS=N (env) draws users at random from 1..N (to meet duplicates); unset, every request is a new user:
-- thread i of n sends start+i, start+i+n, ... from a start drawn per run (with TOKENS, from 1: as many as the file holds).
local users = tonumber(os.getenv("USERS") or "0")
local event = os.getenv("EVENT") or "default"

wrk.method = "POST"
wrk.path = "/api/events/" .. event .. "/applications"
local tokens_file = os.getenv("TOKENS")
if tokens_file == "" then tokens_file = nil end
if not tokens_file then wrk.headers["Content-Type"] = "application/json" end

math.randomseed(os.time())
local first = math.random(1, 2^20) * 2^20
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("index", threads)
  thread:set("start", first)
end

function init(args)
  math.randomseed(os.time() * 1000 + index)
  step = 1024
  n = 0
  if tokens_file then
    tokens = {}
    for line in io.lines(tokens_file) do tokens[#tokens + 1] = line end
    step = tonumber(os.getenv("THREADS") or "2") -- wrk -t, as every script here runs it
    start = 0
  end
end

function request()
  local user
  if users > 0 then
    user = math.random(1, users)
  else
    n = n + 1
    user = start + index + n * step
  end
  if tokens then
    return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. tokens[(user - 1) % #tokens + 1] }, nil)
  end
  return wrk.format(nil, nil, nil, string.format('{"userId":%d}', user))
end

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "result.lua")
