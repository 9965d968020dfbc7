/**
 * Fleet: the device list the API pages on the server (GET /v1/devices with owner, family, status
 * and compliance filters, bookmarks), so a fleet of any size loads a page at a time.
 */
import type { Device } from '@iotreg/common';
import type { Page as ApiPage } from '../api';
import { describe, seg } from '../api';
import { field, h, link, replace, status, table, time } from '../dom';
import type { Page } from '../main';

const STATUSES = ['', 'active', 'suspended', 'revoked'];
const PAGE_SIZES = ['25', '50', '100', '500'];
const FILTERS = ['owner', 'family', 'status', 'compliance', 'pageSize'] as const;

function select(name: string, options: string[], value: string, labels: Record<string, string> = {}): HTMLSelectElement {
  const element = h('select', { name }, ...options.map((o) => h('option', { value: o, selected: o === value }, labels[o] ?? (o || 'any'))));
  return element;
}

function deviceRow(device: Device): (Node | string)[] {
  const firmware = device.firmware;
  return [
    link(`#/device/${seg(device.deviceId)}`, device.deviceId),
    device.family,
    device.ownerMsp,
    h('span', { class: `badge ${device.status}` }, device.status),
    firmware ? `${firmware.version} (${firmware.verdict})` : '—',
    firmware ? (firmware.compliant ? 'compliant' : h('span', { class: 'badge revoked' }, 'noncompliant')) : '—',
    device.configDrift ? h('span', { class: 'badge suspended' }, 'drift') : '—',
    time(device.updatedAt),
  ];
}

export const fleetPage: Page = async ({ api }, main, _path, query) => {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const pageSize = PAGE_SIZES.includes(filters.pageSize) ? filters.pageSize : '25';

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter devices' },
    field('Owner org', h('input', { name: 'owner', value: filters.owner, placeholder: 'e.g. Org1MSP', autocomplete: 'off' })),
    field('Family', h('input', { name: 'family', value: filters.family, autocomplete: 'off' })),
    field('Status', select('status', STATUSES, filters.status)),
    field('Compliance', select('compliance', ['', 'noncompliant'], filters.compliance, { '': 'any', noncompliant: 'noncompliant only' })),
    field('Per page', select('pageSize', PAGE_SIZES, pageSize)),
    h('button', { type: 'submit' }, 'Apply filters'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const params = new URLSearchParams();
    for (const name of FILTERS) {
      const value = String(data.get(name) ?? '').trim();
      if (value) params.set(name, value);
    }
    location.hash = `#/fleet?${params.toString()}`;
  });

  const goto = h('form', { class: 'inline', 'aria-label': 'Open a device' });
  const id = h('input', { name: 'deviceId', required: true, autocomplete: 'off', placeholder: 'device ID' });
  replace(goto, field('Open device by ID', id), h('button', { type: 'submit' }, 'Open'));
  goto.addEventListener('submit', (event) => {
    event.preventDefault();
    if (id.value.trim()) location.hash = `#/device/${seg(id.value.trim())}`;
  });

  const search = h('input', { type: 'search', name: 'search', autocomplete: 'off', placeholder: 'ID, family, owner, attribute…' });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const pager = h('div', { class: 'pager' });
  replace(
    main,
    h('h1', { tabindex: '-1' }, 'Fleet'),
    goto,
    form,
    field('Search this page', search, 'Filters above are applied by the ledger across the whole fleet; this searches the page shown.'),
    results,
    pager,
  );

  // Bookmarks of the pages seen, so "Previous" goes back without the ledger paging backwards.
  const bookmarks: string[] = [''];
  let index = 0;
  let items: Device[] = [];

  const draw = () => {
    const needle = search.value.trim().toLowerCase();
    const shown = needle
      ? items.filter((d) => JSON.stringify([d.deviceId, d.family, d.ownerMsp, d.status, d.attributes]).toLowerCase().includes(needle))
      : items;
    replace(
      results,
      table(
        `Devices, page ${index + 1}${needle ? ` (${shown.length} of ${items.length} match "${needle}")` : ''}`,
        ['Device', 'Family', 'Owner', 'Status', 'Firmware', 'Compliance', 'Config', 'Updated'],
        shown.map(deviceRow),
        'devices',
      ),
      shown.length === 0 ? status(items.length === 0 ? 'No devices on this page.' : 'Nothing on this page matches.') : null,
    );
  };
  search.addEventListener('input', draw);

  const load = async () => {
    replace(results, status('Loading…'));
    const page = await api.get<ApiPage<Device>>('/v1/devices', {
      pageSize,
      bookmark: bookmarks[index],
      owner: filters.owner,
      family: filters.family,
      status: filters.status,
      compliance: filters.compliance,
    });
    items = page.items;
    bookmarks[index + 1] = page.bookmark;
    draw();
    const previous = h('button', { type: 'button', disabled: index === 0 }, 'Previous page');
    const next = h('button', { type: 'button', disabled: page.bookmark === '' }, 'Next page');
    previous.addEventListener('click', () => {
      index -= 1;
      run();
    });
    next.addEventListener('click', () => {
      index += 1;
      run();
    });
    replace(pager, previous, h('span', {}, `Page ${index + 1}`), next);
  };
  const run = () => void load().catch((err: unknown) => replace(results, status(describe(err), 'error')));
  await load();
};
