/** The console's shell: sign-in, the header (who you are, what you may open) and a hash router. */
import './zod-config';
import { describe } from './api';
import { h, replace, status } from './dom';
import { can, resume, Session, signIn, signOut } from './session';
import { auditPage } from './pages/audit';
import { devicePage } from './pages/device';
import { eventsPage } from './pages/events';
import { firmwarePage } from './pages/firmware';
import { fleetPage } from './pages/fleet';

/** A page draws into `main`; it may return what to do when the user leaves it. */
export type Page = (session: Session, main: HTMLElement, path: string[], query: URLSearchParams) => Promise<(() => void) | void>;

interface PageEntry {
  title: string;
  page: Page;
  /** Offered to this session at all (a role's missing rights are not offered). */
  offered: (session: Session) => boolean;
  inNav: boolean;
}

const PAGES: Record<string, PageEntry> = {
  fleet: { title: 'Fleet', page: fleetPage, offered: () => true, inNav: true },
  device: { title: 'Device', page: devicePage, offered: () => true, inNav: false },
  firmware: { title: 'Firmware', page: firmwarePage, offered: () => true, inNav: true },
  audit: { title: 'Audit', page: auditPage, offered: (s) => can.audit(s.who), inNav: true },
  events: { title: 'Live events', page: eventsPage, offered: () => true, inNav: true },
};

const root = document.getElementById('app') as HTMLElement;
let leave: (() => void) | void;
/** The first page after sign-in leaves the focus at the start (the skip link); later ones move it to their heading. */
let navigated = false;

function signInForm(problem?: string): void {
  const token = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in to the device registry console'),
    h('p', {}, "Paste your organisation's bearer token for this gateway. It stays in this tab only (session storage)."),
    h('div', { class: 'field' }, h('label', { for: 'token' }, 'Bearer token'), token),
    problem ? status(problem, 'error') : null,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  token.id = 'token';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    signIn(token.value)
      .then(start)
      .catch((err: unknown) => signInForm(`Sign-in refused: ${describe(err)}`));
  });
  replace(root, h('main', { id: 'main' }, form));
  token.focus();
}

function header(session: Session): HTMLElement {
  const nav = h(
    'nav',
    { 'aria-label': 'Pages' },
    h(
      'ul',
      {},
      ...Object.entries(PAGES)
        .filter(([, entry]) => entry.inNav && entry.offered(session))
        .map(([name, entry]) => h('li', {}, h('a', { href: `#/${name}`, 'data-page': name }, entry.title))),
    ),
  );
  const out = h('button', { type: 'button', class: 'link' }, 'Sign out');
  out.addEventListener('click', () => {
    signOut();
    location.hash = '';
    signInForm();
  });
  const { who } = session;
  return h(
    'header',
    { class: 'top' },
    h('a', { class: 'brand', href: '#/fleet' }, 'Device registry'),
    nav,
    h(
      'p',
      { class: 'who', 'aria-label': 'Signed in as' },
      h('span', { 'data-testid': 'who-org' }, who.mspId),
      ' · ',
      h('span', { 'data-testid': 'who-role' }, who.role),
      ' · ',
      h('span', { class: 'muted' }, who.identity),
      ' ',
      out,
    ),
  );
}

async function route(session: Session, main: HTMLElement): Promise<void> {
  if (leave) leave();
  leave = undefined;
  const hash = location.hash.startsWith('#/') ? location.hash.slice(2) : 'fleet';
  const [pathPart = '', queryPart = ''] = hash.split('?');
  const [name = 'fleet', ...rest] = pathPart.split('/').map(decodeURIComponent);
  const entry = PAGES[name];
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('data-page') === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!entry || !entry.offered(session)) {
    replace(
      main,
      h('h1', { tabindex: '-1' }, 'Not available'),
      status(`There is no page "${name}" for the ${session.who.role} role.`, 'error'),
    );
    return;
  }
  document.title = `${entry.title} · device registry console`;
  replace(main, status('Loading…'));
  try {
    leave = await entry.page(session, main, rest, new URLSearchParams(queryPart));
  } catch (err) {
    replace(main, h('h1', { tabindex: '-1' }, entry.title), status(describe(err), 'error'));
  }
  if (navigated) main.querySelector<HTMLElement>('h1')?.focus();
  navigated = true;
}

function start(session: Session): void {
  const main = h('main', { id: 'main' });
  replace(root, h('a', { class: 'skip', href: '#main', 'data-skip': 'true' }, 'Skip to content'), header(session), main);
  root.querySelector('[data-skip]')?.addEventListener('click', (event) => {
    event.preventDefault();
    main.querySelector<HTMLElement>('h1')?.focus();
  });
  window.onhashchange = () => void route(session, main);
  void route(session, main);
}

resume()
  .then((session) => (session ? start(session) : signInForm()))
  .catch((err: unknown) => signInForm(describe(err)));
