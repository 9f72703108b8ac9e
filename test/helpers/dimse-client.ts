import dimse from '../../src/dicom/net/dimse.js';

export interface SentStatus {
  status: number | undefined;
  errorComment?: string;
  /** Set when the association itself was rejected. */
  rejected?: { result: number; source: number; reason: number };
}

/**
 * Sends one C-STORE with the real dcmjs-dimse client. `rawBytes` replaces the encoded data set
 * with arbitrary bytes (garbage, truncated) while the command still names a valid instance.
 */
export function sendWithDimseClient(
  port: number,
  dataset: Record<string, unknown>,
  opts: { rawBytes?: Buffer; calledAe?: string; callingAe?: string; transferSyntax?: string } = {},
): Promise<SentStatus> {
  const ts = opts.transferSyntax ?? '1.2.840.10008.1.2.1';
  const ds = new dimse.Dataset(dataset, ts);
  if (opts.rawBytes) {
    const raw = opts.rawBytes;
    Object.assign(ds, { getDenaturalizedDataset: () => raw });
  }
  const request = new dimse.requests.CStoreRequest(ds);
  const client = new dimse.Client();
  const result: SentStatus = { status: undefined };
  request.on('response', (response: { getStatus(): number; getErrorComment(): string }) => {
    result.status = response.getStatus();
    result.errorComment = response.getErrorComment();
  });
  client.addRequest(request);
  return new Promise((resolve, reject) => {
    client.on('associationRejected', (r: { result: number; source: number; reason: number }) => {
      result.rejected = r;
    });
    client.on('closed', () => resolve(result));
    client.on('networkError', (e: Error) => (result.rejected || result.status !== undefined ? resolve(result) : reject(e)));
    client.send('127.0.0.1', port, opts.callingAe ?? 'DIMSECLIENT', opts.calledAe ?? 'VIGIL');
  });
}
