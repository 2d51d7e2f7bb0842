import { describe, expect, it } from 'vitest';
import { ALL_SCOPES, isKnownScope, parseScopeString, scopeGrants, scopesGrantAll } from './scopes.js';

describe('scopes', () => {
  it('a parent scope grants its child actions', () => {
    expect(scopeGrants(['bookmark'], 'bookmark.read')).toBe(true);
    expect(scopeGrants(['bookmark'], 'bookmark.delete')).toBe(true);
    expect(scopeGrants(['note'], 'note.publish')).toBe(true);
  });

  it('a child scope grants only itself, never its parent or siblings', () => {
    expect(scopeGrants(['bookmark.read'], 'bookmark.read')).toBe(true);
    expect(scopeGrants(['bookmark.read'], 'bookmark')).toBe(false);
    expect(scopeGrants(['bookmark.read'], 'bookmark.create')).toBe(false);
  });

  it('a scope never grants another resource', () => {
    expect(scopeGrants(['bookmark'], 'collection.read')).toBe(false);
    expect(scopeGrants(['bookmarks'], 'bookmark.read')).toBe(false);
  });

  it('content does not grant content.write', () => {
    expect(scopeGrants(['content'], 'content.write')).toBe(false);
    expect(scopeGrants(['content.write'], 'content.write')).toBe(true);
  });

  it('requires all scopes of a list', () => {
    expect(scopesGrantAll(['bookmark', 'collection'], ['bookmark.create', 'collection.update'])).toBe(true);
    expect(scopesGrantAll(['bookmark'], ['bookmark.create', 'collection.update'])).toBe(false);
  });

  it('parses scope strings', () => {
    expect(parseScopeString('  sync bookmark  sync ')).toEqual(['sync', 'bookmark']);
    expect(parseScopeString(undefined)).toEqual([]);
  });

  it('knows every documented scope', () => {
    for (const s of [
      'content',
      'sync',
      'bookmark',
      'collection',
      'note',
      'reading_session',
      'preference',
      'openid',
      'offline_access',
      'content.write',
      'note.publish',
    ]) {
      expect(isKnownScope(s)).toBe(true);
    }
    expect(isKnownScope('admin')).toBe(false);
    expect(ALL_SCOPES.length).toBe(new Set(ALL_SCOPES).size);
  });
});
