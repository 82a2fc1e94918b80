"""A zlib peer for the jevent echo server (echo-server --zlib), using nothing but the standard library.

usage: python3 zlib_echo_client.py PORT TEXT_BYTES RANDOM_BYTES SEED
Sends TEXT_BYTES of repetitive log-like text and then RANDOM_BYTES of random.Random(SEED) bytes through one
zlib.compressobj() stream, sync-flushing (Z_SYNC_FLUSH) every 64 KiB piece, ends the stream (Z_FINISH) and
half-closes; meanwhile reads the server's zlib stream and inflates it. Prints "sent SHA256 LEN", "received SHA256
LEN" and "eof True|False" (whether the server's stream was properly ended); exits 1 if what came back differs.
"""
import hashlib
import random
import socket
import sys
import threading
import zlib


def payload(text_bytes, random_bytes, seed):
    line = b"2024-05-01T12:00:00Z INFO  request GET /api/v1/items?page=1 200 OK 12ms user=alice\n"
    text = (line * (text_bytes // len(line) + 1))[:text_bytes]
    return text + random.Random(seed).randbytes(random_bytes)


def main():
    port, text_bytes, random_bytes, seed = (int(a) for a in sys.argv[1:5])
    data = payload(text_bytes, random_bytes, seed)
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)

    def send():
        c = zlib.compressobj()
        view = memoryview(data)
        for off in range(0, len(data), 65536):
            sock.sendall(c.compress(view[off:off + 65536]) + c.flush(zlib.Z_SYNC_FLUSH))
        sock.sendall(c.flush(zlib.Z_FINISH))
        sock.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send)
    sender.start()
    d = zlib.decompressobj()
    received = bytearray()
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += d.decompress(chunk)
    received += d.flush()
    sender.join()
    sock.close()
    sent_hash = hashlib.sha256(data).hexdigest()
    got_hash = hashlib.sha256(received).hexdigest()
    print("sent", sent_hash, len(data))
    print("received", got_hash, len(received))
    print("eof", d.eof)
    sys.exit(0 if sent_hash == got_hash and d.eof else 1)


if __name__ == "__main__":
    main()
