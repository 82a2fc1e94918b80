package io.jevent.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry point of the examples jar: the first argument names the example, the rest are its options. Every example
 * answers {@code --help}, usage errors and unusable backends the same way ({@link Args}); an I/O failure that ends
 * one (a port in use) is one line on stderr and status 1.
 */
public final class Main {
    /** One runnable example. */
    interface Example {
        /** Runs it with its output on {@code out} and {@code err}; returns the process exit status. */
        int run(String[] args, PrintStream out, PrintStream err) throws IOException;
    }

    private static final Map<String, Usage> USAGES = new LinkedHashMap<>();
    private static final Map<String, Example> EXAMPLES = new LinkedHashMap<>();

    static {
        register(Demo.USAGE, Demo::run);
        register(QuickStart.USAGE, QuickStart::run);
        register(EchoServer.USAGE, EchoServer::run);
        register(Relay.USAGE, Relay::run);
        register(TlsClient.USAGE, TlsClient::run);
        register(Fetch.USAGE, (args, out, err) -> Fetch.run(args, out, err, System.console() != null));
    }

    private Main() {
    }

    private static void register(Usage usage, Example e) {
        USAGES.put(usage.name(), usage);
        EXAMPLES.put(usage.name(), e);
    }

    /**
     * Runs the example named by {@code args[0]} and exits with its status.
     *
     * @param args the example's name, then its options
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** {@link #main} with its streams given, returning the exit status instead of exiting. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            PrintStream to = args.length == 0 ? err : out;
            usage(to);
            return args.length == 0 ? 2 : 0;
        }
        Example e = EXAMPLES.get(args[0]);
        if (e == null) {
            err.println("unknown example '" + args[0] + "'");
            usage(err);
            return 2;
        }
        try {
            return e.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        } catch (IOException x) {
            err.println(args[0] + ": " + x.getMessage());
            return 1;
        }
    }

    private static void usage(PrintStream to) {
        to.println("usage: java -jar jevent-examples.jar NAME [options]   (NAME --help: the example's options)");
        for (Usage u : USAGES.values()) {
            to.printf("  %-12s %s%n", u.name(), u.summary());
        }
        to.flush();
    }
}
