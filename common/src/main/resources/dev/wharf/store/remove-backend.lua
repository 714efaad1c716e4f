-- KEYS[1] frontend:<host><path>, KEYS[2] dead:<host><path>, KEYS[3] wharf:options:<host><path>, KEYS[4] wharf:paths:<host>
-- ARGV[1] backend URL, ARGV[2] channel, ARGV[3] host, ARGV[4] path ('' for the whole host)
-- Removes every copy of the backend (never the identifier); when no backend is left, the route goes whole: the
-- list, its options and its path. Options stay while backends remain (never a route briefly without its auth).
-- Returns 1 when the list changed, 0 when the backend was not there.
local list = redis.call('LRANGE', KEYS[1], 0, -1)
local kept = {}
for i = 2, #list do
  if list[i] ~= ARGV[1] then
    kept[#kept + 1] = list[i]
  end
end
if #list == 0 or #kept == #list - 1 then
  return 0
end
redis.call('DEL', KEYS[1])
if #kept > 0 then
  redis.call('RPUSH', KEYS[1], list[1], unpack(kept))
else
  redis.call('DEL', KEYS[3])
  if ARGV[4] ~= '' then
    redis.call('SREM', KEYS[4], ARGV[4])
  end
end
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
