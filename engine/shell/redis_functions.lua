#!lua name=nurture
-- Server-side functions of nurture, loaded with FUNCTION LOAD REPLACE at every connect
-- (functions survive restarts with persistence; loading again is cheap and covers the rest).
-- Every check comes before the first write that stays (a refusal takes back only the
-- seen-marks it set): functions are atomic but not transactional, so nothing may fail after
-- a write. Return values stay flat (hiredis 0.14 drops the connection on replies nested
-- deeper than 7).

local HELD_MAXLEN = '100000' -- the held stream keeps about this many records

-- Brings the rows at 'key' up to date: args[at] says how, args[at + 1] has the rows.
local function write_rows(key, args, at)
  local mode, rows = args[at], args[at + 1]
  if mode == 'a' then
    redis.call('APPEND', key, rows)
  elseif mode == 's' then
    redis.call('SET', key, rows)
  end
end

-- Commits the decisions for one contact's events of a batch, atomically: the contact's new
-- state (and the states of the accounts its events went to), its scheduled and cancelled
-- actions, its held-back records, the seen-marks of its events and their new touchpoint rows,
-- and it acknowledges the events' stream entries, so an event is applied and settled in one
-- step, with no round trip of its own. The touchpoint rows of the contact and of its accounts
-- are texts beside their hashes: a commit appends the new rows instead of rewriting every row
-- (the caller rewrites a text once it has grown past its cap).
-- Cost shapes the layout. Every byte passed to a function is hashed on its way into Lua, and
-- every redis.call costs about a microsecond of its own. States come as arguments: with the
-- history out of them they are small (1.5 KiB on average), and hashing them costs less than
-- staging them in hashes of their own and renaming those into place.
-- KEYS: contact hash, due sorted set, scheduled hash, held stream, the events stream, the
--       contact's history rows, then per account its hash and its touchpoint rows, then one
--       seen-mark key per event.
-- ARGV: the contact's expected version, seen-mark TTL in seconds, the consumer group, the
--       contact's new state, its suppression ("" for none), the account count; per account
--       its expected version, its new state ("" when it stays as stored: then only its
--       version moves) and its rows (see below); then the action count and per action: id,
--       due time in ms, JSON without its closing brace; then the count of cancelled action
--       ids and the ids; then the count of held-back or cancelled records and their JSON;
--       then the contact's history rows; then the events' stream entry ids. Rows are two
--       arguments: "a" to append the rows that follow, "s" to set them in place of the
--       stored ones, "" for nothing, and the rows.
-- Returns 1 when committed, 0 on a conflict (a version moved or an event was already seen):
-- then nothing is written, the entries stay pending, and the caller decides again from fresh
-- state.
local function commit(keys, args)
  local accounts = tonumber(args[6])
  local seen_from = 7 + 2 * accounts -- the first seen-mark key
  local version = redis.call('HGET', keys[1], 'ver') or '0'
  if version ~= args[1] then
    return 0
  end
  for i = 0, accounts - 1 do
    if (redis.call('HGET', keys[7 + 2 * i], 'ver') or '0') ~= args[7 + 4 * i] then
      return 0
    end
  end
  -- The seen-marks are set first, each only if absent: one found means an event was
  -- applied already, and the marks set before it are taken back.
  for i = seen_from, #keys do
    if not redis.call('SET', keys[i], '1', 'EX', args[2], 'NX') then
      if i > seen_from then
        redis.call('DEL', unpack(keys, seen_from, i - 1))
      end
      return 0
    end
  end
  redis.call('HSET', keys[1], 'state', args[4], 'halt', args[5], 'ver', version + 1)
  for i = 0, accounts - 1 do
    local key, at = keys[7 + 2 * i], 7 + 4 * i
    if args[at + 1] ~= '' then
      redis.call('HSET', key, 'state', args[at + 1], 'ver', args[at] + 1)
    else
      redis.call('HINCRBY', key, 'ver', 1)
    end
    write_rows(keys[8 + 2 * i], args, at + 2)
  end
  local at = 7 + 4 * accounts
  local actions = tonumber(args[at])
  for i = 0, actions - 1 do
    local id, due, json = args[at + 1 + 3 * i], args[at + 2 + 3 * i], args[at + 3 + 3 * i]
    -- The contact's key goes first, so the release can check its suppression then.
    if redis.call('HSETNX', keys[3], id, keys[1] .. '\n' .. json) == 1 then
      redis.call('ZADD', keys[2], due, id)
    end
  end
  at = at + 1 + 3 * actions
  local cancelled = tonumber(args[at])
  for i = 1, cancelled do
    redis.call('ZREM', keys[2], args[at + i])
    redis.call('HDEL', keys[3], args[at + i])
  end
  at = at + 1 + cancelled
  local records = tonumber(args[at])
  for i = 1, records do
    redis.call('XADD', keys[4], 'MAXLEN', '~', HELD_MAXLEN, '*', 'record', args[at + i])
  end
  at = at + 1 + records
  write_rows(keys[6], args, at)
  redis.call('XACK', keys[5], args[3], unpack(args, at + 2))
  return 1
end

-- Moves the actions due by now from the schedule to the actions stream, each exactly once.
-- Content for a contact whose suppression is in force (unsubscribed since it was decided,
-- say) is not released but recorded as held.
-- KEYS: due sorted set, scheduled hash, actions stream, held stream.
-- ARGV: now in ms, now as an ISO time (the emitted_at), the most actions to move.
-- Returns {moved, held, due time in ms of the next scheduled action or -1}.
local function release(keys, args)
  local ids = redis.call('ZRANGEBYSCORE', keys[1], '-inf', args[1], 'LIMIT', 0, tonumber(args[3]))
  local moved, held = 0, 0
  for _, id in ipairs(ids) do
    local value = redis.call('HGET', keys[2], id)
    if value then
      local newline = string.find(value, '\n', 1, true)
      local contact, json = string.sub(value, 1, newline - 1), string.sub(value, newline + 1)
      local halt = redis.call('HGET', contact, 'halt')
      if halt and halt ~= '' and string.find(json, '"kind":"content"', 1, true) then
        redis.call('XADD', keys[4], 'MAXLEN', '~', HELD_MAXLEN, '*', 'record',
                   cjson.encode({id = id, status = 'held', policy = halt, at_release = true}))
        held = held + 1
      else
        redis.call('XADD', keys[3], '*', 'id', id,
                   'action', json .. ',"emitted_at":"' .. args[2] .. '"}')
        moved = moved + 1
      end
      redis.call('HDEL', keys[2], id)
    end
    redis.call('ZREM', keys[1], id)
  end
  local next_due = redis.call('ZRANGE', keys[1], 0, 0, 'WITHSCORES')
  return {moved, held, next_due[2] or '-1'}
end

redis.register_function('nurture_commit', commit)
redis.register_function('nurture_release', release)
