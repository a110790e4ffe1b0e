#!/usr/bin/env bash
# A local Flink session cluster as separate JVM processes (one JobManager, N TaskManagers) from
# Maven-resolved Flink jars, with ONNX Runtime and DJL in its lib/ as in the container image.
# No Flink distribution and no Docker needed. See docker/README.md, "A local session cluster".
#
#   docker/local-cluster.sh start  [--work-dir DIR] [--task-managers N] [--slots N] [--rest-port P]
#   docker/local-cluster.sh submit [--work-dir DIR] [--jar JAR] [--class ENTRY] [--parallelism N] -- --key value ...
#   docker/local-cluster.sh cancel [--work-dir DIR] JOB_ID
#   docker/local-cluster.sh kill-tm [--work-dir DIR] taskmanager-0
#   docker/local-cluster.sh stop   [--work-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f cluster/target/classes/edgeinfer-flink-classpath.txt || ! -f jobs/target/edgeinfer.jar ]]; then
  mvn -B -q -DskipTests package -pl cluster,jobs -am >&2
fi
CP="cluster/target/classes:$(cat cluster/target/classes/edgeinfer-flink-classpath.txt)"
for jar in jobs/target/docker-lib/*.jar; do CP="$CP:$jar"; done
exec java -DOPT_OUT_TRACKING=true -Dai.djl.offline=true \
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
  -Dlog4j2.level=WARN -cp "$CP" dev.edgeinfer.cluster.LocalClusterMain "$@"
