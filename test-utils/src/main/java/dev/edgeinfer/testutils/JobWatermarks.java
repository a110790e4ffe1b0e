package dev.edgeinfer.testutils;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.minicluster.MiniCluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The event-time watermarks of a running job's vertices, as Flink's REST API reports them (the
 * {@code currentInputWatermark} metric of each subtask). Metrics reach the REST API through the
 * metric fetcher, so configure a short {@code metrics.fetcher.update-interval} on the MiniCluster.
 */
public final class JobWatermarks {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private JobWatermarks() {}

    /**
     * The input watermark of each subtask of the vertex whose name contains {@code vertexName},
     * by subtask index; empty while the metrics are not available yet.
     */
    public static List<Long> inputWatermarks(MiniCluster cluster, JobID job, String vertexName) throws Exception {
        URI rest = cluster.getRestAddress().get(10, TimeUnit.SECONDS);
        JsonNode vertices = get(rest.resolve("/jobs/" + job).toString()).path("vertices");
        String vertexId = null;
        for (JsonNode vertex : vertices) {
            if (vertex.path("name").asText().contains(vertexName)) {
                vertexId = vertex.path("id").asText();
            }
        }
        if (vertexId == null) {
            throw new IllegalArgumentException("no vertex named '" + vertexName + "' in " + vertices);
        }
        Map<Integer, Long> bySubtask = new TreeMap<>();
        for (JsonNode metric : get(rest.resolve("/jobs/" + job + "/vertices/" + vertexId + "/watermarks").toString())) {
            String id = metric.path("id").asText();
            if (id.endsWith(".currentInputWatermark")) {
                bySubtask.put(Integer.parseInt(id.substring(0, id.indexOf('.'))), Long.parseLong(metric.path("value").asText()));
            }
        }
        return new ArrayList<>(bySubtask.values());
    }

    private static JsonNode get(String uri) throws Exception {
        HttpResponse<String> response =
                HTTP.send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + uri + " -> " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }
}
