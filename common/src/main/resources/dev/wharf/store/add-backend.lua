-- KEYS[1] frontend:<host><path>, KEYS[2] dead:<host><path>, KEYS[3] wharf:options:<host><path>, KEYS[4] wharf:paths:<host>
-- ARGV[1] identifier (used only when the list is created), ARGV[2] backend URL, ARGV[3] channel, ARGV[4] host,
-- ARGV[5] path ('' for the whole host), ARGV[6..] the route's options as field, value pairs.
-- The route's options are those of its first (oldest) backend: written when this backend is first in the list,
-- otherwise left as they are. Returns {1 when anything changed else 0, 1 when this backend's options differ
-- from the ones in force else 0}.
local list = redis.call('LRANGE', KEYS[1], 0, -1)
local changed = 0
local present = false
for i = 2, #list do
  if list[i] == ARGV[2] then
    present = true
  end
end
if not present then
  if #list == 0 then
    redis.call('RPUSH', KEYS[1], ARGV[1], ARGV[2])
  else
    redis.call('RPUSH', KEYS[1], ARGV[2])
  end
  if ARGV[5] ~= '' then
    redis.call('SADD', KEYS[4], ARGV[5])
  end
  changed = 1
end
local stored = redis.call('HGETALL', KEYS[3])
local same = #stored == #ARGV - 5
if same then
  local current = {}
  for i = 1, #stored, 2 do
    current[stored[i]] = stored[i + 1]
  end
  for i = 6, #ARGV, 2 do
    if current[ARGV[i]] ~= ARGV[i + 1] then
      same = false
    end
  end
end
local conflict = 0
if not same then
  if #list <= 1 or list[2] == ARGV[2] then
    redis.call('DEL', KEYS[3])
    if #ARGV > 5 then
      redis.call('HSET', KEYS[3], unpack(ARGV, 6))
    end
    changed = 1
  else
    conflict = 1
  end
end
if changed == 1 then
  redis.call('DEL', KEYS[2])
  redis.call('PUBLISH', ARGV[3], ARGV[4])
end
return {changed, conflict}
