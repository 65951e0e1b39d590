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
  "title": "MeshKit / Chaos activity",
  "uid": "meshkit-chaos",
  "description": "Faults the agents hold, agent health, and how long apply and revert take.",
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
      "title": "Active faults",
      "description": "Faults applied right now, all agents together.",
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
          "expr": "sum(meshkit_chaos_agent_faults_active{job=\"meshkit-agent\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "active",
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
      "title": "Active faults by node and kind",
      "description": "Faults each agent holds, per kind.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 6,
        "y": 0,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "sum by (node, kind) (meshkit_chaos_agent_faults_active{job=\"meshkit-agent\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}node{{ "}}" }} {{ "{{" }}kind{{ "}}" }}",
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
      "id": 3,
      "title": "Agent health",
      "description": "1 while the agent can act on its node's namespaces.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 0,
        "y": 8,
        "w": 18,
        "h": 6
      },
      "targets": [
        {
          "expr": "max by (node) (meshkit_chaos_agent_up{job=\"meshkit-agent\"})",
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
      "title": "Apply and revert time p95",
      "description": "From request to verified kernel state, over 5 minutes.",
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
          "expr": "histogram_quantile(0.95, sum by (le, kind) (rate(meshkit_chaos_agent_apply_duration_seconds_bucket{job=\"meshkit-agent\"}[5m])))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "apply {{ "{{" }}kind{{ "}}" }}",
          "range": true,
          "instant": false
        },
        {
          "expr": "histogram_quantile(0.95, sum by (le, kind) (rate(meshkit_chaos_agent_revert_duration_seconds_bucket{job=\"meshkit-agent\"}[5m])))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "B",
          "legendFormat": "revert {{ "{{" }}kind{{ "}}" }}",
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
      "id": 5,
      "title": "Node clock offset",
      "description": "How far each node's wall clock is shifted by the clock-skew fault (reference node extension).",
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
          "expr": "max by (node) (mesh_clock_offset_seconds)",
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
      "title": "Lease expirations",
      "description": "Faults reverted by the dead-man switch per minute (the runner stopped renewing).",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 0,
        "y": 22,
        "w": 12,
        "h": 8
      },
      "targets": [
        {
          "expr": "sum by (node, kind) (increase(meshkit_chaos_agent_lease_expirations_total{job=\"meshkit-agent\"}[1m]))",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}node{{ "}}" }} {{ "{{" }}kind{{ "}}" }}",
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
      "id": 7,
      "title": "Agent capabilities",
      "description": "What each agent measured: NET_ADMIN, sch_netem, tbf, iptables (+ statistic match), node process visible, stress-ng.",
      "datasource": {
        "type": "prometheus",
        "uid": "meshkit-prometheus"
      },
      "gridPos": {
        "x": 0,
        "y": 30,
        "w": 18,
        "h": 6
      },
      "targets": [
        {
          "expr": "max by (node, capability) (meshkit_chaos_agent_capability{job=\"meshkit-agent\"})",
          "datasource": {
            "type": "prometheus",
            "uid": "meshkit-prometheus"
          },
          "refId": "A",
          "legendFormat": "{{ "{{" }}node{{ "}}" }} {{ "{{" }}capability{{ "}}" }}",
          "range": true,
          "instant": false
        }
      ]
    }
  ]
}
