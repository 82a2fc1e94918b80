package io.jevent.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What one example says about itself: a one-line summary for {@code --help} of the jar, and the usage its own
 * {@code --help} prints (synopsis, what it does, every option with its default, the exit statuses), the same shape
 * for every example. Built once per example as a constant.
 */
final class Usage {
    /** Width the text is wrapped at. */
    private static final int WIDTH = 110;
    /** Column the options' descriptions start at. */
    private static final int TEXT_COLUMN = 26;

    private final String name;
    private final String synopsis;
    private final String summary;
    private final List<String> paragraphs = new ArrayList<>();
    private final List<String[]> options = new ArrayList<>();

    /**
     * @param name the example's name on the command line
     * @param synopsis its arguments, as in {@code usage: NAME SYNOPSIS}
     * @param summary one line for the jar's list of examples
     */
    Usage(String name, String synopsis, String summary) {
        this.name = name;
        this.synopsis = synopsis;
        this.summary = summary;
    }

    /** Adds a paragraph saying what the example does (printed before the options). */
    Usage describe(String paragraph) {
        paragraphs.add(paragraph);
        return this;
    }

    /** Adds an option: {@code flag} as typed ({@code --port N}), {@code text} what it does and its default. */
    Usage option(String flag, String text) {
        options.add(new String[] {flag, text});
        return this;
    }

    /** Adds the {@code --backend NAME} option every example with a loop of its own takes. */
    Usage backendOption() {
        return option("--backend NAME", "the loop's backend: epoll, uring, poll or nio (default: JEVENT_BACKEND or"
                + " -Djevent.backend if set, else the best this machine has)");
    }

    String name() {
        return name;
    }

    String summary() {
        return summary;
    }

    /** Prints the usage to {@code to}: stdout for {@code --help}, stderr after a usage error. */
    void print(PrintStream to) {
        to.println("usage: " + name + (synopsis.isEmpty() ? "" : " " + synopsis));
        for (String p : paragraphs) {
            wrap(to, p, "  ", "  ");
        }
        to.println("options:");
        for (String[] o : options) {
            printOption(to, o[0], o[1]);
        }
        printOption(to, "--help, -h", "print this help on stdout and exit 0 (a usage error prints it on stderr and"
                + " exits 2)");
        to.flush();
    }

    private static void printOption(PrintStream to, String flag, String text) {
        String head = "  " + flag;
        String first = head.length() < TEXT_COLUMN ? head + " ".repeat(TEXT_COLUMN - head.length()) : null;
        if (first == null) {
            to.println(head); // a long flag gets a line of its own
            first = " ".repeat(TEXT_COLUMN);
        }
        wrap(to, text, first, " ".repeat(TEXT_COLUMN));
    }

    /** Prints {@code text} wrapped at {@link #WIDTH}: line one after {@code first}, the others after {@code rest}. */
    private static void wrap(PrintStream to, String text, String first, String rest) {
        StringBuilder line = new StringBuilder(first);
        int empty = first.length();
        for (String word : text.split(" ")) {
            if (line.length() > empty && line.length() + 1 + word.length() > WIDTH) {
                to.println(line);
                line = new StringBuilder(rest);
                empty = rest.length();
            }
            if (line.length() > empty) {
                line.append(' ');
            }
            line.append(word);
        }
        to.println(line);
    }
}
