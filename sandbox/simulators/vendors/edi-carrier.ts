import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { X12Interchange, X12Parser } from 'node-x12';
import { clientConfig } from '../../aws';

/**
 * A carrier that reports shipment status as EDI X12 214 (4010) files, the way the carriers' and shippers' 214 guides
 * describe them (contracts/x12-214/README.md): one interchange per file (ISA/GS `QM`/ST `214`), B10 with its PRO, our
 * shipment id and its SCAC, L11 with the bill of lading and our order number (`OQ`), and one LX/AT7/MS1 status loop,
 * times in UTC (`UT`). It drops each file into its folder of the intake bucket, as SFTP or AS2 would, and collects the
 * 997 (and TA1) the intake writes back. Written from the guides, not from our parser: node-x12 only serializes
 * here, and reads the acknowledgements.
 */

export interface CarrierIdentity {
  /** Our name for the carrier: its folder. */
  readonly name: string;
  readonly qualifier: string;
  readonly id: string;
  readonly scac: string;
}

/** The carrier the sandbox stage lists as its EDI trading partner (cdk.json, stages.sandbox.fileIntakes.edi). */
export const SANDBOX_CARRIER: CarrierIdentity = { name: 'sandbox-carrier', qualifier: '02', id: 'SBXC', scac: 'SBXC' };
/** Who the carrier addresses: the sandbox stage's `fileIntakes.edi.receiver`. */
export const SANDBOX_RECEIVER = { qualifier: 'ZZ', id: 'LSYNC' } as const;

export interface CarrierStatus {
  /** AT701, e.g. AF, X1, D1, SD, AG. */
  readonly status: string;
  /** AT702. @default 'NS' (normal status) */
  readonly reason?: string;
  readonly at: Date;
  readonly shipmentId: string;
  readonly orderId: string;
  /** The carrier's PRO number. */
  readonly pro: string;
  readonly city?: string;
  readonly state?: string;
}

export interface Acknowledgement {
  readonly key: string;
  /** TA1-04/05 when present. */
  readonly ta1?: readonly [string, string];
  /** AK5-01 per transaction set, AK9-01 per group. */
  readonly ak5: readonly string[];
  readonly ak9: readonly string[];
  /** Segment ids named in AK3. */
  readonly ak3: readonly string[];
}

const pad = (value: string, length: number) => value.padEnd(length, ' ');

export class EdiCarrierSimulator {
  private readonly s3: S3Client;
  private control: number;
  /** Every file the carrier dropped, in order. */
  readonly sent: { key: string; controlNumber: number; text: string }[] = [];

  constructor(
    private readonly options: { readonly awsEndpoint: string; readonly bucket: string; readonly carrier?: CarrierIdentity; readonly receiver?: { qualifier: string; id: string }; readonly inboundPrefix?: string },
  ) {
    this.s3 = new S3Client({ ...clientConfig(options.awsEndpoint), forcePathStyle: true });
    // Interchange control numbers increase per carrier; start from the clock so two runs against one sandbox do not repeat.
    this.control = Math.floor(Date.now() / 1000) % 900_000_000;
  }

  get carrier(): CarrierIdentity {
    return this.options.carrier ?? SANDBOX_CARRIER;
  }

  /** The 214 interchange for one status (pure apart from the control number). */
  interchange(status: CarrierStatus, controlNumber: number): string {
    const carrier = this.carrier;
    const receiver = this.options.receiver ?? SANDBOX_RECEIVER;
    const options = { elementDelimiter: '*', segmentTerminator: '~', subElementDelimiter: '>' };
    const now = new Date().toISOString();
    const at = status.at.toISOString();
    const ic = new X12Interchange(options);
    ic.setHeader(['00', pad('', 10), '00', pad('', 10), carrier.qualifier, pad(carrier.id, 15), receiver.qualifier, pad(receiver.id, 15), now.slice(2, 10).replace(/-/g, ''), now.slice(11, 16).replace(':', ''), 'U', '00401', String(controlNumber).padStart(9, '0'), '0', 'T', '>']);
    const group = ic.addFunctionalGroup();
    group.setHeader(['QM', carrier.id, receiver.id, now.slice(0, 10).replace(/-/g, ''), now.slice(11, 16).replace(':', ''), String(controlNumber), 'X', '004010']);
    const tx = group.addTransaction();
    tx.setHeader(['214', '0001']);
    tx.addSegment('B10', [status.pro, status.shipmentId, carrier.scac]);
    tx.addSegment('L11', [`BOL-${status.shipmentId}`, 'BM']);
    tx.addSegment('L11', [status.orderId, 'OQ']);
    tx.addSegment('LX', ['1']);
    tx.addSegment('AT7', [status.status, status.reason ?? 'NS', '', '', at.slice(0, 10).replace(/-/g, ''), at.slice(11, 19).replace(/:/g, ''), 'UT']);
    tx.addSegment('MS1', [status.city ?? 'MEMPHIS', status.state ?? 'TN', 'US']);
    return ic.toString(options);
  }

  /** Drops a status as a 214 file into the carrier's folder; returns its key and interchange control number. */
  async sendStatus(status: CarrierStatus): Promise<{ key: string; controlNumber: number }> {
    const controlNumber = ++this.control;
    return this.drop(this.interchange(status, controlNumber), controlNumber);
  }

  /** Drops any text as a file (a resend, a broken file), under a name of its own. */
  async drop(text: string, controlNumber: number, name = `214-${String(controlNumber).padStart(9, '0')}-${this.sent.length + 1}.edi`): Promise<{ key: string; controlNumber: number }> {
    const key = `${this.options.inboundPrefix ?? 'inbound/'}${this.carrier.name}/${name}`;
    await this.s3.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: text, ContentType: 'application/edi-x12' }));
    this.sent.push({ key, controlNumber, text });
    return { key, controlNumber };
  }

  /**
   * The acknowledgements written back for one of our interchanges (`acknowledgements/<carrier>/<ISA13>-*.997`),
   * oldest first, read with node-x12.
   */
  async acknowledgements(controlNumber: number, folder = this.carrier.name): Promise<Acknowledgement[]> {
    const prefix = `acknowledgements/${folder}/${controlNumber}-`;
    const listed = await this.s3.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!).sort();
    return Promise.all(
      keys.map(async (key) => {
        const body = await (await this.s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }))).Body!.transformToString('latin1');
        // node-x12 models no TA1 (it reports one before the GS as a diagnostic and drops it): the 997 is read from its
        // model, the TA1 from the text, split at the terminator the ISA declares (its 106th character).
        const ic = new X12Parser(false).parse(body) as X12Interchange;
        const segments = ic.toString().split('~').map((s) => s.split('*'));
        const ta1 = body
          .split(body.charAt(105))
          .map((s) => s.trim().split(body.charAt(3)))
          .find((s) => s[0] === 'TA1');
        return {
          key,
          ...(ta1 ? { ta1: [ta1[4]!, ta1[5]!] as const } : {}),
          ak5: segments.filter((s) => s[0] === 'AK5').map((s) => s[1]!),
          ak9: segments.filter((s) => s[0] === 'AK9').map((s) => s[1]!),
          ak3: segments.filter((s) => s[0] === 'AK3').map((s) => s[1]!),
        };
      }),
    );
  }

  close(): void {
    this.s3.destroy();
  }
}
