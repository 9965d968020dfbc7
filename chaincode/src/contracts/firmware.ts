import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  Approval,
  approvalsRequired,
  approvalThresholdMax,
  compareVersions,
  decide,
  Device,
  DeviceFirmware,
  EVENTS,
  Family,
  FamilyView,
  FirmwareRelease,
  parsePublicKey,
  RegistryError,
  requireSignature,
  statements,
} from '@iotreg/common';
import { RegistryContext } from '../context';
import { acceptSigned, present, saveDevice } from '../devices';
import { keys } from '../ledger/keys';
import { pageRequest } from '../request';
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
    return this.answer(ctx, 'registerFamily', request, async ({ family: familyId, vendorKeyPem, approvalThreshold }) => {
      ctx.requireRole('vendor');
      const vendorKey = parsePublicKey(vendorKeyPem, 'vendorKeyPem');
      const members = await consortium(ctx);
      const most = approvalThresholdMax(members.length);
      if (most < 1)
        throw new RegistryError('RULE_VIOLATION', 'a family needs another member org to approve its releases; the consortium has only one');
      // Only other members' approvals count, so k can be at most their number.
      if (approvalThreshold > most) {
        throw new RegistryError(
          'RULE_VIOLATION',
          `approvalThreshold ${approvalThreshold} is above the ${most} member org(s) other than the owner`,
        );
      }
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
      return view(family, members);
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetFamily(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getFamily', request, async ({ family }) => view(await findFamily(ctx, family), await consortium(ctx)));
  }

  /**
   * The minimum version devices of the family must run to be compliant, and whether compliance is
   * required to take part (quarantine). The family owner's admin raises the minimum (or sets the
   * first one) and turns the requirement on alone. Lowering the minimum or turning the requirement
   * off is a family decision: the first admin to ask proposes it, others ask for the same policy to
   * approve, and it applies once enough orgs agreed (see decide()). Asking for a different
   * loosening replaces the proposal.
   */
  @Transaction()
  @Returns('string')
  async SetFamilyPolicy(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'setFamilyPolicy', request, async ({ family: familyId, minVersion, requireCompliance }) => {
      ctx.requireRole('admin');
      const members = await requireMember(ctx);
      const family = await findFamily(ctx, familyId);
      const lowering = family.minVersion !== undefined && compareVersions(minVersion, family.minVersion) < 0;
      const loosening = family.requireCompliance === true && requireCompliance === false;
      const applied = (base: Family, wanted: boolean | undefined): Family => {
        const { minVersionProposal: _done, ...rest } = base;
        return { ...rest, minVersion, ...(wanted === undefined ? {} : { requireCompliance: wanted }) };
      };
      if (!lowering && !loosening) {
        if (family.ownerMsp !== ctx.msp) {
          throw new RegistryError(
            'FORBIDDEN',
            `only ${family.ownerMsp}, the family owner, may raise the minimum version of ${family.family} or require compliance`,
          );
        }
        return setFamily(ctx, applied(family, requireCompliance), members, EVENTS.familyPolicySet);
      }
      const pending = family.minVersionProposal;
      const current = pending?.minVersion === minVersion && pending.requireCompliance === requireCompliance ? pending : undefined;
      const what = `lowering the policy of ${family.family} to ${minVersion}${loosening ? ' without required compliance' : ''}`;
      const proposal = current
        ? { ...current, approvals: addApproval(current.approvals, ctx, what) }
        : {
            minVersion,
            ...(requireCompliance === undefined ? {} : { requireCompliance }),
            proposedBy: ctx.msp,
            proposedAt: ctx.now,
            approvals: [approval(ctx)],
          };
      const outcome = familyDecision(members, family, proposal.proposedBy, proposal.approvals);
      if (outcome === 'passed') return setFamily(ctx, applied(family, requireCompliance), members, EVENTS.familyPolicySet);
      return setFamily(ctx, { ...family, minVersionProposal: proposal }, members, EVENTS.familyPolicyProposed);
    });
  }

  /** The family's vendor publishes a release it signed; versions only go up (no rollback). */
  @Transaction()
  @Returns('string')
  async PublishFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'publishFirmware', request, async (published) => {
      // The uri is https or absent (its schema says so): the vendor's signature covers the image digest, not where it is fetched from.
      const { version: releaseVersion, sha256: digest, uri = '' } = published;
      ctx.requireRole('vendor');
      const family = await findFamily(ctx, published.family);
      if (family.ownerMsp !== ctx.msp) throw new RegistryError('FORBIDDEN', `family ${family.family} belongs to ${family.ownerMsp}`);
      const statement = statements.firmware(family.family, releaseVersion, digest);
      requireSignature(parsePublicKey(family.vendorKeyPem, 'vendorKeyPem'), statement, published.signature, 'signature');
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
    return this.answer(ctx, 'getFirmware', request, async ({ family, version }) => findRelease(ctx, family, version));
  }

  @Transaction(false)
  @Returns('string')
  async ListFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'listFirmware', request, async (query) => {
      const family = await findFamily(ctx, query.family);
      return ctx.store.page<FirmwareRelease>(keys.firmware(family.family), pageRequest(query), (release) => release);
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetLatestFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getLatestFirmware', request, async ({ family: familyId }) => {
      const family = await findFamily(ctx, familyId);
      const releases = await ctx.store.all<FirmwareRelease>(keys.firmware(family.family));
      const latest = releases.filter((r) => r.status === 'trusted').pop();
      if (!latest) throw new RegistryError('NOT_FOUND', `family ${family.family} has no trusted release`);
      return latest;
    });
  }

  /**
   * One vote per member org other than the family owner, by its admin. k approvals (see
   * decide()) make a release trusted; once so many orgs rejected that k can't be reached, it is
   * rejected.
   */
  @Transaction()
  @Returns('string')
  async VoteFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'voteFirmware', request, async ({ family: familyId, version, decision, comment }) => {
      ctx.requireRole('admin');
      const members = await requireMember(ctx);
      const release = await findRelease(ctx, familyId, version);
      const family = await findFamily(ctx, release.family);
      if (family.ownerMsp === ctx.msp) {
        throw new RegistryError('FORBIDDEN', `${ctx.msp} owns ${family.family}: its releases are approved by the other members`);
      }
      if (release.approvals.some((a) => a.msp === ctx.msp)) {
        throw new RegistryError('DUPLICATE_VOTE', `${ctx.msp} already voted on ${release.family} ${release.version}`);
      }
      if (release.status !== 'pending') throw new RegistryError('STATE_CONFLICT', `the release is ${release.status}, not open to votes`);
      const vote: Approval = { msp: ctx.msp, decision, ...(comment === undefined ? {} : { comment }), at: ctx.now };
      const approvals = [...release.approvals, vote];
      const outcome = familyDecision(members, family, release.publisherMsp, approvals);
      const status = outcome === 'passed' ? 'trusted' : outcome;
      const updated: FirmwareRelease = { ...release, approvals, status };
      ctx.store.put(keys.firmware(release.family, release.version), updated);
      ctx.emit(status === 'trusted' ? EVENTS.firmwareTrusted : EVENTS.firmwareApproved, updated);
      return updated;
    });
  }

  /**
   * The family owner's vendor or admin revokes a release at once; devices running it become
   * non-compliant. An admin of another member org proposes the revocation instead (or approves
   * the pending proposal); it takes effect once enough orgs agreed (see decide()).
   */
  @Transaction()
  @Returns('string')
  async RevokeFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'revokeFirmware', request, async ({ family: familyId, version, reason }) => {
      const role = ctx.requireRole('vendor', 'admin');
      const release = await findRelease(ctx, familyId, version);
      const family = await findFamily(ctx, release.family);
      const owner = family.ownerMsp === ctx.msp;
      if (role === 'vendor' && !owner) {
        throw new RegistryError('FORBIDDEN', `family ${family.family} belongs to ${family.ownerMsp}`);
      }
      if (release.status === 'revoked')
        throw new RegistryError('ALREADY_REVOKED', `${release.family} ${release.version} is already revoked`);
      const revoke = (): FirmwareRelease => {
        const { revocationProposal: _done, ...rest } = release;
        return { ...rest, status: 'revoked', revokedAt: ctx.now, revocationReason: release.revocationProposal?.reason ?? reason };
      };
      if (owner) return saveRelease(ctx, revoke(), EVENTS.firmwareRevoked);
      const members = await requireMember(ctx);
      const pending = release.revocationProposal;
      const proposal = pending
        ? { ...pending, approvals: addApproval(pending.approvals, ctx, `revoking ${release.family} ${release.version}`, reason) }
        : { reason, proposedBy: ctx.msp, proposedAt: ctx.now, approvals: [approval(ctx)] };
      const outcome = familyDecision(members, family, proposal.proposedBy, proposal.approvals);
      if (outcome === 'passed') return saveRelease(ctx, revoke(), EVENTS.firmwareRevoked);
      return saveRelease(ctx, { ...release, revocationProposal: proposal }, EVENTS.firmwareRevocationProposed);
    });
  }

  @Transaction(false)
  @Returns('string')
  async VerifyFirmware(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'verifyFirmware', request, async ({ family: familyId, sha256: digest }) => {
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
    return this.answer(ctx, 'reportFirmware', request, async (signed) => {
      const device = await acceptSigned(ctx, signed);
      const { family, version, sha256 } = signed.payload;
      if (family !== device.family) {
        throw new RegistryError('RULE_VIOLATION', `device ${device.deviceId} is of family ${device.family}, not ${family}`);
      }
      // The verdict and compliance are judged on read (present), against the release and policy then.
      const firmware: DeviceFirmware = { family, version, sha256, verdict: 'unknown', compliant: false, reportedAt: ctx.now };
      const reported: Device = { ...device, firmware };
      await saveDevice(ctx, reported, 'report-firmware');
      const shown = await present(ctx, reported);
      ctx.emit(EVENTS.firmwareReported, shown);
      return shown;
    });
  }
}

/** The submitter's org must be a consortium member; answers the members. */
export async function requireMember(ctx: RegistryContext): Promise<string[]> {
  const members = await consortium(ctx);
  if (!members.includes(ctx.msp)) throw new RegistryError('FORBIDDEN', `${ctx.msp} is not a consortium member`);
  return members;
}

export const approval = (ctx: RegistryContext, comment?: string): Approval => ({
  msp: ctx.msp,
  decision: 'approve',
  ...(comment === undefined ? {} : { comment }),
  at: ctx.now,
});

/** One approval per org on a proposal. */
export function addApproval(approvals: Approval[], ctx: RegistryContext, what: string, comment?: string): Approval[] {
  if (approvals.some((a) => a.msp === ctx.msp)) throw new RegistryError('DUPLICATE_VOTE', `${ctx.msp} already approved ${what}`);
  return [...approvals, approval(ctx, comment)];
}

/** A family as answered: with k, the approvals its decisions need now. */
function view(family: Family, members: string[]): FamilyView {
  return { ...family, approvalsRequired: approvalsRequired(members.length, family.approvalThreshold) };
}

function setFamily(ctx: RegistryContext, family: Family, members: string[], event: string): FamilyView {
  ctx.store.put(keys.family(family.family), family);
  const shown = view(family, members);
  ctx.emit(event, shown);
  return shown;
}

function saveRelease(ctx: RegistryContext, release: FirmwareRelease, event: string): FirmwareRelease {
  ctx.store.put(keys.firmware(release.family, release.version), release);
  ctx.emit(event, release);
  return release;
}

export async function findFamily(ctx: RegistryContext, familyId: string): Promise<Family> {
  return ctx.store.mustGet<Family>(keys.family(familyId), `family ${familyId}`);
}

export async function findRelease(ctx: RegistryContext, familyId: string, releaseVersion: string): Promise<FirmwareRelease> {
  return ctx.store.mustGet<FirmwareRelease>(keys.firmware(familyId, releaseVersion), `release ${familyId} ${releaseVersion}`);
}

/** The k-of-n verdict on a decision about `family` that `proposerMsp` proposed, with its `votes` so far. */
export function familyDecision(members: string[], family: Family, proposerMsp: string, votes: Approval[]) {
  return decide({ members, ownerMsp: family.ownerMsp, proposerMsp, approvalThreshold: family.approvalThreshold, votes });
}
