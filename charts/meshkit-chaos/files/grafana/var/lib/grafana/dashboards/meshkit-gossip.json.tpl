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
  "title": "MeshKit / Gossip",
  "uid": "meshkit-gossip",
  "description": "Membership as every node sees it, suspicion, round-trip times and message outcomes.",
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
          }
        },
        "overrides": []
      },
      "id": 1,
      "title": "Members by status",
      "description": "Members each node sees per status.",
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
          "expr": "sum by (node, mesh_status) (mesh_gossip_members_peers{job=\"meshkit-node\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}node{{ "}}" }} {{ "{{" }}mesh_status{{ "}}" }}",
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
      "id": 2,
      "title": "Suspect and left members",
      "description": "Members a node suspects or declared left; non-zero means a partition, a dead node or a slow network.",
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
          "expr": "sum by (node, mesh_status) (mesh_gossip_members_peers{job=\"meshkit-node\",mesh_status=~\"suspect|left\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}node{{ "}}" }} {{ "{{" }}mesh_status{{ "}}" }}",
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
      "id": 3,
      "title": "Gossip RTT",
      "description": "p50 and p99 over 30s per node; the ping timeout is 2000 ms.",
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
          "expr": "histogram_quantile(0.5, sum by (le, node) (rate(mesh_gossip_rtt_ms_milliseconds_bucket{job=\"meshkit-node\"}[30s])))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "p50 {{ "{{" }}node{{ "}}" }}",
          "range": true,
          "instant": false
        },
        {
          "expr": "histogram_quantile(0.99, sum by (le, node) (rate(mesh_gossip_rtt_ms_milliseconds_bucket{job=\"meshkit-node\"}[30s])))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "B",
          "legendFormat": "p99 {{ "{{" }}node{{ "}}" }}",
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
      "id": 4,
      "title": "Gossip messages",
      "description": "Messages per second by direction and outcome.",
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
          "expr": "sum by (node, mesh_direction, mesh_outcome) (rate(mesh_gossip_messages_total_messages_total{job=\"meshkit-node\"}[30s]))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}node{{ "}}" }} {{ "{{" }}mesh_direction{{ "}}" }} {{ "{{" }}mesh_outcome{{ "}}" }}",
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
      "id": 5,
      "title": "Gossip failure ratio",
      "description": "Share of gossip messages that failed, per node.",
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
          "expr": "(sum by (node) (rate(mesh_gossip_messages_total_messages_total{job=\"meshkit-node\",mesh_outcome=\"failure\"}[30s])) or sum by (node) (rate(mesh_gossip_messages_total_messages_total{job=\"meshkit-node\"}[30s])) * 0) / sum by (node) (rate(mesh_gossip_messages_total_messages_total{job=\"meshkit-node\"}[30s]))",
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
