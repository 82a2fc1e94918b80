package io.jevent.dns;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers of one resolver by (name, type), positive (addresses and canonical name) and negative (NXDOMAIN or
 * NODATA), each kept for its TTL on the base's monotonic clock; at most {@code capacity} entries, the least
 * recently used dropped first. A TTL of 0 is not cached. TTLs are capped at one day. Loop thread only.
 */
final class DnsCache {
    /** Longest an answer is kept, whatever its TTL says. */
    static final long MAX_TTL_SECONDS = 86_400;

    /**
     * One cached answer: {@code addresses} non-empty for a positive one, else {@code negative} says why not.
     */
    record Entry(List<InetAddress> addresses, String canonicalName, DnsException.Reason negative, long ttlSeconds,
            long expiresAtNanos) {
        boolean isPositive() {
            return negative == null;
        }

        /** Seconds left at {@code now}, rounded down. */
        long secondsLeft(long now) {
            return Math.max(0, (expiresAtNanos - now) / 1_000_000_000L);
        }
    }

    private final int capacity;
    private final LinkedHashMap<String, Entry> map;

    DnsCache(int capacity) {
        this.capacity = capacity;
        this.map = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > DnsCache.this.capacity;
            }
        };
    }

    static String key(String name, int type) {
        return type + "/" + name;
    }

    /** The live entry for {@code key} at {@code now}, or null (an expired one is dropped). */
    Entry get(String key, long now) {
        Entry e = map.get(key);
        if (e == null) {
            return null;
        }
        if (now - e.expiresAtNanos >= 0) {
            map.remove(key);
            return null;
        }
        return e;
    }

    /** Keeps a positive answer for {@code ttlSeconds}. */
    void putPositive(String key, List<InetAddress> addresses, String canonicalName, long ttlSeconds, long now) {
        put(key, addresses, canonicalName, null, ttlSeconds, now);
    }

    /** Keeps a negative answer for {@code ttlSeconds} (the SOA's minimum). */
    void putNegative(String key, DnsException.Reason why, long ttlSeconds, long now) {
        put(key, List.of(), null, why, ttlSeconds, now);
    }

    private void put(String key, List<InetAddress> a, String cname, DnsException.Reason why, long ttl, long now) {
        if (capacity == 0 || ttl <= 0) {
            return;
        }
        long t = Math.min(ttl, MAX_TTL_SECONDS);
        map.put(key, new Entry(List.copyOf(a), cname, why, t, now + t * 1_000_000_000L));
    }

    int size() {
        return map.size();
    }

    void clear() {
        map.clear();
    }
}
