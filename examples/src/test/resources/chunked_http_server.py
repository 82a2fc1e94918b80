# An HTTP/1.1 server for the fetch example's tests: serves the files of a directory, and under /chunked/NAME the same
# file in the chunked transfer format, in chunks of varying sizes (1 byte to 64 KiB), with a chunk extension and a
# trailer field. Prints "PORT n" once listening on 127.0.0.1.
# (No "coding" followed by a colon in the first two lines: python would take it for a source encoding declaration.)
import http.server
import os
import sys

root = sys.argv[1]


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=root, **kwargs)

    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.startswith("/chunked/"):
            return super().do_GET()
        name = os.path.basename(self.path[len("/chunked/"):])
        try:
            with open(os.path.join(root, name), "rb") as f:
                data = f.read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        i, n = 0, 1
        while i < len(data):
            c = data[i:i + n]
            ext = b";name=value" if n % 2 else b""
            self.wfile.write(b"%x%s\r\n%s\r\n" % (len(c), ext, c))
            i += len(c)
            n = (n * 7) % 65536 + 1
        self.wfile.write(b"0\r\nX-Trailer: yes\r\n\r\n")
        self.wfile.flush()
        self.close_connection = True


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
