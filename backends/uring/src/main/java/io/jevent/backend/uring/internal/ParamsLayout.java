package io.jevent.backend.uring.internal;

/** Offsets in {@code struct io_uring_params} (120 bytes) and its {@code io_sqring_offsets}/{@code io_cqring_offsets}. */
public final class ParamsLayout {
    /** Bytes. */
    public static final int SIZE = 120;
    /** {@code __u32 sq_entries}. */
    public static final int SQ_ENTRIES = 0;
    /** {@code __u32 cq_entries}. */
    public static final int CQ_ENTRIES = 4;
    /** {@code __u32 flags}. */
    public static final int FLAGS = 8;
    /** {@code __u32 features}. */
    public static final int FEATURES = 20;
    /** {@code struct io_sqring_offsets sq_off}. */
    public static final int SQ_OFF = 40;
    /** {@code struct io_cqring_offsets cq_off}. */
    public static final int CQ_OFF = 80;

    /** {@code sq_off.head}. */
    public static final int SQ_HEAD = SQ_OFF;
    /** {@code sq_off.tail}. */
    public static final int SQ_TAIL = SQ_OFF + 4;
    /** {@code sq_off.ring_mask}. */
    public static final int SQ_RING_MASK = SQ_OFF + 8;
    /** {@code sq_off.ring_entries}. */
    public static final int SQ_RING_ENTRIES = SQ_OFF + 12;
    /** {@code sq_off.flags}. */
    public static final int SQ_FLAGS = SQ_OFF + 16;
    /** {@code sq_off.dropped}. */
    public static final int SQ_DROPPED = SQ_OFF + 20;
    /** {@code sq_off.array}. */
    public static final int SQ_ARRAY = SQ_OFF + 24;

    /** {@code cq_off.head}. */
    public static final int CQ_HEAD = CQ_OFF;
    /** {@code cq_off.tail}. */
    public static final int CQ_TAIL = CQ_OFF + 4;
    /** {@code cq_off.ring_mask}. */
    public static final int CQ_RING_MASK = CQ_OFF + 8;
    /** {@code cq_off.ring_entries}. */
    public static final int CQ_RING_ENTRIES = CQ_OFF + 12;
    /** {@code cq_off.overflow}. */
    public static final int CQ_OVERFLOW = CQ_OFF + 16;
    /** {@code cq_off.cqes}. */
    public static final int CQ_CQES = CQ_OFF + 20;

    private ParamsLayout() {
    }
}
