#!lua name=nurture
-- Server-side functions of nurture, loaded with FUNCTION LOAD REPLACE at every connect
-- (functions survive restarts with persistence; loading again is cheap and covers the rest).
-- Every read and check comes before the first write (a refusal only drops what the caller
-- staged for it): functions are atomic but not transactional, so nothing may fail after a
-- write. Return values stay flat (hiredis 0.14 drops the connection on replies nested
-- deeper than 7).

local HELD_MAXLEN = '100000' -- the held stream keeps about this many records

-- A refused commit drops the states staged for it and writes nothing else.
local function refuse(keys)
  redis.call('DEL', keys[6], keys[7])
  return 0
end

-- Brings the rows at 'key' up to date: args[at] says how, args[at + 1] has the rows.
local function write_rows(key, args, at)
  local mode, rows = args[at], args[at + 1]
  if mode == 'a' then
    redis.call('APPEND', key, rows)
  elseif mode == 's' then
    redis.call('SET', key, rows)
  end
end

-- Commits the decisions for one contact's events of a batch, atomically.
-- The new states come staged: the caller writes them, with the version they bring, by plain
-- HSETs into staging hashes named for its process (with an expiry, in case it dies before
-- this call), and this moves them into place with RENAME. Strings passed to a function are
-- hashed byte by byte on their way into Lua; states of several KiB per commit made that most
-- of the commit's cost. It also acknowledges the events' stream entries, so an event is
-- applied and settled in one step, with no round trip of its own. The touchpoint rows of the
-- contact and of its account are texts beside their hashes: a commit appends the new rows
-- instead of rewriting every row (the caller rewrites a text once it has grown past its cap).
-- Each redis.call costs about a microsecond of its own, so checks are made in as few calls
-- as they can be.
-- KEYS: contact hash, due sorted set, scheduled hash, held stream, the account hash, the
--       staged contact hash (fields state, halt, ver), the staged account hash (fields state,
--       ver), the events stream, the contact's history rows, the account's touchpoint rows,
--       then one seen-mark key per event. Without an account, KEYS[5], KEYS[7] and KEYS[10]
--       repeat KEYS[1], KEYS[6] and KEYS[9]. An account whose state the commit leaves as it
--       is comes without a staged state, KEYS[7] repeating KEYS[6]: only its version moves.
-- ARGV: expected version, seen-mark TTL in seconds, the account's expected version ("" for
--       no account), the consumer group, then the action count and per action: id, due time
--       in ms, JSON without its closing brace; then the count of cancelled action ids and
--       the ids; then the count of held-back or cancelled records and their JSON; then for
--       the contact's history and then the account's touchpoints: "a" to append the rows
--       that follow, "s" to set them in place of the stored ones, "" for nothing, and the
--       rows; then the events' stream entry ids.
-- Returns 1 when committed, 0 on a conflict (the version moved, an event was already seen,
-- or a staged state is missing): then only the staged states are dropped, the entries stay
-- pending, and the caller decides again from fresh state.
local function commit(keys, args)
  local has_account = args[3] ~= ''
  local version = redis.call('HGET', keys[1], 'ver') or '0'
  if version ~= args[1] then
    return refuse(keys)
  end
  local account_version = has_account and (redis.call('HGET', keys[5], 'ver') or '0')
  if has_account and account_version ~= args[3] then
    return refuse(keys)
  end
  -- EXISTS counts a key named twice twice: without an account KEYS[7] repeats KEYS[6].
  if redis.call('EXISTS', keys[6], keys[7]) ~= 2 then
    return refuse(keys)
  end
  if #keys > 10 and redis.call('EXISTS', unpack(keys, 11)) > 0 then
    return refuse(keys)
  end
  redis.call('RENAME', keys[6], keys[1])
  redis.call('PERSIST', keys[1])
  if has_account and keys[7] ~= keys[6] then
    redis.call('RENAME', keys[7], keys[5])
    redis.call('PERSIST', keys[5])
  elseif has_account then
    redis.call('HINCRBY', keys[5], 'ver', 1)
  end
  for i = 11, #keys do
    redis.call('SET', keys[i], '1', 'EX', args[2])
  end
  local at = 5
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
  write_rows(keys[9], args, at)
  write_rows(keys[10], args, at + 2)
  redis.call('XACK', keys[8], args[4], unpack(args, at + 4))
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
