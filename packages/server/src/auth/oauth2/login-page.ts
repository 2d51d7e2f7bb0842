/**
 * The HTML of the authorization endpoint: a login + consent form and an error page. Plain server-rendered
 * HTML with inline styles and no script, served under a strict Content-Security-Policy. Every value that
 * came from a request is HTML-escaped.
 */
export const LOGIN_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  content: 'Read Quran content and keep it in sync',
  sync: 'Synchronise your data across devices',
  bookmark: 'Read and change your bookmarks',
  collection: 'Read and change your collections',
  note: 'Read and change your notes',
  reading_session: 'Read and record your reading sessions',
  preference: 'Read and change your preferences',
  openid: 'Know who you are (your user id and username)',
  offline_access: 'Stay signed in (refresh access without asking again)',
  'content.write': 'Edit published content (editorial access)',
};

export function describeScope(scope: string): string {
  const known = SCOPE_DESCRIPTIONS[scope];
  if (known) return known;
  const [parent, action] = scope.split('.');
  return action ? `${action.replace('_', ' ')} your ${parent!.replace('_', ' ')}s` : scope;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f3f4f1;
    font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2a24}
  main{width:100%;max-width:26rem;margin:1rem;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
  h1{margin:0 0 .25rem;font-size:1.35rem}
  p.lead{margin:0 0 1.25rem;color:#55605a}
  ul{margin:.25rem 0 1.25rem;padding-left:1.2rem}
  li{margin:.2rem 0}
  label{display:block;margin:.75rem 0 .25rem;font-weight:600;font-size:.9rem}
  input[type=text],input[type=password]{width:100%;padding:.6rem .7rem;border:1px solid #c9cfc9;border-radius:8px;font:inherit}
  input:focus{outline:2px solid #2e7d5b;outline-offset:1px}
  .actions{display:flex;gap:.75rem;margin-top:1.5rem}
  button{flex:1;padding:.65rem;border-radius:8px;border:1px solid #2e7d5b;font:inherit;font-weight:600;cursor:pointer}
  button.allow{background:#2e7d5b;color:#fff}
  button.deny{background:#fff;color:#2e7d5b}
  .error{margin:0 0 1rem;padding:.6rem .8rem;border-radius:8px;background:#fdecec;color:#8a1f1f}
  small{display:block;margin-top:1.25rem;color:#7a847e}
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface LoginPageModel {
  readonly clientName: string;
  readonly scopes: readonly string[];
  /** Authorization request parameters, echoed as hidden fields. */
  readonly hidden: Readonly<Record<string, string>>;
  readonly formToken: string;
  /** Where the form posts: `/oauth2/auth`, under the public URL's path when one is configured. */
  readonly action: string;
  readonly username?: string;
  readonly error?: string;
}

export function renderLoginPage(model: LoginPageModel): string {
  const hidden = Object.entries(model.hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  const scopes = model.scopes.map((s) => `<li>${escapeHtml(describeScope(s))} <code>${escapeHtml(s)}</code></li>`).join('\n');
  return page(
    'Sign in — Quran Sync',
    `<h1>Sign in</h1>
<p class="lead"><strong>${escapeHtml(model.clientName)}</strong> asks to:</p>
<ul>
${scopes}
</ul>
${model.error ? `<p class="error" role="alert">${escapeHtml(model.error)}</p>` : ''}
<form method="post" action="${escapeHtml(model.action)}" autocomplete="on">
${hidden}
<input type="hidden" name="form_token" value="${escapeHtml(model.formToken)}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" required value="${escapeHtml(model.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions">
<!-- Allow comes first: pressing Enter submits with the first button. -->
<button class="allow" type="submit" name="decision" value="allow">Allow</button>
<button class="deny" type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form>
<small>Quran Sync — you will be sent back to the application.</small>`,
  );
}

export function renderErrorPage(message: string): string {
  return page(
    'Authorization error — Quran Sync',
    `<h1>Cannot continue</h1>
<p class="error" role="alert">${escapeHtml(message)}</p>
<p class="lead">Go back to the application and try signing in again.</p>`,
  );
}
