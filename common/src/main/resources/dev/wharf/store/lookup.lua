-- ARGV[1..5] the key prefixes of frontend:, dead:, wharf:paths:, wharf:options:, wharf:why: (with the deployment
-- prefix), ARGV[6] the request host, ARGV[7..] the candidate frontends in lookup order.
-- The first candidate with any route wins; its routes are returned together (the whole host and each path in
-- wharf:paths:<candidate>), so the proxy matches paths in memory and a lookup stays one round trip:
-- {position, why, {path, list, dead indexes of dead:<requestHost><path>, options as a flat HGETALL}, ...}, or
-- {0, why} when nothing matched; why is what the agents say about containers that ask for the request host and
-- have no route (HVALS wharf:why:<requestHost>), for the proxy's 404 and 502 pages.
-- Path keys are built here from the set's members, which is why they are not declared in KEYS (no Cluster).
for i = 7, #ARGV do
  local host = ARGV[i]
  local found = {}
  local function route(path)
    local list = redis.call('LRANGE', ARGV[1] .. host .. path, 0, -1)
    if #list > 0 then
      found[#found + 1] = {path, list, redis.call('SMEMBERS', ARGV[2] .. ARGV[6] .. path),
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
    return {i - 6, redis.call('HVALS', ARGV[5] .. ARGV[6]), unpack(found)}
  end
end
return {0, redis.call('HVALS', ARGV[5] .. ARGV[6])}
