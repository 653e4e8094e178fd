{{/*
The launcher Job: `sstar run --no-worker` in the cluster. Rendered by run-job.yaml at install and,
with its arguments left to sstar, into the launcher ConfigMap that `sstar cluster run` fills in:
both start runs with the same object. Takes (dict "root" . "name" NAME "args" ARGS "configMap" CM).
*/}}
{{- define "sstar.launcherJob" -}}
{{- $root := .root -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .name }}
  labels:
    {{- include "sstar.labels" $root | nindent 4 }}
    app.kubernetes.io/component: launcher
spec:
  backoffLimit: {{ $root.Values.run.backoffLimit }}
  {{- with $root.Values.run.ttlSecondsAfterFinished }}
  ttlSecondsAfterFinished: {{ . }}
  {{- end }}
  # Exit 2 is bad input (configuration, dataset): a new pod cannot fix it.
  podFailurePolicy:
    rules:
      - action: FailJob
        onExitCodes:
          containerName: run
          operator: In
          values: [2]
      # A preempted or evicted launcher pod does not count against backoffLimit.
      - action: Ignore
        onPodConditions:
          - type: DisruptionTarget
            status: "True"
  template:
    metadata:
      labels:
        {{- include "sstar.labels" $root | nindent 8 }}
        app.kubernetes.io/component: launcher
    spec:
      restartPolicy: Never
      serviceAccountName: {{ include "sstar.serviceAccountName" $root }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      {{- with $root.Values.run.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.run.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: run
          image: {{ include "sstar.image" $root.Values.image | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args:
            {{- toYaml .args | nindent 12 }}
          env:
            {{- include "sstar.commonEnv" $root | nindent 12 }}
            # The launcher records the worker preemptions its run survives (cluster/preemption-log.ts).
            - name: SSTAR_CLUSTER_RELEASE
              value: {{ $root.Release.Name | quote }}
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
          resources:
            {{- toYaml $root.Values.run.resources | nindent 12 }}
          securityContext:
            {{- include "sstar.containerSecurity" $root | nindent 12 }}
          volumeMounts:
            {{- include "sstar.commonMounts" $root | nindent 12 }}
            {{- if .configMap }}
            - name: run-config
              mountPath: /etc/sstar/run
              readOnly: true
            {{- end }}
      volumes:
        {{- include "sstar.commonVolumes" $root | nindent 8 }}
        {{- if .configMap }}
        - name: run-config
          configMap:
            name: {{ .configMap }}
        {{- end }}
{{- end -}}
