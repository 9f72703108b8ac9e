import { z } from 'zod';

/** A DICOM modality code (CT, MR, CR...). */
const modality = z.string().regex(/^[A-Z0-9]{1,16}$/, 'must be a DICOM modality code such as CT or DX');

/** How the series tracker decides that a series is complete (see src/series/). */
export const seriesSection = z
  .strictObject({
    /**
     * The fallback (Orthanc's StableAge): a series with no new instance for this many seconds
     * is complete. MPPS and count tags usually decide long before.
     */
    idleSeconds: z.number().min(0.1).max(3600).default(30),
    /** Per-modality idle windows, e.g. { DX: 10, MR: 60 }; others use idleSeconds. */
    idleSecondsByModality: z.record(modality, z.number().min(0.1).max(3600)).default({}),
    /** Trust Images in Acquisition / Number of Frames, checked against slice positions. */
    useCounts: z.boolean().default(true),
    /** Answer MPPS N-CREATE / N-SET, and trust a COMPLETED step that lists every instance. */
    useMpps: z.boolean().default(true),
    /**
     * A late instance reopens a stable series; its next series-stable says whether triage
     * should run again (SeriesStableEvent.runTriage).
     */
    rerunTriageOnReopen: z.boolean().default(true),
  })
  .prefault({});

export type SeriesConfig = z.infer<typeof seriesSection>;
