-- ARGV[1..4] the key prefixes of frontend:, dead:, wharf:paths:, wharf:options: (with the deployment prefix),
-- ARGV[5] the request host, ARGV[6..] the candidate frontends in lookup order.
-- The first candidate with any route wins; its routes are returned together (the whole host and each path in
-- wharf:paths:<candidate>), so the proxy matches paths in memory and a lookup stays one round trip:
-- {position, {path, list, dead indexes of dead:<requestHost><path>, options as a flat HGETALL}, ...}, or {0}.
-- Path keys are built here from the set's members, which is why they are not declared in KEYS (no Cluster).
for i = 6, #ARGV do
  local host = ARGV[i]
  local found = {}
  local function route(path)
    local list = redis.call('LRANGE', ARGV[1] .. host .. path, 0, -1)
    if #list > 0 then
      found[#found + 1] = {path, list, redis.call('SMEMBERS', ARGV[2] .. ARGV[5] .. path),
        redis.call('HGETALL', ARGV[4] .. host .. path)}
    end
  end
  route('')
  for _, path in ipairs(redis.call('SMEMBERS', ARGV[3] .. host)) do
    if path ~= '' then
      route(path)
    end
  end
  if #found > 0 then
    return {i - 5, unpack(found)}
  end
end
return {0}
