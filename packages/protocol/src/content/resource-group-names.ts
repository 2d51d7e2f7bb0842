/**
 * Names of the content resource groups (content-sync.md, "Resource groups"). The full registry (record
 * types, key rule, ordering, row schemas) is in `resource-group-registry.ts`; this list is what filter
 * parsing needs and nothing more.
 */
export const RESOURCE_GROUP_NAMES = [
  'articles',
  'chapter_recitations',
  'mushafs',
  'quran_core',
  'recitations',
  'tafsirs',
  'translations',
  'word_by_word_translations',
  'word_by_word_transliterations',
] as const;

export type ResourceGroupName = (typeof RESOURCE_GROUP_NAMES)[number];

const NAMES = new Set<string>(RESOURCE_GROUP_NAMES);

export function isResourceGroupName(name: unknown): name is ResourceGroupName {
  return typeof name === 'string' && NAMES.has(name);
}
