-- KEYS[1] dead:<requestHost>:<backendURL> (planb's probe lock), ARGV[1] this proxy's id, ARGV[2] TTL ms
-- One proxy at a time probes a dead backend: the lock is taken when free, renewed by its holder.
-- Returns 1 when this proxy holds it, 0 when another does.
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
