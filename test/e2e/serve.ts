// Serves the UI on the browser tests' fixtures, for a look by hand:
//   npx tsx test/e2e/serve.ts [port]        (add --bare to leave out the MLOps endpoints)
import { startUiServer } from './fixtures.ts';

const port = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 8088);
const server = await startUiServer({ port, mlops: !process.argv.includes('--bare') });
process.stdout.write(`Vitrina UI on fixtures: ${server.url}/ (admin token: ${server.mlops.adminToken})\n`);
process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
