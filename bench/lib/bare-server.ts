/**
 * Child process: the floor for serving bytes — a bare Fastify route returning prepared bodies from memory,
 * nothing else (no auth, no hooks, no database). Argument: a directory; every file `<name>` is served at
 * `/f/<name>`, with `content-encoding: gzip` when the name ends in `.gz`. Also `GET /ping` (small JSON).
 */
import fs from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';

const dir = process.argv[2]!;
const files = new Map<string, Buffer>();
for (const name of fs.readdirSync(dir)) files.set(name, fs.readFileSync(path.join(dir, name)));
const app = Fastify({ logger: false });
app.get('/ping', async () => ({ sync: { sync_until_sequence: 1, has_more: false, next_page_url: null, next_sync_token: 'v1.x.y', mutations: [] } }));
app.get('/f/:name', async (request, reply) => {
  const name = (request.params as { name: string }).name;
  const body = files.get(name);
  if (!body) return reply.code(404).send();
  reply.type('application/json; charset=utf-8');
  if (name.endsWith('.gz')) reply.header('content-encoding', 'gzip');
  return reply.send(body);
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
