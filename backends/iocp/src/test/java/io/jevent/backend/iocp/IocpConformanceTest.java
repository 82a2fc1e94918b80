package io.jevent.backend.iocp;

import io.jevent.conformance.CompletionEngineConformance;
import io.jevent.conformance.ConfigConformance;
import io.jevent.conformance.ConformanceBackend;
import io.jevent.conformance.EvBufferIoConformance;
import io.jevent.conformance.InterruptedLoopConformance;
import io.jevent.conformance.LoopConformance;
import io.jevent.conformance.SignalConformance;
import io.jevent.conformance.SubmitConformance;
import io.jevent.conformance.ThreadingAttackConformance;
import io.jevent.conformance.ThreadingConformance;
import io.jevent.conformance.TimerConformance;
import org.junit.jupiter.api.Nested;

/**
 * The conformance suite on the IOCP backend (Windows; elsewhere every test skips with "IOCP requires Windows"). The
 * event suites that watch sockets made by {@code base.netOps()} (Io, Lifetime, LifetimeAttacks, Group) are not run: on this
 * backend those are SOCKETs for the completion engine, and events watch NIO channels, as they do on [nio].
 */
@ConformanceBackend("iocp")
class IocpConformanceTest {
    @Nested class Timers extends TimerConformance { }
    @Nested class Loop extends LoopConformance { }
    @Nested class Threading extends ThreadingConformance { }
    @Nested class ThreadingAttacks extends ThreadingAttackConformance { }
    @Nested class Signals extends SignalConformance { }
    @Nested class Config extends ConfigConformance { }
    @Nested class InterruptedLoop extends InterruptedLoopConformance { }
    @Nested class BufferIo extends EvBufferIoConformance { }
    @Nested class CompletionEngine extends CompletionEngineConformance { }
    @Nested class Submit extends SubmitConformance { }
}
