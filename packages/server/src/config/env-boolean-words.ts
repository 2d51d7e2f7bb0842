/** How a boolean setting may be spelled in the environment (case-insensitive). */
const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];

/** true / false for a recognised spelling, null for anything else (the caller reports or reinterprets it). */
export function parseEnvBoolean(value: string): boolean | null {
  const word = value.toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  return null;
}
