-- KEYS[1] dead:<requestHost><path>
-- ARGV[1] backend URL, ARGV[2] '1' when it answered the probe, ARGV[3] dead TTL seconds, ARGV[4] channel
-- (wharf:alive), ARGV[5] the message ("<requestHost><path>;<url>"), ARGV[6] the frontend: key prefix, ARGV[7] path,
-- ARGV[8..] the request host's candidate frontends in lookup order.
-- The backend's index is found in the first candidate's list that has any (as a lookup would): a mark is an
-- index, and the backend may have moved. Alive: the mark goes and every proxy is told; still dead: the mark is
-- renewed (planb's way: a backend that stays down stays marked without a request failing on it).
-- Returns 1 (unmarked), 0 (marked again), -1 (the backend is no longer listed: stop probing).
for i = 8, #ARGV do
  local list = redis.call('LRANGE', ARGV[6] .. ARGV[i] .. ARGV[7], 0, -1)
  if #list > 0 then
    for j = 2, #list do
      if list[j] == ARGV[1] then
        local index = tostring(j - 2)
        if ARGV[2] == '1' then
          redis.call('SREM', KEYS[1], index)
          redis.call('PUBLISH', ARGV[4], ARGV[5])
          return 1
        end
        redis.call('SADD', KEYS[1], index)
        redis.call('EXPIRE', KEYS[1], ARGV[3])
        return 0
      end
    end
    return -1
  end
end
return -1
