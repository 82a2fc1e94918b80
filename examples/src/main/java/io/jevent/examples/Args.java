package io.jevent.examples;

import io.jevent.BackendInfo;
import io.jevent.EventBase;
import io.jevent.EventConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An example's command line, and the behaviour every example shares: {@code --help} (or {@code -h}) anywhere prints
 * the {@link Usage} on stdout and ends with status 0; a usage error prints {@code NAME: what is wrong} and the usage
 * on stderr and ends with status 2; a backend that cannot run here is one line on stderr and status 2, without a
 * stack trace. An example runs through {@link #run}, which turns the {@link Exit} these throw into its status.
 */
final class Args {
    /** Ends a command with {@link #status} once what the user should read has been printed. */
    static final class Exit extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        Exit(int status) {
            super("exit " + status, null, false, false);
            this.status = status;
        }
    }

    /** An example's body: parses its options from {@code a}, runs, and returns the exit status. */
    @FunctionalInterface
    interface Command {
        int run(Args a) throws IOException;
    }

    private final Usage usage;
    private final String[] args;
    private int i;
    /** Where the example writes its results and {@code --help}. */
    final PrintStream out;
    /** Where the example writes errors and its progress notes. */
    final PrintStream err;

    private Args(Usage usage, String[] args, PrintStream out, PrintStream err) {
        this.usage = usage;
        this.args = args;
        this.out = out;
        this.err = err;
    }

    /** A cursor over bare values ({@code --connect}'s port), outside any command. */
    Args(String[] args) {
        this(null, args, System.out, System.err);
    }

    /**
     * Runs {@code command} on {@code argv}.
     *
     * @return the command's exit status, or the status of the {@link Exit} it threw
     */
    static int run(Usage usage, String[] argv, PrintStream out, PrintStream err, Command command) throws IOException {
        try {
            return command.run(new Args(usage, argv, out, err));
        } catch (Exit e) {
            return e.status;
        }
    }

    /** The next argument, or null at the end; {@code --help} or {@code -h} prints the usage and exits 0. */
    String next() {
        if (i >= args.length) {
            return null;
        }
        String a = args[i++];
        if (usage != null && (a.equals("--help") || a.equals("-h"))) {
            usage.print(out);
            throw new Exit(0);
        }
        return a;
    }

    /** The value of option {@code name}. */
    String value(String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i++];
    }

    /** An integer value of option {@code name} in {@code [min, max]}. */
    int intValue(String name, int min, int max) {
        String v = value(name);
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " expects a number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + " expects " + min + ".." + max + ", got " + n);
        }
        return n;
    }

    /** A {@code HOST:PORT} value; an IPv6 address is written in brackets ({@code [::1]:443}) and kept without them. */
    record HostPort(String host, int port) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** The {@code HOST:PORT} value of option {@code name}, the port in 1..65535. */
    HostPort hostPort(String name) {
        String v = value(name);
        int colon = v.lastIndexOf(':');
        String host = colon < 0 ? "" : v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            host = ""; // an IPv6 address without brackets: its port cannot be told apart
        }
        if (host.isEmpty() || colon == v.length() - 1) {
            throw new IllegalArgumentException(name + " expects HOST:PORT (an IPv6 address in brackets: [::1]:443),"
                    + " got '" + v + "'");
        }
        int port = new Args(new String[] {v.substring(colon + 1)}).intValue(name + " port", 1, 65535);
        return new HostPort(host, port);
    }

    /**
     * The {@code IP:PORT} value of option {@code name}: the host must be an IP address literal (a name server's
     * address cannot come from a name server); parsed without any lookup.
     */
    InetSocketAddress ipPort(String name) {
        HostPort hp = hostPort(name);
        String h = hp.host();
        if (!h.matches("\\d{1,3}(\\.\\d{1,3}){3}") && !(h.contains(":") && h.matches("[0-9A-Fa-f:.]+"))) {
            throw new IllegalArgumentException(name + " expects IP:PORT, an IP address and not a name, got '" + hp
                    + "'");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(h), hp.port()); // a literal: never a lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(name + " expects IP:PORT, got '" + hp + "' (" + e.getMessage() + ")");
        }
    }

    /**
     * Prints {@code NAME: message} and the usage on stderr.
     *
     * @return the {@link Exit} (status 2) for the caller to throw
     */
    Exit usageError(String message) {
        err.println(usage.name() + ": " + message);
        usage.print(err);
        return new Exit(2);
    }

    /** Prints {@code NAME: message} on stderr, one line; returns the {@link Exit} with {@code status} to throw. */
    Exit fail(int status, String message) {
        err.println(usage.name() + ": " + oneLine(message));
        err.flush();
        return new Exit(status);
    }

    /**
     * The value of {@code --backend}, checked at once: a backend that is unknown, not in this build, or cannot run
     * on this machine ends the command with one line saying which run here (status 2).
     */
    String backend(String option) {
        String name = value(option);
        checkBackend(name, "");
        return name;
    }

    /**
     * Checks the backend {@code -Djevent.backend} or {@code JEVENT_BACKEND} names, if any, as {@link #backend} does:
     * for an example that takes no {@code --backend} and creates its base with the default choice.
     */
    void checkDefaultBackend() {
        String name = System.getProperty(EventConfig.BACKEND_PROPERTY);
        String source = "-D" + EventConfig.BACKEND_PROPERTY;
        if (name == null || name.isBlank()) {
            name = System.getenv(EventConfig.JEVENT_BACKEND_ENV);
            source = EventConfig.JEVENT_BACKEND_ENV;
        }
        if (name != null && !name.isBlank()) {
            checkBackend(name.trim(), " (from " + source + ")");
        }
    }

    private void checkBackend(String name, String source) {
        List<String> runs = new ArrayList<>();
        BackendInfo named = null;
        for (BackendInfo b : EventBase.methods()) {
            if (b.available()) {
                runs.add(b.name());
            }
            if (b.name().equals(name)) {
                named = b;
            }
        }
        String what = "backend '" + name + "'" + source;
        String here = " (runs here: " + String.join(", ", runs) + ")";
        if (named == null) {
            boolean ours = List.of("epoll", "uring", "poll", "nio", "kqueue", "iocp").contains(name);
            throw fail(2, what + (ours ? " is not in this build" : " is unknown") + here);
        }
        if (!named.available()) {
            Throwable c = named.unavailabilityCause();
            throw fail(2, what + " cannot run here: " + (c == null ? "unavailable"
                    : c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName()) + here);
        }
    }

    /**
     * A config naming {@code backend} (checked by {@link #backend}), or the default choice when null, after checking
     * the backend the environment names ({@link #checkDefaultBackend}).
     */
    EventConfig config(String backend) {
        if (backend == null) {
            checkDefaultBackend();
        }
        EventConfig cfg = new EventConfig();
        return backend == null ? cfg : cfg.method(backend);
    }

    /**
     * A base on {@code backend} (null: the default choice); a backend that cannot be used (one named by
     * {@code JEVENT_BACKEND}, say) ends the command with one line (status 2).
     */
    EventBase base(String backend) {
        try {
            return EventBase.create(config(backend));
        } catch (IllegalArgumentException | IllegalStateException e) { // what the checks above cannot foresee
            throw fail(2, e.getMessage());
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    @Override
    public String toString() {
        return Arrays.toString(args);
    }
}
