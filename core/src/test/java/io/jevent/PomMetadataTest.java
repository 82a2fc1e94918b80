package io.jevent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What a central repository demands of every published POM: a name, a description, a project URL, a licence, the
 * developers and the source repository. The library modules inherit the last four from the root POM; the BOM has no
 * parent, so it must carry them itself.
 */
class PomMetadataTest {
    private static final Path ROOT = Paths.get("..").toAbsolutePath().normalize();
    private static final String[] INHERITED = {
        "<url>", "<licenses>", "<license>", "<developers>", "<developer>", "<scm", "<connection>", "<issueManagement>"
    };

    private static List<Path> publishedModulePoms() throws IOException {
        List<Path> poms = new ArrayList<>(List.of(ROOT.resolve("core/pom.xml"), ROOT.resolve("bufferevent/pom.xml")));
        try (Stream<Path> backends = Files.list(ROOT.resolve("backends"))) {
            backends.map(d -> d.resolve("pom.xml")).filter(Files::exists).sorted().forEach(poms::add);
        }
        return poms;
    }

    /** The project's own elements, with the parent, dependencies and build sections cut away. */
    private static String ownHead(Path pom) throws IOException {
        String xml = Files.readString(pom);
        xml = Pattern.compile("<parent>.*?</parent>", Pattern.DOTALL).matcher(xml).replaceAll("");
        int cut = xml.length();
        for (String section : new String[] {"<dependencyManagement>", "<dependencies>", "<build>", "<modules>",
                "<properties>", "<profiles>"}) {
            int at = xml.indexOf(section);
            if (at >= 0) {
                cut = Math.min(cut, at);
            }
        }
        return xml.substring(0, cut);
    }

    private static void assertHas(Path pom, String head, String element) {
        assertTrue(head.contains(element), ROOT.relativize(pom) + " lacks " + element
                + " (a central repository refuses a POM without it)");
    }

    private static void assertNamed(Path pom, String head) {
        assertHas(pom, head, "<name>");
        assertTrue(Pattern.compile("<description>\\s*\\S[^<]{15,}</description>").matcher(head).find(),
                ROOT.relativize(pom) + " needs a <description> of a sentence saying what the artifact is");
    }

    @Test
    void shouldDescribeEveryPublishedModule() throws IOException {
        for (Path pom : publishedModulePoms()) {
            assertNamed(pom, ownHead(pom));
        }
    }

    @Test
    void shouldGiveTheRootTheMetadataEveryModuleInherits() throws IOException {
        Path root = ROOT.resolve("pom.xml");
        String head = ownHead(root);
        assertNamed(root, head);
        for (String element : INHERITED) {
            assertHas(root, head, element);
        }
        assertTrue(head.contains("child.project.url.inherit.append.path=\"false\""),
                "pom.xml: without child.project.url.inherit.append.path=\"false\" each module's URL gets its "
                        + "artifactId appended, naming a page that does not exist");
    }

    @Test
    void shouldGiveTheParentlessBomItsOwnMetadata() throws IOException {
        Path bom = ROOT.resolve("bom/pom.xml");
        String head = ownHead(bom);
        assertNamed(bom, head);
        for (String element : INHERITED) {
            assertHas(bom, head, element);
        }
    }
}
