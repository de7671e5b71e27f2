/**
 * GET /metrics: Prometheus text exposition (lib/metrics.ts). Behind the gate like every page; with sign-in on it
 * answers 401 without an API token (`Authorization: Bearer kg_…`, any role) or a session.
 */
import { metricsResponse } from '@/lib/metrics';

export const dynamic = 'force-dynamic';

export function GET(): Promise<Response> {
  return metricsResponse();
}
