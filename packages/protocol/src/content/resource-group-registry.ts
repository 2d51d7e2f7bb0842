import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import type { ResourceGroupName } from './resource-group-names.js';

/**
 * The content resource groups as data (content-sync.md, "Resource groups"): for each group its record
 * types with their row schemas, how `resource_content_id` relates to `resource_id`, whether rows carry a
 * `record_type` field, and the order of rows in a snapshot. Server (validation, snapshot ordering, seed)
 * and SDK read this one table; adding a group is adding one entry here (and its name to
 * `resource-group-names.ts`).
 *
 * `record_key` is always the row's `id` as a decimal string, so the key rule is not a per-group setting.
 */
export type ResourceContentIdRule =
  /** `resource_content_id` equals `resource_id`. */
  | 'resource_id'
  /** The resource has its own `resource_content_id`, different from `resource_id`. */
  | 'own'
  /** Always `null`. */
  | 'null';

export interface RecordTypeDefinition {
  readonly name: string;
  /** Row shape as stored and served (snapshot record, `data` of a row mutation). */
  readonly schema: TObject;
  /**
   * Fields filled from the resource when an editor leaves them out (`resource_content_id`,
   * `resource_id`, …): the row repeats them, the editor should not have to.
   */
  readonly inherited: readonly ('resource_content_id' | 'resource_id')[];
}

export interface ResourceGroupDefinition {
  readonly name: ResourceGroupName;
  /** Where the group is specified: QF's documentation, or only the `@quranjs/api` 3.10 types. */
  readonly documentedBy: 'qf-docs' | 'sdk-types';
  readonly recordTypes: readonly RecordTypeDefinition[];
  readonly resourceContentId: ResourceContentIdRule;
  /** Rows carry `record_type` in their data (groups with several record types, and recitations). */
  readonly recordTypeInData: boolean;
  /**
   * Snapshot order: numeric fields compared in turn (missing/null sorts last). Rows of different record
   * types sort by the record type's position in `recordTypes` first. Default `['id']`.
   */
  readonly orderBy: readonly string[];
  /** `schema_version` of the group's snapshots. */
  readonly schemaVersion: number;
}

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const VerseKey = Type.String({ pattern: '^[0-9]{1,3}:[0-9]{1,3}$' });
const Timestamp = Type.String({ minLength: 1, maxLength: 64 });
const Text = Type.String({ maxLength: 1_000_000 });
const ShortText = Type.String({ maxLength: 1000 });
const Url = Type.String({ minLength: 1, maxLength: 2048 });
const VerseMapping = Nullable(Type.Record(Type.String(), Type.Unknown()));

/** A row schema: required `id`, the given fields, nothing else (typos are rejected, not stored). */
function row(required: TProperties, optional: TProperties = {}): TObject {
  const props: TProperties = { id: Id, ...required };
  for (const [k, v] of Object.entries(optional)) props[k] = Type.Optional(v);
  return Type.Object(props, { additionalProperties: false });
}

const recordType = (name: string) => ({ record_type: Type.Literal(name) });

const wordByWord = (extra: TProperties) =>
  row(
    { resource_content_id: Id, resource_id: Id, word_id: Id, language_id: Type.Integer({ minimum: 0 }) },
    { language_name: Nullable(ShortText), text: Nullable(Text), updated_at: Timestamp, ...extra },
  );

const chapterAudioFile = row(
  { ...recordType('chapter_audio_file'), audio_recitation_id: Id, chapter_id: Type.Integer({ minimum: 1, maximum: 114 }), audio_url: Url },
  { file_size: Nullable(Type.Number({ minimum: 0 })), format: Nullable(ShortText), duration: Nullable(Type.Number({ minimum: 0 })) },
);

const boundary = (name: string, numberField: string) =>
  row(
    { ...recordType(name), [numberField]: Type.Integer({ minimum: 1 }) },
    {
      verse_mapping: VerseMapping,
      first_verse_id: Nullable(Id),
      last_verse_id: Nullable(Id),
      verses_count: Nullable(Type.Integer({ minimum: 0 })),
      updated_at: Timestamp,
    },
  );

export const RESOURCE_GROUP_REGISTRY: Readonly<Record<ResourceGroupName, ResourceGroupDefinition>> = {
  translations: {
    name: 'translations',
    documentedBy: 'qf-docs',
    recordTypes: [
      {
        name: 'translation',
        schema: row(
          { resource_content_id: Id, verse_key: VerseKey, text: Text },
          {
            foot_notes: Type.Array(Type.Object({ id: Id, text: Text }, { additionalProperties: false }), { maxItems: 1000 }),
            verse_id: Nullable(Id),
            language_id: Nullable(Type.Integer({ minimum: 0 })),
            updated_at: Timestamp,
          },
        ),
        inherited: ['resource_content_id'],
      },
    ],
    resourceContentId: 'resource_id',
    recordTypeInData: false,
    orderBy: ['id'],
    schemaVersion: 1,
  },
  tafsirs: {
    name: 'tafsirs',
    documentedBy: 'qf-docs',
    recordTypes: [
      {
        name: 'tafsir',
        schema: row(
          { resource_content_id: Id, verse_key: VerseKey, text: Text },
          { verse_id: Nullable(Id), language_id: Nullable(Type.Integer({ minimum: 0 })), updated_at: Timestamp },
        ),
        inherited: ['resource_content_id'],
      },
    ],
    resourceContentId: 'resource_id',
    recordTypeInData: false,
    orderBy: ['id'],
    schemaVersion: 1,
  },
  recitations: {
    name: 'recitations',
    documentedBy: 'qf-docs',
    recordTypes: [
      {
        name: 'audio_file',
        schema: row(
          { ...recordType('audio_file'), recitation_id: Id, verse_key: VerseKey, url: Url },
          {
            segments: Type.Array(Type.Array(Type.Number(), { maxItems: 8 }), { maxItems: 10_000 }),
            duration: Nullable(Type.Number({ minimum: 0 })),
            format: Nullable(ShortText),
          },
        ),
        inherited: [],
      },
      { name: 'chapter_audio_file', schema: chapterAudioFile, inherited: [] },
    ],
    resourceContentId: 'own',
    recordTypeInData: true,
    orderBy: ['id'],
    schemaVersion: 1,
  },
  articles: {
    name: 'articles',
    documentedBy: 'qf-docs',
    recordTypes: [
      {
        name: 'article_localization',
        schema: row(
          { article_id: Id, language_id: Type.Integer({ minimum: 0 }), lang: Type.String({ minLength: 1, maxLength: 16 }), title: ShortText, text: Text },
          { updated_at: Timestamp },
        ),
        inherited: [],
      },
    ],
    resourceContentId: 'null',
    recordTypeInData: false,
    orderBy: ['id'],
    schemaVersion: 1,
  },
  word_by_word_translations: {
    name: 'word_by_word_translations',
    documentedBy: 'qf-docs',
    recordTypes: [{ name: 'word_translation', schema: wordByWord({ priority: Nullable(Type.Integer()) }), inherited: ['resource_content_id', 'resource_id'] }],
    resourceContentId: 'resource_id',
    recordTypeInData: false,
    orderBy: ['word_id', 'priority', 'id'],
    schemaVersion: 1,
  },
  word_by_word_transliterations: {
    name: 'word_by_word_transliterations',
    documentedBy: 'sdk-types',
    recordTypes: [
      { name: 'word_transliteration', schema: wordByWord({ priority: Nullable(Type.Integer()) }), inherited: ['resource_content_id', 'resource_id'] },
    ],
    resourceContentId: 'resource_id',
    recordTypeInData: false,
    orderBy: ['word_id', 'priority', 'id'],
    schemaVersion: 1,
  },
  chapter_recitations: {
    name: 'chapter_recitations',
    documentedBy: 'sdk-types',
    recordTypes: [{ name: 'chapter_audio_file', schema: chapterAudioFile, inherited: [] }],
    resourceContentId: 'own',
    recordTypeInData: true,
    orderBy: ['id'],
    schemaVersion: 1,
  },
  quran_core: {
    name: 'quran_core',
    documentedBy: 'sdk-types',
    recordTypes: [
      {
        name: 'chapter',
        schema: row(
          { ...recordType('chapter'), chapter_number: Type.Integer({ minimum: 1, maximum: 114 }) },
          {
            revelation_place: Nullable(ShortText),
            revelation_order: Nullable(Type.Integer({ minimum: 1 })),
            bismillah_pre: Nullable(Type.Boolean()),
            name_simple: Nullable(ShortText),
            name_complex: Nullable(ShortText),
            name_arabic: Nullable(ShortText),
            verses_count: Nullable(Type.Integer({ minimum: 0 })),
            rukus_count: Nullable(Type.Integer({ minimum: 0 })),
            hizbs_count: Nullable(Type.Integer({ minimum: 0 })),
            rub_el_hizbs_count: Nullable(Type.Integer({ minimum: 0 })),
            updated_at: Timestamp,
          },
        ),
        inherited: [],
      },
      {
        name: 'verse',
        schema: row(
          {
            ...recordType('verse'),
            chapter_id: Type.Integer({ minimum: 1, maximum: 114 }),
            verse_number: Type.Integer({ minimum: 1 }),
            verse_index: Type.Integer({ minimum: 1 }),
            verse_key: VerseKey,
            text_uthmani: Text,
          },
          {
            juz_number: Nullable(Type.Integer({ minimum: 1 })),
            hizb_number: Nullable(Type.Integer({ minimum: 1 })),
            rub_el_hizb_number: Nullable(Type.Integer({ minimum: 1 })),
            ruku_number: Nullable(Type.Integer({ minimum: 1 })),
            surah_ruku_number: Nullable(Type.Integer({ minimum: 1 })),
            manzil_number: Nullable(Type.Integer({ minimum: 1 })),
            page_number: Nullable(Type.Integer({ minimum: 1 })),
            sajdah_type: Nullable(ShortText),
            sajdah_number: Nullable(Type.Integer({ minimum: 1 })),
            words_count: Nullable(Type.Integer({ minimum: 0 })),
            updated_at: Timestamp,
          },
        ),
        inherited: [],
      },
      { name: 'juz', schema: boundary('juz', 'juz_number'), inherited: [] },
      { name: 'hizb', schema: boundary('hizb', 'hizb_number'), inherited: [] },
      { name: 'rub_el_hizb', schema: boundary('rub_el_hizb', 'rub_el_hizb_number'), inherited: [] },
    ],
    resourceContentId: 'resource_id',
    recordTypeInData: true,
    orderBy: ['id'],
    schemaVersion: 1,
  },
  mushafs: {
    name: 'mushafs',
    documentedBy: 'sdk-types',
    recordTypes: [
      {
        name: 'mushaf',
        schema: row(
          {
            ...recordType('mushaf'),
            resource_content_id: Id,
            name: ShortText,
            pages_count: Type.Integer({ minimum: 1 }),
            lines_per_page: Type.Integer({ minimum: 1 }),
          },
          {
            description: Nullable(Text),
            default_font_name: ShortText,
            mapping_mode: ShortText,
            qirat: Nullable(Type.Object({ id: Id, name: ShortText }, { additionalProperties: false })),
          },
        ),
        inherited: ['resource_content_id'],
      },
      {
        name: 'mushaf_page',
        schema: row(
          { ...recordType('mushaf_page'), mushaf_id: Id, page_number: Type.Integer({ minimum: 1 }) },
          {
            first_verse_id: Nullable(Id),
            last_verse_id: Nullable(Id),
            first_word_id: Nullable(Id),
            last_word_id: Nullable(Id),
            verses_count: Nullable(Type.Integer({ minimum: 0 })),
            verse_mapping: VerseMapping,
            updated_at: Timestamp,
          },
        ),
        inherited: [],
      },
      {
        name: 'font_asset',
        schema: row(
          {
            ...recordType('font_asset'),
            asset_key: ShortText,
            mushaf_id: Id,
            font_family: ShortText,
            format: ShortText,
            mime_type: ShortText,
            url: Url,
            sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
            byte_size: Type.Integer({ minimum: 0 }),
            version: ShortText,
            provider: ShortText,
            license_name: ShortText,
          },
          { page_number: Nullable(Type.Integer({ minimum: 1 })), license_url: Nullable(Url), attribution: Nullable(ShortText), updated_at: Timestamp },
        ),
        inherited: [],
      },
      {
        name: 'mushaf_word',
        schema: row(
          { ...recordType('mushaf_word'), mushaf_id: Id, word_id: Id, verse_id: Id },
          {
            source_verse_id: Nullable(Id),
            text: Nullable(ShortText),
            char_type_id: Nullable(Type.Integer({ minimum: 0 })),
            char_type_name: Nullable(ShortText),
            page_number: Nullable(Type.Integer({ minimum: 1 })),
            line_number: Nullable(Type.Integer({ minimum: 1 })),
            position_in_verse: Nullable(Type.Integer({ minimum: 1 })),
            position_in_line: Nullable(Type.Integer({ minimum: 1 })),
            position_in_page: Nullable(Type.Integer({ minimum: 1 })),
            css_class: Nullable(ShortText),
            css_style: Nullable(ShortText),
          },
        ),
        inherited: [],
      },
    ],
    resourceContentId: 'own',
    recordTypeInData: true,
    orderBy: ['id'],
    schemaVersion: 1,
  },
};

export function resourceGroupDefinition(group: ResourceGroupName): ResourceGroupDefinition {
  return RESOURCE_GROUP_REGISTRY[group];
}

export function recordTypeDefinition(group: ResourceGroupName, recordType: string): RecordTypeDefinition | undefined {
  return RESOURCE_GROUP_REGISTRY[group].recordTypes.find((t) => t.name === recordType);
}

/** `record_key` of a row: its `id` as a decimal string (content-sync.md). */
export function recordKeyOf(id: number): string {
  return String(id);
}

/**
 * A string whose byte order is the group's snapshot order for the row: record type position, then each
 * `orderBy` field, zero-padded (null/missing sorts last). Stored beside the row so snapshots stream in
 * order with a keyset over one indexed column, whatever the group's ordering rule.
 */
export function rowSortKey(group: ResourceGroupName, recordType: string, data: Readonly<Record<string, unknown>>): string {
  const def = RESOURCE_GROUP_REGISTRY[group];
  const typeIndex = def.recordTypes.findIndex((t) => t.name === recordType);
  const parts = [String(Math.max(0, typeIndex)).padStart(2, '0')];
  for (const field of def.orderBy) {
    const v = data[field];
    // 16 digits hold any integer below 2^53; an offset keeps negative numbers ordered before positive ones.
    parts.push(typeof v === 'number' && Number.isFinite(v) ? String(Math.trunc(v) + 1e15).padStart(16, '0') : '9'.repeat(16));
  }
  return parts.join('.');
}

/** `resource_content_id` a resource of this group must have, given its id and the editor's value. */
export function expectedResourceContentId(group: ResourceGroupName, resourceId: number, given: number | null | undefined): number | null | 'missing' {
  switch (RESOURCE_GROUP_REGISTRY[group].resourceContentId) {
    case 'resource_id':
      return resourceId;
    case 'null':
      return null;
    case 'own':
      return given ?? 'missing';
  }
}
