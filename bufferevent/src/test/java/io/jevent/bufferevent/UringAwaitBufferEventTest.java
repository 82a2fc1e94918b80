package io.jevent.bufferevent;

import io.jevent.conformance.ConformanceBackend;
import org.junit.jupiter.api.Nested;

/**
 * The BufferEvent suites on io_uring with engines that read without provided buffers ({@code [uring-await]}: wait for
 * readability, then read), the path an engine without buffer selection (IOCP's zero-byte receive) takes.
 */
@ConformanceBackend("uring-await")
class UringAwaitBufferEventTest {
    @Nested class Sockets extends SocketBufferEventConformance { }
    @Nested class Pairs extends PairConformance { }
    @Nested class FiltersOverSockets extends FilterConformance.OverSockets { }
    @Nested class FiltersOverPairs extends FilterConformance.OverPair { }
    @Nested class Listeners extends ListenerConformance { }
    @Nested class Options extends OptionsConformance { }
    @Nested class DescriptorReuse extends DescriptorReuseConformance { }
    @Nested class TimeoutMoves extends TimeoutMoveConformance { }
    @Nested class IdleTimeouts extends IdleTimeoutConformance { }
    @Nested class Deferred extends DeferredCallbacksConformance { }
    @Nested class TinyWrites extends TinyWritesConformance { }
    @Nested class Lifetime extends BevLifetimeConformance { }
    @Nested class HostilePeers extends HostilePeerConformance { }
    @Nested class ThreadingAttacks extends BevThreadingAttackConformance { }
    @Nested class Fairness extends FairnessConformance { }
    @Nested class DirectMemory extends DirectMemoryConformance { }
    @Nested class EngineMemory extends EngineMemoryConformance { }
    @Nested class FileSend extends FileSendConformance { }
    @Nested class ReadInto extends ReadIntoConformance { }
    @Nested class FileStreams extends FileStreamConformance { }
    @Nested class Multicore extends MulticoreConformance { }
    @Nested class MoveOrder extends MoveOrderConformance { }
    @Nested class ConnectHostname extends ConnectHostnameConformance { }
    @Nested class Futures extends FuturesConformance { }
    @Nested class ReconnectFutures extends ReconnectFuturesConformance { }
    @Nested class FuturesAbandon extends FuturesAbandonConformance { }
}
