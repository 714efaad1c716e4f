-- KEYS[1..n-1] frontend:<candidate> in lookup order, KEYS[n] dead:<requestHost>
-- Returns {position of the first non-empty list, that list, the dead indexes}, or {0} when none matched.
for i = 1, #KEYS - 1 do
  local list = redis.call('LRANGE', KEYS[i], 0, -1)
  if #list > 0 then
    return {i, list, redis.call('SMEMBERS', KEYS[#KEYS])}
  end
end
return {0}
