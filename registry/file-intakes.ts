import type { SystemName } from './systems';

/**
 * File-based intakes: vendors that deliver files instead of webhooks (EDI over SFTP or AS2). Files land in an S3
 * bucket prefix, S3 event notifications feed a queue, and one function per intake parses each file, publishes
 * canonical events and writes the acknowledgement the format requires. One entry per intake is the single place
 * for its system, format, prefixes and contract folder: the stack creates the bucket, queue, function (and, when a
 * stage asks, the AWS Transfer Family server) for every intake a stage configures (`fileIntakes.<name>`,
 * lib/adapters/file-intake.ts); the handler is `lambdas/<system>/files/<name>/handler.ts`. Pure data.
 */

/** An interchange id: qualifier and id (X12 ISA05/ISA06 or ISA07/ISA08) and, when it differs, the application code (GS02/GS03). */
export interface InterchangeId {
  readonly qualifier: string;
  readonly id: string;
  readonly groupId?: string;
}

/** A trading partner of a file intake (stage config `fileIntakes.<name>.partners`). */
export interface TradingPartner extends InterchangeId {
  /** Our name for the partner: its folder under the intake prefix and its SFTP user name. */
  readonly name: string;
  /** The carrier's SCAC; a status message naming another carrier is rejected. */
  readonly scac?: string;
  /** IANA time zone of the partner's local times (X12 time code `LT`, or none). @default 'UTC' */
  readonly timeZone?: string;
  /** SFTP public key (Transfer Family server only). */
  readonly sshPublicKey?: string;
  /** The partner on AS2 (the stage's Transfer Family AS2 server only). */
  readonly as2?: PartnerAs2;
  /** Who to contact at the partner: B2B Data Interchange requires an email on each partnership (stage `b2bi` only). */
  readonly contact?: { readonly email: string; readonly phone?: string };
}

/** A trading partner's AS2 identity: what its messages say they come from, and the certificates that prove it. */
export interface PartnerAs2 {
  /** Its AS2 name (RFC 4130), the `AS2-From` header of its messages; no spaces. */
  readonly as2Id: string;
  /** Its public certificates (signing, encryption) as PEM, imported by the stack. */
  readonly certificates?: readonly { readonly usage: 'SIGNING' | 'ENCRYPTION'; readonly pem: string }[];
  /** Certificates already imported into Transfer Family (`cert-…`). */
  readonly certificateIds?: readonly string[];
  /** Its AS2 server's URL: when set, its acknowledgements are sent to it over AS2 (a connector); otherwise it collects them. */
  readonly url?: string;
}

/** What an intake's function learns of the stage's configuration (`TRADING_PARTNERS`, JSON). */
export interface TradingPartners {
  /** Our own interchange id, as the partners address us. */
  readonly receiver: InterchangeId;
  readonly partners: readonly TradingPartner[];
}

export interface FileIntakeEntry {
  /** The system whose events the files carry (`metadata.source.system`). */
  readonly system: SystemName;
  /** What the vendor calls the format, for docs and reports. */
  readonly title: string;
  /** The interchange standard the files follow. */
  readonly format: 'x12';
  /** Documents accepted (X12 transaction set ids); anything else is acknowledged as not supported. */
  readonly documents: readonly string[];
  /** The acknowledgement written for every file (X12: `997`). */
  readonly acknowledgement: string;
  /** Where trading partners' files land (S3 key prefix, ending in `/`); a partner may use its own sub-folder. */
  readonly inboundPrefix: string;
  /** Where the acknowledgements are written for the partners to collect. */
  readonly acknowledgementPrefix: string;
  /** Where a rejected file's reason is written (the file itself stays where it landed). */
  readonly rejectionPrefix: string;
  /**
   * With the AWS B2B Data Interchange option (stage `fileIntakes.<name>.b2bi`): where partners' files land for B2BI
   * (one folder per B2BI trading partner id) and where B2BI writes its output and acknowledgements.
   */
  readonly b2bi: { readonly inputPrefix: string; readonly outputPrefix: string };
  /** Folder of the published documents the intake is held to (`contracts/<folder>/`, with source URLs and dates). */
  readonly contract: string;
}

/** The file intakes by name (the name is `metadata.source.vendor` of what they publish). */
export const FILE_INTAKES = {
  edi: {
    system: 'fleet',
    title: 'Carrier EDI X12 214 (Transportation Carrier Shipment Status), 997 acknowledgements',
    format: 'x12',
    documents: ['214'],
    acknowledgement: '997',
    inboundPrefix: 'inbound/',
    acknowledgementPrefix: 'acknowledgements/',
    rejectionPrefix: 'rejected/',
    b2bi: { inputPrefix: 'b2bi/inbound/', outputPrefix: 'b2bi/outbound/' },
    contract: 'x12-214',
  },
} as const satisfies Record<string, FileIntakeEntry>;

export type FileIntakeName = keyof typeof FILE_INTAKES;

/** The entry of a configured intake; throws naming the known ones when there is none by that name. */
export function fileIntake(name: string): FileIntakeEntry & { readonly name: string } {
  const entry = (FILE_INTAKES as Readonly<Record<string, FileIntakeEntry>>)[name];
  if (!entry) throw new Error(`fileIntakes.${name} is not a file intake (known: ${Object.keys(FILE_INTAKES).join(', ') || 'none'})`);
  return { ...entry, name };
}

/** All file intakes with their names, for reports and docs. */
export function allFileIntakes(): (FileIntakeEntry & { readonly name: string })[] {
  return Object.entries(FILE_INTAKES as Readonly<Record<string, FileIntakeEntry>>).map(([name, entry]) => ({ ...entry, name }));
}
