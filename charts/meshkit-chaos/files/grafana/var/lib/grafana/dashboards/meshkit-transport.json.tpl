{
  "timezone": "utc",
  "editable": false,
  "graphTooltip": 1,
  "fiscalYearStartMonth": 0,
  "schemaVersion": 42,
  "templating": {},
  "annotations": {
    "list": [
      {
        "name": "Chaos faults",
        "enable": true,
        "hide": false,
        "iconColor": "red",
        "builtIn": 0,
        "placement": "inControlsMenu",
        "datasource": {
          "type": "prometheus",
          "uid": "meshkit-prometheus"
        },
        "expr": "sum by (node, kind) (meshkit_chaos_agent_faults_active{job=\"meshkit-agent\"}) > 0",
        "step": "5s",
        "titleFormat": "{{ "{{" }}kind{{ "}}" }} on {{ "{{" }}node{{ "}}" }}",
        "tagKeys": "node,kind"
      }
    ]
  },
  "title": "MeshKit / Transport",
  "uid": "meshkit-transport",
  "description": "Data-plane protocol mix, downgrades from the UDP path to HTTP over TCP, latency and TLS.",
  "tags": [
    "meshkit-chaos",
    "{{ .Values.stack }}"
  ],
  "refresh": "5s",
  "time": {
    "from": "now-15m",
    "to": "now"
  },
  "panels": [
    {
      "type": "timeseries",
      "transparent": false,
      "repeatDirection": "h",
      "options": {
        "legend": {
          "displayMode": "list",
          "placement": "bottom",
          "showLegend": true,
          "calcs": []
        },
        "tooltip": {
          "mode": "single",
          "sort": "asc"
        }
      },
      "fieldConfig": {
        "defaults": {
          "custom": {
            "lineWidth": 1,
            "fillOpacity": 10
          },
          "unit": "reqps"
        },
        "overrides": []
      },
      "id": 1,
      "title": "Requests by transport and protocol",
      "description": "Completed data-plane requests per second.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 0,
        "y": 0,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "sum by (network_transport, network_protocol_version) (rate(omnirelay_http_requests_completed_total{job=\"meshkit-node\"}[30s]))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}network_transport{{ "}}" }} {{ "{{" }}network_protocol_version{{ "}}" }}",
          "range": true,
          "instant": false
        }
      ]
    },
    {
      "type": "timeseries",
      "transparent": false,
      "repeatDirection": "h",
      "options": {
        "legend": {
          "displayMode": "list",
          "placement": "bottom",
          "showLegend": true,
          "calcs": []
        },
        "tooltip": {
          "mode": "single",
          "sort": "asc"
        }
      },
      "fieldConfig": {
        "defaults": {
          "custom": {
            "lineWidth": 1,
            "fillOpacity": 10
          },
          "unit": "percentunit"
        },
        "overrides": []
      },
      "id": 2,
      "title": "Downgrade ratio",
      "description": "Share of requests over TCP, and client fallbacks per request (no TCP series or no fallback yet counts as 0).",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 12,
        "y": 0,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "(sum (rate(omnirelay_http_requests_completed_total{job=\"meshkit-node\",network_transport=\"tcp\"}[30s])) or sum (rate(omnirelay_http_requests_completed_total{job=\"meshkit-node\"}[30s])) * 0) / sum (rate(omnirelay_http_requests_completed_total{job=\"meshkit-node\"}[30s]))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "TCP share",
          "range": true,
          "instant": false
        },
        {
          "expr": "(sum (rate(omnirelay_http_client_fallbacks_total{job=\"meshkit-node\"}[30s])) or sum (rate(omnirelay_http_requests_completed_total{job=\"meshkit-node\"}[30s])) * 0) / sum (rate(omnirelay_http_requests_completed_total{job=\"meshkit-node\"}[30s]))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "B",
          "legendFormat": "fallbacks per request",
          "range": true,
          "instant": false
        }
      ]
    },
    {
      "type": "timeseries",
      "transparent": false,
      "repeatDirection": "h",
      "options": {
        "legend": {
          "displayMode": "list",
          "placement": "bottom",
          "showLegend": true,
          "calcs": []
        },
        "tooltip": {
          "mode": "single",
          "sort": "asc"
        }
      },
      "fieldConfig": {
        "defaults": {
          "custom": {
            "lineWidth": 1,
            "fillOpacity": 10
          },
          "unit": "reqps"
        },
        "overrides": []
      },
      "id": 3,
      "title": "Client fallbacks",
      "description": "Fallbacks from the UDP datagram path per second, by the protocol observed after falling back.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 0,
        "y": 8,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "sum by (node, http_observed_protocol) (rate(omnirelay_http_client_fallbacks_total{job=\"meshkit-node\"}[30s]))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}node{{ "}}" }} {{ "{{" }}http_observed_protocol{{ "}}" }}",
          "range": true,
          "instant": false
        }
      ]
    },
    {
      "type": "timeseries",
      "transparent": false,
      "repeatDirection": "h",
      "options": {
        "legend": {
          "displayMode": "list",
          "placement": "bottom",
          "showLegend": true,
          "calcs": []
        },
        "tooltip": {
          "mode": "single",
          "sort": "asc"
        }
      },
      "fieldConfig": {
        "defaults": {
          "custom": {
            "lineWidth": 1,
            "fillOpacity": 10
          },
          "unit": "ms"
        },
        "overrides": []
      },
      "id": 4,
      "title": "Request duration p99",
      "description": "Data-plane latency by transport over 30s.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 12,
        "y": 8,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "histogram_quantile(0.99, sum by (le, network_transport) (rate(omnirelay_http_request_duration_milliseconds_bucket{job=\"meshkit-node\"}[30s])))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}network_transport{{ "}}" }}",
          "range": true,
          "instant": false
        }
      ]
    },
    {
      "type": "timeseries",
      "transparent": false,
      "repeatDirection": "h",
      "options": {
        "legend": {
          "displayMode": "list",
          "placement": "bottom",
          "showLegend": true,
          "calcs": []
        },
        "tooltip": {
          "mode": "single",
          "sort": "asc"
        }
      },
      "fieldConfig": {
        "defaults": {
          "custom": {
            "lineWidth": 1,
            "fillOpacity": 10
          }
        },
        "overrides": []
      },
      "id": 5,
      "title": "TLS handshake failures",
      "description": "Failed handshakes per minute and listener; expired or untrusted certificates show here.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 0,
        "y": 16,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "sum by (node, listener) (increase(omnirelay_tls_handshake_failures_total[1m]))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}node{{ "}}" }} {{ "{{" }}listener{{ "}}" }}",
          "range": true,
          "instant": false
        }
      ]
    },
    {
      "type": "timeseries",
      "transparent": false,
      "repeatDirection": "h",
      "options": {
        "legend": {
          "displayMode": "list",
          "placement": "bottom",
          "showLegend": true,
          "calcs": []
        },
        "tooltip": {
          "mode": "single",
          "sort": "asc"
        }
      },
      "fieldConfig": {
        "defaults": {
          "custom": {
            "lineWidth": 1,
            "fillOpacity": 10
          }
        },
        "overrides": []
      },
      "id": 6,
      "title": "Signature failures",
      "description": "Data-plane responses whose signature did not verify, per minute and peer (the invalid-signature fault).",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 12,
        "y": 16,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "sum by (node, rpc_peer) (increase(omnirelay_rpc_signature_failures_total{job=\"meshkit-node\"}[1m]))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}node{{ "}}" }} → {{ "{{" }}rpc_peer{{ "}}" }}",
          "range": true,
          "instant": false
        }
      ]
    },
    {
      "type": "timeseries",
      "transparent": false,
      "repeatDirection": "h",
      "options": {
        "legend": {
          "displayMode": "list",
          "placement": "bottom",
          "showLegend": true,
          "calcs": []
        },
        "tooltip": {
          "mode": "single",
          "sort": "asc"
        }
      },
      "fieldConfig": {
        "defaults": {
          "custom": {
            "lineWidth": 1,
            "fillOpacity": 10
          },
          "unit": "s"
        },
        "overrides": []
      },
      "id": 7,
      "title": "Certificate time to expiry",
      "description": "Seconds until notAfter of the certificate each listener serves.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 0,
        "y": 24,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "min by (node, listener) (omnirelay_tls_certificate_not_after_seconds) - time()",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}node{{ "}}" }} {{ "{{" }}listener{{ "}}" }}",
          "range": true,
          "instant": false
        }
      ]
    }
  ]
}
