import type { ContentSyncProgress } from '@quran-sync/client';
import { formatNumber, h } from '../dom.js';
import type { ReaderContext, View } from '../reader-context.js';
import { chosenTranslations, saveChosenTranslations } from '../reader-services.js';
import { TRANSLATIONS, contentFilter } from '../translation-catalogue.js';

/**
 * The translation picker and the download with its progress bar. The first download (a bootstrap of the
 * Quran text and the chosen translations) must finish before reading; a later change downloads only what is
 * new (the SDK keeps resources still in the filter). A completed choice is also the user's App State setting,
 * so the user's other devices offer and apply it.
 */
export function translationsView(ctx: ReaderContext, onReady: () => void, firstRun: boolean): View {
  // The user's choice as last synced or changed here (it may come from another device), else what is applied.
  const chosen = new Set(ctx.services.translationsSetting.value() ?? chosenTranslations() ?? [20]);
  const options = TRANSLATIONS.map((t) =>
    h(
      'label',
      { class: 'choice' },
      h('input', {
        type: 'checkbox',
        value: t.id,
        checked: chosen.has(t.id),
        'data-testid': `translation-${t.id}`,
        onchange: (e: Event) => ((e.target as HTMLInputElement).checked ? chosen.add(t.id) : chosen.delete(t.id)),
      }),
      h('span', { class: 'choice-text' }, h('strong', {}, t.language), h('small', {}, t.name)),
    ),
  );
  const bar = h('div', { class: 'progress-bar' });
  const progressText = h('p', { class: 'progress-text', 'data-testid': 'bootstrap-progress-text' }, 'Preparing…');
  const progress = h(
    'div',
    { class: 'progress', hidden: true, 'data-testid': 'bootstrap-progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 },
    h('div', { class: 'progress-track' }, bar),
    progressText,
  );
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { class: 'button primary large', type: 'button', 'data-testid': 'download' }, firstRun ? 'Download and start reading' : 'Apply');

  const show = (p: ContentSyncProgress): void => {
    // Listing pages first (a sliver), then one step per resource downloaded and stored.
    const fraction = p.resourcesTotal ? 0.05 + 0.95 * (p.snapshotsDone / Math.max(1, p.resourcesTotal)) : Math.min(0.05, p.pages * 0.02);
    const percent = Math.round(fraction * 100);
    bar.style.width = `${percent}%`;
    progress.setAttribute('aria-valuenow', String(percent));
    progressText.textContent = p.resourcesTotal
      ? `Downloading ${p.snapshotsDone} of ${p.resourcesTotal} resources · ${formatNumber(p.rowsWritten)} verses and records stored · ${(p.bytes / 1_048_576).toFixed(1)} MB`
      : 'Listing resources…';
  };

  button.addEventListener('click', async () => {
    error.textContent = '';
    const ids = TRANSLATIONS.map((t) => t.id).filter((id) => chosen.has(id));
    if (ids.length === 0) {
      error.textContent = 'Choose at least one translation.';
      return;
    }
    if (!navigator.onLine) {
      error.textContent = 'You are offline. Connect to the internet to download.';
      return;
    }
    button.disabled = true;
    progress.hidden = false;
    bar.style.width = '0%';
    const { content } = ctx.services;
    const off = content.on('progress', show);
    try {
      content.setResources(contentFilter(ids));
      const summary = await content.sync();
      saveChosenTranslations(ids);
      // The choice follows the user; offline or refused, it stays pending here and is sent by a later sync.
      ctx.services.translationsSetting.set(ids).catch((cause: unknown) => console.warn('translations setting not saved to App State', cause));
      bar.style.width = '100%';
      progress.setAttribute('aria-valuenow', '100');
      progressText.textContent = `Done: ${formatNumber(summary.rowsWritten)} records in ${(summary.durationMs / 1000).toFixed(1)} s. Everything is on this device now.`;
      progress.dataset.done = 'true';
      onReady();
    } catch (cause) {
      error.textContent = `Download failed: ${cause instanceof Error ? cause.message : String(cause)}. What was downloaded is kept; try again.`;
      button.disabled = false;
    } finally {
      off();
    }
  });

  const element = h(
    'main',
    { class: firstRun ? 'centered' : 'page' },
    h(
      'section',
      { class: 'card translations', 'data-testid': 'translations-view' },
      h('h1', {}, firstRun ? 'Choose your translations' : 'Translations'),
      h(
        'p',
        { class: 'lead' },
        'The Arabic text and the translations you choose are downloaded once and stored on this device, so you can read without a connection. Updates arrive in small increments.',
      ),
      h('div', { class: 'choices' }, options),
      error,
      h('div', { class: 'actions' }, button),
      progress,
    ),
  );
  return { element };
}
