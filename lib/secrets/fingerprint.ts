/**
 * Per-key fingerprints of Secret values: HMAC-SHA256 under an installation key that is never stored in the
 * database, so a database dump cannot be brute-forced back to values. Two Secrets with the same value for a key
 * get the same fingerprint (that is how renames are detected); nothing else about the value is kept.
 *
 * The installation key comes from `KEYGRAPH_FINGERPRINT_KEY` (64 hex chars) or from the file
 * `<KEYGRAPH_DATA_DIR>/fingerprint.key` (created with 32 random bytes, mode 0600, on first use).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

/** Returns a 32-hex-char (128-bit) fingerprint of one decoded value. Never returns or logs the value. */
export type Fingerprinter = (value: Uint8Array) => string;

export function createFingerprinter(key: Uint8Array): Fingerprinter {
  if (key.length < 16) throw new Error('fingerprint key must be at least 16 bytes');
  return (value) => createHmac('sha256', key).update(value).digest('hex').slice(0, 32);
}

/**
 * Loads (or creates) the installation key. Errors: a malformed `KEYGRAPH_FINGERPRINT_KEY`, an unreadable key file.
 * @param dataDir the keygraph data folder (KEYGRAPH_DATA_DIR, default `./.keygraph`).
 */
export function loadInstallationKey(dataDir: string): Buffer {
  const fromEnv = process.env.KEYGRAPH_FINGERPRINT_KEY;
  if (fromEnv) {
    if (!/^[0-9a-fA-F]{32,128}$/.test(fromEnv)) {
      throw new Error('KEYGRAPH_FINGERPRINT_KEY must be 32 to 128 hex characters');
    }
    return Buffer.from(fromEnv, 'hex');
  }
  const file = path.join(dataDir, 'fingerprint.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  }
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-fA-F]{32,128}$/.test(hex)) throw new Error(`${file} is not a hex fingerprint key`);
  return Buffer.from(hex, 'hex');
}
