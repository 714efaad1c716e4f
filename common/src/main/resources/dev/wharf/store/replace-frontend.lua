-- KEYS[1] frontend:<host>, KEYS[2] dead:<host>
-- ARGV[1] identifier, ARGV[2] channel, ARGV[3] host, ARGV[4..] backend URLs (distinct, in order)
-- Makes the list exactly [identifier, URLs...], or deletes it when no URL is given.
-- Returns 1 when the list changed, 0 when it already was so.
local list = redis.call('LRANGE', KEYS[1], 0, -1)
local wanted = #ARGV - 3
local same = (wanted == 0 and #list == 0) or (#list == wanted + 1 and list[1] == ARGV[1])
if same then
  for i = 1, wanted do
    if list[i + 1] ~= ARGV[i + 3] then
      same = false
      break
    end
  end
end
if same then
  return 0
end
redis.call('DEL', KEYS[1])
if wanted > 0 then
  redis.call('RPUSH', KEYS[1], ARGV[1], unpack(ARGV, 4))
end
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
