{{- define "sstar.labels" -}}
app.kubernetes.io/name: sstar
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}
