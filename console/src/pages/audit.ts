/**
 * Audit: a transaction's proof bundle (GET /v1/audit/tx/{txId}), downloaded and verified here in
 * the browser by the same code as `iotreg audit verify` (cli/src/audit, bundled with small
 * stand-ins for node:crypto), against a consenter set the auditor trusts, each check shown.
 */
import type { TransactionProof } from '@iotreg/common';
import type { ProofTrust, ProofVerification } from '../verify';
import { describe, seg } from '../api';
import { field, h, replace, status, table } from '../dom';
import type { Page } from '../main';

const TX_ID = /^[0-9a-f]{64}$/;

async function bytesOf(input: HTMLInputElement): Promise<Uint8Array | undefined> {
  const file = input.files?.[0];
  return file ? new Uint8Array(await file.arrayBuffer()) : undefined;
}

function report(result: ProofVerification): HTMLElement {
  return h(
    'div',
    { class: 'verification' },
    status(
      result.valid
        ? `Proof verified: transaction ${result.txId} is in block ${result.blockNumber}, signed by a quorum of the trusted consenters.`
        : 'Proof NOT verified: see the failed check below.',
      result.valid ? 'ok' : 'error',
    ),
    h(
      'ol',
      { class: 'checks', 'aria-label': 'Checks' },
      ...result.checks.map((check) =>
        h(
          'li',
          { class: check.ok ? 'pass' : 'fail', 'data-check': check.name },
          h('strong', {}, `${check.ok ? '✓ passed' : '✗ failed'}: ${check.name}`),
          ' — ',
          check.detail,
        ),
      ),
    ),
    result.signers.length
      ? table(
          'Block signatures',
          ['Consenter', 'Subject', 'Counted', 'Why'],
          result.signers.map((s) => [
            s.consenterId === undefined ? '—' : String(s.consenterId),
            s.subject ?? '—',
            s.counted ? 'yes' : 'no',
            s.reason,
          ]),
        )
      : null,
  );
}

export const auditPage: Page = async ({ api }, main, path) => {
  const txId = h('input', {
    name: 'txId',
    value: path[0] ?? '',
    pattern: '[0-9a-f]{64}',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const fetchForm = h(
    'form',
    { class: 'inline', 'aria-label': 'Fetch a proof' },
    field('Transaction ID', txId),
    h('button', { type: 'submit' }, 'Fetch proof'),
  );
  const bundleFile = h('input', { type: 'file', name: 'bundle', accept: 'application/json,.json' });
  const bundleNote = h('div', { 'aria-live': 'polite' });

  const pinnedHash = h('input', { name: 'configBlockSha256', pattern: '[0-9a-fA-F]{64}', autocomplete: 'off', spellcheck: 'false' });
  const configFile = h('input', { type: 'file', name: 'configBlock' });
  const pinnedPems = h('textarea', { name: 'consenters', rows: 4, spellcheck: 'false' });
  const verifyButton = h('button', { type: 'submit' }, 'Verify proof');
  const trustForm = h(
    'form',
    { 'aria-labelledby': 'trust-title' },
    h('h2', { id: 'trust-title' }, 'Verify against consenters you trust'),
    h('p', {}, "Give one: the channel's config block (a file you trust), its header's SHA-256, or the consenters' certificates."),
    field('Config block file', configFile, 'e.g. network/runtime/channel/iot.block, as for iotreg audit verify --config-block'),
    field('or pinned config block SHA-256', pinnedHash, "checks the bundle's own copy of the config block"),
    field('or pinned consenter certificates (PEM)', pinnedPems),
    verifyButton,
  );
  const result = h('div', { 'aria-live': 'polite' });

  let bundle: unknown;
  let bundleUrl: string | undefined;
  const showBundle = (value: unknown, source: string) => {
    bundle = value;
    if (bundleUrl) URL.revokeObjectURL(bundleUrl);
    const proof = value as Partial<TransactionProof>;
    bundleUrl = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }));
    replace(
      bundleNote,
      status(
        `Proof bundle ${source}: transaction ${proof.txId ?? '?'}, block ${proof.blockNumber ?? '?'}, ${proof.validationCode ?? '?'}.`,
        'ok',
      ),
      h('a', { href: bundleUrl, download: `proof-${proof.txId ?? 'bundle'}.json`, class: 'button' }, 'Download proof bundle'),
    );
    replace(result);
  };

  const fetchProof = async () => {
    const id = txId.value.trim();
    if (!TX_ID.test(id)) throw new Error('a transaction ID is 64 lowercase hex characters');
    replace(bundleNote, status('Fetching…'));
    showBundle(await api.get<TransactionProof>(`/v1/audit/tx/${seg(id)}`), 'fetched from the gateway');
  };
  fetchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    fetchProof().catch((err: unknown) => replace(bundleNote, status(describe(err), 'error')));
  });
  bundleFile.addEventListener('change', () => {
    void (async () => {
      const bytes = await bytesOf(bundleFile);
      if (bytes) showBundle(JSON.parse(new TextDecoder().decode(bytes)), 'read from the file');
    })().catch((err: unknown) => replace(bundleNote, status(`Not a proof bundle: ${describe(err)}`, 'error')));
  });

  trustForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      if (bundle === undefined) throw new Error('fetch a proof or open a bundle file first');
      const trust: ProofTrust = {};
      const configBlock = await bytesOf(configFile);
      if (configBlock) trust.configBlock = configBlock;
      if (pinnedHash.value.trim()) trust.configBlockSha256 = pinnedHash.value.trim().toLowerCase();
      const pems = pinnedPems.value.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
      if (pems) trust.consenters = pems;
      replace(result, status('Verifying…'));
      // The verifier and the protobuf definitions load only here: the other pages stay small.
      const { verifyProof } = await import('../verify');
      replace(result, report(verifyProof(bundle, trust)));
    })().catch((err: unknown) => replace(result, status(describe(err), 'error')));
  });

  replace(
    main,
    h('h1', { tabindex: '-1' }, 'Audit'),
    h(
      'section',
      { 'aria-labelledby': 'proof-title' },
      h('h2', { id: 'proof-title' }, 'Proof bundle'),
      fetchForm,
      field('or open a saved bundle', bundleFile),
      bundleNote,
    ),
    trustForm,
    result,
  );
  if (TX_ID.test(txId.value)) await fetchProof().catch((err: unknown) => replace(bundleNote, status(describe(err), 'error')));
  return () => {
    if (bundleUrl) URL.revokeObjectURL(bundleUrl);
  };
};
