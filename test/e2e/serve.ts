// Serves the browser tests' system for a look by hand: the real gateway with the UI over the
// drawn catalog, ingested and embedded on the stack named by the environment (the test stack:
//   eval "$(npx vitrina stack --test env)" && npx tsx test/e2e/serve.ts [port]
// ). A second gateway on port + 1 has the UI only and no model server (the "not available" and
// error states). Ctrl-C stops everything and drops the run's search index.
import { startE2eSystem } from './system.ts';

const port = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 8088);
const started = Date.now();
const system = await startE2eSystem({ port, log: (line) => void process.stdout.write(`${line}\n`) });
process.stdout.write(`Vitrina UI on the e2e catalog (ready in ${((Date.now() - started) / 1000).toFixed(1)} s): ${system.url}/\n`);
process.stdout.write(`  admin token ${system.adminToken}; model ${system.modelName}, champion ${system.champion}, challenger ${system.challenger}\n`);
process.stdout.write(`  without the MLOps endpoints and the model server: ${system.bareUrl}/\n`);
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void system.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
