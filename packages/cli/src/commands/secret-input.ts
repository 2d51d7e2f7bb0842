/**
 * A secret given on the command line, or read from standard input when the value is `-` (keeps it out of
 * shell history and `ps`). One trailing newline is dropped, so `echo secret | quran-sync …` works.
 */
export async function resolveSecretArgument(value: string, what: string): Promise<string> {
  if (value !== '-') return value;
  if (process.stdin.isTTY) process.stderr.write(`${what}: `);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (text.length === 0) throw new Error(`no ${what} on standard input`);
  return text;
}
