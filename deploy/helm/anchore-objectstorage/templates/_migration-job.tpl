{{/*
The Job's steps, in order, as a YAML list of {name, args}: what Anchore's osaaMigrationJob runs with
anchore-manager (object store, then analysis archive, with the same flags and paths), or one cutover per staged
migration. Every step asks nothing (--dontask): a pod has no terminal.
*/}}
{{- define "anchore-objectstorage.migrationSteps" -}}
{{- $job := .Values.osaaMigrationJob }}
{{- $source := "/config/config.yaml" }}
{{- $dest := "/config/dest-config.yaml" }}
{{- $common := list "--dontask" }}
{{- if $job.nodelete }}{{ $common = append $common "--nodelete" }}{{ end }}
{{- if $job.force }}{{ $common = append $common "--force" }}{{ end }}
{{- $steps := list }}
{{- if eq $job.command "migrate" }}
{{- $tuning := list }}
{{- with $job.verify }}{{ $tuning = concat $tuning (list "--verify" .) }}{{ end }}
{{- with $job.concurrency }}{{ $tuning = concat $tuning (list "--concurrency" (toString .)) }}{{ end }}
{{- $flags := concat $common $tuning $job.extraArgs }}
{{- if $job.objectStoreMigration.run }}
{{- $steps = append $steps (dict "name" "migrate-object-store" "args" (concat (list "migrate" $source $dest) $flags)) }}
{{- end }}
{{- with $job.analysisArchiveMigration }}
{{- if .run }}
{{- $direction := ternary "--to-analysis-archive" "--from-analysis-archive" (eq .mode "to_analysis_archive") }}
{{- $args := concat (list "migrate" $direction "--bucket" .bucket $source $dest) $flags }}
{{- $steps = append $steps (dict "name" "migrate-analysis-archive" "args" $args) }}
{{- end }}
{{- end }}
{{- else }}
{{- $flags := $common }}
{{- if $job.cutover.acceptFailures }}{{ $flags = append $flags "--accept-failures" }}{{ end }}
{{- range $job.cutover.migrationIds }}
{{- $id := toString (int .) }}
{{- $steps = append $steps (dict "name" (printf "cutover-%s" $id) "args" (concat (list "cutover" $id) $flags $job.extraArgs)) }}
{{- end }}
{{- end }}
{{- if not $steps }}
{{- fail "osaaMigrationJob is enabled but has nothing to run: set objectStoreMigration.run or analysisArchiveMigration.run (migrate), or cutover.migrationIds (cutover)" }}
{{- end }}
{{- toYaml $steps }}
{{- end }}

{{/* One step's container; the pod's volumes and environment are the same for every step. */}}
{{- define "anchore-objectstorage.migrationContainer" -}}
{{- $ := .root }}
- name: {{ .step.name }}
  image: {{ include "anchore-objectstorage.image" $ }}
  imagePullPolicy: {{ $.Values.image.pullPolicy }}
  args:
    {{- toYaml .step.args | nindent 4 }}
    - --log-level
    - {{ $.Values.logLevel }}
  env:
    {{- include "anchore-objectstorage.env" $ | trim | nindent 4 }}
  {{- with $.Values.osaaMigrationJob.resources }}
  resources:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $.Values.containerSecurityContext | nindent 4 }}
  volumeMounts:
    {{- include "anchore-objectstorage.commonVolumeMounts" $ | nindent 4 }}
    {{- if eq $.Values.osaaMigrationJob.command "migrate" }}
    - name: source-config
      mountPath: /config/config.yaml
      subPath: config.yaml
      readOnly: true
    - name: dest-config
      mountPath: /config/dest-config.yaml
      subPath: dest-config.yaml
      readOnly: true
    {{- end }}
    {{- with $.Values.osaaMigrationJob.extraVolumeMounts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}
