/**
 * The console's entry: asks for the token, then routes the hash (#/blueprints, #/blueprints/<name>,
 * #/jobs?..., #/jobs/<id>, #/workers) to a view. Leaving a view stops its polling.
 */
import { ApiClient, ApiError } from './api.js';
import { h, replace } from './dom.js';
import { forgetToken, loadToken, saveToken } from './token.js';
import type { Cleanup, ViewContext } from './view.js';
import { blueprintListView, blueprintView } from './views/blueprints.js';
import { jobView } from './views/job.js';
import { jobListView } from './views/jobs.js';
import { loginView } from './views/login.js';
import { overviewView } from './views/overview.js';

const root = document.getElementById('app') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const logout = document.getElementById('logout') as HTMLButtonElement;
let cleanup: Cleanup = () => {};
let generation = 0;

function showLogin(reason?: string): void {
  cleanup();
  cleanup = () => {};
  nav.hidden = true;
  logout.hidden = true;
  loginView(root, (token) => {
    saveToken(token);
    void route();
  }, reason);
}

function fail(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) {
    forgetToken();
    showLogin('The server no longer accepts this token; enter it again.');
    return;
  }
  let bar = document.getElementById('error-bar');
  if (!bar) {
    bar = h('div', { id: 'error-bar', class: 'error-bar', role: 'alert' });
    root.prepend(bar);
  }
  bar.textContent = error instanceof Error ? error.message : String(error);
}

function recover(): void {
  document.getElementById('error-bar')?.remove();
}

async function route(): Promise<void> {
  const token = loadToken();
  if (!token) {
    showLogin();
    return;
  }
  cleanup();
  cleanup = () => {};
  const mine = ++generation;
  nav.hidden = false;
  logout.hidden = false;
  const hash = location.hash.replace(/^#/, '') || '/blueprints';
  const [path = '/blueprints', search = ''] = hash.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  for (const link of nav.querySelectorAll<HTMLAnchorElement>('a')) link.classList.toggle('active', link.dataset.nav === parts[0]);
  const ctx: ViewContext = {
    api: new ApiClient(token),
    root,
    query: new URLSearchParams(search),
    navigate: (to) => {
      location.hash = to;
    },
    fail,
    recover,
  };
  replace(root, h('p', { class: 'muted' }, 'Loading…'));
  try {
    let next: Cleanup;
    if (parts[0] === 'blueprints' && parts[1]) next = await blueprintView(ctx, parts[1]);
    else if (parts[0] === 'jobs' && parts[1]) next = await jobView(ctx, parts[1]);
    else if (parts[0] === 'jobs') next = await jobListView(ctx);
    else if (parts[0] === 'workers') next = overviewView(ctx);
    else next = await blueprintListView(ctx);
    // The user may have moved on while this view loaded: stop it at once.
    if (mine !== generation) next();
    else cleanup = next;
  } catch (error) {
    if (mine === generation) {
      replace(root, h('p', { class: 'muted' }, 'This page could not be loaded.'));
      fail(error);
    }
  }
}

logout.addEventListener('click', () => {
  forgetToken();
  showLogin();
});
window.addEventListener('hashchange', () => void route());
void route();
