-- KEYS[1] frontend:<host>, KEYS[2] dead:<host>
-- ARGV[1] identifier (used only when the list is created), ARGV[2] backend URL, ARGV[3] channel, ARGV[4] host
-- Returns 1 when the list changed, 0 when the backend was already there.
local list = redis.call('LRANGE', KEYS[1], 0, -1)
if #list == 0 then
  redis.call('RPUSH', KEYS[1], ARGV[1], ARGV[2])
else
  for i = 2, #list do
    if list[i] == ARGV[2] then
      return 0
    end
  end
  redis.call('RPUSH', KEYS[1], ARGV[2])
end
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
