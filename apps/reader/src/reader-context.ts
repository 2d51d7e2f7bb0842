import type { ReaderServices } from './reader-services.js';

/** What the app hands to every view. */
export interface ReaderContext {
  readonly services: ReaderServices;
  /** The translations shown with the Arabic text. */
  translations(): readonly number[];
  navigate(hash: string): void;
  /** A short message at the bottom of the screen. */
  notify(message: string): void;
}

/**
 * A screen. `refresh` is called when user data changed (this tab, another tab, or a sync) or content changed
 * (a content sync here or in another tab); a view updates in place so the reader keeps its scroll position.
 */
export interface View {
  readonly element: HTMLElement;
  refresh?(what: 'user' | 'content'): Promise<void>;
}
