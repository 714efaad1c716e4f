-- KEYS[1] dead:<requestHost>, KEYS[2] frontend:<the frontend that matched>
-- ARGV[1] backend index, ARGV[2] TTL seconds, ARGV[3] channel (Hipache's "dead"), ARGV[4] Hipache's payload,
-- ARGV[5] the backend URL the mark is meant for.
-- Hipache's marks are list indexes: a mark for a backend that was removed meanwhile would land on whichever
-- backend now holds its index, blacking out a live one. So the mark is written only while the index still
-- holds that URL (the list's first element is the identifier, hence index + 1).
if redis.call('LINDEX', KEYS[2], tonumber(ARGV[1]) + 1) ~= ARGV[5] then
  return 0
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
