/**
 * Fleet: counts of the matching devices as charts (GET /v1/fleet/counts) and the device table
 * (GET /v1/fleet/devices), both from the gateway's read model with the same filters: owner,
 * family, status, firmware version, compliance, creation and change time ranges, one attribute.
 * Pages are served by the gateway (keyset bookmarks), so a fleet of any size loads a page at a time.
 */
import { COMPLIANCE_STATES, type CountDevicesRequest, type Device, type FleetCounts, Id, PAGE_SIZE_MAX } from '@iotreg/common';
import type { Api } from '../api';
import { describe, seg } from '../api';
import { barChart } from '../charts';
import { field, h, link, replace, status, table, time } from '../dom';
import type { Page } from '../main';

const STATUSES = ['', 'active', 'suspended', 'revoked'];
const PAGE_SIZES = ['25', '50', '100', '500'];
const TEXT_FILTERS = ['owner', 'family', 'firmwareVersion', 'attributeName', 'attributeValue'] as const;
const TIME_FILTERS = ['createdFrom', 'createdTo', 'changedFrom', 'changedTo'] as const;
const FILTERS = [...TEXT_FILTERS, 'status', 'compliance', ...TIME_FILTERS, 'pageSize'] as const;
type FilterName = (typeof FILTERS)[number];

const TIME_LABELS: Record<(typeof TIME_FILTERS)[number], string> = {
  createdFrom: 'Registered from (UTC)',
  createdTo: 'Registered before (UTC)',
  changedFrom: 'Changed from (UTC)',
  changedTo: 'Changed before (UTC)',
};

function select(name: string, options: readonly string[], value: string, labels: Record<string, string> = {}): HTMLSelectElement {
  return h('select', { name }, ...options.map((o) => h('option', { value: o, selected: o === value }, labels[o] ?? (o || 'any'))));
}

/** A datetime-local value ("2026-01-31T12:00" or with seconds) as the UTC time the API takes. */
function utc(local: string): string | undefined {
  if (!local) return undefined;
  return `${local.length === 16 ? `${local}:00` : local}Z`;
}

function deviceRow(device: Device): (Node | string)[] {
  const firmware = device.firmware;
  return [
    link(`#/device/${seg(device.deviceId)}`, device.deviceId),
    device.family,
    device.ownerMsp,
    h('span', { class: `badge ${device.status}` }, device.status),
    firmware ? `${firmware.version} (${firmware.verdict})` : '—',
    firmware ? (firmware.compliant ? 'compliant' : h('span', { class: 'badge revoked' }, 'noncompliant')) : 'unreported',
    device.configDrift ? h('span', { class: 'badge suspended' }, 'drift') : '—',
    time(device.createdAt),
    time(device.updatedAt),
  ];
}

/** The fleet page's address with these filters. */
function fleetHref(filters: Partial<Record<FilterName, string>>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  return `#/fleet?${params.toString()}`;
}

function charts(counts: FleetCounts, filters: Record<FilterName, string>): HTMLElement {
  const narrowed = (more: Partial<Record<FilterName, string>>) => fleetHref({ ...filters, ...more });
  return h(
    'section',
    { class: 'charts', 'aria-label': `Counts of the ${counts.total} matching devices` },
    barChart(
      'Devices by status',
      counts.byStatus.map((c) => ({ label: c.value, count: c.count, kind: c.value, href: narrowed({ status: c.value }) })),
      'status',
    ),
    barChart(
      'Firmware compliance',
      counts.byCompliance.map((c) => ({ label: c.value, count: c.count, kind: c.value, href: narrowed({ compliance: c.value }) })),
      'compliance',
    ),
    barChart(
      'Devices by family',
      counts.byFamily.map((c) => ({ label: c.value, count: c.count, href: narrowed({ family: c.value }) })),
      'family',
    ),
    barChart(
      'Reported firmware version',
      counts.byFirmware.map((c) => ({
        label: `${c.family} ${c.version}`,
        count: c.count,
        href: narrowed({ family: c.family, firmwareVersion: c.version }),
      })),
      'firmware',
    ),
  );
}

/** How many families the family filter suggests: those whose name starts with what is typed. */
const FAMILY_SUGGESTIONS = 50;

/**
 * The family filter: a text field with a drop-down of the families whose name starts with what
 * is typed (GET /v1/families?prefix=), asked again as the text changes; any name may still be typed.
 */
function familyFilter(api: Api, value: string): HTMLElement {
  const input = h('input', { name: 'family', value, autocomplete: 'off', list: 'fleet-families', placeholder: 'type to pick' });
  const options = h('datalist', { id: 'fleet-families', 'data-testid': 'fleet-families' });
  let asked = 0;
  const suggest = () => {
    const prefix = input.value.trim();
    if (prefix && !Id.safeParse(prefix).success) return replace(options);
    const turn = ++asked;
    api
      .call('listFamilies', { pageSize: FAMILY_SUGGESTIONS, ...(prefix ? { prefix } : {}) })
      .then((page) => {
        // Only the answer to the latest text: an earlier, slower one must not replace it.
        if (turn === asked) replace(options, ...page.items.map((f) => h('option', { value: f.family }, `${f.family} (${f.ownerMsp})`)));
      })
      .catch(() => undefined);
  };
  input.addEventListener('input', suggest);
  suggest();
  return h('div', {}, field('Family', input, 'Suggests the families whose name starts with what you type.'), options);
}

export const fleetPage: Page = async ({ api }, main, _path, query) => {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) ?? ''])) as Record<FilterName, string>;
  // The form offers a few sizes; an address may name any the API takes.
  const asked = Number(filters.pageSize);
  const pageSize = Number.isInteger(asked) && asked >= 1 && asked <= PAGE_SIZE_MAX ? String(asked) : '25';
  const request: CountDevicesRequest = {
    owner: filters.owner || undefined,
    family: filters.family || undefined,
    status: (filters.status || undefined) as CountDevicesRequest['status'],
    firmwareVersion: filters.firmwareVersion || undefined,
    compliance: (filters.compliance || undefined) as CountDevicesRequest['compliance'],
    attributeName: filters.attributeName || undefined,
    attributeValue: filters.attributeName ? filters.attributeValue : undefined,
    createdFrom: utc(filters.createdFrom),
    createdTo: utc(filters.createdTo),
    changedFrom: utc(filters.changedFrom),
    changedTo: utc(filters.changedTo),
  };

  const text = (name: (typeof TEXT_FILTERS)[number], placeholder = '') =>
    h('input', { name, value: filters[name], placeholder, autocomplete: 'off' });
  const when = (name: (typeof TIME_FILTERS)[number]) =>
    field(TIME_LABELS[name], h('input', { type: 'datetime-local', step: 1, name, value: filters[name] }));
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter devices' },
    field('Owner org', text('owner', 'e.g. Org1MSP')),
    familyFilter(api, filters.family),
    field('Status', select('status', STATUSES, filters.status)),
    field('Compliance', select('compliance', ['', ...COMPLIANCE_STATES], filters.compliance)),
    field('Firmware version', text('firmwareVersion', 'e.g. 1.4.2')),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Attribute equals'),
      field('Attribute name', text('attributeName', 'e.g. site')),
      field('Attribute value', text('attributeValue')),
    ),
    h('fieldset', {}, h('legend', {}, 'Time ranges'), ...TIME_FILTERS.map(when)),
    field('Per page', select('pageSize', PAGE_SIZES.includes(pageSize) ? PAGE_SIZES : [...PAGE_SIZES, pageSize], pageSize)),
    h('button', { type: 'submit' }, 'Apply filters'),
    h('a', { href: '#/fleet', class: 'button' }, 'Clear'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    location.hash = fleetHref(Object.fromEntries(FILTERS.map((name) => [name, String(data.get(name) ?? '').trim()])));
  });

  const goto = h('form', { class: 'inline', 'aria-label': 'Open a device' });
  const id = h('input', { name: 'deviceId', required: true, autocomplete: 'off', placeholder: 'device ID' });
  replace(goto, field('Open device by ID', id), h('button', { type: 'submit' }, 'Open'));
  goto.addEventListener('submit', (event) => {
    event.preventDefault();
    if (id.value.trim()) location.hash = `#/device/${seg(id.value.trim())}`;
  });

  const summary = h('div', { 'aria-live': 'polite' }, status('Counting…'));
  const search = h('input', { type: 'search', name: 'search', autocomplete: 'off', placeholder: 'ID, family, owner, attribute…' });
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const pager = h('div', { class: 'pager' });
  replace(
    main,
    h('h1', { tabindex: '-1' }, 'Fleet'),
    goto,
    form,
    summary,
    field('Search this page', search, 'The filters above are applied by the gateway across the whole fleet; this searches the page shown.'),
    results,
    pager,
  );

  void api
    .call('countDevices', request)
    .then((counts) =>
      replace(summary, h('p', { 'data-testid': 'fleet-total' }, `${counts.total} matching devices`), charts(counts, filters)),
    )
    .catch((err: unknown) => replace(summary, status(describe(err), 'error')));

  // Bookmarks of the pages seen, so "Previous" goes back without the gateway paging backwards.
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
        ['Device', 'Family', 'Owner', 'Status', 'Firmware', 'Compliance', 'Config', 'Registered', 'Updated'],
        shown.map(deviceRow),
        'devices',
      ),
      shown.length === 0 ? status(items.length === 0 ? 'No devices on this page.' : 'Nothing on this page matches.') : null,
    );
  };
  search.addEventListener('input', draw);

  const load = async () => {
    replace(results, status('Loading…'));
    const page = await api.call('queryDevices', { ...request, pageSize: Number(pageSize), bookmark: bookmarks[index] || undefined });
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
  await load().catch((err: unknown) => replace(results, status(describe(err), 'error')));
};
