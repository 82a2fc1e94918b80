package io.jevent.buffer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EvBufferWatcherTest {

    @Test
    void shouldTellWatcherBeforeCallbacksWithAddedAndDeletedCounts() {
        EvBuffer b = new EvBuffer();
        List<String> seen = new ArrayList<>();
        b.addCallback((buf, orig, added, deleted) -> seen.add("callback " + orig + "+" + added + "-" + deleted));
        b.setWatcher((buf, orig, added, deleted) -> seen.add("watcher " + orig + "+" + added + "-" + deleted));
        b.add(new byte[10]);
        b.drain(4);
        assertEquals(List.of("watcher 0+10-0", "callback 0+10-0", "watcher 10+0-4", "callback 10+0-4"), seen);
    }

    @Test
    void shouldStopTellingRemovedWatcherAndIgnoreEmptyChanges() {
        EvBuffer b = new EvBuffer();
        int[] calls = {0};
        b.setWatcher((buf, orig, added, deleted) -> calls[0]++);
        b.add(new byte[0]);
        b.drain(0);
        assertEquals(0, calls[0], "no change, no call");
        b.add(new byte[3]);
        b.setWatcher(null);
        b.add(new byte[3]);
        assertEquals(1, calls[0]);
    }
}
