{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "podpool.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name prefix of every object. The release name alone when it already contains the chart
name (release `podpool` gives `podpool`, so the scaler Service is `podpool-scaler`).
Truncated to 50 characters so `<fullname>-reservations-user` stays a valid name.
*/}}
{{- define "podpool.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "podpool.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "podpool.labels" -}}
helm.sh/chart: {{ include "podpool.chart" . }}
{{ include "podpool.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: podpool
{{- end }}

{{/* Labels that select the operator pods (immutable in the Deployment selector: never change). */}}
{{- define "podpool.selectorLabels" -}}
app.kubernetes.io/name: {{ include "podpool.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "podpool.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "podpool.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator's own objects, named once. */}}
{{- define "podpool.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "podpool.fullname" .)) .Values.tls.secretName }}
{{- end }}
{{- define "podpool.webhookConfigurationName" -}}{{ include "podpool.fullname" . }}{{- end }}
{{- define "podpool.webhookServiceName" -}}{{ include "podpool.fullname" . }}-webhook{{- end }}
{{- define "podpool.scalerServiceName" -}}{{ include "podpool.fullname" . }}-scaler{{- end }}
{{- define "podpool.reservationsServiceName" -}}{{ include "podpool.fullname" . }}-reservations{{- end }}
{{- define "podpool.metricsServiceName" -}}{{ include "podpool.fullname" . }}-metrics{{- end }}
{{- define "podpool.certificateName" -}}{{ include "podpool.fullname" . }}-serving{{- end }}
{{/* Fixed by the operator (src/cli/operator.ts): the leader election Lease. */}}
{{- define "podpool.leaseName" -}}podpool-controller{{- end }}

{{- define "podpool.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "podpool.exampleNamespace" -}}
{{- default .Release.Namespace .Values.example.namespace }}
{{- end }}
