/**
 * Every op of one counter key, atomic in Redis: the Lua twin of counters.memory.ts. KEYS are the
 * storage keys of the ops in order (count: its window; distinct: window, member register; pace:
 * previous-time register, then one window per limit); ARGV[1] is the batch time in ms, then one
 * record per op:
 *
 *   count     'c', bucketMs, n, add, ttlMs
 *   distinct  'd', bucketMs, n, windowMs, add (1|0), ttlMs
 *   pace      'p', record (o = if open, a = always, n = never), limits, previousTtlMs,
 *             then per limit: bucketMs, n, max (-1 = none), ttlMs, delays, delay…
 *
 * A window is a hash of bucket index to count, plus `hi`, the highest bucket written; buckets
 * below hi - 2n are dead (read as 0, never written) so that pruning them never changes an answer.
 * Each op answers what it read before writing, and JavaScript derives the result (counters.ts),
 * so only the open test of pace, which decides whether to record, is written twice.
 * Times come from the batch, never from Redis TIME; the TTLs only let idle keys go.
 */
export const countersScript = `
local t = tonumber(ARGV[1])
local a = 2
local ki = 1
local out = {}

local function fmt(x) return string.format('%.0f', x) end

local function read(key, k, n)
  local hi = tonumber(redis.call('HGET', key, 'hi'))
  local fields = {}
  for i = k - n, k + n do fields[#fields + 1] = fmt(i) end
  local values = redis.call('HMGET', key, unpack(fields))
  local raw = {}
  for i = 1, #values do
    local v = values[i]
    if v and (hi == nil or k - n + i - 1 >= hi - 2 * n) then raw[i] = tonumber(v) else raw[i] = 0 end
  end
  return raw
end

local function add(key, k, n, amount, ttl)
  local hi = tonumber(redis.call('HGET', key, 'hi'))
  if hi ~= nil and k < hi - 2 * n then return 0 end
  redis.call('HINCRBY', key, fmt(k), amount)
  if hi == nil or k > hi then
    redis.call('HSET', key, 'hi', fmt(k))
    if redis.call('HLEN', key) > 2 * n + 2 then
      for _, f in ipairs(redis.call('HKEYS', key)) do
        if f ~= 'hi' and tonumber(f) < k - 2 * n then redis.call('HDEL', key, f) end
      end
    end
  end
  redis.call('PEXPIRE', key, ttl)
  return 1
end

local function append(target, values)
  for _, v in ipairs(values) do target[#target + 1] = v end
end

while a <= #ARGV do
  local kind = ARGV[a]
  if kind == 'c' then
    local b, n, amount, ttl = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), ARGV[a + 4]
    a = a + 5
    local key = KEYS[ki]
    ki = ki + 1
    local k = math.floor(t / b)
    local raw = read(key, k, n)
    local wrote = 0
    if amount > 0 then wrote = add(key, k, n, amount, ttl) end
    local result = {wrote}
    append(result, raw)
    out[#out + 1] = result
  elseif kind == 'd' then
    local b, n, w = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
    local adding, ttl = ARGV[a + 4] == '1', ARGV[a + 5]
    a = a + 6
    local key, member = KEYS[ki], KEYS[ki + 1]
    ki = ki + 2
    local counted = tonumber(redis.call('GET', member))
    local seen = counted ~= nil and math.abs(t - counted) < w
    local k = math.floor(t / b)
    local raw = read(key, k, n)
    local wrote = 0
    if adding and not seen then
      wrote = add(key, k, n, 1, ttl)
      if wrote == 1 then redis.call('SET', member, fmt(t), 'PX', ttl) end
    end
    local result = {seen and 1 or 0, wrote}
    append(result, raw)
    out[#out + 1] = result
  elseif kind == 'p' then
    local mode, count, previousTtl = ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3]
    a = a + 4
    local previousKey = KEYS[ki]
    ki = ki + 1
    local previous = tonumber(redis.call('GET', previousKey))
    local open = true
    local limits = {}
    for l = 1, count do
      local b, n, max, ttl, nd = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), ARGV[a + 3], tonumber(ARGV[a + 4])
      local delays = {}
      for d = 1, nd do delays[d] = tonumber(ARGV[a + 4 + d]) end
      a = a + 5 + nd
      local key = KEYS[ki]
      ki = ki + 1
      local k = math.floor(t / b)
      local raw = read(key, k, n)
      local prior = 0
      for i = 1, #raw do prior = prior + raw[i] end
      if max ~= -1 and prior >= max then open = false end
      local wait = 0
      if prior > 0 and nd > 0 then wait = delays[math.min(prior, nd)] end
      if wait > 0 and previous ~= nil and t - previous < wait then open = false end
      limits[l] = {key = key, k = k, n = n, ttl = ttl, raw = raw}
    end
    local recorded = mode == 'a' or (mode == 'o' and open)
    if recorded then
      for l = 1, count do
        local x = limits[l]
        add(x.key, x.k, x.n, 1, x.ttl)
      end
      local value = t
      if previous ~= nil and previous > t then value = previous end
      redis.call('SET', previousKey, fmt(value), 'PX', previousTtl)
    end
    local result = {open and 1 or 0, recorded and 1 or 0, previous or -1}
    for l = 1, count do append(result, limits[l].raw) end
    out[#out + 1] = result
  else
    return redis.error_reply('unknown counter op')
  end
end
return out
`;
