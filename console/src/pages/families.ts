/**
 * The family list of the Firmware page (GET /v1/families): families by name, a page at a time
 * (keyset bookmarks, as the fleet's devices), narrowed by a name prefix on the server, each with
 * its owner, its k of n voting orgs and its releases; a family's name opens it. The prefix and
 * page size are in the page's address (#/firmware/<family>?prefix=…&pageSize=…), so opening a
 * family keeps the list as it was narrowed.
 */
import { type FamilySummary, Id } from '@iotreg/common';
import { describe, seg } from '../api';
import { field, h, link, replace, status, table } from '../dom';
import { Session } from '../session';

const PAGE_SIZE_DEFAULT = 20;
const PAGE_SIZE_MAX = 100;

/** The Firmware page's address: a family (or none) and the list's prefix and page size. */
function firmwareHref(family: string, list: URLSearchParams): string {
  const query = list.toString();
  return `#/firmware${family ? `/${seg(family)}` : ''}${query ? `?${query}` : ''}`;
}

/** The list's part of the page's query: prefix and pageSize, when given. */
function listQuery(query: URLSearchParams, prefix = query.get('prefix') ?? ''): URLSearchParams {
  const list = new URLSearchParams();
  if (prefix) list.set('prefix', prefix);
  const size = query.get('pageSize');
  if (size) list.set('pageSize', size);
  return list;
}

function familyRow(family: FamilySummary, selected: string, list: URLSearchParams): (Node | string)[] {
  const name = link(firmwareHref(family.family, list), family.family);
  if (family.family === selected) name.setAttribute('aria-current', 'true');
  return [
    name,
    family.ownerMsp,
    h(
      'span',
      { 'data-testid': `family-k-${family.family}` },
      `${family.approvalsRequired} of ${family.voters.length}`,
      family.voters.length ? ` (${family.voters.join(', ')})` : '',
    ),
    String(family.releases),
    family.latestTrustedVersion ?? '—',
    family.minVersion ?? '—',
  ];
}

/**
 * The list, with `selected` (the family shown below it, if any) marked as current, and `reload`
 * for when a vote or a release below changed what the page shown says.
 */
export function familyList(session: Session, selected: string, query: URLSearchParams): { element: HTMLElement; reload: () => void } {
  const asked = query.get('prefix')?.trim() ?? '';
  const list = listQuery(query);
  const size = Math.min(Math.max(Math.trunc(Number(query.get('pageSize'))) || PAGE_SIZE_DEFAULT, 1), PAGE_SIZE_MAX);
  const prefix = h('input', { name: 'prefix', value: asked, autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. sensor' });
  const search = h(
    'form',
    { class: 'inline', role: 'search', 'aria-label': 'Find families' },
    field('Name starts with', prefix),
    h('button', { type: 'submit' }, 'Find families'),
  );
  const results = h('div', { 'aria-live': 'polite' });
  const pager = h('div', { class: 'pager' });
  // Bookmarks of the pages seen, so "Previous" goes back without the gateway paging backwards.
  const bookmarks: string[] = [''];
  let index = 0;

  const load = async () => {
    // Not asked of the gateway, which would refuse it (400): no family name could start so.
    if (asked && !Id.safeParse(asked).success) {
      replace(results, status(`No family's name starts with "${asked}": names are letters, digits, ".", "_", ":" or "-".`, 'error'));
      return;
    }
    replace(results, status('Loading families…'));
    const page = await session.api.call('listFamilies', {
      pageSize: size,
      ...(asked ? { prefix: asked } : {}),
      ...(bookmarks[index] ? { bookmark: bookmarks[index] } : {}),
    });
    bookmarks[index + 1] = page.bookmark;
    replace(
      results,
      table(
        `Families${asked ? ` whose name starts with "${asked}"` : ''}, page ${index + 1}`,
        ['Family', 'Owner', 'Approvals a release needs (k of n)', 'Releases', 'Latest trusted', 'Minimum version'],
        page.items.map((f) => familyRow(f, selected, list)),
        'families',
      ),
      page.items.length === 0 ? status(asked ? `No family's name starts with "${asked}".` : 'No families registered yet.') : null,
    );
    const previous = h('button', { type: 'button', disabled: index === 0 }, 'Previous families');
    const next = h('button', { type: 'button', disabled: page.bookmark === '' }, 'Next families');
    previous.addEventListener('click', () => ((index -= 1), run()));
    next.addEventListener('click', () => ((index += 1), run()));
    replace(pager, previous, h('span', {}, `Page ${index + 1}`), next);
  };
  const run = () => void load().catch((err: unknown) => replace(results, status(describe(err), 'error')));
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = firmwareHref(selected, listQuery(query, prefix.value.trim()));
  });
  run();
  const element = h(
    'section',
    { 'aria-labelledby': 'families-title' },
    h('h2', { id: 'families-title' }, 'Families'),
    search,
    results,
    pager,
  );
  return { element, reload: run };
}
