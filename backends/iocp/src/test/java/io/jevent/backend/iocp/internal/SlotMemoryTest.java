package io.jevent.backend.iocp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Slot memory: every slot's address maps back to the slot, allocation grows without moving what exists. */
class SlotMemoryTest {
    @Test
    void shouldPlaceChunksThatDouble() {
        assertEquals(0, SlotMemory.chunkOf(0));
        assertEquals(0, SlotMemory.chunkOf(63));
        assertEquals(1, SlotMemory.chunkOf(64));
        assertEquals(1, SlotMemory.chunkOf(191));
        assertEquals(2, SlotMemory.chunkOf(192));
        assertEquals(192, SlotMemory.firstOf(2));
        assertThrows(IllegalArgumentException.class, () -> new SlotMemory(36));
    }

    @Property(tries = 50)
    void shouldMapEveryAddressBackToItsSlotAndKeepWhatWasWritten(
            @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 3000) Integer> slots) {
        SlotMemory mem = new SlotMemory(696);
        try {
            long[] addressOf = new long[3001];
            for (int s : slots) {
                mem.ensure(s);
                mem.view(s).putLong(mem.offset(s) + SlotMemory.USER_DATA, 0x5100_0000L + s);
                addressOf[s] = mem.address(s);
            }
            for (int s : slots) {
                assertEquals(addressOf[s], mem.address(s), "slot " + s + " moved");
                assertEquals(s, mem.slotOf(addressOf[s]));
                assertEquals(-1, mem.slotOf(addressOf[s] + 8), "an address inside a slot is no slot's");
                assertEquals(0x5100_0000L + s, mem.view(s).getLong(mem.offset(s) + SlotMemory.USER_DATA));
            }
            assertEquals(-1, mem.slotOf(0L));
        } finally {
            mem.free();
        }
    }
}
