/**
 * Per-test-file setup: registers every source (collectors/index.ts), as the CLI does at start, so runs committed by
 * tests derive the registered cross-source links (lib/store/linkers.ts) exactly as in production.
 */
import '../collectors';
