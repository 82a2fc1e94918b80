package io.jevent.backend.uring.internal;

/** Offsets in {@code struct io_uring_cqe} (16 bytes; no {@code IORING_SETUP_CQE32}). */
public final class CqeLayout {
    /** Bytes per CQE. */
    public static final int SIZE = 16;
    /** {@code __u64 user_data}. */
    public static final int USER_DATA = 0;
    /** {@code __s32 res}. */
    public static final int RES = 8;
    /** {@code __u32 flags} ({@code IORING_CQE_F_*}, buffer id in the upper 16 bits). */
    public static final int FLAGS = 12;

    private CqeLayout() {
    }
}
