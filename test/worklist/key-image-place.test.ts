import { expect } from 'chai';
import type { MainTags } from '../../src/domain/header-summary.js';
import { resourceIds } from '../../src/domain/resource-ids.js';
import { uidFor } from '../helpers/dicom-fixtures.js';
import { makeFinding, type SeededStudy } from '../helpers/findings.js';
import { worklistHarness, type WorklistHarness } from '../helpers/worklist-harness.js';

const AXIAL = '1\\0\\0\\0\\1\\0';
const SAGITTAL = '0\\1\\0\\0\\0\\-1';

describe('worklist/key-image-place: where the key image is, for the viewer the radiologist reads with', () => {
  let h: WorklistHarness;
  beforeEach(() => {
    h = worklistHarness();
  });
  afterEach(() => h.dispose());

  /** A series of `instances` images (their own tags each) in the index; returns the study and instance ids. */
  function seedSeries(seed: string, series: MainTags, instances: MainTags[]): { study: SeededStudy; instanceIds: string[] } {
    const studyUid = uidFor(`${seed}-study`);
    const seriesUid = uidFor(`${seed}-series`);
    const instanceIds = instances.map((tags, i) => {
      const ids = resourceIds({ patientId: `PID-${seed}`, study: studyUid, series: seriesUid, instance: uidFor(`${seed}-${i}`) });
      h.index.recordInstance({
        ids,
        summary: {
          patient: { PatientID: `PID-${seed}`, PatientName: 'DOE^JANE' },
          study: { StudyInstanceUID: studyUid, AccessionNumber: `ACC-${seed}` },
          series: { SeriesInstanceUID: seriesUid, Modality: 'CT', ...series },
          instance: { SOPInstanceUID: uidFor(`${seed}-${i}`), ...tags },
        },
        sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
        transferSyntaxUid: '1.2.840.10008.1.2.1',
        filePath: `x/${seed}-${i}.dcm`,
        fileSize: 1,
        callingAeTitle: 'CT1',
        remoteAddress: '127.0.0.1',
        receivedAt: Date.now(),
      });
      return ids.instance;
    });
    const ids = resourceIds({ patientId: `PID-${seed}`, study: studyUid, series: seriesUid, instance: uidFor(`${seed}-0`) });
    return {
      study: { studyId: ids.study, seriesId: ids.series, studyInstanceUid: studyUid, seriesInstanceUid: seriesUid, accessionNumber: `ACC-${seed}` },
      instanceIds,
    };
  }

  const placeOf = (studyId: string) => h.part.query.get(studyId)!.findings[0]!.keyImagePlace;

  it('an axial CT slice: series and image number, its place in the series, and its z', () => {
    const slices = [-30, -35, -40].map((z, i) => ({
      InstanceNumber: String(41 + i),
      ImagePositionPatient: `-120\\-120\\${z}`,
      ImageOrientationPatient: AXIAL,
    }));
    const { study, instanceIds } = seedSeries('axial', { SeriesNumber: '3', SeriesDescription: 'AX 5mm' }, slices);
    h.part.recordFinding(makeFinding(study, { keyInstanceId: instanceIds[1]!, keySliceIndex: 1, keyFrameNumber: 1 }));
    expect(placeOf(study.studyId)).to.deep.equal({
      seriesNumber: 3,
      seriesDescription: 'AX 5mm',
      instanceNumber: 42,
      frame: null,
      frames: null,
      slice: 2,
      seriesImages: 3,
      location: { mm: -35, from: 'ImagePositionPatient' },
    });
  });

  it("prefers the scanner's SliceLocation; says no position for a sagittal slice", () => {
    const located = seedSeries('located', { SeriesNumber: '2' }, [
      { InstanceNumber: '7', SliceLocation: '-12.5', ImagePositionPatient: '0\\0\\99', ImageOrientationPatient: AXIAL },
    ]);
    h.part.recordFinding(makeFinding(located.study, { keyInstanceId: located.instanceIds[0]!, keySliceIndex: 0 }));
    expect(placeOf(located.study.studyId)!.location).to.deep.equal({ mm: -12.5, from: 'SliceLocation' });
    const sagittal = seedSeries('sagittal', { SeriesNumber: '5' }, [
      { InstanceNumber: '9', ImagePositionPatient: '10\\-120\\80', ImageOrientationPatient: SAGITTAL },
    ]);
    h.part.recordFinding(makeFinding(sagittal.study, { keyInstanceId: sagittal.instanceIds[0]!, keySliceIndex: 0 }));
    expect(placeOf(sagittal.study.studyId)).to.include({ instanceNumber: 9, location: null });
  });

  it('a multi-frame instance: the frame, and no position (it is per frame)', () => {
    const { study, instanceIds } = seedSeries('enhanced', { SeriesNumber: '601' }, [
      { InstanceNumber: '1', NumberOfFrames: '80', ImagePositionPatient: '0\\0\\0', ImageOrientationPatient: AXIAL },
    ]);
    h.part.recordFinding(makeFinding(study, { keyInstanceId: instanceIds[0]!, keySliceIndex: 33, keyFrameNumber: 34 }));
    expect(placeOf(study.studyId)).to.include({ seriesNumber: 601, instanceNumber: 1, frame: 34, frames: 80, slice: 34, location: null });
  });

  it('a key instance no longer in the index keeps what the finding knows; no key instance, no place', () => {
    const { study } = seedSeries('gone', {}, [{ InstanceNumber: '1' }]);
    h.part.recordFinding(makeFinding(study, { keyInstanceId: 'no-such-instance', keySliceIndex: 4 }));
    expect(placeOf(study.studyId)).to.deep.equal({
      seriesNumber: null,
      seriesDescription: null,
      instanceNumber: null,
      frame: null,
      frames: null,
      slice: 5,
      seriesImages: null,
      location: null,
    });
    const none = seedSeries('none', {}, [{}]);
    h.part.recordFinding(makeFinding(none.study, { keyInstanceId: null, keySliceIndex: null }));
    expect(placeOf(none.study.studyId)).to.equal(null);
  });
});
