-- wrk script: GET the path given on the command line (the trivial endpoint), with the same summary line.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "result.lua")
