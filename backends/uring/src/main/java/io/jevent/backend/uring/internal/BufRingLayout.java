package io.jevent.backend.uring.internal;

/**
 * Offsets in a provided-buffer ring ({@code struct io_uring_buf_ring}, an array of {@code struct io_uring_buf} whose
 * first entry's reserved field is the ring's tail) and in its registration ({@code struct io_uring_buf_reg}) and
 * status ({@code struct io_uring_buf_status}).
 */
public final class BufRingLayout {
    /** {@code sizeof(struct io_uring_buf)}. */
    public static final int ENTRY_SIZE = 16;
    /** {@code __u64 addr}. */
    public static final int ENTRY_ADDR = 0;
    /** {@code __u32 len}. */
    public static final int ENTRY_LEN = 8;
    /** {@code __u16 bid}. */
    public static final int ENTRY_BID = 12;
    /** {@code __u16 tail}, overlaying {@code bufs[0].resv}. */
    public static final int TAIL = 14;

    /** {@code sizeof(struct io_uring_buf_reg)}. */
    public static final int REG_SIZE = 40;
    /** {@code __u64 ring_addr}. */
    public static final int REG_RING_ADDR = 0;
    /** {@code __u32 ring_entries}. */
    public static final int REG_RING_ENTRIES = 8;
    /** {@code __u16 bgid}. */
    public static final int REG_BGID = 12;

    /** {@code sizeof(struct io_uring_buf_status)}. */
    public static final int STATUS_SIZE = 40;
    /** {@code __u32 buf_group} (input). */
    public static final int STATUS_BUF_GROUP = 0;
    /** {@code __u32 head} (output: the kernel's head). */
    public static final int STATUS_HEAD = 4;

    private BufRingLayout() {
    }
}
