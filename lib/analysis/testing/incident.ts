/**
 * YAML for the incident replay used by the analysis tests (lib/demo/README.md "The incident", in a cluster of its
 * own): run 1 has Secret `targets-backup-key` used by Deployment `ota-lite-api` (env + volume) whose ReplicaSet runs
 * 3 pods; run 2 has `targets-backup-key-2024-10-08` with the same data while the Deployment, ReplicaSet and pods
 * still name the old Secret. All values are fake.
 */
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Pod spec fragment shared by the Deployment template, the ReplicaSet template and the pods. */
function podSpec(secretName: string): string {
  return `
      containers:
        - name: api
          image: ghcr.io/example/ota-lite-api:1.4.2
          env:
            - name: OTA_TARGETS_BACKUP_KEY_ID
              valueFrom:
                secretKeyRef:
                  name: ${secretName}
                  key: key-id
          volumeMounts:
            - name: targets-backup-key
              mountPath: /etc/ota/keys
              readOnly: true
      volumes:
        - name: targets-backup-key
          secret:
            secretName: ${secretName}
            items:
              - key: targets-backup.json
                path: targets-backup.json`;
}

function secret(name: string): string {
  return `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  namespace: ota
type: Opaque
data:
  key-id: ${b64('demo-not-a-real-key-id')}
  targets-backup.json: ${b64('{"demo":"not-a-real-backup-key"}')}
`;
}

/** Workloads and pods referencing `referenced`. */
export function workloads(referenced: string): string {
  const rs = 'ota-lite-api-7c9d8f6b54';
  const pods = ['x2kqp', 'm8hzt', 'r4wvn'].map((sfx, i) => `---
apiVersion: v1
kind: Pod
metadata:
  name: ${rs}-${sfx}
  namespace: ota
  uid: 00000000-0000-0000-0000-00000000000${i}
  ownerReferences:
    - apiVersion: apps/v1
      kind: ReplicaSet
      name: ${rs}
      controller: true
spec:
  serviceAccountName: ota-lite-api${podSpec(referenced).replace(/\n {6}/g, '\n  ')}
status:
  phase: Running
  startTime: "2024-10-03T09:1${i}:00Z"
`).join('');
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ota-lite-api
  namespace: ota
spec:
  replicas: 3
  template:
    spec:
      serviceAccountName: ota-lite-api${podSpec(referenced)}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: ${rs}
  namespace: ota
  ownerReferences:
    - apiVersion: apps/v1
      kind: Deployment
      name: ota-lite-api
      controller: true
spec:
  replicas: 3
  template:
    spec:
      serviceAccountName: ota-lite-api${podSpec(referenced)}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: ota-lite-api
  namespace: ota
${pods}`;
}

/** Run 1: the Secret exists under its old name. */
export const RUN1 = { 'secret.yaml': secret('targets-backup-key'), 'workloads.yaml': workloads('targets-backup-key') };
/** Run 2: renamed, same content; the workloads still name the old Secret. */
export const RUN2 = { 'secret.yaml': secret('targets-backup-key-2024-10-08'), 'workloads.yaml': workloads('targets-backup-key') };
/** A manifest folder for the gate: the Deployment as the team would roll it out again (still the old name). */
export const GATE_BAD = { 'deployment.yaml': workloads('targets-backup-key').split('---')[0]! };
/** The fixed manifest: points at the new name. */
export const GATE_FIXED = { 'deployment.yaml': workloads('targets-backup-key-2024-10-08').split('---')[0]! };
