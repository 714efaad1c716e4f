-- KEYS[1] frontend:<host>, KEYS[2] dead:<host>
-- ARGV[1] backend URL, ARGV[2] channel, ARGV[3] host
-- Removes every copy of the backend (never the identifier); deletes the key when no backend is left.
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
end
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
