export interface VersePosition {
  readonly chapter: number;
  readonly verse: number;
}

/** `2:255-2:257` (the SDK's canonical note range) or a single `2:255`; null when malformed. */
export function parseRange(range: string): { readonly from: VersePosition; readonly to: VersePosition } | null {
  const [a, b = a] = range.split('-');
  const from = parsePosition(a);
  const to = parsePosition(b);
  return from && to ? { from, to } : null;
}

function parsePosition(text: string | undefined): VersePosition | null {
  const match = /^(\d+):(\d+)$/.exec(text ?? '');
  return match ? { chapter: Number(match[1]), verse: Number(match[2]) } : null;
}
