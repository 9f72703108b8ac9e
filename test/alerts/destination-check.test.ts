import net from 'node:net';
import { expect } from 'chai';
import { alertsHarness, type AlertsHarness } from '../helpers/alerts-harness.js';

describe('alerts/destination check: the answer comes within its time, whatever the peer does', () => {
  let h: AlertsHarness;
  let silent: net.Server;
  const sockets = new Set<net.Socket>();

  beforeEach(async () => {
    // Takes the connection and the request, and never answers.
    silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    h = alertsHarness({ destinations: [{ id: 'hook', type: 'webhook', url: `http://127.0.0.1:${port}/hook`, secret: 's', timeoutMs: 30_000 }] });
  });
  afterEach(async () => {
    await h.dispose();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("says CHECK_TIMED_OUT when the peer is silent, without waiting for the destination's own timeout", async () => {
    const result = await h.part.checkDestination('hook', 200);
    expect(result).to.include({ destination: 'hook', type: 'webhook', ok: false, code: 'CHECK_TIMED_OUT', detail: 'no answer within 200 ms' });
  });

  it('refuses an unknown destination', async () => {
    const err = await h.part.checkDestination('nope', 200).catch((e: unknown) => e);
    expect(err).to.include({ code: 'ALERT_DESTINATION_UNKNOWN' });
  });
});
