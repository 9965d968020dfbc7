import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  Approval,
  compareVersions,
  EVENTS,
  Family,
  FirmwareRelease,
  parsePublicKey,
  RegistryError,
  requireSignature,
  statements,
  URI_MAX,
} from '@iotreg/common';
import { RegistryContext } from '../context';
import { acceptSigned, present, saveDevice } from '../devices';
import { keys } from '../ledger/keys';
import { Fields, id, integer, oneOf, optionalText, page, sha256, text, version } from '../request';
import { RegistryContract } from './base';
import { consortium } from './governance';


@Info({ title: 'Firmware', description: 'Device families, vendor-signed releases, k-of-n approval, compliance' })
export class FirmwareContract extends RegistryContract {
  constructor() {
    super('Firmware');
  }

  /** A vendor registers a family with the key that signs its releases; it belongs to the vendor's org. */
  @Transaction()
  @Returns('string')
  async RegisterFamily(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      ctx.requireRole('vendor');
      const familyId = id(fields, 'family');
      const vendorKey = parsePublicKey(fields.vendorKeyPem, 'vendorKeyPem');
      const members = await consortium(ctx);
      const approvalThreshold = integer(fields, 'approvalThreshold', 1, members.length);
      if (await ctx.store.exists(keys.family(familyId))) throw new RegistryError('ALREADY_EXISTS', `family ${familyId} exists`);
      const family: Family = {
        family: familyId,
        ownerMsp: ctx.msp,
        vendorKeyPem: vendorKey.pem,
        vendorKeyId: vendorKey.keyId,
        approvalThreshold,
        createdAt: ctx.now,
      };
      ctx.store.put(keys.family(familyId), family);
      ctx.emit(EVENTS.familyRegistered, family);
      return family;
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetFamily(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => findFamily(ctx, fields));
  }

  /** An admin sets the minimum version devices of the family must run to be compliant. */
  @Transaction()
  @Returns('string')
  async SetFamilyPolicy(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      ctx.requireRole('admin');
      const family: Family = { ...(await findFamily(ctx, fields)), minVersion: version(fields, 'minVersion') };
      ctx.store.put(keys.family(family.family), family);
      ctx.emit(EVENTS.familyPolicySet, family);
      return family;
    });
  }

  /** The family's vendor publishes a release it signed; versions only go up (no rollback). */
  @Transaction()
  @Returns('string')
  async PublishFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      ctx.requireRole('vendor');
      const family = await findFamily(ctx, fields);
      if (family.ownerMsp !== ctx.msp) throw new RegistryError('FORBIDDEN', `family ${family.family} belongs to ${family.ownerMsp}`);
      const releaseVersion = version(fields, 'version');
      const digest = sha256(fields, 'sha256');
      const uri = optionalText(fields, 'uri', URI_MAX) ?? '';
      const statement = statements.firmware(family.family, releaseVersion, digest);
      requireSignature(parsePublicKey(family.vendorKeyPem, 'vendorKeyPem'), statement, fields.signature, 'signature');
      if (family.latestVersion && compareVersions(releaseVersion, family.latestVersion) <= 0) {
        throw new RegistryError('VERSION_NOT_NEWER', `${releaseVersion} is not above ${family.latestVersion}, the newest release`);
      }
      if (await ctx.store.exists(keys.firmwareByHash(family.family, digest))) {
        throw new RegistryError('ALREADY_EXISTS', `an image with sha256 ${digest} is already released in ${family.family}`);
      }
      const release: FirmwareRelease = {
        family: family.family,
        version: releaseVersion,
        sha256: digest,
        uri,
        status: 'pending',
        approvals: [],
        publishedAt: ctx.now,
        publisherMsp: ctx.msp,
      };
      ctx.store.put(keys.firmware(family.family, releaseVersion), release);
      ctx.store.put(keys.firmwareByHash(family.family, digest), releaseVersion);
      ctx.store.put(keys.family(family.family), { ...family, latestVersion: releaseVersion });
      ctx.emit(EVENTS.firmwarePublished, release);
      return release;
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => findRelease(ctx, fields));
  }

  @Transaction(false)
  @Returns('string')
  async ListFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      const family = await findFamily(ctx, fields);
      return ctx.store.page<FirmwareRelease>(keys.firmware(family.family), page(fields), (release) => release);
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetLatestFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      const family = await findFamily(ctx, fields);
      const releases = await ctx.store.all<FirmwareRelease>(keys.firmware(family.family));
      const latest = releases.filter((r) => r.status === 'trusted').pop();
      if (!latest) throw new RegistryError('NOT_FOUND', `family ${family.family} has no trusted release`);
      return latest;
    });
  }

  /**
   * One vote per member org, by its admin. `approvalThreshold` approvals make a release trusted;
   * once so many orgs rejected that the threshold can't be reached, it is rejected.
   */
  @Transaction()
  @Returns('string')
  async VoteFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      ctx.requireRole('admin');
      const members = await consortium(ctx);
      if (!members.includes(ctx.msp)) throw new RegistryError('FORBIDDEN', `${ctx.msp} is not a consortium member`);
      const release = await findRelease(ctx, fields);
      const decision = oneOf(fields, 'decision', ['approve', 'reject'] as const);
      const comment = optionalText(fields, 'comment');
      if (release.approvals.some((a) => a.msp === ctx.msp)) {
        throw new RegistryError('DUPLICATE_VOTE', `${ctx.msp} already voted on ${release.family} ${release.version}`);
      }
      if (release.status !== 'pending') throw new RegistryError('STATE_CONFLICT', `the release is ${release.status}, not open to votes`);
      const vote: Approval = { msp: ctx.msp, decision, ...(comment === undefined ? {} : { comment }), at: ctx.now };
      const approvals = [...release.approvals, vote];
      const { approvalThreshold } = await findFamily(ctx, { family: release.family });
      const approved = approvals.filter((a) => a.decision === 'approve').length;
      const rejected = approvals.length - approved;
      const status = approved >= approvalThreshold ? 'trusted' : rejected > members.length - approvalThreshold ? 'rejected' : 'pending';
      const updated: FirmwareRelease = { ...release, approvals, status };
      ctx.store.put(keys.firmware(release.family, release.version), updated);
      ctx.emit(status === 'trusted' ? EVENTS.firmwareTrusted : EVENTS.firmwareApproved, updated);
      return updated;
    });
  }

  /** The family's vendor or any admin revokes a release; devices running it become non-compliant. */
  @Transaction()
  @Returns('string')
  async RevokeFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      const role = ctx.requireRole('vendor', 'admin');
      const release = await findRelease(ctx, fields);
      const family = await findFamily(ctx, { family: release.family });
      if (role === 'vendor' && family.ownerMsp !== ctx.msp) {
        throw new RegistryError('FORBIDDEN', `family ${family.family} belongs to ${family.ownerMsp}`);
      }
      const reason = text(fields, 'reason');
      if (release.status === 'revoked') throw new RegistryError('ALREADY_REVOKED', `${release.family} ${release.version} is already revoked`);
      const updated: FirmwareRelease = { ...release, status: 'revoked', revokedAt: ctx.now, revocationReason: reason };
      ctx.store.put(keys.firmware(release.family, release.version), updated);
      ctx.emit(EVENTS.firmwareRevoked, updated);
      return updated;
    });
  }

  @Transaction(false)
  @Returns('string')
  async VerifyFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      const familyId = id(fields, 'family');
      const digest = sha256(fields, 'sha256');
      const releaseVersion = await ctx.store.get<string>(keys.firmwareByHash(familyId, digest));
      if (releaseVersion === undefined) return { verdict: 'unknown' };
      const release = await ctx.store.mustGet<FirmwareRelease>(keys.firmware(familyId, releaseVersion), 'release');
      return { verdict: release.status, version: release.version };
    });
  }

  /** The device reports what it runs; the verdict and compliance are judged on every read. */
  @Transaction()
  @Returns('string')
  async ReportFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      const { device, payload } = await acceptSigned(ctx, fields, 'firmware-report');
      const familyId = id(payload, 'family');
      if (familyId !== device.family) {
        throw new RegistryError('RULE_VIOLATION', `device ${device.deviceId} is of family ${device.family}, not ${familyId}`);
      }
      const firmware = {
        family: familyId,
        version: version(payload, 'version'),
        sha256: sha256(payload, 'sha256'),
        verdict: 'unknown' as const,
        compliant: false,
        reportedAt: ctx.now,
      };
      const reported = { ...device, firmware };
      await saveDevice(ctx, reported, 'report-firmware');
      const shown = await present(ctx, reported);
      ctx.emit(EVENTS.firmwareReported, shown);
      return { ...shown, txId: ctx.txId };
    });
  }
}

async function findFamily(ctx: RegistryContext, fields: Fields): Promise<Family> {
  const familyId = id(fields, 'family');
  return ctx.store.mustGet<Family>(keys.family(familyId), `family ${familyId}`);
}

async function findRelease(ctx: RegistryContext, fields: Fields): Promise<FirmwareRelease> {
  const familyId = id(fields, 'family');
  const releaseVersion = version(fields, 'version');
  return ctx.store.mustGet<FirmwareRelease>(keys.firmware(familyId, releaseVersion), `release ${familyId} ${releaseVersion}`);
}
