-- wrk script: GET an applicant's own status, each request as an applicant drawn at random.
-- TOKENS=FILE (env): the applicants' access tokens, one per line; EVENT (env): the event.
local event = os.getenv("EVENT") or "default"
wrk.method = "GET"
wrk.path = "/api/events/" .. event .. "/applications/me"
local tokens_file = os.getenv("TOKENS")

function init(args)
  math.randomseed(os.time() * 1000 + math.random(1, 1000))
  tokens = {}
  for line in io.lines(tokens_file) do tokens[#tokens + 1] = line end
end

function request()
  return wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. tokens[math.random(1, #tokens)] }, nil)
end

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "result.lua")
