package dev.edgeinfer.jobs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.edgeinfer.jobs.config.ControllerJobOptions;
import dev.edgeinfer.jobs.config.FrameJobOptions;
import dev.edgeinfer.jobs.config.SensorJobOptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Every job option is reachable through the Helm chart's values, and nothing else is: the keys the
 * chart passes from named values (the {@code "--key"} literals in templates/_helpers.tpl) plus the
 * keys values.schema.json allows in {@code jobs.<job>.jobOptions} are exactly the job's options
 * (the rollout controller's named keys are those of its own args template),
 * with no key in both. A new option therefore fails this test until the chart knows it.
 */
class HelmChartOptionsTest {

    private static final Pattern ARG = Pattern.compile("\"--([a-z][a-z0-9.-]*[a-z0-9])\"");

    /** Keys the args template sets for one job only. */
    private static final Set<String> SENSOR_ONLY = Set.of("topic.readings");

    private static final Set<String> FRAMES_ONLY = Set.of("topic.frames");

    /** Where the rollout controller's arguments are set (their own template). */
    private static final String CONTROLLER_BEGIN = "define \"edgeinfer.controllerArgs\"";

    private static final String CONTROLLER_END = "controller-args:end";

    @Test
    void sensorJobOptionsAreExactlyTheNamedValuesPlusJobOptions() throws IOException {
        assertCovers("sensor", keys(SensorJobOptions.all()), FRAMES_ONLY);
    }

    @Test
    void frameJobOptionsAreExactlyTheNamedValuesPlusJobOptions() throws IOException {
        assertCovers("frames", keys(FrameJobOptions.all()), SENSOR_ONLY);
    }

    @Test
    void controllerOptionsAreExactlyTheNamedValuesPlusJobOptions() throws IOException {
        assertCovers("controller", keys(ControllerJobOptions.all()), Set.of());
    }

    @Test
    void entryClassesOfTheChartExist() throws Exception {
        String helpers = Files.readString(RepositoryFiles.resolve("helm/edgeinfer/templates/_helpers.tpl"));
        Matcher m = Pattern.compile("dev\\.edgeinfer\\.jobs\\.[A-Za-z.]+Job").matcher(helpers);
        List<String> classes = m.results().map(r -> r.group()).toList();
        assertThat(classes)
                .containsExactlyInAnyOrder(
                        "dev.edgeinfer.jobs.sensor.SensorAnomalyJob",
                        "dev.edgeinfer.jobs.frames.FrameClassificationJob",
                        "dev.edgeinfer.jobs.controller.RolloutControllerJob");
        for (String name : classes) {
            assertThat(Class.forName(name).getMethod("main", String[].class)).isNotNull();
        }
    }

    private static void assertCovers(String job, Set<String> options, Set<String> otherJobOnly) throws IOException {
        Set<String> named = new TreeSet<>(argKeys(job.equals("controller")));
        named.removeAll(otherJobOnly);
        named.removeIf(k -> k.startsWith("kafka.properties."));
        Set<String> free = jobOptionKeys(job);

        assertThat(named)
                .as("keys the chart sets from named values, not options of the %s job", job)
                .isSubsetOf(options);
        assertThat(free)
                .as("jobOptions keys of the %s job in values.schema.json, not options", job)
                .isSubsetOf(options);
        assertThat(named)
                .as("keys both named and allowed in jobOptions (%s)", job)
                .doesNotContainAnyElementsOf(free);
        Set<String> missing = new TreeSet<>(options);
        missing.removeAll(named);
        missing.removeAll(free);
        assertThat(missing)
                .as("options of the %s job the chart cannot set", job)
                .isEmpty();
    }

    /** The {@code "--key"} literals of the controller's args template, or of the rest of the helpers. */
    private static Set<String> argKeys(boolean controller) throws IOException {
        String helpers = Files.readString(RepositoryFiles.resolve("helm/edgeinfer/templates/_helpers.tpl"));
        int begin = helpers.indexOf(CONTROLLER_BEGIN);
        int end = helpers.indexOf(CONTROLLER_END);
        assertThat(begin).as("the controller's args template in _helpers.tpl").isNotNegative().isLessThan(end);
        helpers = controller ? helpers.substring(begin, end) : helpers.substring(0, begin) + helpers.substring(end);
        return ARG.matcher(helpers).results().map(r -> r.group(1)).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> jobOptionKeys(String job) throws IOException {
        JsonNode schema = new ObjectMapper()
                .readTree(RepositoryFiles.resolve("helm/edgeinfer/values.schema.json")
                        .toFile());
        JsonNode names = schema.at("/properties/jobs/properties/" + job + "/properties/jobOptions/propertyNames/enum");
        assertThat(names.isArray())
                .as("jobOptions propertyNames enum of %s", job)
                .isTrue();
        Set<String> keys = new TreeSet<>();
        names.forEach(n -> keys.add(n.asText()));
        return keys;
    }

    private static Set<String> keys(List<ConfigOption<?>> options) {
        return options.stream().map(ConfigOption::key).collect(Collectors.toCollection(TreeSet::new));
    }
}
