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
  "title": "MeshKit / Replication",
  "uid": "meshkit-replication",
  "description": "Replication lag of shard writes and replicated events.",
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
          "unit": "ms"
        },
        "overrides": []
      },
      "id": 1,
      "title": "Replication lag",
      "description": "p50 and p99 over 30s.",
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
          "expr": "histogram_quantile(0.5, sum by (le) (rate(omnirelay_resourcelease_replication_lag_milliseconds_bucket{job=\"meshkit-node\"}[30s])))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "p50",
          "range": true,
          "instant": false
        },
        {
          "expr": "histogram_quantile(0.99, sum by (le) (rate(omnirelay_resourcelease_replication_lag_milliseconds_bucket{job=\"meshkit-node\"}[30s])))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "B",
          "legendFormat": "p99",
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
      "id": 2,
      "title": "Replication lag p99 by peer",
      "description": "p99 over 30s per replica peer.",
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
          "expr": "histogram_quantile(0.99, sum by (le, rpc_peer) (rate(omnirelay_resourcelease_replication_lag_milliseconds_bucket{job=\"meshkit-node\"}[30s])))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}rpc_peer{{ "}}" }}",
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
          "unit": "ops"
        },
        "overrides": []
      },
      "id": 3,
      "title": "Replicated events",
      "description": "Replicated write events per second per node.",
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
          "expr": "sum by (node) (rate(omnirelay_resourcelease_replication_events_total{job=\"meshkit-node\"}[30s]))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}node{{ "}}" }}",
          "range": true,
          "instant": false
        }
      ]
    }
  ]
}
