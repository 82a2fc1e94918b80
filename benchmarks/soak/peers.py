#!/usr/bin/env python3
"""Hostile and honest peers for benchmarks/soak.sh (Python 3 standard library only; loopback only).

Every peer is bounded in count and in time, and prints one JSON object (its result) as its last line of output.
Peers that send data verify every byte that comes back against what they sent: the data of connection k is a
random block (seeded by k) repeated, so a byte from another connection, a duplicated or a skipped range all show
as a mismatch. "lost" is what was sent and did not come back intact (after the first mismatch nothing counts).

  peers.py tiny-writer   --port P --conns N --seconds S   1-byte writes, never reading, for S s; then read it all back
  peers.py tls-echo      --port P --conns N --seconds S --ca CERT [--chunk 65536]
  peers.py zlib-bomb     --port P --conns N --seconds S   a zlib stream of zeros, never reading
  peers.py zlib-echo     --port P --seconds S             repetitive text + random bytes through zlib, checked
  peers.py rst-storm     --port P --total N [--concurrency C] [--ca CERT]   connections cut by SO_LINGER 0 closes
  peers.py canary        --port P --seconds S             one checked echo connection, 4 KiB at a time
  peers.py idle          --port P --conns N               N silent connections; on stdin "verify", then "close"
  peers.py half-open     --port P --silent N --trickle M --ca CERT --limit S   TLS handshakes that never finish
  peers.py upstream-echo --port P                         a plain echo server (the relay's upstream), until killed
  peers.py probe         --port P [--ca CERT] [--zlib]    one short checked echo: is the server still serving?
"""
import argparse
import errno
import json
import os
import random
import select
import socket
import ssl
import struct
import sys
import threading
import time
import zlib

HOST = "127.0.0.1"
BLOCK = 65521  # prime: a shifted or repeated range never lines up with the pattern by accident


def out(result):
    print(json.dumps(result), flush=True)


class Pattern:
    """The bytes connection `seed` sends: a random block repeated; checks what comes back."""

    def __init__(self, seed):
        b = random.Random(seed).randbytes(BLOCK)
        self.twice = b + b
        self.sent = 0
        self.verified = 0
        self.mismatch = None  # offset of the first byte that came back wrong

    def chunk(self, n):
        res = bytearray()
        while n > 0:
            o = self.sent % BLOCK
            k = min(n, BLOCK)
            res += self.twice[o:o + k]
            self.sent += k
            n -= k
        return bytes(res)

    def check(self, data):
        if self.mismatch is not None:
            return
        i = 0
        while i < len(data):
            o = self.verified % BLOCK
            k = min(len(data) - i, BLOCK)
            want = self.twice[o:o + k]
            got = data[i:i + k]
            if got != want:
                j = next(x for x in range(len(got)) if x >= len(want) or got[x] != want[x])
                self.mismatch = self.verified + j
                self.verified += j
                return
            self.verified += k
            i += k

    def lost(self):
        return self.sent - self.verified


def connect(port, timeout=10.0, nodelay=True):
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            s.connect((HOST, port))
            if nodelay:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return s
        except (ConnectionRefusedError, socket.timeout):
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def reset(s):
    """Closes with SO_LINGER {1, 0}: the kernel sends RST, not FIN."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


def drain_and_check(conns, limit):
    """Half-closes every connection, then reads until EOF (at most `limit` s in all), checking the echo."""
    errors = []
    for s, p in conns:
        try:
            s.setblocking(True)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            errors.append("shutdown: %s" % e)
    open_ = {s.fileno(): (s, p) for s, p in conns}
    deadline = time.monotonic() + limit
    while open_ and time.monotonic() < deadline:
        r, _, _ = select.select(list(open_), [], [], 0.5)
        for fd in r:
            s, p = open_[fd]
            try:
                data = s.recv(1 << 16)
            except OSError as e:
                errors.append("recv: %s" % e)
                data = b""
            if data:
                p.check(data)
            else:
                del open_[fd]
                s.close()
    if open_:
        errors.append("%d connection(s) still open after %.0f s of draining" % (len(open_), limit))
        for s, _ in open_.values():
            s.close()
    return errors


def summary(name, pats, errors, **extra):
    res = {"peer": name, "conns": len(pats), "sent": sum(p.sent for p in pats),
           "verified": sum(p.verified for p in pats), "lost": sum(p.lost() for p in pats),
           "mismatches": sum(1 for p in pats if p.mismatch is not None), "errors": errors[:5]}
    res.update(extra)
    return res


# ------------------------------------------------------------------------------------------------ tiny writer

def tiny_writer(a):
    """`conns` connections write 1 byte per send() and never read. With 16 KiB socket buffers and a peer that does
    not read, the kernel sometimes lets such a flow collapse on its own (the echo's tiny segments overflow the
    peer's receive queue, and retransmission back-off sets in): a connection that has not sent a byte for a
    second is left open as it is and a fresh one takes its place, up to 4 x `conns` in all."""
    conns = []

    errors = []

    def open_one(timeout):
        # Nagle stays on: unbuffered 1-byte segments overflow the server's receive queue in the kernel (drops,
        # back-off) before the server sees them; with Nagle every write is still one syscall and the server reads
        # whatever few bytes have arrived each time
        try:
            s = connect(a.port, timeout=timeout, nodelay=False)
        except OSError as e:
            errors.append("connect: %s" % e)
            return False
        s.setblocking(False)
        conns.append([s, Pattern(1000 + len(conns)), time.monotonic()])
        return True

    for _ in range(a.conns):
        open_one(10)
    dead = set()
    end = time.monotonic() + a.seconds
    writes = 0
    blocked = 0
    while time.monotonic() < end and len(dead) < len(conns):
        progress = False
        now = time.monotonic()
        active = [i for i in range(len(conns)) if i not in dead and now - conns[i][2] < 1.0]
        while len(active) < a.conns and len(conns) < 4 * a.conns and len(errors) == 0:
            if open_one(1):
                active.append(len(conns) - 1)
        for i in active:
            s, p, _ = conns[i]
            for _ in range(64):
                b = p.twice[p.sent % BLOCK:p.sent % BLOCK + 1]
                try:
                    if s.send(b) == 1:
                        p.sent += 1
                        writes += 1
                        progress = True
                        conns[i][2] = now
                except BlockingIOError:
                    break
                except OSError as e:
                    errors.append("send on connection %d after %d bytes: %s" % (i, p.sent, e))
                    dead.add(i)
                    break
        if not progress:
            blocked += 1
            select.select([], [conns[i][0] for i in active if i not in dead] or [], [], 0.05)
    errors += drain_and_check([(c[0], c[1]) for i, c in enumerate(conns) if i not in dead], a.drain)
    for i in dead:
        conns[i][0].close()
    out(summary("tiny-writer", [c[1] for c in conns], errors, writes=writes, blocked_rounds=blocked,
                cut_by_server=len(dead), replaced=len(conns) - a.conns))


# ---------------------------------------------------------------------------------------------------- TLS echo

def tls_context(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = False
    return ctx


def tls_echo(a):
    ctx = tls_context(a.ca)
    pats = [Pattern(2000 + k) for k in range(a.conns)]
    errors = []
    end = time.monotonic() + a.seconds

    def run(p):
        try:
            raw = connect(a.port)
            raw.settimeout(60)
            s = ctx.wrap_socket(raw, server_hostname="localhost")
            buf = bytearray(1 << 16)
            while time.monotonic() < end:
                s.sendall(p.chunk(a.chunk))
                while p.sent - p.verified > a.window:
                    n = s.recv_into(buf)
                    if n == 0:
                        raise ConnectionError("EOF with %d bytes unechoed" % (p.sent - p.verified))
                    p.check(bytes(buf[:n]))
                    if p.mismatch is not None:
                        raise ValueError("byte %d came back wrong" % p.mismatch)
            while p.verified < p.sent:
                n = s.recv_into(buf)
                if n == 0:
                    raise ConnectionError("EOF with %d bytes unechoed" % (p.sent - p.verified))
                p.check(bytes(buf[:n]))
                if p.mismatch is not None:
                    raise ValueError("byte %d came back wrong" % p.mismatch)
            s = s.unwrap()  # our close_notify; the server's comes back
            s.close()
        except Exception as e:  # noqa: BLE001 - every failure is a result here
            errors.append("%s: %s" % (type(e).__name__, e))

    threads = [threading.Thread(target=run, args=(p,)) for p in pats]
    for t in threads:
        t.start()
    for t in threads:
        t.join(a.seconds + 120)
    if any(t.is_alive() for t in threads):
        errors.append("a connection hung")
        out(summary("tls-echo", pats, errors))
        os._exit(0)
    out(summary("tls-echo", pats, errors))


# ------------------------------------------------------------------------------------------------------- zlib

def zlib_bomb(a):
    """Zeros, deflated (about 1000:1), sync-flushed every MiB, never reading what comes back."""
    errors = []
    res = []
    end = time.monotonic() + a.seconds

    def run(k):
        comp = zlib.compressobj(9)
        zeros = bytes(1 << 20)
        plain = wire = 0
        closed = None
        try:
            s = connect(a.port)
            s.settimeout(0.5)
            pending = b""
            while time.monotonic() < end:
                if not pending:
                    pending = comp.compress(zeros) + comp.flush(zlib.Z_SYNC_FLUSH)
                    plain += len(zeros)
                try:
                    n = s.send(pending)
                    wire += n
                    pending = pending[n:]
                except socket.timeout:
                    continue  # the server stopped reading: keep offering until time is up
            reset(s)
        except OSError as e:
            closed = "%s after %d bytes (%d inflated)" % (e, wire, plain)
        res.append({"plain_offered": plain, "wire": wire, "closed_by_server": closed})

    threads = [threading.Thread(target=run, args=(k,)) for k in range(a.conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(a.seconds + 30)
    out({"peer": "zlib-bomb", "conns": a.conns, "sent": 0, "verified": 0, "lost": 0, "mismatches": 0,
         "errors": errors, "bombs": res,
         "cut_by_server": sum(1 for r in res if r["closed_by_server"])})


def common_prefix(a, b):
    """Length of the longest common prefix of a and b."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i:i + 4096] == b[i:i + 4096]:
        i += 4096
    while i < n and a[i] == b[i]:
        i += 1
    return min(i, n)


def zlib_stream_data(seed):
    """The stream of the issue: 2.2 MB of repetitive log-like text, then 100 KB of random bytes."""
    line = b"2026-01-01T00:00:00Z INFO request served path=/index.html status=200 bytes=5120\n"
    text = line * (2_200_000 // len(line))
    return text + random.Random(seed).randbytes(100_000)


def zlib_echo(a):
    """Whole streams, one connection each, until time is up: every byte must come back through zlib."""
    errors = []
    sent = verified = 0
    streams = failures = 0
    end = time.monotonic() + a.seconds
    while time.monotonic() < end and failures < 2:  # a server that rejects every stream is told twice, not 1000 times
        data = zlib_stream_data(streams)
        comp = zlib.compressobj()
        dec = zlib.decompressobj()
        got = bytearray()
        try:
            s = connect(a.port)
            s.settimeout(60)
            done = threading.Event()

            def reader():
                try:
                    while True:
                        b = s.recv(1 << 16)
                        if not b:
                            break
                        got.extend(dec.decompress(b))
                except Exception as e:  # noqa: BLE001
                    errors.append("recv: %s: %s" % (type(e).__name__, e))
                done.set()

            t = threading.Thread(target=reader)
            t.start()
            for i in range(0, len(data), 64 << 10):
                s.sendall(comp.compress(data[i:i + (64 << 10)]) + comp.flush(zlib.Z_SYNC_FLUSH))
            s.sendall(comp.flush(zlib.Z_FINISH))
            s.shutdown(socket.SHUT_WR)
            t.join(60)
            if t.is_alive():
                errors.append("stream %d: no end of stream within 60 s" % streams)
            s.close()
        except Exception as e:  # noqa: BLE001
            errors.append("stream %d: %s: %s" % (streams, type(e).__name__, e))
        sent += len(data)
        ok = common_prefix(got, data)
        if len(got) > len(data):
            errors.append("stream %d: %d bytes more than sent came back" % (streams, len(got) - len(data)))
        elif len(got) < len(data):
            errors.append("stream %d: %d of %d bytes came back" % (streams, len(got), len(data)))
        if ok < len(data) or len(got) != len(data):
            failures += 1
        verified += ok
        streams += 1
    out({"peer": "zlib-echo", "conns": streams, "sent": sent, "verified": verified, "lost": sent - verified,
         "mismatches": 0, "errors": errors[:5], "streams_intact": streams - failures})


# ------------------------------------------------------------------------------------------------- RST storm

def client_hello(ctx):
    """The bytes of a real ClientHello, made without a socket."""
    inc, outg = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, outg, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outg.read()


def rst_storm(a):
    """`total` connections, `concurrency` at a time, each cut by a reset at a random stage: right after the
    connect, after sending up to 64 KiB (with TLS: a ClientHello), or after reading part of the answer."""
    rnd = random.Random(7)
    hello = client_hello(tls_context(a.ca)) if a.ca else None
    started = done = errors = 0
    stages = [0, 0, 0]
    live = {}  # fd -> [sock, stage, payload, deadline]
    sel_r, sel_w = set(), set()
    end = time.monotonic() + a.limit
    while (started < a.total or live) and time.monotonic() < end:
        while started < a.total and len(live) < a.concurrency:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((HOST, a.port))
            if err not in (0, errno.EINPROGRESS):
                errors += 1
                s.close()
                started += 1
                continue
            stage = rnd.randrange(3)
            stages[stage] += 1
            payload = hello if hello is not None else bytes(rnd.randrange(1, 64 << 10))
            live[s.fileno()] = [s, stage, payload, time.monotonic() + 5]
            sel_w.add(s.fileno())
            started += 1
        r, w, _ = select.select(list(sel_r), list(sel_w), [], 0.05)
        now = time.monotonic()
        for fd in w:
            s, stage, payload, _ = live[fd]
            if stage == 0:
                sel_w.discard(fd)
                reset(s)
                del live[fd]
                done += 1
                continue
            try:
                n = s.send(payload)
                live[fd][2] = payload[n:]
            except OSError:
                sel_w.discard(fd)
                reset(s)
                del live[fd]
                done += 1
                continue
            if not live[fd][2]:
                sel_w.discard(fd)
                if stage == 1:
                    reset(s)
                    del live[fd]
                    done += 1
                else:
                    sel_r.add(fd)
        for fd in r:
            if fd not in live:
                continue
            s = live[fd][0]
            try:
                s.recv(1 << 12)
            except OSError:
                pass
            sel_r.discard(fd)
            reset(s)
            del live[fd]
            done += 1
        for fd in [fd for fd, v in live.items() if v[3] < now]:  # no answer within 5 s: cut it anyway
            sel_r.discard(fd)
            sel_w.discard(fd)
            reset(live.pop(fd)[0])
            done += 1
    for v in live.values():
        reset(v[0])
    out({"peer": "rst-storm", "conns": started, "sent": 0, "verified": 0, "lost": 0, "mismatches": 0,
         "errors": ["%d connect(s) failed at once" % errors] if errors else [],
         "reset_after_connect": stages[0], "reset_after_send": stages[1], "reset_after_reply": stages[2],
         "unfinished": a.total - done})


# ----------------------------------------------------------------------------------------- canary and probe

def echo_checked(s, p, n_bytes, chunk, until=None):
    buf = bytearray(1 << 16)
    while (until is None and p.sent < n_bytes) or (until is not None and time.monotonic() < until):
        s.sendall(p.chunk(chunk))
        while p.verified < p.sent:
            n = s.recv_into(buf)
            if n == 0:
                raise ConnectionError("EOF with %d bytes unechoed" % (p.sent - p.verified))
            p.check(bytes(buf[:n]))
            if p.mismatch is not None:
                raise ValueError("byte %d came back wrong" % p.mismatch)


def canary(a):
    p = Pattern(3000)
    errors = []
    try:
        s = connect(a.port)
        s.settimeout(30)
        echo_checked(s, p, 0, 4096, until=time.monotonic() + a.seconds)
        s.close()
    except Exception as e:  # noqa: BLE001
        errors.append("%s: %s" % (type(e).__name__, e))
    out(summary("canary", [p], errors))


def probe(a):
    p = Pattern(4000)
    errors = []
    t0 = time.monotonic()
    try:
        s = connect(a.port, timeout=a.timeout)
        s.settimeout(a.timeout)
        if a.ca:
            s = tls_context(a.ca).wrap_socket(s, server_hostname="localhost")
        if a.zlib:
            comp, dec = zlib.compressobj(), zlib.decompressobj()
            data = p.chunk(1024)
            s.sendall(comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH))
            got = b""
            while len(got) < len(data):
                b = s.recv(1 << 12)
                if not b:
                    raise ConnectionError("EOF")
                got += dec.decompress(b)
            p.check(got)
        else:
            echo_checked(s, p, 1024, 1024)
        s.close()
    except Exception as e:  # noqa: BLE001
        errors.append("%s: %s" % (type(e).__name__, e))
    out(summary("probe", [p], errors, ok=not errors and p.lost() == 0, seconds=round(time.monotonic() - t0, 3)))


# ------------------------------------------------------------------------------------------------------ idle

def idle(a):
    """Opens `conns` connections (at most 256 connects in flight), says "connected N" and waits; on a stdin line
    "verify" sends 16 bytes on each and checks the echo; on "close" (or EOF) closes them all."""
    socks = []
    pending = {}
    errors = []
    deadline = time.monotonic() + a.limit
    opened = 0
    while (opened < a.conns or pending) and time.monotonic() < deadline:
        while opened < a.conns and len(pending) < 256:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            err = s.connect_ex((HOST, a.port))
            opened += 1
            if err not in (0, errno.EINPROGRESS):
                errors.append("connect: %s" % os.strerror(err))
                s.close()
                continue
            pending[s.fileno()] = s
        pl = select.poll()  # not select(): descriptors above FD_SETSIZE (1024)
        for fd in pending:
            pl.register(fd, select.POLLOUT)
        for fd, _ in pl.poll(100):
            s = pending.pop(fd)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                errors.append("connect: %s" % os.strerror(err))
                s.close()
            else:
                socks.append(s)
    for s in pending.values():
        s.close()
    print("connected %d" % len(socks), flush=True)
    pats = []
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "verify":
            pats = [Pattern(5000 + k) for k in range(len(socks))]
            waiting = {}
            for s, p in zip(socks, pats):
                try:
                    s.send(p.chunk(16))
                    waiting[s.fileno()] = (s, p)
                except OSError as e:
                    errors.append("send: %s" % e)
            end = time.monotonic() + 60
            while waiting and time.monotonic() < end:
                pl = select.poll()  # not select(): descriptors above FD_SETSIZE (1024)
                for fd in waiting:
                    pl.register(fd, select.POLLIN)
                for fd, ev in pl.poll(500):
                    s, p = waiting[fd]
                    try:
                        d = s.recv(64)
                    except OSError as e:
                        errors.append("recv: %s" % e)
                        d = b""
                    if d:
                        p.check(d)
                    if not d or p.verified >= p.sent or p.mismatch is not None:
                        del waiting[fd]
            if waiting:
                errors.append("%d connection(s) got no echo within 60 s" % len(waiting))
            print(json.dumps(summary("idle", pats, errors[:5])), flush=True)
        elif cmd == "close":
            break
    for s in socks:
        s.close()
    if not pats:
        out(summary("idle", [], errors, connected=len(socks)))


# ------------------------------------------------------------------------------------------------ half-open

def half_open(a):
    """TLS handshakes that never finish: `silent` connections that send nothing, `trickle` ones that send a
    ClientHello one byte every 250 ms. Records when the server cut each one, for at most `limit` s."""
    hello = client_hello(tls_context(a.ca))
    conns = []
    t0 = time.monotonic()
    for k in range(a.silent + a.trickle):
        s = connect(a.port)
        s.setblocking(False)
        conns.append({"s": s, "trickle": k >= a.silent, "sent": 0, "closed": None, "t0": time.monotonic()})
    open_ = {c["s"].fileno(): c for c in conns}
    next_byte = time.monotonic()
    while open_ and time.monotonic() - t0 < a.limit:
        pl = select.poll()
        for fd in open_:
            pl.register(fd, select.POLLIN)
        for fd, ev in pl.poll(100):
            c = open_.get(fd)
            if c is None:
                continue
            try:
                d = c["s"].recv(1 << 12)
            except BlockingIOError:
                continue
            except OSError:
                d = b""
            if not d:
                c["closed"] = time.monotonic() - c["t0"]
                c["s"].close()
                del open_[fd]
        if time.monotonic() >= next_byte:
            next_byte += 0.25
            for c in list(open_.values()):
                if c["trickle"] and c["sent"] < len(hello):
                    try:
                        c["s"].send(hello[c["sent"]:c["sent"] + 1])
                        c["sent"] += 1
                    except OSError:
                        pass
    for c in open_.values():
        c["s"].close()
    closed = sorted(c["closed"] for c in conns if c["closed"] is not None)
    out({"peer": "half-open", "conns": len(conns), "sent": 0, "verified": 0, "lost": 0, "mismatches": 0,
         "errors": [] if not open_ else ["%d connection(s) still open after %.0f s" % (len(open_), a.limit)],
         "cut_by_server": len(closed), "still_open": len(open_),
         "cut_after_s": {"min": closed[0] if closed else None, "median": closed[len(closed) // 2] if closed else None,
                         "max": closed[-1] if closed else None}})


# ---------------------------------------------------------------------------------------------- upstream echo

def upstream_echo(a):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, a.port))
    srv.listen(1024)

    def serve(c):
        try:
            while True:
                d = c.recv(1 << 16)
                if not d:
                    c.shutdown(socket.SHUT_WR)
                    break
                c.sendall(d)
        except OSError:
            pass
        c.close()

    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("peer")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--conns", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--drain", type=float, default=120, help="tiny-writer: at most this long to read the echo back")
    ap.add_argument("--ca")
    ap.add_argument("--chunk", type=int, default=64 << 10)
    ap.add_argument("--window", type=int, default=256 << 10)
    ap.add_argument("--total", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--limit", type=float, default=120)
    ap.add_argument("--silent", type=int, default=0)
    ap.add_argument("--trickle", type=int, default=0)
    ap.add_argument("--zlib", action="store_true")
    ap.add_argument("--timeout", type=float, default=10)
    a = ap.parse_args()
    peers = {"tiny-writer": tiny_writer, "tls-echo": tls_echo, "zlib-bomb": zlib_bomb, "zlib-echo": zlib_echo,
             "rst-storm": rst_storm, "canary": canary, "probe": probe, "idle": idle, "half-open": half_open,
             "upstream-echo": upstream_echo}
    if a.peer not in peers:
        ap.error("unknown peer %s" % a.peer)
    peers[a.peer](a)


if __name__ == "__main__":
    main()
