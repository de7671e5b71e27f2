/**
 * A credential held in configuration (the OIDC client secret, the session secret): it prints as `[redacted]` in
 * logs, JSON, `util.inspect` and string interpolation, so a config object logged by mistake leaks nothing.
 * `reveal()` is the only way to read it.
 */
export class Redacted {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The credential itself: pass it straight to the library that needs it, never to a log. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[redacted]';
  }
}
