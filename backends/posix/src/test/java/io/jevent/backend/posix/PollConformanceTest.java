package io.jevent.backend.posix;

import io.jevent.conformance.ConfigConformance;
import io.jevent.conformance.ConformanceBackend;
import io.jevent.conformance.DatagramConformance;
import io.jevent.conformance.EvBufferIoConformance;
import io.jevent.conformance.GroupConformance;
import io.jevent.conformance.InterruptedLoopConformance;
import io.jevent.conformance.IoConformance;
import io.jevent.conformance.LifetimeAttackConformance;
import io.jevent.conformance.LifetimeConformance;
import io.jevent.conformance.LoopConformance;
import io.jevent.conformance.SignalConformance;
import io.jevent.conformance.SubmitConformance;
import io.jevent.conformance.ThreadingConformance;
import io.jevent.conformance.ThreadingAttackConformance;
import io.jevent.conformance.TimerConformance;
import org.junit.jupiter.api.Nested;

/** The conformance suite, on the poll backend. */
@ConformanceBackend("poll")
class PollConformanceTest {
    @Nested class Timers extends TimerConformance { }
    @Nested class Loop extends LoopConformance { }
    @Nested class Threading extends ThreadingConformance { }
    @Nested class ThreadingAttacks extends ThreadingAttackConformance { }
    @Nested class Signals extends SignalConformance { }
    @Nested class Config extends ConfigConformance { }
    @Nested class Io extends IoConformance { }
    @Nested class LifetimeAttacks extends LifetimeAttackConformance { }
    @Nested class InterruptedLoop extends InterruptedLoopConformance { }
    @Nested class BufferIo extends EvBufferIoConformance { }
    @Nested class Lifetime extends LifetimeConformance { }
    @Nested class Group extends GroupConformance { }
    @Nested class Datagrams extends DatagramConformance { }
    @Nested class Submit extends SubmitConformance { }
}
