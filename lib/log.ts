/**
 * The process logger (pino, JSON lines on stderr). Log objects, ids and counts; never a secret value, token or
 * credential (docs/ARCHITECTURE.md): nothing in keygraph holds one past the collector, and `redact` drops the usual suspects.
 */
import pino from 'pino';

export const log = pino({
  level: process.env.KEYGRAPH_LOG_LEVEL ?? 'info',
  redact: { paths: ['*.password', '*.token', '*.authorization', '*.data', '*.stringData', 'headers.authorization'], remove: true },
}, pino.destination(2));
