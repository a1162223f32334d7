// What actions/cache@v4 does with @actions/cache, and nothing more, for the benchmark's "chain
// configured for speed" side (benchmarks/jobs/chain.py): its main step restores, its post step
// saves unless the primary key hit (actions/cache src/restoreImpl.ts and saveImpl.ts).
//
//   node actions_cache.cjs restore KEY RESTORE_KEYS PATH...   (RESTORE_KEYS: one a line)
//   node actions_cache.cjs save KEY PATH...
//
// @actions/cache comes from NODE_PATH (benchmarks/jobs/install-actions-cache) and reads the
// cache service from the environment the runner gives a node action: ACTIONS_RESULTS_URL,
// ACTIONS_RUNTIME_TOKEN, ACTIONS_CACHE_SERVICE_V2. The last line printed is
// `actions-cache-result {"key": KEY or null}`: the key restored from, or saved as.
'use strict';

const cache = require('@actions/cache');

const RESULT = 'actions-cache-result ';

async function main(argv) {
  const [command, key, ...rest] = argv;
  if (command === 'restore') {
    const [restoreKeys, ...paths] = rest;
    const keys = restoreKeys.split('\n').filter((line) => line.trim() !== '');
    const matched = await cache.restoreCache(paths, key, keys, {lookupOnly: false}, false);
    return matched ?? null;
  }
  if (command === 'save') {
    // saveCache logs a refused reservation or a failed upload as a warning and returns -1: a
    // post step that does not fail the job.
    const id = await cache.saveCache(rest, key, {}, false);
    return id === -1 ? null : key;
  }
  throw new Error(`unknown command ${command}: restore or save`);
}

main(process.argv.slice(2)).then(
  (key) => process.stdout.write(`${RESULT}${JSON.stringify({key})}\n`),
  (error) => {
    process.stderr.write(`actions_cache.cjs: ${error.stack || error}\n`);
    process.exit(1);
  },
);
