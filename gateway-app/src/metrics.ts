/**
 * Prometheus metrics, in a registry of their own (so tests can build many apps in one process).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly ledgerDuration: Histogram<'kind' | 'transaction' | 'outcome'>;
  readonly writeRetries: Counter<'transaction' | 'reason'>;
  readonly outcomeResolutions: Counter<'result'>;
  readonly eventStreams: Gauge;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'iotreg_gateway_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'iotreg_gateway_http_requests_total',
      help: 'HTTP requests answered, by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'iotreg_gateway_http_request_duration_seconds',
      help: 'HTTP request latency, by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    ledgerDuration: new Histogram({
      name: 'iotreg_gateway_ledger_call_duration_seconds',
      help: 'Ledger calls (evaluate, or submit until committed), by transaction and outcome',
      labelNames: ['kind', 'transaction', 'outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: [registry],
    }),
    writeRetries: new Counter({
      name: 'iotreg_gateway_write_retries_total',
      help: "Writes tried again: proposed anew after committing invalid (MVCC or phantom read conflict), or endorsed again after only other orgs' peers refused",
      labelNames: ['transaction', 'reason'],
      registers: [registry],
    }),
    outcomeResolutions: new Counter({
      name: 'iotreg_gateway_outcome_resolutions_total',
      help: 'Writes whose submit or commit wait failed and whose outcome was looked up by transaction ID',
      labelNames: ['result'],
      registers: [registry],
    }),
    eventStreams: new Gauge({
      name: 'iotreg_gateway_event_streams',
      help: 'Open Server-Sent Event streams',
      registers: [registry],
    }),
  };
}
