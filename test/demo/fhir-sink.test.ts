import { expect } from 'chai';
import { FhirSink, readableFhir } from '../../src/tools/demo/fhir-sink.js';

const FHIR_JSON = 'application/fhir+json';

function transaction(alertId: string, studyUid: string) {
  const report = {
    resourceType: 'DiagnosticReport',
    identifier: [{ system: 'urn:vigil:alert', value: alertId }],
    status: 'preliminary',
    code: { text: 'AI triage (demonstrator)' },
    subject: { identifier: { system: 'urn:vigil:patient-id', value: 'SYN-CXR-000001' } },
    imagingStudy: [{ identifier: { system: 'urn:dicom:uid', value: `urn:oid:${studyUid}` }, type: 'ImagingStudy' }],
  };
  const observation = {
    resourceType: 'Observation',
    identifier: [{ system: 'urn:vigil:alert', value: alertId }],
    status: 'preliminary',
    code: { coding: [{ system: 'http://snomed.info/sct', code: '36118008', display: 'Pneumothorax' }] },
    valueQuantity: { value: 0.91 },
    interpretation: [{ coding: [{ code: 'AA', display: 'Critical abnormal' }] }],
  };
  const create = (r: { resourceType: string }) => ({
    resource: r,
    request: { method: 'POST', url: r.resourceType, ifNoneExist: `identifier=urn:vigil:alert|${alertId}` },
  });
  return { resourceType: 'Bundle', type: 'transaction', entry: [create(report), create(observation)] };
}

describe('demo: the stand-in EHR (FHIR sink)', () => {
  let sink: FhirSink;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sink.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': FHIR_JSON, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeEach(async () => {
    sink = new FhirSink({ host: '127.0.0.1' });
    await sink.start();
  });
  afterEach(() => sink.stop());

  it('applies a transaction: each entry 201 Created, the study read from the report', async () => {
    const res = await post('', transaction('a-1', '1.2.3'));
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { type: string; entry: { response: { status: string; location: string } }[] };
    expect(body.type).to.equal('transaction-response');
    expect(body.entry.map((e) => e.response.status)).to.deep.equal(['201 Created', '201 Created']);
    expect(sink.received[0]!.studyInstanceUid).to.equal('1.2.3');
    expect(sink.resources().map((r) => r.resourceType)).to.deep.equal(['DiagnosticReport', 'Observation']);
  });

  it('creates nothing twice: a resent transaction matches on ifNoneExist and answers 200 with the same ids', async () => {
    const first = (await (await post('', transaction('a-2', '1.2.4'))).json()) as { entry: { response: { location: string } }[] };
    const again = (await (await post('', transaction('a-2', '1.2.4'))).json()) as { entry: { response: { status: string; location: string } }[] };
    expect(again.entry.map((e) => e.response.status)).to.deep.equal(['200 OK', '200 OK']);
    expect(again.entry.map((e) => e.response.location)).to.deep.equal(first.entry.map((e) => e.response.location));
    expect(sink.resources()).to.have.length(2);
    expect(sink.received).to.have.length(2);
  });

  it('answers a plain create with 201 and a Location', async () => {
    const res = await post('/Communication', { resourceType: 'Communication', status: 'completed' });
    expect(res.status).to.equal(201);
    expect(res.headers.get('location')).to.match(/\/fhir\/Communication\/\d+\/_history\/1$/);
  });

  it('finds no orders: a search answers an empty searchset', async () => {
    const res = await fetch(`${sink.baseUrl}/ServiceRequest?identifier=${encodeURIComponent('urn:vigil:accession|X1')}`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.include({ resourceType: 'Bundle', type: 'searchset', total: 0 });
  });

  it('refuses what is not FHIR with an OperationOutcome that says why', async () => {
    const cases: [string, unknown, number, RegExp][] = [
      ['', '{not json', 400, /not JSON/],
      ['', { hello: 1 }, 400, /no resourceType/],
      ['', { resourceType: 'Patient' }, 400, /transaction Bundle/],
      ['/Observation', { resourceType: 'Patient' }, 400, /URL says Observation/],
    ];
    for (const [path, body, status, why] of cases) {
      const res = await post(path, body);
      expect(res.status, String(body)).to.equal(status);
      const outcome = (await res.json()) as { resourceType: string; issue: { diagnostics: string }[] };
      expect(outcome.resourceType).to.equal('OperationOutcome');
      expect(outcome.issue[0]!.diagnostics).to.match(why);
    }
    expect(sink.refused).to.equal(cases.length);
    expect(sink.received).to.deep.equal([]);
  });

  it("prints each resource's type, the answer and key fields, never the patient", async () => {
    await post('', transaction('a-3', '1.2.5'));
    const lines = readableFhir(sink.received[0]!);
    expect(lines[0]).to.match(/^DiagnosticReport\s+201 Created DiagnosticReport\/1\s+status=preliminary code=AI triage \(demonstrator\)$/);
    expect(lines[1]).to.include('value=0.91').and.include('interpretation=AA Critical abnormal');
    expect(lines.join('\n')).to.not.include('SYN-CXR');
  });
});
