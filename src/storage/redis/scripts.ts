/**
 * The Lua scripts of the Redis store. Each store call that changes anything is ONE script, so it is
 * atomic (Redis runs a script with nothing interleaved) and costs one round trip.
 *
 * Rules the scripts keep:
 * - User JSON (job documents, task records, history events, timer records, worker descriptions) is
 *   stored exactly as TypeScript serialised it and never re-encoded in Lua (lua-cjson would turn `[]`
 *   into `{}` and round large numbers). Lua decodes it only to read a field, and keeps what it must
 *   change itself in small side records: a task's lease meta (`<task id>:m`), a worker's `cur`/`canc`.
 * - Numbers Lua encodes are epoch milliseconds and small integers, exact within cjson's 14 digits.
 * - Every key name comes from keys.ts (the `K` table).
 */
import type { KeyLayout } from './keys.js';
import { luaKeyHelpers } from './keys.js';

/** How far a claim scans one queue for a task whose `requires` the worker meets (see docs/scaling.md). */
export const CLAIM_SCAN_LIMIT = 1000;
/** How many index entries one list call looks at before it returns a partial page with a cursor. */
export const LIST_SCAN_LIMIT = 5000;
/** Ended jobs whose retention ran out, un-indexed per call of list/countByStatus. */
export const PURGE_BATCH = 500;

const COMMON = `
local function enc_list(t)
  if #t == 0 then return '[]' end
  return cjson.encode(t)
end

local function clear_timer(id)
  if id and id ~= '' then
    redis.call('ZREM', K.timers, id)
    redis.call('HDEL', K.timerRecords, id)
  end
end

local function set_timer(id, due, raw)
  redis.call('ZADD', K.timers, due, id)
  redis.call('HSET', K.timerRecords, id, raw)
end

-- Same rule as src/storage/requires-match.ts.
local function is_array(t)
  return type(t) == 'table' and (t[1] ~= nil or next(t) == nil)
end

local function matches(offer, req, path)
  if req == nil or req == cjson.null then return true end
  local tr = type(req)
  if tr == 'number' then return type(offer) == 'number' and offer >= req end
  if tr == 'string' then
    if type(offer) ~= 'string' then return false end
    if path == 'gpu.model' then
      return string.find(string.lower(offer), string.lower(req), 1, true) ~= nil
    end
    return offer == req
  end
  if tr == 'boolean' then return offer == req end
  if tr == 'table' then
    if req[1] ~= nil then
      if type(offer) ~= 'table' or not is_array(offer) then return false end
      for _, item in ipairs(req) do
        local found = false
        local want = cjson.encode(item)
        for _, have in ipairs(offer) do
          if have == item or cjson.encode(have) == want then found = true break end
        end
        if not found then return false end
      end
      return true
    end
    if next(req) == nil then return true end
    if type(offer) ~= 'table' or offer[1] ~= nil then return false end
    for k, v in pairs(req) do
      local sub = path == '' and k or (path .. '.' .. k)
      if not matches(offer[k], v, sub) then return false end
    end
    return true
  end
  return false
end

-- Queue member: <seq, 16 digits>|<1 if the task has requires, else 0>|<job id>|<task id>
local function parse_member(member)
  local bar = string.find(member, '|', 20, true)
  return string.sub(member, 20, bar - 1), string.sub(member, bar + 1), string.sub(member, 18, 18) == '1'
end

-- Un-index ended jobs whose retention ran out (Redis itself expires their keys at the same time).
local function purge(now)
  local ids = redis.call('ZRANGEBYSCORE', K.ending, '-inf', now, 'LIMIT', 0, ${PURGE_BATCH})
  for _, id in ipairs(ids) do
    local info = redis.call('HGET', K.ended, id)
    if info then
      local e = cjson.decode(info)
      redis.call('HINCRBY', K.counts, e.s, -1)
      redis.call('ZREM', K.clientIndex(e.c), id)
      if e.i ~= '' then redis.call('UNLINK', e.i) end
    end
    redis.call('ZREM', K.jobIndex, id)
    redis.call('UNLINK', K.job(id), K.history(id), K.jobTasks(id))
    redis.call('HDEL', K.ended, id)
    redis.call('ZREM', K.ending, id)
  end
end
`;

/**
 * commit(KEYS[1] = job key; ARGV[1] = header JSON, ARGV[2] = job document, then 7 per enqueued task,
 * 3 per timer set, 1 per history event). Replies {'ok', cancelled JSON} or {reason, detail}.
 */
const COMMIT = `
local h = cjson.decode(ARGV[1])
local id = h.id
local jk = KEYS[1]
local tk = K.jobTasks(id)
local cur = redis.call('HMGET', jk, 'v', 's', 'c', 'x', 'i')
if h.ev < 0 then
  if cur[1] then return {'exists', ''} end
  if h.idem ~= '' then
    local first = redis.call('GET', h.idem)
    if first then return {'idempotent', first} end
  end
elseif not cur[1] or tonumber(cur[1]) ~= h.ev then
  return {'version', cur[1] or ''}
end
for _, e in ipairs(h.et) do
  local m = redis.call('HGET', tk, e[1] .. ':m')
  local holds
  if e[2] == 'absent' then
    holds = not m
  elseif not m then
    holds = false
  else
    local meta = cjson.decode(m)
    holds = meta.st == e[2] and (e[3] == '' or meta.w == e[3])
  end
  if not holds then return {'task_mismatch', e[1]} end
end

-- Every check passed: write.
if cur[2] then redis.call('HINCRBY', K.counts, cur[2], -1) end
redis.call('HINCRBY', K.counts, h.s, 1)
redis.call('HSET', jk, 'v', h.v, 's', h.s, 'doc', ARGV[2])
local client = cur[3] or h.c
local idem_key = cur[5] or ''
if h.ev < 0 then
  redis.call('HSET', jk, 'c', h.c, 'b', h.b, 't', h.t)
  redis.call('ZADD', K.jobIndex, h.t, id)
  redis.call('ZADD', K.clientIndex(h.c), h.t, id)
  if h.idem ~= '' then
    redis.call('SET', h.idem, id)
    redis.call('HSET', jk, 'i', h.idem)
    idem_key = h.idem
  end
end

local cancelled = {}
for _, w in ipairs(h.wd) do
  local tid = w[1]
  local m = redis.call('HGET', tk, tid .. ':m')
  if m then
    local meta = cjson.decode(m)
    redis.call('HDEL', tk, tid, tid .. ':m')
    clear_timer(meta.lt)
    clear_timer(meta.dt)
    if meta.st == 'queued' then
      redis.call('ZREM', K.queue(meta.ty), meta.q)
      redis.call('HINCRBY', K.depth, meta.ty, -1)
    else
      local wk = K.worker(meta.w)
      local wcur = redis.call('HMGET', wk, 'cur', 'canc')
      if wcur[1] then
        local kept = {}
        for _, pair in ipairs(cjson.decode(wcur[1])) do
          if pair[1] ~= tid then table.insert(kept, pair) end
        end
        redis.call('HSET', wk, 'cur', enc_list(kept))
        if w[2] == 'cancelled' then
          local canc = cjson.decode(wcur[2])
          table.insert(canc, { task_id = tid, job_id = id, at = h.at })
          redis.call('HSET', wk, 'canc', enc_list(canc))
          table.insert(cancelled, { worker_id = meta.w, job_id = id, task_id = tid })
        end
      end
    end
  end
end

local i = 3
local types = {}
for _ = 1, h.ne do
  local tid, ty, pr, r, dt, lt, raw = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]
  i = i + 7
  local seq = redis.call('INCR', K.seq)
  local member = string.format('%016d', seq) .. '|' .. r .. '|' .. id .. '|' .. tid
  redis.call('ZADD', K.queue(ty), -tonumber(pr), member)
  redis.call('HINCRBY', K.depth, ty, 1)
  redis.call('HSET', tk, tid, raw, tid .. ':m', cjson.encode({ st = 'queued', q = member, ty = ty, dt = dt, lt = lt }))
  types[ty] = true
end

for _, tid in ipairs(h.ct) do clear_timer(tid) end
for _ = 1, h.nt do
  set_timer(ARGV[i], ARGV[i + 1], ARGV[i + 2])
  i = i + 3
end

local hk = K.history(id)
for _ = 1, h.nh do
  redis.call('RPUSH', hk, ARGV[i])
  i = i + 1
end

-- Retention: once set, every key of the job expires at that time, including keys created later.
local exp = h.exp
if exp < 0 and cur[4] then exp = tonumber(cur[4]) end
if exp >= 0 then
  redis.call('HSET', jk, 'x', exp)
  for _, key in ipairs({ jk, hk, tk }) do redis.call('PEXPIREAT', key, exp) end
  if idem_key ~= '' then redis.call('PEXPIREAT', idem_key, exp) end
  redis.call('ZADD', K.ending, exp, id)
  redis.call('HSET', K.ended, id, cjson.encode({ s = h.s, c = client, i = idem_key }))
end

for ty, _ in pairs(types) do redis.call('PUBLISH', K.wakeChannel, ty) end
if #cancelled == 0 then return {'ok', '[]'} end
return {'ok', cjson.encode(cancelled)}
`;

/** load(KEYS[1] = job key): {doc, tasks hash as a flat array} or false. */
const LOAD = `
local doc = redis.call('HGET', KEYS[1], 'doc')
if not doc then return false end
return {doc, redis.call('HGETALL', K.jobTasks(ARGV[1]))}
`;

/**
 * claim(KEYS[1] = worker key; ARGV: worker id, now, alive_until).
 * Replies {'claimed', task JSON, meta JSON} or {outcome}.
 */
const CLAIM = `
local wk = KEYS[1]
local wid = ARGV[1]
local now = tonumber(ARGV[2])
local w = redis.call('HMGET', wk, 'exp', 'max', 'types', 'match', 'cur')
if not w[1] or tonumber(w[1]) <= now then return {'unknown_worker'} end
local exp = math.max(tonumber(w[1]), tonumber(ARGV[3]))
redis.call('HSET', wk, 'exp', exp)
redis.call('ZADD', K.workerExpiry, exp, wid)
local cur = cjson.decode(w[5])
if w[2] ~= '' and #cur >= tonumber(w[2]) then return {'at_capacity'} end

local offer = nil
local best_score, best_member, best_type
for _, ty in ipairs(cjson.decode(w[3])) do
  local qk = K.queue(ty)
  local start = 0
  local done = false
  while not done and start < ${CLAIM_SCAN_LIMIT} do
    local batch = redis.call('ZRANGE', qk, start, start + 49, 'WITHSCORES')
    if #batch == 0 then break end
    for j = 1, #batch, 2 do
      local member, score = batch[j], tonumber(batch[j + 1])
      -- Nothing further in this queue can beat the best found in another.
      if best_member and score > best_score then done = true break end
      local job_id, task_id, has_requires = parse_member(member)
      local fits = true
      if has_requires then
        local raw = redis.call('HGET', K.jobTasks(job_id), task_id)
        if raw then
          if offer == nil then offer = cjson.decode(w[4]) end
          fits = matches(offer, cjson.decode(raw).requires, '')
        end
      end
      if fits then
        if not best_member or score < best_score or (score == best_score and member < best_member) then
          best_score, best_member, best_type = score, member, ty
        end
        done = true
        break
      end
    end
    start = start + 50
  end
end
if not best_member then return {'empty'} end

local job_id, task_id = parse_member(best_member)
redis.call('ZREM', K.queue(best_type), best_member)
redis.call('HINCRBY', K.depth, best_type, -1)
local tk = K.jobTasks(job_id)
local raw = redis.call('HGET', tk, task_id)
local m = redis.call('HGET', tk, task_id .. ':m')
if not raw or not m then return {'empty'} end
local task = cjson.decode(raw)
local meta = cjson.decode(m)
meta.st = 'leased'
meta.w = wid
meta.la = now
if type(task.timeout_ms) == 'number' then meta.dl = now + task.timeout_ms end
local meta_json = cjson.encode(meta)
redis.call('HSET', tk, task_id .. ':m', meta_json)
table.insert(cur, { task_id, job_id })
redis.call('HSET', wk, 'cur', enc_list(cur))
clear_timer(meta.dt)
if meta.dl then
  set_timer(meta.lt, meta.dl, cjson.encode({
    id = meta.lt, kind = 'lease_timeout', job_id = job_id, due = meta.dl, entry = task.entry,
    task_id = task_id, payload = {}
  }))
end
redis.call('RPUSH', K.history(job_id), cjson.encode({
  event_id = task_id .. ':leased', job_id = job_id, timestamp = now, event_type = 'task_leased',
  state = task.state, task_id = task_id, worker_id = wid, attempt = task.attempt, type = task.type
}))
return {'claimed', raw, meta_json}
`;

/**
 * returnLease(KEYS[1] = job key; ARGV: job id, task id, worker id, now). Replies 1 when the task went
 * back to its queue under its original member (so its original place), 0 when this worker does not
 * hold it.
 */
const RETURN_LEASE = `
local tk = K.jobTasks(ARGV[1])
local tid, wid = ARGV[2], ARGV[3]
local m = redis.call('HGET', tk, tid .. ':m')
local raw = redis.call('HGET', tk, tid)
if not m or not raw then return 0 end
local meta = cjson.decode(m)
if meta.st ~= 'leased' or meta.w ~= wid then return 0 end
local task = cjson.decode(raw)
meta.st = 'queued'
meta.w = nil
meta.la = nil
meta.dl = nil
redis.call('HSET', tk, tid .. ':m', cjson.encode(meta))
clear_timer(meta.lt)
-- The claim cleared the dispatch timer: set it again with its original due (a task stored before
-- dispatch_deadline existed has none, and keeps the old behaviour).
if meta.dt and meta.dt ~= '' and type(task.dispatch_deadline) == 'number' then
  set_timer(meta.dt, task.dispatch_deadline, cjson.encode({
    id = meta.dt, kind = 'dispatch_timeout', job_id = ARGV[1], due = task.dispatch_deadline, entry = task.entry,
    task_id = tid, payload = {}
  }))
end
local wk = K.worker(wid)
local cur = redis.call('HGET', wk, 'cur')
if cur then
  local kept = {}
  for _, pair in ipairs(cjson.decode(cur)) do
    if pair[1] ~= tid then table.insert(kept, pair) end
  end
  redis.call('HSET', wk, 'cur', enc_list(kept))
end
redis.call('ZADD', K.queue(meta.ty), -tonumber(task.priority), meta.q)
redis.call('HINCRBY', K.depth, meta.ty, 1)
redis.call('RPUSH', K.history(ARGV[1]), cjson.encode({
  event_id = tid .. ':returned', job_id = ARGV[1], timestamp = tonumber(ARGV[4]), event_type = 'task_returned',
  state = task.state, task_id = tid, worker_id = wid, attempt = task.attempt, type = task.type
}))
redis.call('PUBLISH', K.wakeChannel, meta.ty)
return 1
`;

/**
 * register(KEYS[1] = worker key; ARGV: id, registered_at, last_heartbeat, expires_at, max ('' = none),
 * types JSON, match JSON, cur JSON, canc JSON, then description field/JSON pairs).
 */
const REGISTER = `
local wk = KEYS[1]
local old = redis.call('HMGET', wk, 'cur', 'canc')
redis.call('DEL', wk)
redis.call('HSET', wk, 'id', ARGV[1], 'reg', ARGV[2], 'hb', ARGV[3], 'exp', ARGV[4], 'max', ARGV[5],
  'types', ARGV[6], 'match', ARGV[7], 'cur', old[1] or ARGV[8], 'canc', old[2] or ARGV[9])
for j = 10, #ARGV, 2 do redis.call('HSET', wk, 'd:' .. ARGV[j], ARGV[j + 1]) end
redis.call('ZADD', K.workerExpiry, ARGV[4], ARGV[1])
return 1
`;

/**
 * heartbeat(KEYS[1] = worker key; ARGV: id, now, alive_until, forget_cancelled_before, types JSON or '',
 * then description field/JSON pairs). Replies the worker hash, or false.
 */
const HEARTBEAT = `
local wk = KEYS[1]
local exp = redis.call('HGET', wk, 'exp')
if not exp or tonumber(exp) <= tonumber(ARGV[2]) then return false end
redis.call('HSET', wk, 'hb', ARGV[2], 'exp', ARGV[3])
redis.call('ZADD', K.workerExpiry, ARGV[3], ARGV[1])
if ARGV[5] ~= '' then redis.call('HSET', wk, 'types', ARGV[5]) end
for j = 6, #ARGV, 2 do redis.call('HSET', wk, 'd:' .. ARGV[j], ARGV[j + 1]) end
local before = tonumber(ARGV[4])
local kept = {}
for _, c in ipairs(cjson.decode(redis.call('HGET', wk, 'canc'))) do
  if c.at >= before then table.insert(kept, c) end
end
redis.call('HSET', wk, 'canc', enc_list(kept))
return redis.call('HGETALL', wk)
`;

/** workers(ARGV: now): the hashes of live workers. */
const LIST_WORKERS = `
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.workerExpiry, '(' .. ARGV[1], '+inf')) do
  local all = redis.call('HGETALL', K.worker(id))
  if #all > 0 then table.insert(out, all) end
end
return out
`;

/** claimExpired(ARGV: now, limit): removes expired workers, sets a lease_lost timer per held task. */
const CLAIM_EXPIRED = `
local now = tonumber(ARGV[1])
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', K.workerExpiry, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))) do
  local wk = K.worker(id)
  local all = redis.call('HGETALL', wk)
  redis.call('ZREM', K.workerExpiry, id)
  if #all > 0 then
    table.insert(out, all)
    for _, pair in ipairs(cjson.decode(redis.call('HGET', wk, 'cur'))) do
      local task_id, job_id = pair[1], pair[2]
      local raw = job_id ~= '' and redis.call('HGET', K.jobTasks(job_id), task_id)
      if raw then
        local task = cjson.decode(raw)
        local timer_id = task_id .. ':lost'
        set_timer(timer_id, now, cjson.encode({
          id = timer_id, kind = 'lease_lost', job_id = job_id, due = now, entry = task.entry,
          task_id = task_id, payload = { worker_id = id }
        }))
      end
    end
    redis.call('DEL', wk)
  end
end
return out
`;

/** claimDue(ARGV: now, limit, lease_ms): {record JSON, due} pairs, each leased until now + lease_ms. */
const CLAIM_TIMERS = `
local leased_until = tonumber(ARGV[1]) + tonumber(ARGV[3])
local due = redis.call('ZRANGEBYSCORE', K.timers, '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for j = 1, #due, 2 do
  local raw = redis.call('HGET', K.timerRecords, due[j])
  if raw then
    redis.call('ZADD', K.timers, leased_until, due[j])
    table.insert(out, raw)
    table.insert(out, due[j + 1])
  else
    redis.call('ZREM', K.timers, due[j])
  end
end
return out
`;

/** setTimers(ARGV: id, due, JSON triples) and clearTimers(ARGV: ids). */
const SET_TIMERS = `
for j = 1, #ARGV, 3 do set_timer(ARGV[j], ARGV[j + 1], ARGV[j + 2]) end
return 1
`;
const CLEAR_TIMERS = `
for j = 1, #ARGV do clear_timer(ARGV[j]) end
return 1
`;

/**
 * settle(KEYS[1] = job key; ARGV: job id, timer id, next id or '', next due, next JSON, history events).
 */
const SETTLE = `
clear_timer(ARGV[2])
if ARGV[3] ~= '' then set_timer(ARGV[3], ARGV[4], ARGV[5]) end
if #ARGV > 5 and redis.call('EXISTS', KEYS[1]) == 1 then
  local hk = K.history(ARGV[1])
  for j = 6, #ARGV do redis.call('RPUSH', hk, ARGV[j]) end
  local exp = redis.call('HGET', KEYS[1], 'x')
  if exp then redis.call('PEXPIREAT', hk, exp) end
end
return 1
`;

/**
 * list(ARGV: now, limit, client, status, blueprint, id substring, cursor score, cursor id; '' = none).
 * Replies {rows, last scanned score, last scanned id, '1' when it stopped at the scan limit}; a row is
 * {id, score, doc, tasks hash}.
 */
const LIST_JOBS = `
purge(ARGV[1])
local limit = tonumber(ARGV[2])
local client, status, blueprint, contains = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local index = client ~= '' and K.clientIndex(client) or K.jobIndex
local cursor_score = ARGV[7] ~= '' and tonumber(ARGV[7]) or nil
local cursor_id = ARGV[8]
local max = cursor_score and ARGV[7] or '+inf'
local rows = {}
local offset, scanned = 0, 0
local last_score, last_id = '', ''
while #rows <= limit and scanned < ${LIST_SCAN_LIMIT} do
  local batch = redis.call('ZREVRANGEBYSCORE', index, max, '-inf', 'WITHSCORES', 'LIMIT', offset, 100)
  if #batch == 0 then break end
  offset = offset + #batch / 2
  for j = 1, #batch, 2 do
    local id, score = batch[j], batch[j + 1]
    local after_cursor = not cursor_score or tonumber(score) < cursor_score or id < cursor_id
    if after_cursor then
      scanned = scanned + 1
      local f = redis.call('HMGET', K.job(id), 's', 'b', 'doc')
      if f[3] and (status == '' or f[1] == status) and (blueprint == '' or f[2] == blueprint)
        and (contains == '' or string.find(id, contains, 1, true)) then
        table.insert(rows, {id, score, f[3], redis.call('HGETALL', K.jobTasks(id))})
        if #rows > limit then break end
      end
      last_score, last_id = score, id
      if scanned >= ${LIST_SCAN_LIMIT} then break end
    end
  end
end
local truncated = (#rows <= limit and scanned >= ${LIST_SCAN_LIMIT}) and '1' or '0'
return {rows, last_score, last_id, truncated}
`;

/** counts(ARGV: now): the status counts hash after un-indexing expired jobs. */
const COUNT_JOBS = `
purge(ARGV[1])
return redis.call('HGETALL', K.counts)
`;

export const SCRIPT_SOURCES = {
  commit: { keys: 1, body: COMMIT },
  load: { keys: 1, body: LOAD },
  claim: { keys: 1, body: CLAIM },
  returnLease: { keys: 1, body: RETURN_LEASE },
  register: { keys: 1, body: REGISTER },
  heartbeat: { keys: 1, body: HEARTBEAT },
  listWorkers: { keys: 1, body: LIST_WORKERS },
  claimExpired: { keys: 1, body: CLAIM_EXPIRED },
  claimTimers: { keys: 1, body: CLAIM_TIMERS },
  setTimers: { keys: 1, body: SET_TIMERS },
  clearTimers: { keys: 1, body: CLEAR_TIMERS },
  settle: { keys: 1, body: SETTLE },
  listJobs: { keys: 1, body: LIST_JOBS },
  countJobs: { keys: 1, body: COUNT_JOBS },
} as const;

export type ScriptName = keyof typeof SCRIPT_SOURCES;

/** The full text of every script for one key layout. */
export function buildScripts(layout: KeyLayout): Record<ScriptName, { keys: number; lua: string }> {
  const helpers = `${luaKeyHelpers(layout)}\n${COMMON}`;
  const built = {} as Record<ScriptName, { keys: number; lua: string }>;
  for (const [name, source] of Object.entries(SCRIPT_SOURCES) as [ScriptName, { keys: number; body: string }][]) {
    built[name] = { keys: source.keys, lua: `${helpers}\n${source.body}` };
  }
  return built;
}
