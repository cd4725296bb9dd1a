{{/* Names and labels, the usual Helm way. */}}
{{- define "anchore-objectstorage.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "anchore-objectstorage.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "anchore-objectstorage.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "anchore-objectstorage.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "anchore-objectstorage.selectorLabels" -}}
app.kubernetes.io/name: {{ include "anchore-objectstorage.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The worker pods: what the PodDisruptionBudget and the metrics Service select. */}}
{{- define "anchore-objectstorage.workerSelectorLabels" -}}
{{ include "anchore-objectstorage.selectorLabels" . }}
app.kubernetes.io/component: worker
{{- end }}

{{- define "anchore-objectstorage.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "anchore-objectstorage.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "anchore-objectstorage.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/*
Worker resources derived from the memory budget B (MiB), measured with `make bench` at the default B = 16:
an idle worker holds 152-157 MiB (Temporal's native runtime, the SDK, the workflow sandbox) and its peak was at
most 240 MiB, i.e. idle + 5.5 B (bench/results/2026-12-02-100652.md; docs/adr/0005: 240 MiB for a 2 GiB document).
So requests.memory = 160 + 6 B and limits.memory = 1.25 x that (256Mi and 320Mi at B = 16); cpu 500m is about
what each of the bench's two default workers used (0.57 cores). Fields set in worker.resources win.
*/}}
{{- define "anchore-objectstorage.workerResources" -}}
{{- $budget := int .Values.worker.memoryBudgetMiB }}
{{- $request := add 160 (mul 6 $budget) }}
{{- $derived := dict
  "requests" (dict "cpu" "500m" "memory" (printf "%dMi" $request))
  "limits" (dict "memory" (printf "%dMi" (div (mul $request 5) 4))) }}
{{- toYaml (mustMergeOverwrite $derived (deepCopy .Values.worker.resources)) }}
{{- end }}

{{/* Anchore's chart's path for certStoreSecretName, so sslRootCertFileName means the same file. */}}
{{- define "anchore-objectstorage.certStoreDir" -}}/home/anchore/certs{{- end }}

{{/* Where the Temporal TLS Secrets are mounted (read-only, in both the workers and the Job). */}}
{{- define "anchore-objectstorage.temporalClientCertDir" -}}/etc/temporal/client{{- end }}
{{- define "anchore-objectstorage.temporalServerCaDir" -}}/etc/temporal/server-ca{{- end }}

{{- define "anchore-objectstorage.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .key }}
{{- end }}

{{/*
The environment of the workers and the Job: every secret comes from a Secret by reference, so no value is in the
rendered manifests. The catalog variables are the keys of Anchore's chart's Secret, which the CLI reads
(src/catalog/pool.ts: ANCHORE_DB_HOST, _PORT, _USER, _PASSWORD, _NAME).
*/}}
{{- define "anchore-objectstorage.env" -}}
{{- $secret := .Values.existingSecretName }}
{{- range $name := list "ANCHORE_DB_HOST" "ANCHORE_DB_PORT" "ANCHORE_DB_USER" "ANCHORE_DB_PASSWORD" "ANCHORE_DB_NAME" }}
{{ include "anchore-objectstorage.secretEnv" (dict "name" $name "secretName" $secret "key" $name) }}
{{- end }}
{{- with .Values.anchoreConfig.database }}
- name: ANCHORE_DB_SSL
  value: {{ .ssl | quote }}
{{- if .ssl }}
- name: ANCHORE_DB_SSL_MODE
  value: {{ .sslMode | quote }}
{{- with .sslRootCertFileName }}
- name: ANCHORE_DB_SSL_ROOT_CERT
  value: {{ include "anchore-objectstorage.certStoreDir" $ }}/{{ . }}
{{- end }}
{{- end }}
{{- end }}
{{- range $store, $prefix := dict "object_store" "ANCHORE_OBJECT_STORE" "analysis_archive" "ANCHORE_ANALYSIS_ARCHIVE" }}
{{- $credentials := index $.Values.storageCredentials $store }}
{{- with $credentials.existingCredentialSecret }}
{{ include "anchore-objectstorage.secretEnv" (dict "name" (printf "%s_ACCESS_KEY" $prefix) "secretName" . "key" $credentials.accessKeySecretKey) }}
{{ include "anchore-objectstorage.secretEnv" (dict "name" (printf "%s_SECRET_KEY" $prefix) "secretName" . "key" $credentials.secretKeySecretKey) }}
{{- end }}
{{- end }}
{{- range $name, $ref := .Values.secretEnv }}
{{ include "anchore-objectstorage.secretEnv" (dict "name" $name "secretName" $ref.secretName "key" $ref.key) }}
{{- end }}
{{- with .Values.sealingKey.secretName }}
{{ include "anchore-objectstorage.secretEnv" (dict "name" "OBJECTSTORAGE_SECRET_KEY" "secretName" . "key" $.Values.sealingKey.key) }}
{{- end }}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
{{- with .Values.temporal.tls }}
{{- if .enabled }}
- name: TEMPORAL_TLS
  value: "true"
{{- with .serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- if .clientCert.secretName }}
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: {{ include "anchore-objectstorage.temporalClientCertDir" $ }}/{{ .clientCert.certKey }}
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: {{ include "anchore-objectstorage.temporalClientCertDir" $ }}/{{ .clientCert.keyKey }}
{{- end }}
{{- if .serverCa.secretName }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: {{ include "anchore-objectstorage.temporalServerCaDir" $ }}/{{ .serverCa.key }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.temporal.apiKey.secretName }}
{{ include "anchore-objectstorage.secretEnv" (dict "name" "TEMPORAL_API_KEY" "secretName" . "key" $.Values.temporal.apiKey.key) }}
{{- end }}
- name: OBJECTSTORAGE_LOG_FORMAT
  value: json
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Volumes both the workers and the Job have: a writable /tmp (the root filesystem is read-only), certificates. */}}
{{- define "anchore-objectstorage.commonVolumes" -}}
- name: tmp
  emptyDir: {}
{{- if .Values.certStoreSecretName }}
- name: certs
  secret:
    secretName: {{ .Values.certStoreSecretName }}
{{- else if and .Values.anchoreConfig.database.ssl .Values.anchoreConfig.database.sslRootCertFileName }}
{{- fail "anchoreConfig.database.sslRootCertFileName names a file of certStoreSecretName: set certStoreSecretName" }}
{{- end }}
{{- if .Values.temporal.tls.enabled }}
{{- with .Values.temporal.tls.clientCert }}
{{- if .secretName }}
- name: temporal-client-cert
  secret:
    secretName: {{ .secretName }}
    items:
      - key: {{ .certKey }}
        path: {{ .certKey }}
      - key: {{ .keyKey }}
        path: {{ .keyKey }}
{{- end }}
{{- end }}
{{- with .Values.temporal.tls.serverCa }}
{{- if .secretName }}
- name: temporal-server-ca
  secret:
    secretName: {{ .secretName }}
    items:
      - key: {{ .key }}
        path: {{ .key }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "anchore-objectstorage.commonVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- with .Values.certStoreSecretName }}
- name: certs
  mountPath: {{ include "anchore-objectstorage.certStoreDir" $ }}
  readOnly: true
{{- end }}
{{- if .Values.temporal.tls.enabled }}
{{- if .Values.temporal.tls.clientCert.secretName }}
- name: temporal-client-cert
  mountPath: {{ include "anchore-objectstorage.temporalClientCertDir" . }}
  readOnly: true
{{- end }}
{{- if .Values.temporal.tls.serverCa.secretName }}
- name: temporal-server-ca
  mountPath: {{ include "anchore-objectstorage.temporalServerCaDir" . }}
  readOnly: true
{{- end }}
{{- end }}
{{- end }}
