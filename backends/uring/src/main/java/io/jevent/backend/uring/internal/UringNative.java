package io.jevent.backend.uring.internal;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * The io_uring system calls, through libc's {@code syscall(2)} by number (glibc has no wrappers), plus
 * {@code mmap}/{@code munmap}, by JNA direct mapping: every argument a {@code long} or an address into native memory
 * we own. Errno rules as in {@code posix.internal.LibC}: a call returns {@code -1} and leaves errno, read with
 * {@code Errors.errno()}.
 *
 * <p>The numbers are the same on x86_64 and aarch64 (io_uring came after the syscall tables were unified).
 */
public final class UringNative {
    static {
        Native.register(UringNative.class, Platform.C_LIBRARY_NAME);
    }

    /** {@code __NR_io_uring_setup}. */
    public static final long NR_SETUP = 425;
    /** {@code __NR_io_uring_enter}. */
    public static final long NR_ENTER = 426;
    /** {@code __NR_io_uring_register}. */
    public static final long NR_REGISTER = 427;

    // setup flags
    /** {@code IORING_SETUP_CQSIZE}: {@code cq_entries} is ours. */
    public static final int SETUP_CQSIZE = 1 << 3;
    /** {@code IORING_SETUP_CLAMP}. */
    public static final int SETUP_CLAMP = 1 << 4;
    /** {@code IORING_SETUP_SUBMIT_ALL}: a failing SQE completes with its error and the rest is still submitted. */
    public static final int SETUP_SUBMIT_ALL = 1 << 7;
    /** {@code IORING_SETUP_COOP_TASKRUN}: no IPI for task work; it runs at our next kernel entry. */
    public static final int SETUP_COOP_TASKRUN = 1 << 8;
    /** {@code IORING_SETUP_TASKRUN_FLAG}: the kernel sets {@link #SQ_TASKRUN} when task work waits for an enter. */
    public static final int SETUP_TASKRUN_FLAG = 1 << 9;
    /** {@code IORING_SETUP_SINGLE_ISSUER}. */
    public static final int SETUP_SINGLE_ISSUER = 1 << 12;
    /** {@code IORING_SETUP_DEFER_TASKRUN}. */
    public static final int SETUP_DEFER_TASKRUN = 1 << 13;

    // features
    /** {@code IORING_FEAT_SINGLE_MMAP}: SQ and CQ rings share one mapping. */
    public static final int FEAT_SINGLE_MMAP = 1;
    /** {@code IORING_FEAT_NODROP}: completions beyond the CQ wait in the kernel instead of being dropped. */
    public static final int FEAT_NODROP = 1 << 1;
    /** {@code IORING_FEAT_EXT_ARG}: enter takes a timeout ({@code io_uring_getevents_arg}). */
    public static final int FEAT_EXT_ARG = 1 << 8;

    // mmap offsets
    /** {@code IORING_OFF_SQ_RING}. */
    public static final long OFF_SQ_RING = 0L;
    /** {@code IORING_OFF_SQES}. */
    public static final long OFF_SQES = 0x10000000L;

    // enter flags
    /** {@code IORING_ENTER_GETEVENTS}. */
    public static final int ENTER_GETEVENTS = 1;
    /** {@code IORING_ENTER_EXT_ARG}. */
    public static final int ENTER_EXT_ARG = 1 << 3;

    // SQ ring flags
    /** {@code IORING_SQ_CQ_OVERFLOW}: completions wait in the kernel's overflow list. */
    public static final int SQ_CQ_OVERFLOW = 1 << 1;
    /** {@code IORING_SQ_TASKRUN}: task work waits for an enter to post completions. */
    public static final int SQ_TASKRUN = 1 << 2;

    // opcodes
    /** {@code IORING_OP_NOP}. */
    public static final int OP_NOP = 0;
    /** {@code IORING_OP_POLL_ADD}. */
    public static final int OP_POLL_ADD = 6;
    /** {@code IORING_OP_POLL_REMOVE}. */
    public static final int OP_POLL_REMOVE = 7;
    /** {@code IORING_OP_SENDMSG}. */
    public static final int OP_SENDMSG = 9;
    /** {@code IORING_OP_ACCEPT}. */
    public static final int OP_ACCEPT = 13;
    /** {@code IORING_OP_ASYNC_CANCEL}. */
    public static final int OP_ASYNC_CANCEL = 14;
    /** {@code IORING_OP_CONNECT}. */
    public static final int OP_CONNECT = 16;
    /** {@code IORING_OP_READ}. */
    public static final int OP_READ = 22;
    /** {@code IORING_OP_RECV}. */
    public static final int OP_RECV = 27;
    /** {@code IORING_OP_SHUTDOWN}. */
    public static final int OP_SHUTDOWN = 34;

    // SQE flags
    /** {@code IOSQE_BUFFER_SELECT}. */
    public static final int IOSQE_BUFFER_SELECT = 1 << 5;

    // op flags
    /** {@code IORING_POLL_ADD_MULTI}. */
    public static final int POLL_ADD_MULTI = 1;
    /** {@code IORING_ACCEPT_MULTISHOT} (in the SQE's {@code ioprio}). */
    public static final int ACCEPT_MULTISHOT = 1;
    /** {@code IORING_ASYNC_CANCEL_ALL}. */
    public static final int ASYNC_CANCEL_ALL = 1;
    /** {@code IORING_ASYNC_CANCEL_FD}. */
    public static final int ASYNC_CANCEL_FD = 1 << 1;
    /** {@code IORING_ASYNC_CANCEL_ANY}: match any request. */
    public static final int ASYNC_CANCEL_ANY = 1 << 2;
    /** {@code MSG_NOSIGNAL}. */
    public static final int MSG_NOSIGNAL = 0x4000;

    // CQE flags
    /** {@code IORING_CQE_F_BUFFER}: the upper 16 bits of the flags hold the buffer id. */
    public static final int CQE_F_BUFFER = 1;
    /** {@code IORING_CQE_F_MORE}: the request stays armed. */
    public static final int CQE_F_MORE = 1 << 1;
    /** {@code IORING_CQE_BUFFER_SHIFT}. */
    public static final int CQE_BUFFER_SHIFT = 16;

    // register opcodes
    /** {@code IORING_REGISTER_PROBE}. */
    public static final int REGISTER_PROBE = 8;
    /** {@code IORING_REGISTER_PBUF_RING}. */
    public static final int REGISTER_PBUF_RING = 22;
    /** {@code IORING_UNREGISTER_PBUF_RING}. */
    public static final int UNREGISTER_PBUF_RING = 23;
    /** {@code IORING_REGISTER_SYNC_CANCEL}. */
    public static final int REGISTER_SYNC_CANCEL = 24;
    /** {@code IORING_REGISTER_PBUF_STATUS}. */
    public static final int REGISTER_PBUF_STATUS = 26;
    /** {@code IO_URING_OP_SUPPORTED} in {@code io_uring_probe_op.flags}. */
    public static final int OP_SUPPORTED = 1;

    // mmap
    /** {@code PROT_READ | PROT_WRITE}. */
    public static final int PROT_RW = 0x1 | 0x2;
    /** {@code MAP_SHARED}. */
    public static final int MAP_SHARED = 0x01;
    /** {@code MAP_PRIVATE}. */
    public static final int MAP_PRIVATE = 0x02;
    /** {@code MAP_ANONYMOUS}. */
    public static final int MAP_ANONYMOUS = 0x20;
    /** {@code MAP_POPULATE}. */
    public static final int MAP_POPULATE = 0x8000;
    /** {@code MAP_FAILED}. */
    public static final long MAP_FAILED = -1L;

    private UringNative() {
    }

    /** {@code syscall(2)}: unused arguments are passed as 0 (the kernel ignores them). */
    public static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    public static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    public static native int munmap(long addr, long length);

    /** {@code io_uring_setup(entries, params)}: the ring's descriptor, or -1. */
    public static int setup(int entries, long params) {
        return (int) syscall(NR_SETUP, entries, params, 0, 0, 0, 0);
    }

    /** {@code io_uring_enter(fd, toSubmit, minComplete, flags, arg, argSize)}: SQEs consumed, or -1. */
    public static int enter(int fd, int toSubmit, int minComplete, int flags, long arg, long argSize) {
        return (int) syscall(NR_ENTER, fd, toSubmit, minComplete, flags, arg, argSize);
    }

    /** {@code io_uring_register(fd, opcode, arg, nrArgs)}. */
    public static int register(int fd, int opcode, long arg, int nrArgs) {
        return (int) syscall(NR_REGISTER, fd, opcode, arg, nrArgs, 0, 0);
    }
}
