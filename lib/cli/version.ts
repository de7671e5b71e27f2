/**
 * keygraph's version, from package.json (inlined by scripts/build-cli.mjs into dist/cli, read through the JSON import
 * when run from the sources).
 */
import pkg from '../../package.json' with { type: 'json' };

export const version = (): string => pkg.version;
