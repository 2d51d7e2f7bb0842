/**
 * Child process: the floor for serving bytes — a bare Fastify route returning prepared bodies from memory,
 * nothing else (no auth, no hooks, no database). Argument: a directory; every file `<name>` is served at
 * `/f/<name>`. Its headers come from `<name>.headers.json` when there is one (benchmarks record our server's
 * answer there, so the floor sends the same bytes on the wire, headers included); otherwise JSON, with
 * `content-encoding: gzip` when the name ends in `.gz`.
 */
import fs from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';

const HEADERS_SUFFIX = '.headers.json';
const dir = process.argv[2]!;
const files = new Map<string, { body: Buffer; headers: Record<string, string> }>();
for (const name of fs.readdirSync(dir)) {
  if (name.endsWith(HEADERS_SUFFIX)) continue;
  const recorded = path.join(dir, `${name}${HEADERS_SUFFIX}`);
  const headers = fs.existsSync(recorded)
    ? (JSON.parse(fs.readFileSync(recorded, 'utf8')) as Record<string, string>)
    : { 'content-type': 'application/json; charset=utf-8', ...(name.endsWith('.gz') ? { 'content-encoding': 'gzip' } : {}) };
  files.set(name, { body: fs.readFileSync(path.join(dir, name)), headers });
}
const app = Fastify({ logger: false });
app.get('/f/:name', async (request, reply) => {
  const file = files.get((request.params as { name: string }).name);
  if (!file) return reply.code(404).send();
  return reply.headers(file.headers).send(file.body);
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
