-- wrk script for POST /api/ask. Every request asks a reader question from QUESTIONS_FILE made
-- distinct by a request number written after it in invisible characters (Unicode format
-- characters, one per base-8 digit, as bench/loadgen.py's `vary`). The model's tokenizer drops
-- them, so a variant costs exactly what the reader's question costs, while the answer cache sees
-- a new question; a number in digits would add tokens and measure a longer question than readers
-- ask, and the letters' case no longer works (the cache ignores case for an uncased model).
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

-- U+200B U+200C U+200D U+2060 U+FEFF U+00AD U+180E U+2061 in UTF-8 (LuaJIT has no \u escapes).
local invisible = {
  "\226\128\139", "\226\128\140", "\226\128\141", "\226\129\160",
  "\239\187\191", "\194\173", "\225\160\142", "\226\129\161",
}

local function vary(question, number)
  local digits = {}
  for _ = 1, 5 do
    table.insert(digits, invisible[number % 8 + 1])
    number = math.floor(number / 8)
  end
  return question .. table.concat(digits)
end

request = function()
  local question = questions[(counter % #questions) + 1]
  if not repeat_questions then
    local round = math.floor(counter / #questions)
    question = vary(question, first + round * stride + (id - 1))
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
