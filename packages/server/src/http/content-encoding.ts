/** Encodings the server compresses answers with (`identity`: none). */
export type ContentEncoding = 'br' | 'gzip' | 'identity';

/**
 * The encoding to answer with, from the request's `Accept-Encoding` and what this answer offers, in the
 * order of preference (q-values honoured; at equal q the earlier offer wins; `*` stands for any encoding
 * not named; `x-gzip` is gzip). `identity` when nothing offered is acceptable.
 */
export function negotiateEncoding(acceptEncoding: string | string[] | undefined, offers: ReadonlyArray<Exclude<ContentEncoding, 'identity'>>): ContentEncoding {
  if (!acceptEncoding) return 'identity';
  const weights = weightsOf(Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding);
  let chosen: ContentEncoding = 'identity';
  let best = 0;
  for (const encoding of offers) {
    if (weights[encoding] > best) {
      chosen = encoding;
      best = weights[encoding];
    }
  }
  return chosen;
}

type Weights = { readonly br: number; readonly gzip: number };

// Clients send a handful of distinct values: each is parsed once (bounded: a client can send any string).
const MEMO_MAX = 256;
const memo = new Map<string, Weights>();

function weightsOf(header: string): Weights {
  let weights = memo.get(header);
  if (weights === undefined) {
    weights = parse(header);
    if (memo.size >= MEMO_MAX) memo.clear();
    memo.set(header, weights);
  }
  return weights;
}

function parse(header: string): Weights {
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [rawName, ...params] = part.trim().toLowerCase().split(';');
    const name = rawName === 'x-gzip' ? 'gzip' : rawName;
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const weight = (name: string) => q.get(name) ?? q.get('*') ?? 0;
  return { br: weight('br'), gzip: weight('gzip') };
}
