// fauxqs (ESM-only) in its own Node process, so Jest's CommonJS runtime never has to load it.
// Listens on 127.0.0.1 only, prints {"port": n} once listening. The harness runs it with a
// parent-death signal (scripts/engines/process.ts), so it never outlives the harness.
import { buildApp } from 'fauxqs';

const app = buildApp({ logger: false });
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: Number(new URL(address).port) })}\n`);

const shutdown = () => app.close().finally(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
