# A hostile HTTP server for the fetch example's tests: each path answers in a way a client must survive. Prints
# "PORT n" once listening on 127.0.0.1. Paths:
#   /ok, /ok/ANY      200, Content-Length: 5, "hello"
#   /huge-length      200, Content-Length: 300000000, then nothing (the connection stays open)
#   /two-lengths      200, Content-Length: 5 and Content-Length: 10, then 10 bytes
#   /plus-length      200, Content-Length: +5, then 5 bytes
#   /endless-chunked  200, chunked, one chunk announced as 2^48 bytes, then 4 MB, then the connection stays open
#   /endless-eof      200 without a length (until EOF), 4 MB, then the connection stays open
#   /gzip-te          200, Transfer-Encoding: gzip, chunked (a coding the client did not ask for and cannot undo)
#   /early-hints      103 Early Hints (an interim response, RFC 9110 section 15.2), then 200 with "hello"
import socket
import socketserver
import sys
import time

HOLD = 30


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        data = b""
        while b"\r\n\r\n" not in data:
            got = s.recv(4096)
            if not got:
                return
            data += got
        path = data.split(b" ", 2)[1].decode("ascii")
        try:
            self.answer(s, path)
        except OSError:
            pass  # the client gave up: expected for the endless ones

    def answer(self, s, path):
        if path == "/ok" or path.startswith("/ok/"):
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        elif path == "/huge-length":
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 300000000\r\n\r\n")
            time.sleep(HOLD)
        elif path == "/two-lengths":
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 10\r\n\r\n0123456789")
        elif path == "/plus-length":
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello")
        elif path == "/endless-chunked":
            s.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000\r\n")
            self.stream(s)
        elif path == "/gzip-te":
            s.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        elif path == "/early-hints":
            s.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
            time.sleep(0.05)
            s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        elif path == "/endless-eof":
            s.sendall(b"HTTP/1.0 200 OK\r\n\r\n")
            self.stream(s)
        else:
            s.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        s.shutdown(socket.SHUT_WR)

    def stream(self, s):
        block = b"x" * 65536
        for _ in range(64):
            s.sendall(block)
        time.sleep(HOLD)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
