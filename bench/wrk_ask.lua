-- wrk script for POST /api/ask. Every request asks a reader question from QUESTIONS_FILE made
-- distinct by the case of its letters: letter i is upper-case when bit i of a request number is
-- set. The model is uncased, so a variant costs exactly what the reader's question costs, while
-- the answer cache (keyed on the text) sees a new question; an appended request number would
-- add up to 16 tokens to a 7-token question and measure a longer question than readers ask.
-- Thread t's k-th round through the questions uses number FIRST + k * THREADS + t - 1, so the
-- numbers are distinct within a run, and bench/run.py starts each run past the numbers of the
-- runs before it against the same server; it also checks the server's cache-hit counter stays
-- still. "repeat" instead asks the plain questions over and over (cache hits).
-- Prints one JSON line at the end, like bench/loadgen.py.
-- Run: wrk -tTHREADS -c16 -d10s -s bench/wrk_ask.lua URL -- QUESTIONS_FILE FIRST THREADS | repeat
local questions = {}
local counter = 0
local repeat_questions = false
local first = 0
local stride = 1
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
  first = tonumber(args[2]) or 0
  stride = tonumber(args[3]) or 1
end

local function vary_case(question, number)
  local bit = 0
  return (question:gsub("%a", function(letter)
    local set = math.floor(number / 2 ^ bit) % 2 == 1
    bit = bit + 1
    return set and letter:upper() or letter:lower()
  end))
end

request = function()
  local question = questions[(counter % #questions) + 1]
  if not repeat_questions then
    local round = math.floor(counter / #questions)
    question = vary_case(question, first + round * stride + (id - 1))
  end
  counter = counter + 1
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
