export const environmentObservabilityFiles = (_stack: string, _settings: unknown) => ({ prometheus: [], grafana: [] });
