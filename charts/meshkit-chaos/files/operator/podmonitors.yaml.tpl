meshkit-node:
  selector:
    matchLabels:
      meshkit-chaos.project: meshkit-chaos
      meshkit-chaos.stack: {{ .Values.stack }}
      meshkit-chaos.role: node
  podMetricsEndpoints:
    - port: control
      path: {{ .Values.node.metricsPath }}
      interval: {{ .Values.observability.scrapeIntervalSeconds }}s
      scrapeTimeout: {{ .Values.observability.scrapeIntervalSeconds }}s
      relabelings:
        - action: keep
          sourceLabels:
            - __meta_kubernetes_pod_label_meshkit_chaos_project
            - __meta_kubernetes_pod_label_meshkit_chaos_stack
            - __meta_kubernetes_pod_label_meshkit_chaos_role
            - __meta_kubernetes_pod_container_port_name
          regex: meshkit-chaos;{{ .Values.stack }};node;control
        - action: replace
          sourceLabels:
            - __meta_kubernetes_pod_name
          targetLabel: node
        - action: replace
          sourceLabels:
            - __meta_kubernetes_pod_label_meshkit_chaos_node
          regex: (.+)
          targetLabel: node
        - action: replace
          sourceLabels:
            - node
          regex: (.+)
          targetLabel: instance
          replacement: $1:{{ .Values.node.ports.control }}
        - action: replace
          targetLabel: project
          replacement: meshkit-chaos
        - action: replace
          targetLabel: stack
          replacement: {{ .Values.stack }}
        - action: replace
          targetLabel: role
          replacement: node
        - action: replace
          targetLabel: job
          replacement: meshkit-node
meshkit-registry:
  selector:
    matchLabels:
      meshkit-chaos.project: meshkit-chaos
      meshkit-chaos.stack: {{ .Values.stack }}
      meshkit-chaos.role: registry
  podMetricsEndpoints:
    - port: control
      path: {{ .Values.node.metricsPath }}
      interval: {{ .Values.observability.scrapeIntervalSeconds }}s
      scrapeTimeout: {{ .Values.observability.scrapeIntervalSeconds }}s
      relabelings:
        - action: keep
          sourceLabels:
            - __meta_kubernetes_pod_label_meshkit_chaos_project
            - __meta_kubernetes_pod_label_meshkit_chaos_stack
            - __meta_kubernetes_pod_label_meshkit_chaos_role
            - __meta_kubernetes_pod_container_port_name
          regex: meshkit-chaos;{{ .Values.stack }};registry;control
        - action: replace
          sourceLabels:
            - __meta_kubernetes_pod_name
          targetLabel: node
        - action: replace
          sourceLabels:
            - __meta_kubernetes_pod_label_meshkit_chaos_node
          regex: (.+)
          targetLabel: node
        - action: replace
          sourceLabels:
            - node
          regex: (.+)
          targetLabel: instance
          replacement: $1:{{ .Values.node.ports.control }}
        - action: replace
          targetLabel: project
          replacement: meshkit-chaos
        - action: replace
          targetLabel: stack
          replacement: {{ .Values.stack }}
        - action: replace
          targetLabel: role
          replacement: registry
        - action: replace
          targetLabel: job
          replacement: meshkit-registry
meshkit-agent:
  selector:
    matchLabels:
      meshkit-chaos.project: meshkit-chaos
      meshkit-chaos.stack: {{ .Values.stack }}
      meshkit-chaos.role: node
  podMetricsEndpoints:
    - port: agent
      path: /metrics
      interval: {{ .Values.observability.scrapeIntervalSeconds }}s
      scrapeTimeout: {{ .Values.observability.scrapeIntervalSeconds }}s
      relabelings:
        - action: keep
          sourceLabels:
            - __meta_kubernetes_pod_label_meshkit_chaos_project
            - __meta_kubernetes_pod_label_meshkit_chaos_stack
            - __meta_kubernetes_pod_label_meshkit_chaos_role
            - __meta_kubernetes_pod_container_port_name
          regex: meshkit-chaos;{{ .Values.stack }};node;agent
        - action: replace
          sourceLabels:
            - __meta_kubernetes_pod_name
          targetLabel: node
        - action: replace
          sourceLabels:
            - __meta_kubernetes_pod_label_meshkit_chaos_node
          regex: (.+)
          targetLabel: node
        - action: replace
          sourceLabels:
            - node
          regex: (.+)
          targetLabel: instance
          replacement: $1:9100
        - action: replace
          targetLabel: project
          replacement: meshkit-chaos
        - action: replace
          targetLabel: stack
          replacement: {{ .Values.stack }}
        - action: replace
          targetLabel: role
          replacement: agent
        - action: replace
          targetLabel: job
          replacement: meshkit-agent
