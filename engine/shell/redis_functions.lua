#!lua name=nurture
-- Server-side functions of nurture, loaded with FUNCTION LOAD REPLACE at every connect
-- (functions survive restarts with persistence; loading again is cheap and covers the rest).
-- Every read and check comes before the first write: functions are atomic but not
-- transactional, so nothing may fail after a write. Return values stay flat (hiredis 0.14
-- drops the connection on replies nested deeper than 7).

-- Commits the decisions for one contact's events of a batch, atomically.
-- KEYS: contact hash, due sorted set, scheduled hash, then one seen-mark key per event.
-- ARGV: expected version, new state JSON, seen-mark TTL in seconds, action count,
--       then per action: id, due time in ms, JSON without its closing brace.
-- Returns 1 when committed, 0 on a conflict (the version moved or an event was already
-- seen): nothing was written and the caller decides again from fresh state.
local function commit(keys, args)
  local version = redis.call('HGET', keys[1], 'ver') or '0'
  if version ~= args[1] then
    return 0
  end
  for i = 4, #keys do
    if redis.call('EXISTS', keys[i]) == 1 then
      return 0
    end
  end
  redis.call('HSET', keys[1], 'ver', tostring(tonumber(version) + 1), 'state', args[2])
  for i = 4, #keys do
    redis.call('SET', keys[i], '1', 'EX', args[3])
  end
  local count = tonumber(args[4])
  for i = 0, count - 1 do
    local id, due, json = args[5 + 3 * i], args[6 + 3 * i], args[7 + 3 * i]
    if redis.call('HSETNX', keys[3], id, json) == 1 then
      redis.call('ZADD', keys[2], due, id)
    end
  end
  return 1
end

-- Moves the actions due by now from the schedule to the actions stream, each exactly once.
-- KEYS: due sorted set, scheduled hash, actions stream.
-- ARGV: now in ms, now as an ISO time (the emitted_at), the most actions to move.
-- Returns {moved, due time in ms of the next scheduled action or -1}.
local function release(keys, args)
  local ids = redis.call('ZRANGEBYSCORE', keys[1], '-inf', args[1], 'LIMIT', 0, tonumber(args[3]))
  for _, id in ipairs(ids) do
    local json = redis.call('HGET', keys[2], id)
    if json then
      redis.call('XADD', keys[3], '*', 'id', id,
                 'action', json .. ',"emitted_at":"' .. args[2] .. '"}')
      redis.call('HDEL', keys[2], id)
    end
    redis.call('ZREM', keys[1], id)
  end
  local next_due = redis.call('ZRANGE', keys[1], 0, 0, 'WITHSCORES')
  return {#ids, next_due[2] or '-1'}
end

redis.register_function('nurture_commit', commit)
redis.register_function('nurture_release', release)
