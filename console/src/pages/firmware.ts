/**
 * Firmware: a family (owner, vendor key, k), its releases and each release's votes as k-of-n
 * progress. Admins of orgs other than the family owner approve or reject pending releases here.
 * The family list (./families.ts) comes first; a family's name there, or any name typed, opens it.
 */
import { canonicalStatement, type FamilyView, type FirmwareRelease, statements } from '@iotreg/common';
import type { Page as ApiPage } from '../api';
import { describe, seg } from '../api';
import { field, h, hex, replace, status, table, time } from '../dom';
import type { Page } from '../main';
import { can, Session } from '../session';
import { familyList } from './families';

function progress(release: FirmwareRelease, k: number): HTMLElement {
  const approvals = release.approvals.filter((a) => a.decision === 'approve').length;
  const rejections = release.approvals.length - approvals;
  const label = `${Math.min(approvals, k)} of ${k} approvals${rejections ? `, ${rejections} rejection(s)` : ''}`;
  return h(
    'div',
    { class: 'progress' },
    h('progress', { max: k, value: Math.min(approvals, k), 'aria-label': `${release.version}: ${label}` }),
    h('span', { 'data-testid': `progress-${release.version}` }, label),
  );
}

function votes(release: FirmwareRelease): Node | string {
  if (release.approvals.length === 0) return 'no votes yet';
  return h(
    'ul',
    { class: 'votes' },
    ...release.approvals.map((a) => h('li', {}, `${a.msp}: ${a.decision}`, a.comment ? ` (“${a.comment}”)` : '', ' · ', time(a.at))),
  );
}

function voteButtons(session: Session, family: FamilyView, release: FirmwareRelease, redraw: () => void): Node | string {
  if (!can.vote(session.who, family.ownerMsp)) return '';
  if (release.status !== 'pending') return '';
  if (release.approvals.some((a) => a.msp === session.who.mspId)) return 'voted';
  const note = h('span', { 'aria-live': 'polite' });
  const vote = (decision: 'approve' | 'reject') => {
    const button = h(
      'button',
      { type: 'button', class: decision === 'reject' ? 'danger' : '' },
      decision === 'approve' ? 'Approve' : 'Reject',
    );
    button.setAttribute('aria-label', `${decision === 'approve' ? 'Approve' : 'Reject'} ${family.family} ${release.version}`);
    button.addEventListener('click', () => {
      button.disabled = true;
      session.api
        .post(`/v1/firmware/${seg(family.family)}/${seg(release.version)}/approvals`, { decision })
        .then(redraw)
        .catch((err: unknown) => {
          button.disabled = false;
          replace(note, status(describe(err), 'error'));
        });
    });
    return button;
  };
  return h('span', { class: 'actions' }, vote('approve'), ' ', vote('reject'), note);
}

/** Lowercase hex SHA-256 of a file, by WebCrypto. */
async function fileSha256(file: File): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A vendor publishes a release of its family. The release must be signed by the family's vendor
 * key, which the console never holds: the form shows the exact statement to sign, and takes the
 * base64 signature made with that key elsewhere (`iotreg firmware publish` signs and publishes
 * in one step from a key file).
 */
function publishForm(session: Session, family: FamilyView, redraw: () => void): HTMLElement {
  const version = h('input', { name: 'version', required: true, autocomplete: 'off', placeholder: 'MAJOR.MINOR.PATCH' });
  const image = h('input', { name: 'image', type: 'file' });
  const sha256 = h('input', { name: 'sha256', required: true, autocomplete: 'off', spellcheck: 'false', size: 66 });
  const uri = h('input', { name: 'uri', type: 'url', autocomplete: 'off', placeholder: 'https://…' });
  const signature = h('textarea', { name: 'signature', required: true, rows: 3, spellcheck: 'false' });
  const statement = h('code', { 'data-testid': 'statement-to-sign' }, '—');
  const note = h('div', { 'aria-live': 'polite' });
  const showStatement = () => {
    const [v, digest] = [version.value.trim(), sha256.value.trim().toLowerCase()];
    try {
      statement.textContent = v && digest ? canonicalStatement(statements.firmware(family.family, v, digest)).toString() : '—';
    } catch {
      statement.textContent = '— (the version or hash is not complete yet)';
    }
  };
  version.addEventListener('input', showStatement);
  sha256.addEventListener('input', showStatement);
  image.addEventListener('change', () => {
    const file = image.files?.[0];
    if (file) void fileSha256(file).then((digest) => ((sha256.value = digest), showStatement()));
  });
  const form = h(
    'form',
    { class: 'publish', 'aria-labelledby': 'publish-title' },
    h('h3', { id: 'publish-title' }, `Publish a release of ${family.family}`),
    field('Version', version),
    field('Image file (hashed in this browser, not uploaded)', image),
    field('Image SHA-256 (hex)', sha256),
    field('Download URI (https, optional)', uri),
    h('p', {}, "Statement to sign with the family's vendor key: ", statement),
    field(
      'Vendor signature (base64)',
      signature,
      'ECDSA P-256 (DER) or Ed25519 signature of the statement above by the vendor key; the console never holds that key.',
    ),
    h('button', { type: 'submit' }, 'Publish release'),
    note,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {
      family: family.family,
      version: version.value.trim(),
      sha256: sha256.value.trim().toLowerCase(),
      signature: signature.value.replace(/\s+/g, ''),
      ...(uri.value.trim() ? { uri: uri.value.trim() } : {}),
    };
    session.api
      .call('publishFirmware', body)
      .then(redraw)
      .catch((err: unknown) => replace(note, status(describe(err), 'error')));
  });
  return form;
}

async function familyView(session: Session, name: string, out: HTMLElement, changed: () => void): Promise<void> {
  const { api } = session;
  const family = await api.get<FamilyView>(`/v1/families/${seg(name)}`);
  const releases: FirmwareRelease[] = [];
  let bookmark = '';
  do {
    const page = await api.get<ApiPage<FirmwareRelease>>(`/v1/firmware/${seg(name)}`, { pageSize: 100, bookmark });
    releases.push(...page.items);
    bookmark = page.bookmark;
  } while (bookmark !== '' && releases.length < 1000);
  const redraw = () => {
    changed();
    void familyView(session, name, out, changed).catch((err: unknown) => replace(out, status(describe(err), 'error')));
  };
  const k = family.approvalsRequired;
  replace(
    out,
    h('h2', {}, `Family ${family.family}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Owner'),
      h('dd', {}, family.ownerMsp),
      h('dt', {}, 'Vendor key'),
      h('dd', {}, hex(family.vendorKeyId, 64)),
      h('dt', {}, 'Approvals a release needs (k)'),
      h('dd', {}, `${k} from orgs other than ${family.ownerMsp}`),
      h('dt', {}, 'Minimum version'),
      h('dd', {}, family.minVersion ?? '—'),
      h('dt', {}, 'Latest published'),
      h('dd', {}, family.latestVersion ?? '—'),
      // The family's latestVersion is set when a release is published, before any approval.
      h('dt', {}, 'Latest trusted'),
      h('dd', { 'data-testid': 'latest-trusted' }, releases.filter((r) => r.status === 'trusted').at(-1)?.version ?? '—'),
      h('dt', {}, 'Registered'),
      h('dd', {}, time(family.createdAt)),
    ),
    table(
      `Releases of ${family.family}`,
      ['Version', 'Status', 'Approvals (k-of-n)', 'Votes', 'SHA-256', 'Published', ''],
      releases.map((r) => [
        r.version,
        h('span', { class: `badge ${r.status}` }, r.status),
        progress(r, k),
        votes(r),
        hex(r.sha256),
        h('span', {}, time(r.publishedAt), ` by ${r.publisherMsp}`),
        voteButtons(session, family, r, redraw),
      ]),
      'releases',
    ),
    releases.length === 0 ? status('No releases published yet.') : null,
    can.publish(session.who, family.ownerMsp) ? publishForm(session, family, redraw) : null,
  );
}

export const firmwarePage: Page = async (session, main, path, query) => {
  const name = path[0] ?? '';
  const input = h('input', { name: 'family', value: name, required: true, autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'inline', 'aria-label': 'Open a family' },
    field('Family', input),
    h('button', { type: 'submit' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/firmware/${seg(input.value.trim())}`;
  });
  const out = h('div', { 'aria-live': 'polite' });
  const families = familyList(session, name, query);
  replace(main, h('h1', { tabindex: '-1' }, 'Firmware'), families.element, form, out);
  if (name) await familyView(session, name, out, families.reload);
  else replace(out, status('Pick a family above, or name one, to see its releases and approvals.'));
};
