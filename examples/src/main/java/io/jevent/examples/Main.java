package io.jevent.examples;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Entry point of the examples jar: the first argument names the example. */
public final class Main {
    /** One runnable example. */
    interface Example {
        /** Runs it; returns the process exit status. */
        int run(String[] args) throws Exception;
    }

    private static final Map<String, String> HELP = new LinkedHashMap<>();
    private static final Map<String, Example> EXAMPLES = new LinkedHashMap<>();

    static {
        register("demo", "timers, a socket pair, a common timeout, a signal and a cross-thread task on the default"
                + " backend (--backend NAME to choose)", Demo::run);
        register("quickstart", "the README's low-level example: a socket pair, an EvBuffer, a cross-thread task",
                QuickStart::run);
        register("echo-server", EchoServer.HELP, EchoServer::run);
        register("relay", Relay.HELP, Relay::run);
        register("tls-client", TlsClient.HELP, TlsClient::run);
        register("fetch", Fetch.HELP, Fetch::run);
    }

    private Main() {
    }

    private static void register(String name, String help, Example e) {
        HELP.put(name, help);
        EXAMPLES.put(name, e);
    }

    /** Runs the example named by {@code args[0]}. */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            usage();
            System.exit(args.length == 0 ? 2 : 0);
            return;
        }
        Example e = EXAMPLES.get(args[0]);
        if (e == null) {
            System.err.println("unknown example '" + args[0] + "'");
            usage();
            System.exit(2);
            return;
        }
        System.exit(e.run(Arrays.copyOfRange(args, 1, args.length)));
    }

    private static void usage() {
        System.out.println("usage: java -jar jevent-examples.jar NAME [options]");
        for (Map.Entry<String, String> h : HELP.entrySet()) {
            System.out.printf("  %-12s %s%n", h.getKey(), h.getValue());
        }
    }
}
