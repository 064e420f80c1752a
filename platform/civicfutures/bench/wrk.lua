-- One scenario of `civicfutures bench api`, driven by wrk.
--
-- Arguments after `--`: method, path, body template ("" for none; "@KEY@" is replaced by a
-- key unique to each request, sent as Idempotency-Key too), run id, and extra headers as
-- "Name: value" lines. When the scenario writes, every 201 answer's key is recorded: the
-- benchmark later checks each acknowledged key is in the database exactly once.
-- done() writes the figures as JSON to the file named by CIVICFUTURES_BENCH_RESULT.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  method, path, template, run = args[1], args[2], args[3], args[4]
  for line in string.gmatch(args[5] or "", "[^\n]+") do
    local name, value = line:match("^([^:]+):%s*(.*)$")
    if name then wrk.headers[name] = value end
  end
  counter = 0
  acked = {}
  statuses = {}
end

function request()
  if template == "" then
    return wrk.format(method, path)
  end
  counter = counter + 1
  local key = run .. "-" .. id .. "-" .. counter
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Idempotency-Key"] = key
  return wrk.format(method, path, headers, (template:gsub("@KEY@", key)))
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 then
    local key = body:match('"title":"bench ([^"]+)"')
    if key then acked[#acked + 1] = key end
  end
end

function done(summary, latency, requests)
  local status_parts, keys = {}, {}
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
    for _, key in ipairs(thread:get("acked")) do
      keys[#keys + 1] = '"' .. key .. '"'
    end
  end
  for status, count in pairs(totals) do
    status_parts[#status_parts + 1] = string.format('"%d":%d', status, count)
  end
  local e = summary.errors
  local file = assert(io.open(os.getenv("CIVICFUTURES_BENCH_RESULT"), "w"))
  file:write(string.format(
    '{"requests":%d,"duration_s":%.6f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,' ..
    '"socket_errors":%d,"timeouts":%d,"statuses":{%s},"acked":[%s]}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3,
    e.connect + e.read + e.write, e.timeout,
    table.concat(status_parts, ","), table.concat(keys, ",")))
  file:close()
end
