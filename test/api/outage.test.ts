import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { callAs, createTestCustos, logLines, signedInPerson, type TestCustos } from '../support/app.js';
import { postgresUrl } from '../support/services.js';

/**
 * A TCP forwarder to PostgreSQL that can be taken down and brought back on the same port: while
 * down, the port is closed and every connection through it is cut, as when the server goes away.
 */
async function startForwarder(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const listening = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => {
        server = listening;
        resolve((listening.address() as { port: number }).port);
      });
    });
  const port = await listen(0);
  return {
    port,
    async down() {
      const closing = new Promise((resolve) => server?.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closing;
    },
    async up() {
      await listen(port);
    },
  };
}

// What pg and Node say about a refused connection; none of it may reach a client.
const driverText = /ECONNREFUSED|connect |127\.0\.0\.1|Connection terminated|socket/i;

describe.skipIf(!postgresUrl)('PostgreSQL out of reach', () => {
  let t: TestCustos | undefined;
  let forwarder: Awaited<ReturnType<typeof startForwarder>> | undefined;
  afterEach(async () => {
    // Back up first, so that the test schema can be dropped.
    await forwarder?.up().catch(() => undefined);
    await t?.dispose();
    t = undefined;
    forwarder = undefined;
  });

  it('answers 503 store.unavailable on /readyz and on routes, logs the driver error with the request id, and is ready again once it is back', async () => {
    const target = new URL(postgresUrl as string);
    forwarder = await startForwarder(target);
    const viaForwarder = new URL(target);
    viaForwarder.port = String(forwarder.port);
    const log = logLines();
    t = await createTestCustos(
      'postgres',
      { 'database.url': viaForwarder.toString() },
      { logger: log.logger },
    );
    const admin = await signedInPerson(t.custos, 'admin1', ['admin']);
    expect((await t.custos.api.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

    await forwarder.down();
    const unready = await t.custos.api.app.inject({ method: 'GET', url: '/readyz' });
    expect(unready.statusCode).toBe(503);
    expect(unready.body).not.toMatch(driverText);
    const body = unready.json();
    expect(body).toMatchObject({
      code: 'store.unavailable',
      details: {
        failing: [
          { component: 'store', code: 'store.unavailable', since: new Date(t.clock.now()).toISOString() },
        ],
      },
    });
    // The driver's words are in the log, under the request id the client was given.
    const logged = log.lines.find((line) => line.reqId === body.requestId);
    expect(JSON.stringify(logged)).toMatch(driverText);

    const listed = await callAs(t.custos, admin, 'GET', '/v1/users');
    expect(listed.statusCode).toBe(503);
    expect(listed.json().code).toBe('store.unavailable');
    expect(listed.body).not.toMatch(driverText);

    await forwarder.up();
    expect((await t.custos.api.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await callAs(t.custos, admin, 'GET', '/v1/users')).statusCode).toBe(200);
  });
});
