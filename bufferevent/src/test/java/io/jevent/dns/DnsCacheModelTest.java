package io.jevent.dns;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DnsCache} against a model: random puts (positive and negative, TTL 0 to 5 s), clock advances and gets; a
 * get answers exactly when the model's entry is unexpired, with the same content. And LRU: never more than the
 * capacity, the most recently used kept.
 */
class DnsCacheModelTest {
    /** One step: 0 put positive, 1 put negative, 2 get, 3 advance the clock by {@code arg} ms. */
    record Op(int kind, int key, int arg) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers()
                .between(0, 5), Arbitraries.integers().between(0, 3000)).as(Op::new);
        return op.list().ofMaxSize(200);
    }

    private record Model(boolean positive, long expires, List<InetAddress> addresses) {
    }

    @Property(tries = 500)
    void shouldAnswerExactlyWhileTheTtlLasts(@ForAll("ops") List<Op> ops) throws Exception {
        DnsCache cache = new DnsCache(1000);
        Map<String, Model> model = new HashMap<>();
        long now = 1_000_000_000L;
        for (Op op : ops) {
            String key = DnsCache.key("n" + op.key() + ".test", 1);
            switch (op.kind()) {
                case 0 -> {
                    long ttl = op.arg() % 6;
                    List<InetAddress> a = List.of(InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) op.arg()}));
                    cache.putPositive(key, a, "c.test", ttl, now);
                    if (ttl > 0) {
                        model.put(key, new Model(true, now + ttl * 1_000_000_000L, a));
                    }
                }
                case 1 -> {
                    long ttl = op.arg() % 6;
                    cache.putNegative(key, DnsException.Reason.NAME_NOT_FOUND, ttl, now);
                    if (ttl > 0) {
                        model.put(key, new Model(false, now + ttl * 1_000_000_000L, List.of()));
                    }
                }
                case 2 -> {
                    DnsCache.Entry e = cache.get(key, now);
                    Model m = model.get(key);
                    if (m == null || now >= m.expires) {
                        assertNull(e, "entry past its TTL or never cached: " + key);
                        model.remove(key);
                    } else {
                        assertEquals(m.positive, e.isPositive());
                        assertEquals(m.addresses, e.addresses());
                        assertTrue(e.secondsLeft(now) <= 5);
                    }
                }
                default -> now += op.arg() * 1_000_000L;
            }
        }
    }

    @Property(tries = 200)
    void shouldKeepTheMostRecentlyUsedWithinCapacity(@ForAll("keys") List<Integer> keys) throws Exception {
        int cap = 4;
        DnsCache cache = new DnsCache(cap);
        java.util.LinkedHashMap<Integer, Boolean> lru = new java.util.LinkedHashMap<>(16, 0.75f, true);
        for (int k : keys) {
            cache.putPositive(DnsCache.key("k" + k, 1), List.of(InetAddress.getLoopbackAddress()), "k", 60, 0);
            lru.put(k, true);
            if (lru.size() > cap) {
                lru.remove(lru.keySet().iterator().next());
            }
            assertTrue(cache.size() <= cap);
        }
        for (int k : lru.keySet().toArray(new Integer[0])) {
            assertTrue(cache.get(DnsCache.key("k" + k, 1), 1) != null, "recently used " + k + " kept");
        }
    }

    @Provide
    Arbitrary<List<Integer>> keys() {
        return Arbitraries.integers().between(0, 9).list().ofMaxSize(50);
    }
}
