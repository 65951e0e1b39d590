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
  "title": "MeshKit / Leadership",
  "uid": "meshkit-leadership",
  "description": "Leaders per scope, who leads, terms and the history of elections.",
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
      "id": 1,
      "title": "Leaders per scope",
      "description": "Nodes that hold the lease of each scope: exactly 1 is healthy, 0 is an outage, 2+ is split brain.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 0,
        "y": 0,
        "w": 6,
        "h": 6
      },
      "targets": [
        {
          "expr": "sum by (mesh_scope) (mesh_leadership_is_leader{job=\"meshkit-node\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}mesh_scope{{ "}}" }}",
          "range": true,
          "instant": false
        }
      ]
    },
    {
      "type": "state-timeline",
      "transparent": false,
      "repeatDirection": "h",
      "options": {
        "showValue": "auto",
        "rowHeight": 0.9,
        "mergeValues": true,
        "alignValue": "left",
        "legend": {
          "displayMode": "list",
          "placement": "bottom",
          "showLegend": false,
          "calcs": []
        },
        "tooltip": {
          "mode": "single",
          "sort": "asc"
        },
        "perPage": 20
      },
      "fieldConfig": {
        "defaults": {
          "custom": {
            "lineWidth": 0,
            "fillOpacity": 70
          }
        },
        "overrides": []
      },
      "id": 2,
      "title": "Leader by node",
      "description": "1 while the node holds the lease of the scope.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 6,
        "y": 0,
        "w": 18,
        "h": 6
      },
      "targets": [
        {
          "expr": "max by (mesh_scope, node) (mesh_leadership_is_leader{job=\"meshkit-node\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}mesh_scope{{ "}}" }} {{ "{{" }}node{{ "}}" }}",
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
      "title": "Lease term",
      "description": "Highest term seen per scope; it increases on every acquisition.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 0,
        "y": 6,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "max by (mesh_scope) (mesh_leadership_term{job=\"meshkit-node\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}mesh_scope{{ "}}" }}",
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
      "id": 4,
      "title": "Election history",
      "description": "Leadership transitions per minute (elected, lost, expired, stepped down).",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 12,
        "y": 6,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "sum by (mesh_scope, mesh_transition) (increase(mesh_leadership_transitions_total_events_total{job=\"meshkit-node\",mesh_transition!=\"renewed\"}[1m]))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}mesh_scope{{ "}}" }} {{ "{{" }}mesh_transition{{ "}}" }}",
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
      "id": 5,
      "title": "Election duration p99",
      "description": "Time from the start of a campaign to holding the lease, over 5 minutes.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 0,
        "y": 14,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "histogram_quantile(0.99, sum by (le, mesh_scope) (rate(mesh_leadership_election_duration_ms_milliseconds_bucket{job=\"meshkit-node\"}[5m])))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}mesh_scope{{ "}}" }}",
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
      "title": "Split-brain events",
      "description": "Times a node observed two leaders for one scope, per minute.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 12,
        "y": 14,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "sum by (mesh_scope) (increase(mesh_leadership_split_brain_total_events_total{job=\"meshkit-node\"}[1m]))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}mesh_scope{{ "}}" }}",
          "range": true,
          "instant": false
        }
      ]
    }
  ]
}
