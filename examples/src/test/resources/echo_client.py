"""Interop check for the jevent echo server, using nothing but the socket module.

usage: python3 echo_client.py PORT BYTES SEED
Sends BYTES deterministic pseudo-random bytes (random.Random(SEED)) from a sender thread while the main thread
reads the echo, then half-closes. Prints "sent SHA256" and "received SHA256"; exits 1 if they differ or the
lengths do not match, 0 otherwise.
"""
import hashlib
import random
import socket
import sys
import threading


def main():
    port, total, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(seed)
    data = bytes(rnd.getrandbits(8) for _ in range(total))
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)

    def send():
        view = memoryview(data)
        off = 0
        while off < total:  # uneven chunks, as a real client would send them
            n = min(total - off, rnd_send.randint(1, 65536))
            sock.sendall(view[off:off + n])
            off += n
        sock.shutdown(socket.SHUT_WR)

    rnd_send = random.Random(seed + 1)
    sender = threading.Thread(target=send)
    sender.start()
    received = bytearray()
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    sender.join()
    sock.close()
    sent_hash = hashlib.sha256(data).hexdigest()
    got_hash = hashlib.sha256(received).hexdigest()
    print("sent", sent_hash, total)
    print("received", got_hash, len(received))
    sys.exit(0 if sent_hash == got_hash and len(received) == total else 1)


if __name__ == "__main__":
    main()
