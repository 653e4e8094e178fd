{{- define "sstar.labels" -}}
app.kubernetes.io/name: sstar
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: stable across upgrades (selectors are immutable). */}}
{{- define "sstar.selector" -}}
app.kubernetes.io/name: sstar
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "sstar.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (printf "%s-sstar" .Release.Name) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sstar.image" -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}

{{/* The sandbox service's in-cluster URL, which workers execute programs through. */}}
{{- define "sstar.sandboxUrl" -}}
{{- printf "http://%s-sandbox:%v" .Release.Name .Values.sandbox.port -}}
{{- end -}}

{{- define "sstar.sandboxTokenSecret" -}}
{{- default (printf "%s-sandbox-token" .Release.Name) .Values.sandbox.token.existingSecret -}}
{{- end -}}

{{- define "sstar.dataClaim" -}}
{{- default (printf "%s-data" .Release.Name) .Values.storage.existingClaim -}}
{{- end -}}

{{/* The OpenAI-compatible base URL runs use: the first vLLM model's Service, or the external endpoint. */}}
{{- define "sstar.endpointUrl" -}}
{{- if .Values.vllm.enabled -}}
{{- $model := index .Values.vllm.models 0 -}}
{{- printf "http://%s-vllm-%s:%v/v1" .Release.Name $model.name .Values.vllm.port -}}
{{- else -}}
{{- .Values.endpoint.baseUrl -}}
{{- end -}}
{{- end -}}

{{- define "sstar.endpointModel" -}}
{{- if .Values.vllm.enabled -}}
{{- $model := index .Values.vllm.models 0 -}}
{{- default $model.model $model.servedModelName -}}
{{- else -}}
{{- .Values.endpoint.model -}}
{{- end -}}
{{- end -}}

{{/* Environment every sstar process of the release shares: Temporal, the ledger, the data folder. */}}
{{- define "sstar.commonEnv" -}}
- name: TEMPORAL_ADDRESS
  value: {{ .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: SSTAR_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
- name: SSTAR_DATA_DIR
  value: {{ .Values.storage.mountPath | quote }}
- name: SSTAR_LEDGER_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "ledger.urlSecret: name a Secret holding the ledger's postgres:// URL (workers on several nodes cannot share SQLite)" .Values.ledger.urlSecret }}
      key: {{ .Values.ledger.urlSecretKey }}
{{- if .Values.temporal.tlsSecret }}
- name: TEMPORAL_TLS_CERT
  value: /etc/temporal-tls/tls.crt
- name: TEMPORAL_TLS_KEY
  value: /etc/temporal-tls/tls.key
- name: TEMPORAL_TLS_CA
  value: /etc/temporal-tls/ca.crt
{{- end }}
{{- if .Values.endpoint.apiKeySecret }}
- name: {{ .Values.endpoint.apiKeyEnv }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.endpoint.apiKeySecret }}
      key: {{ .Values.endpoint.apiKeySecretKey }}
{{- end }}
{{- end -}}

{{- define "sstar.commonMounts" -}}
- name: scratch
  mountPath: /tmp
- name: data
  mountPath: {{ .Values.storage.mountPath }}
{{- if .Values.temporal.tlsSecret }}
- name: temporal-tls
  mountPath: /etc/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "sstar.commonVolumes" -}}
- name: scratch
  emptyDir: {}
- name: data
  persistentVolumeClaim:
    claimName: {{ include "sstar.dataClaim" . }}
{{- if .Values.temporal.tlsSecret }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tlsSecret }}
{{- end }}
{{- end -}}

{{/* Restricted Pod Security for sstar's own containers. */}}
{{- define "sstar.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The launcher's configuration argument: the mounted file, or a preset name. */}}
{{- define "sstar.runConfigArg" -}}
{{- if .Values.run.config -}}
/etc/sstar/run/config.yaml
{{- else -}}
{{- required "run.preset or run.config: say what to run" .Values.run.preset -}}
{{- end -}}
{{- end -}}

{{/* Jobs are immutable: a different run is a different Job. */}}
{{- define "sstar.runJobName" -}}
{{- printf "%s-run-%s" .Release.Name (toJson (dict "preset" .Values.run.preset "config" .Values.run.config "dataset" .Values.run.dataset "args" .Values.run.extraArgs) | sha256sum | trunc 8) -}}
{{- end -}}
