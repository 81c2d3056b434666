// A loopback TCP proxy a test puts in front of a real server of the test stack, to make that
// server look briefly unreachable to one client without touching the server itself: `stall()`
// drops the open connections and accepts new ones without answering, `refuse()` resets every new
// connection at once, `resume()` forwards again (held connections included).
import net from 'node:net';

export interface StallProxy {
  url: string;
  port: number;
  stall(): void;
  refuse(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallProxy(target: { host: string; port: number }, scheme = 'http'): Promise<StallProxy> {
  let mode: 'forward' | 'stall' | 'refuse' = 'forward';
  const open = new Set<net.Socket>();
  const held = new Set<net.Socket>();
  const forward = (client: net.Socket): void => {
    const upstream = net.connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  };
  const server = net.createServer((client) => {
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'stall') {
      client.pause(); // what it sends stays buffered until resume()
      client.on('error', () => held.delete(client)).on('close', () => held.delete(client));
      held.add(client);
      return;
    }
    forward(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const dropOpen = (): void => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    stall() {
      mode = 'stall';
      dropOpen();
    },
    refuse() {
      mode = 'refuse';
      dropOpen();
    },
    resume() {
      mode = 'forward';
      for (const client of held) {
        client.resume();
        forward(client);
      }
      held.clear();
    },
    async close() {
      dropOpen();
      for (const client of held) client.destroy();
      held.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
