/**
 * The floor of a cached user read: node:http, the same Redis GET through the kit's own client
 * (`createRedis`: same settings, auto-pipelining included) and the same JSON body built from the
 * cached entry, with no framework, no auth and no validation. Started by bench/user.ts with PORT
 * and REDIS_URL; answers `GET <anything>/<id>` with the cached user `<id>`.
 */
import { createServer } from 'node:http';
import { createRedis } from '../../services/kit/clients/redis';
import { USER_CACHE_KEY_PREFIX } from '../../services/user/cache';

const main = async (): Promise<void> => {
  const redis = await createRedis({ REDIS_URL: process.env.REDIS_URL! });
  const prefix = USER_CACHE_KEY_PREFIX;
  createServer((req, res) => {
    const id = req.url!.slice(req.url!.lastIndexOf('/') + 1);
    redis.get(prefix + id).then(
      (raw) => {
        if (!raw) {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.stringify((JSON.parse(raw) as { user: unknown }).user);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      () => res.writeHead(503).end(),
    );
  }).listen(Number(process.env.PORT), '127.0.0.1');
};

void main();
