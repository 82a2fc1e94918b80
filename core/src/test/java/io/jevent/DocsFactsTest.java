package io.jevent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The facts in the documentation that a build can check, so that the docs stay true as the code moves: every
 * tunable the library reads is documented, every backend the build ships is in the backends table, every link
 * between documents resolves, and no document points outside the repository.
 */
class DocsFactsTest {
    private static final Path ROOT = Paths.get("..").toAbsolutePath().normalize();

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix) && !p.toString().contains("/target/"))
                    .collect(Collectors.toList());
        }
    }

    private static List<Path> libraryMainSources() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String m : new String[] {"core", "bufferevent", "backends"}) {
            for (Path p : files(ROOT.resolve(m), ".java")) {
                if (p.toString().contains("/src/main/java/")) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private static List<Path> docs() throws IOException {
        List<Path> docs = new ArrayList<>(files(ROOT.resolve("docs"), ".md"));
        docs.add(ROOT.resolve("README.md"));
        docs.add(ROOT.resolve("benchmarks/README.md"));
        return docs;
    }

    @Test
    void shouldDocumentEveryTunableTheLibraryReads() throws IOException {
        Pattern property = Pattern.compile("\"(jevent\\.[A-Za-z0-9_.]+)\"");
        TreeSet<String> tunables = new TreeSet<>();
        for (Path p : libraryMainSources()) {
            Matcher m = property.matcher(read(p));
            while (m.find()) {
                tunables.add(m.group(1));
            }
        }
        assertTrue(tunables.size() > 10, "found " + tunables);
        String production = read(ROOT.resolve("docs/production.md"));
        TreeSet<String> missing = new TreeSet<>();
        for (String t : tunables) {
            if (!production.contains(t)) {
                missing.add(t);
            }
        }
        assertEquals(new TreeSet<String>(), missing, "tunables read by the library but not in docs/production.md");
    }

    @Test
    void shouldListEveryShippedBackendInTheBackendsTable() throws IOException {
        String table = read(ROOT.resolve("docs/backends.md"));
        TreeSet<String> missing = new TreeSet<>();
        try (Stream<Path> backends = Files.list(ROOT.resolve("backends"))) {
            for (Path dir : backends.collect(Collectors.toList())) {
                Path pom = dir.resolve("pom.xml");
                if (!Files.exists(pom)) {
                    continue;
                }
                Matcher m = Pattern.compile("</parent>.*?<artifactId>([^<]+)</artifactId>", Pattern.DOTALL)
                        .matcher(read(pom));
                assertTrue(m.find(), pom.toString());
                if (!table.contains("`" + m.group(1) + "`")) {
                    missing.add(m.group(1));
                }
            }
        }
        assertEquals(new TreeSet<String>(), missing, "backend artifacts missing from docs/backends.md");
    }

    @Test
    void shouldResolveEveryRelativeLinkBetweenDocuments() throws IOException {
        Pattern link = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");
        List<String> broken = new ArrayList<>();
        for (Path doc : docs()) {
            Matcher m = link.matcher(read(doc));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*")) {
                    continue; // https:, mailto:
                }
                if (!Files.exists(doc.getParent().resolve(target).normalize())) {
                    broken.add(ROOT.relativize(doc) + " -> " + target);
                }
            }
        }
        assertEquals(List.of(), broken, "links to files that do not exist");
    }

    @Test
    void shouldStandAloneWithoutPointingOutsideTheRepository() throws IOException {
        List<String> outside = new ArrayList<>();
        for (Path doc : docs()) {
            String text = read(doc);
            for (String bad : new String[] {"../shared", "DESIGN.md", "STYLE.md", "(draft"}) {
                if (text.contains(bad)) {
                    outside.add(ROOT.relativize(doc) + " mentions " + bad);
                }
            }
        }
        assertEquals(List.of(), outside);
    }
}
