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
-- state (and its account's), its scheduled and cancelled actions, its held-back records, the
-- seen-marks of its events and their new touchpoint rows, and it acknowledges the events'
-- stream entries, so an event is applied and settled in one step, with no round trip of its
-- own. The touchpoint rows of the contact and of its account are texts beside their hashes: a
-- commit appends the new rows instead of rewriting every row (the caller rewrites a text once
-- it has grown past its cap).
-- Cost shapes the layout. Every byte passed to a function is hashed on its way into Lua, and
-- every redis.call costs about a microsecond of its own. States come as arguments: with the
-- history out of them they are small (1.5 KiB on average), and hashing them costs less than
-- staging them in hashes of their own and renaming those into place.
-- KEYS: contact hash, due sorted set, scheduled hash, held stream, the account hash, the
--       events stream, the contact's history rows, the account's touchpoint rows, then one
--       seen-mark key per event. Without an account, KEYS[5] and KEYS[8] repeat KEYS[1] and
--       KEYS[7].
-- ARGV: the contact's expected version, seen-mark TTL in seconds, the account's expected
--       version ("" for no account), the consumer group, the contact's new state, its
--       suppression ("" for none), the account's new state ("" when it stays as stored: then
--       only its version moves); then the action count and per action: id, due time in ms,
--       JSON without its closing brace; then the count of cancelled action ids and the ids;
--       then the count of held-back or cancelled records and their JSON; then for the
--       contact's history and then the account's touchpoints: "a" to append the rows that
--       follow, "s" to set them in place of the stored ones, "" for nothing, and the rows;
--       then the events' stream entry ids.
-- Returns 1 when committed, 0 on a conflict (the version moved or an event was already
-- seen): then nothing is written, the entries stay pending, and the caller decides again
-- from fresh state.
local function commit(keys, args)
  local has_account = args[3] ~= ''
  local version = redis.call('HGET', keys[1], 'ver') or '0'
  if version ~= args[1] then
    return 0
  end
  if has_account and (redis.call('HGET', keys[5], 'ver') or '0') ~= args[3] then
    return 0
  end
  -- The seen-marks are set first, each only if absent: one found means an event was
  -- applied already, and the marks set before it are taken back.
  for i = 9, #keys do
    if not redis.call('SET', keys[i], '1', 'EX', args[2], 'NX') then
      if i > 9 then
        redis.call('DEL', unpack(keys, 9, i - 1))
      end
      return 0
    end
  end
  redis.call('HSET', keys[1], 'state', args[5], 'halt', args[6], 'ver', version + 1)
  if has_account and args[7] ~= '' then
    redis.call('HSET', keys[5], 'state', args[7], 'ver', args[3] + 1)
  elseif has_account then
    redis.call('HINCRBY', keys[5], 'ver', 1)
  end
  local at = 8
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
  write_rows(keys[7], args, at)
  write_rows(keys[8], args, at + 2)
  redis.call('XACK', keys[6], args[4], unpack(args, at + 4))
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
