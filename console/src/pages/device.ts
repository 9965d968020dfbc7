/**
 * Device: identity, keys on a time axis, "was this key valid at …?", configuration, and the
 * history as a timeline (who, what, when, txId). Admins of the owner org get its status actions.
 */
import type { ConfigRecord, ConfigReport, Device, DeviceKey, HistoryEntry, KeyValidity, MessageAnchor } from '@iotreg/common';
import type { Page as ApiPage } from '../api';
import { ApiError, Api, describe, seg } from '../api';
import { field, h, hex, replace, status, svg, table, time } from '../dom';
import type { Page } from '../main';
import { can, Session } from '../session';

function definition(rows: [string, Node | string][]): HTMLElement {
  return h('dl', { class: 'facts' }, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function identity(device: Device): HTMLElement {
  const attributes = Object.entries(device.attributes ?? {});
  const firmware = device.firmware;
  return h(
    'section',
    { 'aria-labelledby': 'identity-title' },
    h('h2', { id: 'identity-title' }, 'Identity'),
    definition([
      ['Device ID', device.deviceId],
      ['Family', h('a', { href: `#/firmware/${seg(device.family)}` }, device.family)],
      ['Owner', device.ownerMsp],
      ['Status', h('span', { class: `badge ${device.status}` }, device.status)],
      ...(device.statusReason ? ([['Status reason', device.statusReason]] as [string, string][]) : []),
      ...(device.revokedAt
        ? ([['Revoked', h('span', {}, time(device.revokedAt), ` (${device.revocationReason ?? ''})`)]] as [string, Node][])
        : []),
      ['Current key', hex(device.keyId, 64)],
      ['Registered', time(device.createdAt)],
      ['Last change', time(device.updatedAt)],
      ['Sequence', String(device.seq)],
      [
        'Firmware',
        firmware ? `${firmware.version} · ${firmware.verdict} · ${firmware.compliant ? 'compliant' : 'noncompliant'}` : 'not reported',
      ],
      ['Configuration', device.configDrift === undefined ? 'no report' : device.configDrift ? 'drift reported' : 'matches'],
      ['Attributes', attributes.length ? attributes.map(([k, v]) => `${k}=${String(v)}`).join(', ') : '—'],
    ]),
  );
}

/** Each key a bar from validFrom to validTo (or now), on one time axis. */
function keyAxis(keys: DeviceKey[], nowMs: number): SVGElement {
  const start = Math.min(...keys.map((k) => Date.parse(k.validFrom)));
  const end = Math.max(nowMs, ...keys.map((k) => Date.parse(k.validTo ?? k.revokedAt ?? new Date(nowMs).toISOString())));
  const span = Math.max(1, end - start);
  const width = 600;
  const left = 110;
  const row = 26;
  const x = (ms: number) => left + ((ms - start) / span) * (width - left - 10);
  const bars = keys.map((key, i) => {
    const from = Date.parse(key.validFrom);
    const to = Date.parse(key.validTo ?? key.revokedAt ?? new Date(nowMs).toISOString());
    const kind = key.revokedAt ? 'revoked' : key.validTo ? 'rotated' : 'current';
    const y = 8 + i * row;
    return svg(
      'g',
      { class: `key ${kind}` },
      svg('title', {}, `${key.keyId}: ${kind}, valid ${key.validFrom} to ${key.validTo ?? key.revokedAt ?? 'now'}`),
      svg('text', { x: 4, y: y + 14, class: 'label' }, `${key.keyId.slice(0, 10)}…`),
      svg('rect', { x: x(from), y, width: Math.max(3, x(to) - x(from)), height: row - 8, rx: 3 }),
    );
  });
  const axisY = 8 + keys.length * row + 4;
  return svg(
    'svg',
    { viewBox: `0 0 ${width} ${axisY + 22}`, role: 'img', 'aria-labelledby': 'keys-axis-title', class: 'axis' },
    svg(
      'title',
      { id: 'keys-axis-title' },
      `Validity of ${keys.length} key(s) from ${new Date(start).toISOString()} to ${new Date(end).toISOString()}`,
    ),
    ...bars,
    svg('line', { x1: left, x2: width - 10, y1: axisY, y2: axisY, class: 'tick' }),
    svg('text', { x: left, y: axisY + 16, class: 'label' }, new Date(start).toISOString().slice(0, 16).replace('T', ' ')),
    svg('text', { x: width - 10, y: axisY + 16, class: 'label end' }, new Date(end).toISOString().slice(0, 16).replace('T', ' ')),
  );
}

function keySection(api: Api, keys: DeviceKey[]): HTMLElement {
  const rows = keys.map((key) => [
    hex(key.keyId, 16),
    key.revokedAt ? 'revoked' : key.validTo ? 'rotated' : 'current',
    time(key.validFrom),
    time(key.validTo ?? key.revokedAt),
  ]);
  const keySelect = h('select', { name: 'keyId' }, ...keys.map((k) => h('option', { value: k.keyId }, k.keyId)));
  const at = h('input', { type: 'datetime-local', name: 'at', step: '1', required: true });
  at.value = new Date().toISOString().slice(0, 19);
  const answer = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'inline', 'aria-labelledby': 'validity-title' },
    h('h3', { id: 'validity-title' }, 'Was this key valid at …?'),
    field('Key', keySelect),
    field('Time (UTC)', at),
    h('button', { type: 'submit' }, 'Check'),
    answer,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const iso = new Date(`${at.value}Z`).toISOString();
    api
      .get<KeyValidity>(`/v1/keys/${seg(keySelect.value)}`, { at: iso })
      .then((v) =>
        replace(answer, status(`${v.validAt ? 'Valid' : 'Not valid'} at ${v.at}: the key is ${v.status} now.`, v.validAt ? 'ok' : 'error')),
      )
      .catch((err: unknown) => replace(answer, status(describe(err), 'error')));
  });
  return h(
    'section',
    { 'aria-labelledby': 'keys-title' },
    h('h2', { id: 'keys-title' }, 'Keys'),
    keys.length ? keyAxis(keys, Date.now()) : null,
    table('Every key the device has had, oldest first', ['Key ID', 'State', 'Valid from', 'Valid to'], rows, 'keys'),
    form,
  );
}

function historySection(session: Session, deviceId: string): HTMLElement {
  const list = h('ol', { class: 'timeline' });
  const more = h('button', { type: 'button' }, 'Load more history');
  const note = h('div', { 'aria-live': 'polite' });
  let bookmark = '';
  const load = async () => {
    const page = await session.api.get<ApiPage<HistoryEntry>>(`/v1/devices/${seg(deviceId)}/history`, { pageSize: 50, bookmark });
    for (const entry of page.items) {
      const tx = can.audit(session.who) ? h('a', { href: `#/audit/${entry.txId}` }, hex(entry.txId, 16)) : hex(entry.txId, 16);
      list.append(
        h(
          'li',
          {},
          h('span', { class: 'when' }, time(entry.timestamp)),
          h('strong', { class: 'what' }, entry.action),
          h('span', { class: 'by' }, `by ${entry.submitterMsp}`),
          h('span', { class: 'tx' }, 'tx ', tx),
        ),
      );
    }
    bookmark = page.bookmark;
    more.hidden = bookmark === '';
    if (list.children.length === 0) replace(note, status('No history.'));
  };
  more.addEventListener('click', () => void load().catch((err: unknown) => replace(note, status(describe(err), 'error'))));
  void load().catch((err: unknown) => replace(note, status(describe(err), 'error')));
  return h('section', { 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title' }, 'History'), list, note, more);
}

function configSection(config: ConfigRecord | undefined, report: ConfigReport | undefined): HTMLElement {
  const verdict = !report
    ? h('p', { 'data-testid': 'drift-verdict' }, 'The device has not reported its configuration.')
    : h(
        'p',
        { 'data-testid': 'drift-verdict' },
        report.configDrift ? h('span', { class: 'badge suspended' }, 'drift') : h('span', { class: 'badge active' }, 'matches'),
        report.configDrift
          ? config
            ? ' the configuration the device reported differs from the one published.'
            : ' the device reported a configuration, and none is published.'
          : ' the device runs the published configuration.',
      );
  return h(
    'section',
    { 'aria-labelledby': 'config-title' },
    h('h2', { id: 'config-title' }, 'Configuration and drift'),
    verdict,
    table(
      'Published configuration against the latest report',
      ['', 'SHA-256', 'Version', 'When'],
      [
        config
          ? ['Published (expected)', hex(config.sha256, 64), String(config.version), time(config.publishedAt)]
          : ['Published (expected)', 'none published', '—', '—'],
        report
          ? ['Reported by the device', hex(report.sha256, 64), `seq ${report.seq}`, time(report.reportedAt)]
          : ['Reported by the device', 'no report', '—', '—'],
      ],
      'drift',
    ),
    config?.uri ? h('p', {}, 'Configuration URI: ', config.uri) : null,
  );
}

function anchorsSection(session: Session, deviceId: string): HTMLElement {
  const out = h('div', { 'aria-live': 'polite' }, status('Loading…'));
  session.api
    .get<ApiPage<MessageAnchor>>(`/v1/devices/${seg(deviceId)}/messages`, { pageSize: 20 })
    .then((page) =>
      replace(
        out,
        page.items.length
          ? table(
              `Message anchors${page.bookmark ? ' (the first 20)' : ''}`,
              ['Seq', 'Digest', 'Key', 'Anchored', 'Transaction'],
              page.items.map((a) => [String(a.seq), hex(a.digest), hex(a.keyId), time(a.anchoredAt), hex(a.txId)]),
            )
          : h('p', {}, 'No message anchors.'),
      ),
    )
    .catch((err: unknown) => replace(out, status(describe(err), 'error')));
  return h('section', { 'aria-labelledby': 'anchors-title' }, h('h2', { id: 'anchors-title' }, 'Message anchors'), out);
}

function actions(session: Session, device: Device, refresh: () => void): HTMLElement | null {
  if (!can.manageDevice(session.who, device.ownerMsp) || device.status === 'revoked') return null;
  const note = h('div', { 'aria-live': 'polite' });
  const act = (label: string, path: string, body: unknown) => {
    const button = h('button', { type: 'button' }, label);
    button.addEventListener('click', () => {
      button.disabled = true;
      session.api
        .post(`/v1/devices/${seg(device.deviceId)}/${path}`, body)
        .then(refresh)
        .catch((err: unknown) => {
          button.disabled = false;
          replace(note, status(describe(err), 'error'));
        });
    });
    return button;
  };
  return h(
    'section',
    { 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, 'Actions'),
    device.status === 'active' ? act('Suspend', 'suspend', { reason: 'suspended from the console' }) : null,
    device.status === 'suspended' ? act('Reactivate', 'reactivate', { reason: 'reactivated from the console' }) : null,
    note,
  );
}

/** A record that does not exist (404) is shown as absent; any other failure is the page's. */
function notFound(err: unknown): undefined {
  if (err instanceof ApiError && err.status === 404) return undefined;
  throw err;
}

export const devicePage: Page = async (session, main, path) => {
  const deviceId = path[0] ?? '';
  const { api } = session;
  const [device, keys, config] = await Promise.all([
    api.get<Device>(`/v1/devices/${seg(deviceId)}`),
    api.get<DeviceKey[]>(`/v1/devices/${seg(deviceId)}/keys`),
    api.get<ConfigRecord>(`/v1/devices/${seg(deviceId)}/config`).catch(notFound),
  ]);
  // A device that never reported its configuration has no configDrift: no report to ask for.
  const report = device.configDrift === undefined ? undefined : await api.call('getConfigReport', { deviceId }).catch(notFound);
  const refresh = () => void devicePage(session, main, path, new URLSearchParams());
  replace(
    main,
    h('h1', { tabindex: '-1' }, `Device ${device.deviceId}`),
    identity(device),
    actions(session, device, refresh),
    keySection(api, keys),
    configSection(config, report),
    anchorsSection(session, deviceId),
    can.readHistory(session.who)
      ? historySection(session, deviceId)
      : h('section', {}, h('h2', {}, 'History'), h('p', {}, 'A device history is for the auditor and admin roles.')),
  );
};
