package io.jevent.backend.iocp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Error names and the translation of a finished request's NTSTATUS: plain Java, run everywhere. */
class WinErrorsTest {
    @Test
    void shouldNameWinsockCodes() {
        assertEquals("WSAECONNRESET (10054)", WinErrors.describe(10054));
        assertEquals("WSAEWOULDBLOCK (10035)", WinErrors.describe(10035));
        assertEquals("ERROR_OPERATION_ABORTED (995)", WinErrors.describe(995));
        assertEquals("error 4242 (4242)", WinErrors.describe(4242));
        assertEquals("WSARecv: ECONNRESET (10054) WSAECONNRESET", WinErrors.exception("WSARecv", 10054).getMessage());
        assertEquals(10054, WinErrors.exception("WSARecv", 10054).errno());
    }

    @Test
    void shouldTurnStatusesIntoEngineResults() {
        assertEquals(512, WinErrors.result(0, 512));
        assertEquals(0, WinErrors.result(0, 0));
        assertEquals(-WinErrors.ECANCELED, WinErrors.result(WinErrors.STATUS_CANCELLED, 0));
        assertEquals(-10054, WinErrors.result(0xC000_020D, 0)); // STATUS_CONNECTION_RESET
        assertEquals(-10054, WinErrors.result(0xC000_013C, 0)); // STATUS_REMOTE_DISCONNECT
        assertEquals(-10061, WinErrors.result(0xC000_0236, 0)); // STATUS_CONNECTION_REFUSED
        assertEquals(-10053, WinErrors.result(0xC000_0241, 0)); // STATUS_CONNECTION_ABORTED
        assertEquals(-10060, WinErrors.result(0xC000_00B5, 0)); // STATUS_IO_TIMEOUT
        assertEquals(-10065, WinErrors.result(0xC000_023D, 0)); // STATUS_HOST_UNREACHABLE
        assertEquals(-10022, WinErrors.result(0xC0AB_CDEF, 0)); // unknown: WSAEINVAL, as msafd
        assertEquals(-1236, WinErrors.result(0xC007_04D4, 0)); // FACILITY_NTWIN32 wrapping ERROR_CONNECTION_ABORTED
        assertEquals(-WinErrors.ECANCELED, WinErrors.result(0xC007_03E3, 0)); // ...wrapping ERROR_OPERATION_ABORTED
    }

    @Test
    void shouldReportTheBytesARequestMovedBeforeItWasCancelled() {
        // a WSASend or WSARecv cancelled (CancelIoEx: the BufferEvent disabled reading, which cancels every request
        // of the handle) after moving bytes: those bytes were sent or received. Reported as -ECANCELED, the layer
        // above would send them again (duplicated on the wire) or lose them; POSIX reports a partial transfer too
        assertEquals(1000, WinErrors.result(WinErrors.STATUS_CANCELLED, 1000));
        assertEquals(7, WinErrors.result(0xC007_03E3, 7)); // FACILITY_NTWIN32 wrapping ERROR_OPERATION_ABORTED
        assertEquals(-WinErrors.ECANCELED, WinErrors.result(WinErrors.STATUS_CANCELLED, 0));
        assertEquals(-10054, WinErrors.result(0xC000_020D, 12)); // other failures stay failures
    }

    @Test
    void shouldNameWinsockBerkeleyCodesByTheirPosixNames() {
        // the conformance suite and the BufferEvent layer compare these names on every backend
        assertEquals("ECONNRESET", WinErrors.exception("recv", 10054).errnoName());
        assertEquals("ECONNREFUSED", WinErrors.exception("connect", 10061).errnoName());
        assertEquals("EWOULDBLOCK", WinErrors.posixName(10035));
        assertEquals("ECONNABORTED", WinErrors.posixName(10053));
        assertEquals("WSAEDISCON", WinErrors.posixName(10101)); // no Berkeley counterpart: kept
        assertEquals("ERROR_NOT_FOUND", WinErrors.posixName(1168));
        assertEquals("connect: ECONNREFUSED (10061) WSAECONNREFUSED",
                WinErrors.exception("connect", -WinErrors.result(0xC000_0236, 0)).getMessage());
    }

    @Test
    void shouldNameTheThreeSpiResultsAsPosixDoes() {
        // the BufferEvent layer tells a cancel and a closed handle apart by these names, on every engine
        assertEquals("ECANCELED", WinErrors.exception("recv", WinErrors.ECANCELED).errnoName());
        assertEquals("EBADF", WinErrors.exception("recv", WinErrors.EBADF).errnoName());
        assertEquals("ENOENT", WinErrors.exception("cancel", WinErrors.ENOENT).errnoName());
        assertEquals(WinErrors.ECANCELED, WinErrors.fromLastError(995));
        assertEquals(10054, WinErrors.receiveError(10053)); // a receive on an aborted connection: ECONNRESET, as POSIX
        assertEquals(10061, WinErrors.receiveError(10061));
        assertEquals(10054, WinErrors.fromLastError(10054));
    }
}
