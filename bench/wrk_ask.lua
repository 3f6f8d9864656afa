-- wrk script for POST /api/ask: every request a distinct question (a request number appended) so
-- the figures measure answering, not the answer cache; "repeat" as the script argument turns
-- that off (cache hits). Prints one JSON line at the end, like bench/loadgen.py.
-- Run: wrk -t2 -c16 -d10s -s bench/wrk_ask.lua URL -- QUESTIONS_FILE [repeat]
local questions = {}
local counter = 0
local repeat_questions = false
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then table.insert(questions, line) end
  end
  repeat_questions = args[2] == "repeat"
end

request = function()
  counter = counter + 1
  local question = questions[(counter % #questions) + 1]
  if not repeat_questions then
    question = question .. " (request " .. id .. "-" .. counter .. ")"
  end
  local body = '{"question": "' .. question .. '"}'
  return wrk.format("POST", "/api/ask", {["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests": %d, "errors": %d, "rps": %.1f, "p50_ms": %.2f, "p99_ms": %.2f, "loadgen": "wrk"}\n',
    summary.requests, errors, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
