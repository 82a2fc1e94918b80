package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.FileBufferEvent;

import java.net.URI;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A {@code file://} URL through a {@link FileBufferEvent}: the file is read on a helper thread and arrives on the loop
 * like a connection's bytes, so the fetcher treats it like any other transfer (Dillo's local files).
 */
final class FileGet extends Transfer {
    private FileBufferEvent bev;

    FileGet(EventBase base, URI uri, long maxBody, Consumer<Transfer> onDone) {
        super(base, uri, maxBody, onDone);
    }

    @Override
    void start() {
        Path path;
        try {
            path = Path.of(uri);
        } catch (IllegalArgumentException e) {
            finish(e);
            return;
        }
        bev = FileBufferEvent.open(base, path, BevOption.CLOSE_ON_FREE);
        bev.setCallbacks(b -> {
            body.addBuffer(b.input());
            bodyWithinLimit();
        }, null, (b, reasons, cause) -> {
            body.addBuffer(b.input());
            if (!bodyWithinLimit()) {
                return;
            }
            finish((reasons & BevEvent.EOF) != 0 ? null
                    : cause != null ? cause : new java.io.IOException(BevEvent.toString(reasons)));
        });
        bev.enable(Ev.READ);
    }

    @Override
    void release() {
        if (bev != null) {
            bev.close();
        }
    }
}
