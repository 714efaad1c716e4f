-- KEYS[1] dead:<requestHost>
-- ARGV[1] backend index, ARGV[2] TTL seconds, ARGV[3] channel (Hipache's "dead"), ARGV[4] Hipache's payload
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
