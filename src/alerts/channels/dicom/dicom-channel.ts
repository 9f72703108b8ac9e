import type { DicomDestinationConfig } from '../../../config/sections/alerts.js';
import dimse, { type Dataset } from '../../../dicom/net/dimse.js';
import { echo, isStoredStatus, sendFiles, type DicomPeer, type SendOptions } from '../../../dicom/net/store-scu.js';
import { TransferSyntax } from '../../../dicom/data/uids.js';
import { VigilError } from '../../../core/errors.js';
import type { StoredLocalisation } from '../../../triage/findings.js';
import { reportedResult } from '../../reported-result.js';
import type { ChannelHandler, DeliveryJob, DeliveryReceipt } from '../channel.js';
import { tlsClientOptions } from '../../../config/tls-client.js';
import { buildKeyObjectSelection } from './air/key-object-selection.js';
import { buildMeasurementReport } from './air/measurement-report.js';
import { keepInNode, type NodeStore } from './air/node-copy.js';
import { buildSegmentation } from './air/segmentation.js';
import { sourceSlices, type InstanceFile } from './air/source-slices.js';
import { buildKeyImageSc } from './key-image-sc.js';

/** The key image of a finding (PNG, as triage stored it), or null when it has none. */
export type KeyImageSource = (findingId: string) => Buffer | null | undefined;

/**
 * What the AI Results objects need from the rest of the node: the finding's localisation map
 * (for the SEG), where its source images are stored, and the node's own store (results are kept
 * there too, so its DICOMweb and viewer show them). Absent: no SEG, nothing kept.
 */
export interface AirServices {
  localisation(findingId: string): StoredLocalisation | null;
  instanceFile: InstanceFile;
  nodeStore: NodeStore;
}

type ResultKind = 'SR' | 'SEG' | 'KOS' | 'SC';

interface ResultObject {
  what: ResultKind;
  build(): Record<string, unknown> | null | Promise<Record<string, unknown> | null>;
}

/**
 * DICOM results back to the PACS, in the IHE AI Results set: per alert a Measurement Report SR
 * (TID 1500), a Segmentation of the localisation map on the source series' geometry and a Key
 * Object Selection of the key image, and, for a PACS that cannot show a SEG, a Secondary Capture
 * with the heat map burned in (`send` chooses). Each goes by C-STORE into the study it is about
 * and is kept in the node itself. A delivery's objects are its steps (SR, SEG, KOS, SC): one
 * stored is never sent again, and their UIDs are derived from the alert, so a retry sends the
 * same instances. A correction or a withdrawal is a new SR naming the one it replaces (a
 * correction, being a new alert, also has its own SEG and KOS); an escalation has nothing new
 * for a PACS.
 */
export class DicomChannel implements ChannelHandler {
  readonly type = 'dicom' as const;
  private readonly options: SendOptions;

  constructor(
    private readonly dest: DicomDestinationConfig,
    private readonly keyImage: KeyImageSource,
    private readonly air: AirServices | null = null,
  ) {
    this.options = { callingAeTitle: dest.callingAeTitle, timeoutMs: dest.timeoutMs, tls: tlsClientOptions(dest.tls) };
  }

  async deliver(job: DeliveryJob): Promise<DeliveryReceipt> {
    if (job.delivery.kind === 'escalation') return { note: 'an escalation has nothing new for a PACS' };
    const objects = this.objects(job);
    const pending = objects.slice(job.delivery.stepsDone);
    if (pending.length === 0) return { note: null };
    const built: { what: ResultKind; elements: Record<string, unknown> | null }[] = [];
    for (const o of pending) built.push({ what: o.what, elements: await o.build() });
    const datasets = built.map((b) => (b.elements ? new dimse.Dataset(b.elements, TransferSyntax.ExplicitVRLittleEndian) : null));
    const kept = await this.keep(built, datasets);
    const toSend = datasets.flatMap((d, i) => (d ? [{ dataset: d, step: i }] : []));
    const report =
      toSend.length > 0
        ? await sendFiles(
            this.peer(),
            toSend.map((s) => s.dataset),
            this.options,
          )
        : { statuses: [] };
    // A step is done once its object is stored; an object with nothing to send (no map kept) is
    // done with the next one stored, or at the end.
    toSend.forEach(({ step }, i) => {
      const status = report.statuses[i];
      if (!isStoredStatus(status)) throw storeFailure(pending[step]!.what, status, this.dest);
      job.stepDone(job.delivery.stepsDone + step + 1);
    });
    job.stepDone(job.delivery.stepsDone + pending.length);
    const sent = built.filter((b) => b.elements).map((b) => b.what);
    const skipped = built.filter((b) => !b.elements).map((b) => b.what);
    return {
      note: [
        `${sent.join(' and ')} stored`,
        ...(skipped.length ? [`no ${skipped.join(' or ')} (no localisation map to show, or its source images gone from the node)`] : []),
        ...kept,
      ].join('; '),
    };
  }

  /** A C-ECHO under the configured AE titles: the PACS takes our association and answers. */
  async check(signal: AbortSignal): Promise<string> {
    signal.throwIfAborted();
    await echo(this.peer(), this.options);
    return `C-ECHO${this.dest.tls ? ' over TLS' : ''} from ${this.dest.callingAeTitle} to ${this.dest.aeTitle} at ${this.dest.host}:${this.dest.port} answered Success`;
  }

  async close(): Promise<void> {}

  private peer(): DicomPeer {
    return { host: this.dest.host, port: this.dest.port, aeTitle: this.dest.aeTitle };
  }

  /**
   * The node's own copy, before the PACS's: a copy refused here (a full disk, a filter) is said in
   * the delivery's note and does not hold back the PACS, which is what the destination is for.
   */
  private async keep(built: { what: ResultKind; elements: Record<string, unknown> | null }[], datasets: (Dataset | null)[]): Promise<string[]> {
    if (!this.air || !this.dest.storeInNode) return [];
    const refused: string[] = [];
    for (const [i, dataset] of datasets.entries()) {
      const elements = built[i]!.elements;
      if (!dataset || !elements) continue;
      const outcome = await keepInNode(this.air.nodeStore, dataset, {
        sopClassUid: String(elements.SOPClassUID),
        sopInstanceUid: String(elements.SOPInstanceUID),
      });
      if (outcome.kind === 'refused') refused.push(`the node did not keep the ${built[i]!.what} (${outcome.reason})`);
    }
    return refused;
  }

  private objects(job: DeliveryJob): ResultObject[] {
    const { alert, delivery, context } = job;
    const reported = reportedResult(alert, delivery.kind);
    const send = new Set(this.dest.send);
    const objects: ResultObject[] = [];
    if (send.has('sr')) objects.push({ what: 'SR', build: () => buildMeasurementReport(alert, reported, context) });
    // A withdrawal takes the result back: it points at no image.
    if (reported.withdrawal) return objects;
    const air = this.air;
    if (send.has('seg') && air && alert.finding.hasKeyImage) {
      objects.push({
        what: 'SEG',
        build: async () => {
          const stored = air.localisation(alert.finding.id);
          return stored
            ? buildSegmentation(
                alert,
                context,
                stored.localisation,
                stored.map,
                await sourceSlices(stored.localisation, air.instanceFile),
                this.dest.segmentation,
              )
            : null;
        },
      });
    }
    if (send.has('kos') && context.keyInstance) objects.push({ what: 'KOS', build: () => buildKeyObjectSelection(alert, context) });
    const png = send.has('sc') && alert.finding.hasKeyImage ? this.keyImage(alert.finding.id) : null;
    if (png) objects.push({ what: 'SC', build: () => buildKeyImageSc(alert, context, png) });
    return objects;
  }
}

/** What a C-STORE status that is not "stored" means for the delivery (PS3.4 B.2.3). */
export function storeFailure(what: string, status: number | undefined, dest: DicomDestinationConfig): VigilError {
  const where = `${dest.aeTitle} at ${dest.host}:${dest.port}`;
  if (status === undefined) return new VigilError('ALERT_DICOM_NO_RESPONSE', `${where} did not answer for the ${what}`);
  const hex = `0x${status.toString(16).padStart(4, '0')}`;
  if ((status & 0xff00) === 0xa700) return new VigilError('ALERT_DICOM_BUSY', `${where} is out of resources (${hex}) for the ${what}`);
  return new VigilError('ALERT_DICOM_REFUSED', `${where} refused the ${what} with status ${hex}`);
}
