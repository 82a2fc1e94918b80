package io.jevent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The BOM (bom/pom.xml) has no parent, so nothing but this keeps it in step with the project. */
class BomTest {
    private static final Path ROOT = Paths.get("..").toAbsolutePath().normalize();

    private static String text(Path p) throws IOException {
        return Files.readString(p);
    }

    private static String first(String xml, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(xml);
        assertTrue(m.find(), "no match for " + regex);
        return m.group(1);
    }

    @Test
    void shouldListEveryLibraryArtifactAtTheProjectsVersion() throws IOException {
        String root = text(ROOT.resolve("pom.xml"));
        String version = first(root, "<artifactId>jevent-parent</artifactId>\\s*<version>([^<]+)</version>");
        String bom = text(ROOT.resolve("bom/pom.xml"));
        assertEquals(version, first(bom, "<artifactId>jevent-bom</artifactId>\\s*<version>([^<]+)</version>"),
                "bom/pom.xml's own version");
        TreeSet<String> listed = new TreeSet<>();
        Matcher m = Pattern.compile("<artifactId>(jevent-[a-z-]+)</artifactId><version>([^<]+)</version>").matcher(bom);
        while (m.find()) {
            assertEquals(version, m.group(2), m.group(1) + "'s version in the BOM");
            listed.add(m.group(1));
        }
        TreeSet<String> libraries = new TreeSet<>();
        List<Path> poms = new ArrayList<>();
        poms.add(ROOT.resolve("core/pom.xml"));
        poms.add(ROOT.resolve("bufferevent/pom.xml"));
        try (Stream<Path> backends = Files.list(ROOT.resolve("backends"))) {
            backends.map(d -> d.resolve("pom.xml")).filter(Files::exists).forEach(poms::add);
        }
        for (Path pom : poms) {
            libraries.add(first(text(pom), "</parent>.*?<artifactId>([^<]+)</artifactId>"));
        }
        assertEquals(libraries, listed, "the BOM lists exactly the library modules");
    }
}
