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
    /**
     * Completeness learned per sender (calling AE, station, modality) when neither MPPS nor the
     * count tags decide: see src/series/sender-history.ts.
     */
    learned: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Which quantile of a sender's gaps between consecutive instances sets its quiet time. */
        quantile: z.number().min(0.5).max(1).default(0.99),
        /** The quantile times this factor: room for a gap a little longer than any seen. */
        factor: z.number().min(1).max(100).default(2),
        /** The shortest learned quiet time, seconds (never above the idle window). */
        floorSeconds: z.number().min(0.1).max(3600).default(2),
        /** Gaps a sender must have shown before its quiet time replaces the idle window. */
        minGaps: z.number().int().min(1).max(100_000).default(20),
        /** The newest gaps kept per sender. */
        keepGaps: z.number().int().min(10).max(100_000).default(2000),
        /** Modalities where one image can be a whole series (projection radiographs). */
        singleImageModalities: z.array(modality).default(['CR', 'DX']),
        /**
         * A single image of such a modality completes its series at once when its sender has
         * completed at least this many series, and at least `singleImageShare` of them held one
         * image (a second image later reopens the series, as any late instance does).
         */
        singleImageMinSeries: z.number().int().min(1).max(10_000).default(5),
        singleImageShare: z.number().min(0.5).max(1).default(0.95),
      })
      .prefault({}),
  })
  .prefault({});

export type SeriesConfig = z.infer<typeof seriesSection>;
