// A gateway in a process of its own over a test's embeddings namespace, for tests that freeze or
// kill a gateway by its PID: `node --import tsx test/integration/gateway-process.ts <namespace>
// <model server host:port>` prints "gateway listening on <url>" and serves until SIGTERM.
import { startGateway } from '../../cli/serve-gateway.ts';

const [namespace, modelServerAddress] = process.argv.slice(2);
if (!namespace || !modelServerAddress) throw new Error('usage: gateway-process.ts <namespace> <model server host:port>');
const gateway = await startGateway({ port: 0, searchNamespace: namespace, modelServerAddress });
process.once('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
process.stdout.write(`gateway listening on ${gateway.url}\n`);
