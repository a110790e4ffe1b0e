{{/* Names and labels. */}}
{{- define "edgeinfer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "edgeinfer.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 38 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 38 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 38 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "edgeinfer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "edgeinfer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "edgeinfer.labels" -}}
{{ include "edgeinfer.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: edgeinfer
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
edgeinfer.dev/site: {{ .Values.site.id | quote }}
{{- end -}}

{{- define "edgeinfer.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}
{{- end -}}

{{/* Fixed paths inside the pods. The job jar path is the one docker/Dockerfile copies to. */}}
{{- define "edgeinfer.jarURI" -}}local:///opt/flink/usrlib/edgeinfer.jar{{- end -}}
{{- define "edgeinfer.kafkaSecretDir" -}}/etc/edgeinfer/kafka{{- end -}}
{{- define "edgeinfer.keysDir" -}}/etc/edgeinfer/keys{{- end -}}
{{- define "edgeinfer.modelsDir" -}}/models{{- end -}}
{{- define "edgeinfer.cacheDir" -}}/var/cache/edgeinfer{{- end -}}
{{- define "edgeinfer.stateDir" -}}/flink-data{{- end -}}
{{- define "edgeinfer.controllerKeyDir" -}}/etc/edgeinfer/controller{{- end -}}

{{- define "edgeinfer.entryClass" -}}
{{- if eq . "sensor" -}}dev.edgeinfer.jobs.sensor.SensorAnomalyJob{{- else if eq . "controller" -}}dev.edgeinfer.jobs.controller.RolloutControllerJob{{- else -}}dev.edgeinfer.jobs.frames.FrameClassificationJob{{- end -}}
{{- end -}}

{{/* Kafka client properties that read secrets from the mounted Secret (DirectoryConfigProvider). */}}
{{- define "edgeinfer.kafkaSecretRef" -}}
{{- printf "${dir:%s:%s}" (include "edgeinfer.kafkaSecretDir" .root) .key -}}
{{- end -}}

{{- define "edgeinfer.usesKafkaSecretFiles" -}}
{{- $s := .Values.kafka.security -}}
{{- if and $s.existingSecret (or $s.truststorePasswordKey $s.keystorePasswordKey (hasPrefix "SASL_" $s.protocol)) -}}true{{- end -}}
{{- end -}}

{{/*
The job's program arguments, as a YAML list: `--key value` pairs, one option each. Every key is a
job option of SensorJobOptions / FrameJobOptions (checked by HelmChartOptionsTest).
*/}}
{{- define "edgeinfer.args" -}}
{{- $root := .root -}}
{{- $job := .job -}}
{{- $j := .j -}}
{{- $v := $root.Values -}}
{{- $a := list -}}
{{- $a = concat $a (list "--edgeinfer.site.id" $v.site.id) -}}
{{- if $v.site.labels -}}
{{- $labels := list -}}
{{- range $k, $l := $v.site.labels -}}
{{- $labels = append $labels (printf "%s=%s" $k $l) -}}
{{- end -}}
{{- $a = concat $a (list "--edgeinfer.site.labels" (join "," $labels)) -}}
{{- end -}}
{{- $a = concat $a (list "--kafka.bootstrap-servers" $v.kafka.bootstrapServers) -}}
{{- $a = concat $a (list "--kafka.group-id" $j.groupId) -}}
{{- $a = concat $a (list "--kafka.starting-offsets" $v.kafka.startingOffsets) -}}
{{- if eq $job "sensor" -}}
{{- $a = concat $a (list "--topic.readings" $v.topics.readings) -}}
{{- else -}}
{{- $a = concat $a (list "--topic.frames" $v.topics.frames) -}}
{{- end -}}
{{- $a = concat $a (list "--topic.results" $v.topics.results "--topic.deadletter" $v.topics.deadletter) -}}
{{- $a = concat $a (list "--topic.control" $v.topics.control "--topic.status" $v.topics.status "--topic.blobs" $v.topics.blobs) -}}
{{- $a = concat $a (list "--parallelism" (toString $j.parallelism)) -}}
{{- $a = concat $a (list "--delivery.guarantee" $j.deliveryGuarantee) -}}
{{- $a = concat $a (list "--exactly-once.transactional-id-prefix" $j.transactionalIdPrefix) -}}
{{- $a = concat $a (list "--checkpoint.interval" $j.checkpointInterval) -}}
{{- $a = concat $a (list "--model.name" $j.model.name) -}}
{{- if $j.model.version -}}
{{- $a = concat $a (list "--model.version" $j.model.version "--model.path" $j.model.path) -}}
{{- if $j.model.sha256 -}}
{{- $a = concat $a (list "--model.sha256" $j.model.sha256) -}}
{{- end -}}
{{- end -}}
{{- if ne $v.models.trustedKeys.source "none" -}}
{{- $a = concat $a (list "--model.trusted-keys" (include "edgeinfer.keysDir" $root)) -}}
{{- end -}}
{{- if ne $v.models.filesRoot.type "none" -}}
{{- $a = concat $a (list "--model.files-root" (include "edgeinfer.modelsDir" $root)) -}}
{{- end -}}
{{- $a = concat $a (list "--model.cache-dir" (include "edgeinfer.cacheDir" $root)) -}}
{{- $a = concat $a (list "--batch.max-size" (toString $j.batchMaxSize) "--batch.max-delay" $j.batchMaxDelay) -}}
{{- $a = concat $a (list "--onnx.intra-op-threads" (toString $j.onnxIntraOpThreads)) -}}
{{- range $k, $val := $j.jobOptions -}}
{{- $a = concat $a (list (printf "--%s" $k) (toString $val)) -}}
{{- end -}}
{{- $a = concat $a (include "edgeinfer.kafkaPropertyArgs" $root | fromYamlArray) -}}
{{- toYaml $a -}}
{{- end -}}

{{/* The Kafka client properties of every job (security from the mounted Secret, then kafka.properties),
as a YAML list of `--kafka.properties.<name> value` arguments. */}}
{{- define "edgeinfer.kafkaPropertyArgs" -}}
{{- $root := . -}}
{{- $v := $root.Values -}}
{{- $a := list -}}
{{- /* Kafka client security: passed through as kafka.properties.* */ -}}
{{- $s := $v.kafka.security -}}
{{- $p := dict -}}
{{- if ne $s.protocol "PLAINTEXT" -}}
{{- $_ := set $p "security.protocol" $s.protocol -}}
{{- end -}}
{{- if hasPrefix "SASL_" $s.protocol -}}
{{- $_ := set $p "sasl.mechanism" $s.saslMechanism -}}
{{- $_ := set $p "sasl.jaas.config" (include "edgeinfer.kafkaSecretRef" (dict "root" $root "key" $s.jaasConfigKey)) -}}
{{- end -}}
{{- if and $s.existingSecret $s.truststoreKey -}}
{{- $_ := set $p "ssl.truststore.location" (printf "%s/%s" (include "edgeinfer.kafkaSecretDir" $root) $s.truststoreKey) -}}
{{- $_ := set $p "ssl.truststore.type" $s.truststoreType -}}
{{- if $s.truststorePasswordKey -}}
{{- $_ := set $p "ssl.truststore.password" (include "edgeinfer.kafkaSecretRef" (dict "root" $root "key" $s.truststorePasswordKey)) -}}
{{- end -}}
{{- end -}}
{{- if and $s.existingSecret $s.keystoreKey -}}
{{- $_ := set $p "ssl.keystore.location" (printf "%s/%s" (include "edgeinfer.kafkaSecretDir" $root) $s.keystoreKey) -}}
{{- $_ := set $p "ssl.keystore.type" $s.keystoreType -}}
{{- if $s.keystorePasswordKey -}}
{{- $_ := set $p "ssl.keystore.password" (include "edgeinfer.kafkaSecretRef" (dict "root" $root "key" $s.keystorePasswordKey)) -}}
{{- $_ := set $p "ssl.key.password" (include "edgeinfer.kafkaSecretRef" (dict "root" $root "key" $s.keystorePasswordKey)) -}}
{{- end -}}
{{- end -}}
{{- if include "edgeinfer.usesKafkaSecretFiles" $root -}}
{{- $_ := set $p "config.providers" "dir" -}}
{{- $_ := set $p "config.providers.dir.class" "org.apache.kafka.common.config.provider.DirectoryConfigProvider" -}}
{{- $_ := set $p "config.providers.dir.param.allowed.paths" (include "edgeinfer.kafkaSecretDir" $root) -}}
{{- end -}}
{{- range $k, $val := $v.kafka.properties -}}
{{- $_ := set $p $k (toString $val) -}}
{{- end -}}
{{- range $k, $val := $p -}}
{{- $a = concat $a (list (printf "--kafka.properties.%s" $k) $val) -}}
{{- end -}}
{{- toYaml $a -}}
{{- end -}}

{{/*
The rollout controller's program arguments (controller-args:begin): every key is an option of
ControllerJobOptions (checked by HelmChartOptionsTest).
*/}}
{{- define "edgeinfer.controllerArgs" -}}
{{- $root := .root -}}
{{- $j := .j -}}
{{- $v := $root.Values -}}
{{- $dir := include "edgeinfer.controllerKeyDir" $root -}}
{{- $a := list -}}
{{- $a = concat $a (list "--kafka.bootstrap-servers" $v.kafka.bootstrapServers) -}}
{{- $a = concat $a (list "--topic.control" $v.topics.control "--topic.status" $v.topics.status) -}}
{{- $a = concat $a (list "--parallelism" (toString $j.parallelism)) -}}
{{- $a = concat $a (list "--checkpoint.interval" $j.checkpointInterval) -}}
{{- $a = concat $a (list "--controller.group-id" $j.groupId) -}}
{{- $a = concat $a (list "--controller.signing-key" (printf "%s/%s" $dir $j.signingKey.privateKey)) -}}
{{- $a = concat $a (list "--controller.public-key" (printf "%s/%s" $dir $j.signingKey.publicKey)) -}}
{{- range $k, $val := $j.jobOptions -}}
{{- $a = concat $a (list (printf "--%s" $k) (toString $val)) -}}
{{- end -}}
{{- $a = concat $a (include "edgeinfer.kafkaPropertyArgs" $root | fromYamlArray) -}}
{{- toYaml $a -}}
{{- end -}}
{{/* controller-args:end */}}

{{/* Flink configuration of one job's cluster (all values strings). */}}
{{- define "edgeinfer.flinkConfiguration" -}}
{{- $root := .root -}}
{{- $j := .j -}}
{{- $name := .name -}}
{{- $v := $root.Values -}}
{{- $base := trimSuffix "/" $v.state.baseDir -}}
{{- $c := dict
  "taskmanager.numberOfTaskSlots" (toString $j.taskManager.taskSlots)
  "high-availability.type" "kubernetes"
  "high-availability.storageDir" (printf "%s/ha/%s" $base $name)
  "execution.checkpointing.storage" "filesystem"
  "execution.checkpointing.dir" (printf "%s/checkpoints/%s" $base $name)
  "execution.checkpointing.savepoint-dir" (printf "%s/savepoints/%s" $base $name)
  "execution.checkpointing.externalized-checkpoint-retention" "RETAIN_ON_CANCELLATION"
  "metrics.reporter.prom.factory.class" "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
  "metrics.reporter.prom.port" (toString $v.metrics.port)
  "classloader.parent-first-patterns.additional" "ai.onnxruntime.;ai.djl."
-}}
{{- if $v.taskManagerJavaOptions -}}
{{- $_ := set $c "env.java.opts.taskmanager" $v.taskManagerJavaOptions -}}
{{- end -}}
{{- if include "edgeinfer.usesKafkaSecretFiles" $root -}}
{{- $_ := set $c "env.java.opts.all" "-Dorg.apache.kafka.automatic.config.providers=org.apache.kafka.common.config.provider.DirectoryConfigProvider" -}}
{{- end -}}
{{- range $k, $val := $v.flinkConfiguration -}}
{{- $_ := set $c $k (toString $val) -}}
{{- end -}}
{{- range $k, $val := $j.flinkConfiguration -}}
{{- $_ := set $c $k (toString $val) -}}
{{- end -}}
{{- range $k, $val := $c }}
{{ $k }}: {{ $val | quote }}
{{- end -}}
{{- end -}}

{{/* A complete pod template for the JobManager or the TaskManagers of one job. */}}
{{- define "edgeinfer.podTemplate" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
apiVersion: v1
kind: Pod
metadata:
  labels:
    {{- include "edgeinfer.labels" $root | nindent 4 }}
    edgeinfer.dev/job: {{ .job }}
    {{- with $v.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $v.podAnnotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 9999
    runAsGroup: 9999
    fsGroup: 9999
  {{- with $v.image.pullSecrets }}
  imagePullSecrets:
    {{- range . }}
    - name: {{ . }}
    {{- end }}
  {{- end }}
  {{- with $v.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $v.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: flink-main-container
      ports:
        - name: metrics
          containerPort: {{ $v.metrics.port }}
          protocol: TCP
      {{- with .extraLimits }}
      resources:
        limits:
          {{- range $k, $val := . }}
          {{ $k }}: {{ $val | quote }}
          {{- end }}
      {{- end }}
      {{- with $v.state.plugins }}
      env:
        - name: ENABLE_BUILT_IN_PLUGINS
          value: {{ join ";" . | quote }}
      {{- end }}
      volumeMounts:
        - name: model-cache
          mountPath: {{ include "edgeinfer.cacheDir" $root }}
        {{- if ne $v.models.filesRoot.type "none" }}
        - name: models
          mountPath: {{ include "edgeinfer.modelsDir" $root }}
          readOnly: true
        {{- end }}
        {{- if ne $v.models.trustedKeys.source "none" }}
        - name: trusted-keys
          mountPath: {{ include "edgeinfer.keysDir" $root }}
          readOnly: true
        {{- end }}
        {{- if $v.kafka.security.existingSecret }}
        - name: kafka-client
          mountPath: {{ include "edgeinfer.kafkaSecretDir" $root }}
          readOnly: true
        {{- end }}
        {{- if ne $v.state.volume.type "none" }}
        - name: flink-data
          mountPath: {{ include "edgeinfer.stateDir" $root }}
        {{- end }}
        {{- if eq .job "controller" }}
        - name: controller-key
          mountPath: {{ include "edgeinfer.controllerKeyDir" $root }}
          readOnly: true
        {{- end }}
  volumes:
    - name: model-cache
      {{- if eq $v.models.cache.type "hostPath" }}
      hostPath:
        path: {{ $v.models.cache.hostPath }}
        type: DirectoryOrCreate
      {{- else }}
      emptyDir:
        sizeLimit: {{ $v.models.cache.sizeLimit }}
      {{- end }}
    {{- if eq $v.models.filesRoot.type "pvc" }}
    - name: models
      persistentVolumeClaim:
        claimName: {{ $v.models.filesRoot.claimName }}
        readOnly: true
    {{- else if eq $v.models.filesRoot.type "hostPath" }}
    - name: models
      hostPath:
        path: {{ $v.models.filesRoot.hostPath }}
        type: Directory
    {{- end }}
    {{- if eq $v.models.trustedKeys.source "secret" }}
    - name: trusted-keys
      secret:
        secretName: {{ $v.models.trustedKeys.name }}
    {{- else if eq $v.models.trustedKeys.source "configMap" }}
    - name: trusted-keys
      configMap:
        name: {{ $v.models.trustedKeys.name }}
    {{- end }}
    {{- if $v.kafka.security.existingSecret }}
    - name: kafka-client
      secret:
        secretName: {{ $v.kafka.security.existingSecret }}
    {{- end }}
    {{- if eq .job "controller" }}
    - name: controller-key
      secret:
        secretName: {{ $v.jobs.controller.signingKey.existingSecret }}
        defaultMode: 0400
    {{- end }}
    {{- if eq $v.state.volume.type "pvc" }}
    - name: flink-data
      persistentVolumeClaim:
        claimName: {{ $v.state.volume.claimName }}
    {{- else if eq $v.state.volume.type "hostPath" }}
    - name: flink-data
      hostPath:
        path: {{ $v.state.volume.hostPath }}
        type: DirectoryOrCreate
    {{- end }}
{{- end -}}
