package io.jevent.examples;

import io.jevent.EventConfig;

import java.util.Arrays;

/** A small cursor over an example's options, with errors that say what was expected. */
final class Args {
    private final String[] args;
    private int i;

    Args(String[] args) {
        this.args = args;
    }

    /** The next option name, or null at the end. */
    String next() {
        return i < args.length ? args[i++] : null;
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

    /** A config naming {@code backend}, or the default choice when null. */
    static EventConfig config(String backend) {
        EventConfig cfg = new EventConfig();
        return backend == null ? cfg : cfg.method(backend);
    }

    @Override
    public String toString() {
        return Arrays.toString(args);
    }
}
