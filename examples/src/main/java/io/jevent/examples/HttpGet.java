package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.buffer.EvBuffer;
import io.jevent.buffer.Eol;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.SocketBufferEvent;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * One HTTP/1.1 GET on its own connection ({@code Connection: close}: one request per connection, so transfers to one
 * host run in parallel and a slow document never holds up the next), on a {@link SocketBufferEvent}: the host name is
 * resolved off the loop by {@link SocketBufferEvent#connectHostname}, the request is written before the connect
 * completes, the status line and headers are read line by line from the input (interim 1xx responses skipped), then
 * the body:
 * <ul>
 * <li>with a Content-Length: into a buffer of exactly that size, preallocated, through
 * {@link BufferEvent#readInto} (straight from the socket on readiness backends);</li>
 * <li>{@code Transfer-Encoding: chunked}: decoded by {@link ChunkedDecoder} into an {@link EvBuffer};</li>
 * <li>otherwise: until the server closes.</li>
 * </ul>
 * A status other than 200, a malformed response (two different Content-Lengths, one that is not plain digits), a
 * body over {@code --max-body} (a Content-Length over it is refused before anything is allocated), a connection cut
 * before the body ends, a refused connect or no progress for the timeout ends the transfer with a failure naming it.
 */
final class HttpGet extends Transfer {
    /** Longest status line or header block accepted. */
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    private enum State { STATUS, HEADERS, FIXED, CHUNKED, UNTIL_EOF }

    private final Duration timeout;
    private SocketBufferEvent bev;
    private State state = State.STATUS;
    private int status;
    private String reason = "";
    private long contentLength = -1;
    private boolean chunked;
    private int headerBytes;
    private ChunkedDecoder decoder;

    HttpGet(EventBase base, URI uri, Duration timeout, long maxBody, Consumer<Transfer> onDone) {
        super(base, uri, maxBody, onDone);
        this.timeout = timeout;
    }

    @Override
    void start() {
        String host = uri.getHost();
        if (host == null) {
            finish(new IOException("no host in " + uri));
            return;
        }
        int port = uri.getPort() == -1 ? 80 : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        String hostHeader = (host.contains(":") ? "[" + host + "]" : host) + (uri.getPort() == -1 ? "" : ":" + port);
        bev = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        bev.setCallbacks(b -> onRead(), null, (b, reasons, cause) -> onEvent(reasons, cause));
        bev.setTimeouts(timeout, timeout);
        bev.output().add("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: jevent-fetch\r\n"
                + "Accept-Encoding: identity\r\nConnection: close\r\n\r\n", StandardCharsets.ISO_8859_1);
        bev.enable(Ev.READ);
        bev.connectHostname(host, port); // sent once connected
    }

    @Override
    void release() {
        if (bev != null) {
            bev.close();
        }
    }

    private void onRead() {
        EvBuffer in = bev.input();
        try {
            while (!ended() && (state == State.STATUS || state == State.HEADERS)) {
                String line = headerLine(in);
                if (line == null) {
                    return;
                }
                if (state == State.STATUS) {
                    parseStatus(line);
                    state = State.HEADERS;
                } else if (line.isEmpty()) {
                    headersDone(); // an interim 1xx response goes back to STATUS for the final one
                } else {
                    header(line);
                }
            }
            if (ended()) {
                return;
            }
            if (state == State.CHUNKED) {
                boolean done = decoder.decode(in, body);
                if (bodyWithinLimit() && done) {
                    finish(null);
                }
            } else if (state == State.UNTIL_EOF) {
                body.addBuffer(in);
                bodyWithinLimit();
            }
        } catch (IllegalArgumentException e) {
            finish(new IOException("malformed response from " + uri.getAuthority() + ": " + e.getMessage()));
        }
    }

    private String headerLine(EvBuffer in) {
        long before = in.length();
        String line = in.readLine(Eol.CRLF, StandardCharsets.ISO_8859_1);
        headerBytes += line == null ? 0 : (int) (before - in.length());
        if (headerBytes > MAX_HEADER_BYTES || (line == null && in.length() > MAX_HEADER_BYTES)) {
            throw new IllegalArgumentException("headers longer than " + MAX_HEADER_BYTES + " bytes");
        }
        return line;
    }

    private void parseStatus(String line) {
        String[] w = line.split(" ", 3);
        if (w.length < 2 || !w[0].startsWith("HTTP/1.") || w[1].length() != 3) {
            throw new IllegalArgumentException("expected a status line 'HTTP/1.x NNN reason', got '" + line + "'");
        }
        try {
            status = Integer.parseInt(w[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a 3-digit status, got '" + w[1] + "'");
        }
        reason = w.length > 2 ? w[2] : "";
    }

    private void header(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected 'Name: value', got '" + line + "'");
        }
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim();
        if (name.equals("content-length")) {
            // digits only (RFC 9112 section 6.3): no sign, no list; a second, different value is an error, not
            // a choice between the two framings
            if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("expected a Content-Length of decimal digits, got '" + value + "'");
            }
            long n = Long.parseLong(value);
            if (contentLength >= 0 && n != contentLength) {
                throw new IllegalArgumentException("two different Content-Length values, " + contentLength + " and "
                        + n);
            }
            contentLength = n;
        } else if (name.equals("transfer-encoding")) {
            // a list of codings (over one or more fields), applied in order: only chunked is decoded here, so any
            // other coding would pass its bytes off as the document (RFC 9112 section 6.1)
            for (String coding : value.split(",")) {
                int semi = coding.indexOf(';');
                String c = (semi >= 0 ? coding.substring(0, semi) : coding).trim().toLowerCase(Locale.ROOT);
                if (c.isEmpty() || c.equals("identity")) {
                    continue;
                }
                if (!c.equals("chunked") || chunked) {
                    throw new IllegalArgumentException("unsupported transfer coding '" + c + "' in '" + value
                            + "' (only chunked, once, is decoded)");
                }
                chunked = true;
            }
        }
    }

    private void headersDone() {
        if (status >= 100 && status < 200 && status != 101) {
            // an interim response (100 Continue, 103 Early Hints): a client must read past any number of them
            // (RFC 9110 section 15.2); its fields say nothing about the final response's body
            state = State.STATUS;
            contentLength = -1;
            chunked = false;
            return;
        }
        if (status != 200) {
            finish(new IOException("HTTP " + status + (reason.isEmpty() ? "" : " " + reason)));
            return;
        }
        if (chunked) { // wins over a Content-Length (RFC 9112 section 6.3)
            state = State.CHUNKED;
            decoder = new ChunkedDecoder();
        } else if (contentLength >= 0) {
            state = State.FIXED;
            if (contentLength > maxBody) { // checked before allocating: a hostile length never takes memory
                finish(new IOException("Content-Length " + contentLength + " is over the limit of " + maxBody
                        + " bytes (--max-body)"));
                return;
            }
            try {
                fixed = ByteBuffer.allocateDirect((int) contentLength);
            } catch (OutOfMemoryError e) { // the direct memory reserve is exhausted: this transfer fails, not all
                finish(new IOException("no direct memory for a body of " + contentLength + " bytes: "
                        + e.getMessage()));
                return;
            }
            if (contentLength == 0) {
                finish(null);
            } else {
                bev.readInto(fixed, this::filled); // may fill at once from the input, and end the transfer
            }
        } else {
            state = State.UNTIL_EOF;
        }
    }

    private void filled(BufferEvent b, ByteBuffer dst, int reasons, Throwable cause) {
        if (reasons == 0) {
            finish(null);
        } else {
            finish(new IOException("the connection ended (" + BevEvent.toString(reasons) + ") after " + dst.position()
                    + " of " + dst.capacity() + " body bytes", cause));
        }
    }

    private void onEvent(int reasons, Throwable cause) {
        if ((reasons & BevEvent.CONNECTED) != 0) {
            return;
        }
        if ((reasons & BevEvent.EOF) != 0 && state == State.UNTIL_EOF) {
            body.addBuffer(bev.input());
            if (bodyWithinLimit()) {
                finish(null);
            }
        } else if ((reasons & BevEvent.EOF) != 0) {
            finish(new IOException("the server closed the connection before the response ended (" + state + ")"));
        } else if ((reasons & BevEvent.TIMEOUT) != 0) {
            finish(new IOException("no progress for " + timeout.toSeconds() + " s"));
        } else {
            finish(cause != null ? cause : new IOException(BevEvent.toString(reasons)));
        }
    }
}
