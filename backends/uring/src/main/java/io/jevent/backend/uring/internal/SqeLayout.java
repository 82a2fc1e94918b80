package io.jevent.backend.uring.internal;

/** Offsets in {@code struct io_uring_sqe} (64 bytes; the unions named by the member each opcode here uses). */
public final class SqeLayout {
    /** Bytes per SQE. */
    public static final int SIZE = 64;
    /** {@code __u8 opcode}. */
    public static final int OPCODE = 0;
    /** {@code __u8 flags} ({@code IOSQE_*}). */
    public static final int FLAGS = 1;
    /** {@code __u16 ioprio}: also the accept and recv/send flags ({@code IORING_ACCEPT_*}, ...). */
    public static final int IOPRIO = 2;
    /** {@code __s32 fd}. */
    public static final int FD = 4;
    /** {@code __u64 off / addr2}: connect's address length, a poll update's new user data. */
    public static final int OFF = 8;
    /** {@code __u64 addr}: buffer, msghdr, sockaddr, or the user data a poll remove names. */
    public static final int ADDR = 16;
    /** {@code __u32 len}: bytes, or the poll flags ({@code IORING_POLL_*}), or shutdown's {@code how}. */
    public static final int LEN = 24;
    /** {@code __u32 op_flags}: {@code poll32_events}, {@code msg_flags}, {@code accept_flags}, {@code cancel_flags}. */
    public static final int OP_FLAGS = 28;
    /** {@code __u64 user_data}. */
    public static final int USER_DATA = 32;
    /** {@code __u16 buf_index / buf_group}. */
    public static final int BUF_GROUP = 40;
    /** {@code __u16 personality}. */
    public static final int PERSONALITY = 42;
    /** {@code __u32 splice_fd_in / file_index / addr_len}. */
    public static final int FILE_INDEX = 44;
    /** {@code __u64 addr3}. */
    public static final int ADDR3 = 48;

    private SqeLayout() {
    }
}
