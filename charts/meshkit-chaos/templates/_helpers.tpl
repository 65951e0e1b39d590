{{/* The same names, labels and pod settings as components/platforms/kubernetes/objects.ts. */}}

{{- define "mkc.namespace" -}}
{{ default (printf "mkc-%s" .Values.stack) .Values.namespace }}
{{- end }}

{{/* Labels of every object: project, stack, run id. */}}
{{- define "mkc.labels" -}}
meshkit-chaos.project: meshkit-chaos
meshkit-chaos.stack: {{ .Values.stack }}
meshkit-chaos.run-id: {{ .Values.runId | quote }}
{{- end }}

{{/* metadata of an object: name, namespace, labels (+ role, node). dict: root, name, role?, node? */}}
{{- define "mkc.metadata" -}}
metadata:
  name: {{ .name }}
  namespace: {{ include "mkc.namespace" .root }}
  labels:
    {{- include "mkc.labels" .root | nindent 4 }}
    {{- if .role }}
    meshkit-chaos.role: {{ .role }}
    {{- end }}
    {{- if .node }}
    meshkit-chaos.node: {{ .node }}
    {{- end }}
{{- end }}

{{/* A selector never includes the run id. dict: root, role */}}
{{- define "mkc.selector" -}}
meshkit-chaos.project: meshkit-chaos
meshkit-chaos.stack: {{ .root.Values.stack }}
meshkit-chaos.role: {{ .role }}
{{- end }}

{{/* The project's images are imported into the node, never pulled; others may be pulled. */}}
{{- define "mkc.image" -}}
image: {{ . }}
imagePullPolicy: {{ if hasPrefix "meshkit-chaos/" . }}Never{{ else }}IfNotPresent{{ end }}
{{- end }}

{{/* Pod placement on kwok's simulated nodes. */}}
{{- define "mkc.placement" -}}
{{- if .Values.simulated }}
nodeSelector:
  type: kwok
tolerations:
  - key: kwok.x-k8s.io/node
    value: fake
    effect: NoSchedule
    operator: Equal
{{- end }}
{{- end }}

{{/* Mesh pods never talk to the API: their own account, no token mounted. */}}
{{- define "mkc.meshPod" -}}
serviceAccountName: mesh
automountServiceAccountToken: false
enableServiceLinks: false
terminationGracePeriodSeconds: 10
{{- end }}

{{- define "mkc.probe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
periodSeconds: 1
timeoutSeconds: 2
failureThreshold: 3
initialDelaySeconds: 1
{{- end }}

{{/* The mesh environment of the registry and the nodes (components/model/build.ts meshEnv). dict: root, role, id */}}
{{- define "mkc.meshEnv" -}}
{{- $v := .root.Values }}
- name: mesh__runtime__role
  value: {{ .role }}
- name: mesh__gossip__nodeId
  value: {{ .id | quote }}
- name: mesh__gossip__clusterId
  value: {{ $v.stack }}
- name: mesh__gossip__advertiseHost
  value: {{ .id | quote }}
- name: mesh__gossip__port
  value: {{ $v.node.ports.gossip | quote }}
- name: mesh__control__port
  value: {{ $v.node.ports.control | quote }}
- name: mesh__transport__port
  value: {{ $v.node.ports.data | quote }}
- name: mesh__registry__address
  value: registry:{{ $v.node.ports.gossip }}
- name: MESH_GOSSIP_CERT_PATH
  value: /etc/meshkit/tls/tls.crt
- name: MESH_GOSSIP_KEY_PATH
  value: /etc/meshkit/tls/tls.key
- name: MESH_GOSSIP_CA_PATH
  value: /etc/meshkit/tls/ca.crt
- name: OMNIRELAY_TRANSPORT_CERT_PATH
  value: /etc/meshkit/tls/tls.crt
- name: OMNIRELAY_TRANSPORT_KEY_PATH
  value: /etc/meshkit/tls/tls.key
- name: OMNIRELAY_TRANSPORT_CA_PATH
  value: /etc/meshkit/tls/ca.crt
{{- range $k, $val := $v.node.env }}
- name: {{ $k }}
  value: {{ $val | quote }}
{{- end }}
{{- end }}

{{/* Copies the pod's own files from the Secrets to their paths (keys 0600). dict: prefix ("" or "$(MESHKIT_POD_NAME).") */}}
{{- define "mkc.copyFiles" -}}
- name: files
  {{- include "mkc.image" .image | nindent 2 }}
  command:
    - /bin/bash
    - -c
    - install -m 0644 "/run/meshkit-files/{{ .prefix }}tls.crt" "/etc/meshkit/tls/tls.crt" && install -m 0600 "/run/meshkit-files/{{ .prefix }}tls.key" "/etc/meshkit/tls/tls.key" && install -m 0644 "/run/meshkit-files/{{ .prefix }}ca.crt" "/etc/meshkit/tls/ca.crt"
  env:
    - name: MESHKIT_POD_NAME
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
  volumeMounts:
    - name: files-source
      mountPath: /run/meshkit-files
      readOnly: true
    - name: files-0
      mountPath: /etc/meshkit/tls
{{- end }}

{{/* A service's files as ConfigMaps, as files/layout/<service>.yaml (generated from the platform's builder) lays them out. dict: root, service, layout */}}
{{- define "mkc.configMaps" -}}
{{- $root := .root }}
{{- range $cm := .layout.configMaps }}
---
apiVersion: v1
kind: ConfigMap
{{ include "mkc.metadata" (dict "root" $root "name" $cm.name "role" $.service) }}
data:
  {{- range $key, $path := $cm.files }}
  {{ $key }}: {{ include "mkc.fileContent" (dict "root" $root "file" $path) | quote }}
  {{- end }}
{{- end }}
{{- end }}

{{/* A file of the chart as the pod sees it (templated ones through tpl). dict: root, file */}}
{{- define "mkc.fileContent" -}}
{{- if hasSuffix ".tpl" .file }}{{ tpl (.root.Files.Get .file) .root }}{{ else }}{{ .root.Files.Get .file }}{{ end }}
{{- end }}

{{/* Pods that outlive runs read their files at start only: the digest the program puts in their
     template (sha256 over path NUL content NUL of each file, in the model's order; 16 hex). dict: root, layout */}}
{{- define "mkc.filesDigest" -}}
{{- $all := "" }}
{{- range $f := .layout.digest }}
{{- $all = printf "%s%s\x00%s\x00" $all $f.path (include "mkc.fileContent" (dict "root" $.root "file" $f.file)) }}
{{- end }}
{{- sha256sum $all | trunc 16 }}
{{- end }}
