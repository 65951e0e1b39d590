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
  "title": "MeshKit / Shards",
  "uid": "meshkit-shards",
  "description": "Shard ownership per member, imbalance and rebalancing.",
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
      "title": "Shards owned",
      "description": "Shards each member owns.",
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
          "expr": "sum by (node) (mesh_shards_owned{job=\"meshkit-node\"})",
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
    },
    {
      "type": "stat",
      "transparent": false,
      "repeatDirection": "h",
      "options": {
        "graphMode": "area",
        "colorMode": "value",
        "justifyMode": "auto",
        "textMode": "auto",
        "wideLayout": true,
        "showPercentChange": false,
        "reduceOptions": {
          "calcs": [
            "lastNotNull"
          ],
          "values": false
        },
        "percentChangeColorMode": "standard",
        "orientation": "auto"
      },
      "id": 2,
      "title": "Shard imbalance (max/min)",
      "description": "Shards of the busiest member over those of the least busy one (a member with none counts as 1).",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 12,
        "y": 0,
        "w": 6,
        "h": 6
      },
      "targets": [
        {
          "expr": "max(mesh_shards_owned{job=\"meshkit-node\"}) / clamp_min(min(mesh_shards_owned{job=\"meshkit-node\"}), 1)",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "max/min",
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
      "id": 3,
      "title": "Shards moving",
      "description": "Shards in flight in the current rebalance.",
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
          "expr": "sum(mesh_rebalance_shards_moving{job=\"meshkit-node\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "moving",
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
      "id": 4,
      "title": "Rebalance duration p95",
      "description": "Duration of rebalances over 5 minutes.",
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
          "expr": "histogram_quantile(0.95, sum by (le) (rate(mesh_rebalance_duration_seconds_bucket{job=\"meshkit-node\"}[5m])))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "p95",
          "range": true,
          "instant": false
        }
      ]
    }
  ]
}
