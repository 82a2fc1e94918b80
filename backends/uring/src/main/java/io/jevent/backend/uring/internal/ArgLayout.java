package io.jevent.backend.uring.internal;

/**
 * Offsets in the small structures passed by address: {@code io_uring_getevents_arg} with its
 * {@code __kernel_timespec}, {@code struct msghdr}, {@code struct iovec}, {@code io_uring_sync_cancel_reg},
 * {@code io_uring_probe}.
 */
public final class ArgLayout {
    /** {@code sizeof(struct io_uring_getevents_arg)}. */
    public static final int GETEVENTS_SIZE = 24;
    /** {@code __u64 sigmask}. */
    public static final int GETEVENTS_SIGMASK = 0;
    /** {@code __u32 sigmask_sz}. */
    public static final int GETEVENTS_SIGMASK_SZ = 8;
    /** {@code __u32 min_wait_usec}. */
    public static final int GETEVENTS_MIN_WAIT = 12;
    /** {@code __u64 ts}: address of a {@code __kernel_timespec}, 0 for no timeout. */
    public static final int GETEVENTS_TS = 16;

    /** {@code sizeof(struct __kernel_timespec)}. */
    public static final int TIMESPEC_SIZE = 16;
    /** {@code __s64 tv_sec}. */
    public static final int TIMESPEC_SEC = 0;
    /** {@code long long tv_nsec}. */
    public static final int TIMESPEC_NSEC = 8;

    /** {@code sizeof(struct msghdr)} on LP64. */
    public static final int MSGHDR_SIZE = 56;
    /** {@code void *msg_name}. */
    public static final int MSGHDR_NAME = 0;
    /** {@code socklen_t msg_namelen}. */
    public static final int MSGHDR_NAMELEN = 8;
    /** {@code struct iovec *msg_iov}. */
    public static final int MSGHDR_IOV = 16;
    /** {@code size_t msg_iovlen}. */
    public static final int MSGHDR_IOVLEN = 24;
    /** {@code void *msg_control}. */
    public static final int MSGHDR_CONTROL = 32;
    /** {@code size_t msg_controllen}. */
    public static final int MSGHDR_CONTROLLEN = 40;
    /** {@code int msg_flags}. */
    public static final int MSGHDR_FLAGS = 48;

    /** {@code sizeof(struct iovec)}. */
    public static final int IOVEC_SIZE = 16;
    /** {@code void *iov_base}. */
    public static final int IOVEC_BASE = 0;
    /** {@code size_t iov_len}. */
    public static final int IOVEC_LEN = 8;

    /** {@code sizeof(struct io_uring_sync_cancel_reg)}. */
    public static final int SYNC_CANCEL_SIZE = 64;
    /** {@code __u64 addr} (user data to match). */
    public static final int SYNC_CANCEL_ADDR = 0;
    /** {@code __s32 fd}. */
    public static final int SYNC_CANCEL_FD = 8;
    /** {@code __u32 flags} ({@code IORING_ASYNC_CANCEL_*}). */
    public static final int SYNC_CANCEL_FLAGS = 12;
    /** {@code struct __kernel_timespec timeout} ({@code -1, -1}: no limit). */
    public static final int SYNC_CANCEL_TIMEOUT = 16;
    /** {@code __u8 opcode}. */
    public static final int SYNC_CANCEL_OPCODE = 32;

    /** {@code sizeof(struct io_uring_probe)} before its {@code ops[]}. */
    public static final int PROBE_HEADER = 16;
    /** {@code __u8 last_op}. */
    public static final int PROBE_LAST_OP = 0;
    /** {@code __u8 ops_len}. */
    public static final int PROBE_OPS_LEN = 1;
    /** {@code sizeof(struct io_uring_probe_op)}. */
    public static final int PROBE_OP_SIZE = 8;
    /** {@code __u16 flags} in a probe op ({@code IO_URING_OP_SUPPORTED}). */
    public static final int PROBE_OP_FLAGS = 2;

    private ArgLayout() {
    }
}
