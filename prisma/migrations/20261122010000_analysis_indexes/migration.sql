-- keygraph analysis: closed (superseded or deleted) versions of Secrets. The findings rules that look at Secret
-- history (pod-env-stale: a Secret changed after a pod started; renamed-secret: a Secret disappeared) start from
-- these rows instead of scanning every version of every node. Only Secret rows that were closed are indexed, so
-- ingest pays nothing for the (far more numerous) pod, workload and edge versions.
CREATE INDEX "node_versions_closed_secret_idx" ON "node_versions"("node_id", "valid_to") WHERE "valid_to" IS NOT NULL AND "kind" = 'Secret';
