#!/usr/bin/env python3
"""Real peers for the io.jevent.filter tests (python3 standard library only).

  peer.py compress FORMAT LEVEL      stdin -> stdout, FORMAT zlib|raw|gzip
  peer.py decompress FORMAT          stdin -> stdout
  peer.py rate-reader N WARMUP WINDOW
        listens on 127.0.0.1, prints "PORT <port>", accepts N connections and reads them all; counts the bytes
        each connection delivers between first_byte+WARMUP and first_byte+WARMUP+WINDOW seconds (or until
        every connection has closed), then closes and prints one JSON line {"window": s, "per": [bytes...], "total": bytes}
  peer.py tls-client HOST PORT CAFILE SNI|- ALPN|- NBYTES [--no-close-notify]
        connects with TLS, sends NBYTES deterministic bytes, reads the echo, prints JSON (crc, version, alpn)
  peer.py tls-server CERT KEY [--strict-eof]
        prints "PORT <port>", accepts one TLS connection, echoes until EOF/close_notify, unwraps cleanly, prints
        JSON {"echoed": n} or {"error": ..., "echoed": n}; with --strict-eof an EOF without close_notify is an
        error (suppress_ragged_eofs=False) instead of a quiet end
"""
import gzip, json, selectors, socket, ssl, sys, time, zlib


def wbits(fmt):
    return {"zlib": 15, "raw": -15, "gzip": 31}[fmt]


def compress(fmt, level):
    data = sys.stdin.buffer.read()
    if fmt == "gzip":
        out = gzip.compress(data, compresslevel=level)
    else:
        c = zlib.compressobj(level, zlib.DEFLATED, wbits(fmt))
        out = c.compress(data) + c.flush()
    sys.stdout.buffer.write(out)


def decompress(fmt):
    data = sys.stdin.buffer.read()
    if fmt == "gzip":
        out = gzip.decompress(data)  # checks CRC-32 and ISIZE of every member
    else:
        d = zlib.decompressobj(wbits(fmt))
        out = d.decompress(data) + d.flush()
        if not d.eof:
            sys.exit("stream not finished")
        if d.unused_data:
            sys.exit("unused data after stream: %d bytes" % len(d.unused_data))
    sys.stdout.buffer.write(out)


def rate_reader(n, warmup, window):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(n)
    print("PORT", srv.getsockname()[1], flush=True)
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(n):
        c, _ = srv.accept()
        c.setblocking(False)
        conns.append(c)
        sel.register(c, selectors.EVENT_READ, i)
    per = [0] * n
    t0 = None
    end = None
    while sel.get_map():
        now = time.monotonic()
        if end is not None and now >= end:
            break
        timeout = None if end is None else max(0.0, end - now)
        for key, _ in sel.select(timeout):
            try:
                b = key.fileobj.recv(1 << 20)
            except BlockingIOError:
                continue
            now = time.monotonic()
            if not b:
                sel.unregister(key.fileobj)
                continue
            if t0 is None:
                t0 = now
                end = t0 + warmup + window
            if t0 + warmup <= now < end:
                per[key.data] += len(b)
    for c in conns:
        c.close()
    print(json.dumps({"window": window, "per": per, "total": sum(per)}), flush=True)


def pattern(n):
    import random
    return random.Random(12345).randbytes(n)


def tls_client(host, port, cafile, sni, alpn, nbytes, dirty):
    ctx = ssl.create_default_context(cafile=cafile)
    if alpn != "-":
        ctx.set_alpn_protocols(alpn.split(","))
    raw = socket.create_connection((host, port))
    s = ctx.wrap_socket(raw, server_hostname=None if sni == "-" else sni)
    data = pattern(nbytes)
    got = bytearray()
    # One thread sends and reads the echo (reading while still sending, or both sides' buffers fill up). Never a
    # reader thread beside a sending one: OpenSSL's SSL object is not safe to use from two threads at once (a
    # TLS 1.3 ticket or key update read by one thread while the other writes ends in "[SSL] internal error", and
    # the surviving thread then keeps the process, and the connection, alive).
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ)
    sent = 0
    deadline = time.time() + 60
    while len(got) < nbytes and time.time() < deadline:
        progress = False
        if sent < nbytes:
            try:
                n = s.send(data[sent:sent + (1 << 16)])
                sent += n
                progress = n > 0
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
        try:
            b = s.recv(1 << 16)
            if not b:
                break
            got.extend(b)
            progress = True
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        if not progress:
            sel.modify(s, selectors.EVENT_READ | (selectors.EVENT_WRITE if sent < nbytes else 0))
            sel.select(1.0)
    sel.close()
    s.setblocking(True)
    res = {"crc": zlib.crc32(bytes(got)), "sent_crc": zlib.crc32(data), "len": len(got),
           "version": s.version(), "alpn": s.selected_alpn_protocol()}
    if dirty:
        # FIN without close_notify: SSLSocket.shutdown drops the TLS layer and shuts the socket down at once
        # (raw is detached by wrap_socket, so closing it would do nothing until the process exits)
        s.shutdown(socket.SHUT_RDWR)
        s.close()
    else:
        s.unwrap()
        s.close()
    print(json.dumps(res), flush=True)


def tls_server(cert, key, strict_eof):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    print("PORT", srv.getsockname()[1], flush=True)
    c, _ = srv.accept()
    s = ctx.wrap_socket(c, server_side=True, suppress_ragged_eofs=not strict_eof)
    n = 0
    while True:
        try:
            b = s.recv(1 << 16)
        except ssl.SSLError as e:
            print(json.dumps({"error": str(e), "echoed": n}), flush=True)
            return
        if not b:
            break
        s.sendall(b)
        n += len(b)
    try:
        s.unwrap()
    except (ssl.SSLError, OSError):
        pass
    print(json.dumps({"echoed": n}), flush=True)


def main(a):
    cmd = a[0]
    if cmd == "compress":
        compress(a[1], int(a[2]))
    elif cmd == "decompress":
        decompress(a[1])
    elif cmd == "rate-reader":
        rate_reader(int(a[1]), float(a[2]), float(a[3]))
    elif cmd == "tls-client":
        tls_client(a[1], int(a[2]), a[3], a[4], a[5], int(a[6]), "--no-close-notify" in a)
    elif cmd == "tls-server":
        tls_server(a[1], a[2], "--strict-eof" in a)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
