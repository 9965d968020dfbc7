/**
 * Import planning, before anything is sent: which rows an earlier run already finished, which
 * are invalid, and the request body of each remaining row (the proof made from the private key
 * file, or a given proof checked against the given public key).
 */
import { dirname, resolve } from 'node:path';
import { ID_PATTERN, parsePublicKey, RegisterDeviceRequest, STATEMENT_FORMS, statements, verifyStatement } from '@iotreg/common';
import { registrationProof } from '@iotreg/device';
import { CliError } from '../errors';
import { readIdentity } from '../key-files';
import type { ImportRow } from './csv-rows';
import { isDone, ReportLine } from './report';

export interface Registration {
  row: number;
  deviceId: string;
  keyId: string;
  body: RegisterDeviceRequest;
}

export interface ImportPlan {
  /** Rows the report shows as done. */
  skipped: ImportRow[];
  /** Rows that can't be sent: each with the failed report line to write. */
  invalid: ReportLine[];
  registrations: Registration[];
}

export function planImport(rows: ImportRow[], report: Map<string, ReportLine>, csvFile: string, ownerMsp: string): ImportPlan {
  const plan: ImportPlan = { skipped: [], invalid: [], registrations: [] };
  const seen = new Set<string>();
  for (const row of rows) {
    if (isDone(report.get(row.deviceId))) {
      plan.skipped.push(row);
      continue;
    }
    try {
      if (seen.has(row.deviceId)) throw new CliError('INVALID_ARGUMENT', `device ${row.deviceId} appears more than once in the file`);
      seen.add(row.deviceId);
      plan.registrations.push(registrationOf(row, dirname(csvFile), ownerMsp));
    } catch (err) {
      const { code, message } = err as { code?: string; message: string };
      plan.invalid.push({ row: row.row, deviceId: row.deviceId, status: 'failed', code: code ?? 'INVALID_ARGUMENT', message });
    }
  }
  return plan;
}

function registrationOf(row: ImportRow, baseDir: string, ownerMsp: string): Registration {
  const invalid = (message: string) => new CliError('INVALID_ARGUMENT', message);
  if (!ID_PATTERN.test(row.deviceId)) throw invalid(`deviceId "${row.deviceId}" is not a valid ID`);
  if (!ID_PATTERN.test(row.family)) throw invalid(`family "${row.family}" is not a valid ID`);
  const base = { deviceId: row.deviceId, family: row.family };

  if (row.privateKeyFile !== undefined) {
    if (row.publicKeyPem !== undefined || row.proof !== undefined)
      throw invalid('give privateKeyFile, or publicKeyPem and proof, not both');
    // Key files are named relative to the CSV, so a directory of keys and its CSV move together.
    const identity = readIdentity(resolve(baseDir, row.privateKeyFile));
    return {
      row: row.row,
      deviceId: row.deviceId,
      keyId: identity.keyId,
      body: {
        ...base,
        publicKeyPem: identity.publicKeyPem,
        proof: registrationProof(identity, { deviceId: row.deviceId, ownerMsp, family: row.family }),
      },
    };
  }
  if (row.publicKeyPem === undefined || row.proof === undefined) throw invalid('give privateKeyFile, or publicKeyPem and proof');
  const key = parsePublicKey(row.publicKeyPem);
  if (!verifyStatement(key, statements.register(row.deviceId, key.keyId, ownerMsp, row.family), row.proof)) {
    throw new CliError(
      'BAD_SIGNATURE',
      `the proof does not verify with key ${key.keyId}: it must sign ${STATEMENT_FORMS.register}, here ownerMsp ${ownerMsp}`,
    );
  }
  return { row: row.row, deviceId: row.deviceId, keyId: key.keyId, body: { ...base, publicKeyPem: key.pem, proof: row.proof } };
}
