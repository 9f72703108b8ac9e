import type { DicomDestinationConfig } from '../../../config/sections/alerts.js';
import dimse from '../../../dicom/dimse.js';
import { echo, isStoredStatus, sendFiles, type DicomPeer, type SendOptions } from '../../../dicom/store-scu.js';
import { TransferSyntax } from '../../../dicom/uids.js';
import { VigilError } from '../../../errors.js';
import { reportedResult } from '../../reported-result.js';
import type { ChannelHandler, DeliveryJob, DeliveryReceipt } from '../channel.js';
import { tlsClientOptions } from '../../../config/tls-client.js';
import { buildKeyImageSc } from './key-image-sc.js';
import { buildResultSr } from './result-sr.js';

/** The key image of a finding (PNG, as triage stored it), or null when it has none. */
export type KeyImageSource = (findingId: string) => Buffer | null | undefined;

interface ResultObject {
  what: 'SR' | 'SC';
  build(): Record<string, unknown>;
}

/**
 * DICOM results back to the PACS: per alert a Comprehensive SR of the result and a Secondary
 * Capture of its key image with the heat map, by C-STORE into the study they are about. A
 * delivery's objects are its steps (the SR, then the SC): one stored is never sent again, and
 * their UIDs are derived from the alert, so a retry sends the same instances. A correction or a
 * withdrawal is a new SR naming the one it replaces (no new key image); an escalation has
 * nothing new for a PACS.
 */
export class DicomChannel implements ChannelHandler {
  readonly type = 'dicom' as const;
  private readonly options: SendOptions;

  constructor(
    private readonly dest: DicomDestinationConfig,
    private readonly keyImage: KeyImageSource,
  ) {
    this.options = { callingAeTitle: dest.callingAeTitle, timeoutMs: dest.timeoutMs, tls: tlsClientOptions(dest.tls) };
  }

  async deliver(job: DeliveryJob): Promise<DeliveryReceipt> {
    if (job.delivery.kind === 'escalation') return { note: 'an escalation has nothing new for a PACS' };
    const objects = this.objects(job);
    const pending = objects.slice(job.delivery.stepsDone);
    if (pending.length === 0) return { note: null };
    const datasets = pending.map((o) => new dimse.Dataset(o.build(), TransferSyntax.ExplicitVRLittleEndian));
    const report = await sendFiles(this.peer(), datasets, this.options);
    for (const [i, status] of report.statuses.entries()) {
      if (!isStoredStatus(status)) throw storeFailure(pending[i]!.what, status, this.dest);
      job.stepDone(job.delivery.stepsDone + i + 1);
    }
    return { note: `${objects.map((o) => o.what).join(' and ')} stored` };
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

  private objects(job: DeliveryJob): ResultObject[] {
    const { alert, delivery, context } = job;
    const reported = reportedResult(alert, delivery.kind);
    const objects: ResultObject[] = [];
    if (this.dest.send.includes('sr')) objects.push({ what: 'SR', build: () => buildResultSr(alert, reported, context) });
    const png = this.dest.send.includes('sc') && !reported.withdrawal && alert.finding.hasKeyImage ? this.keyImage(alert.finding.id) : null;
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
