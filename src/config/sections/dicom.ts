import { z } from 'zod';

/** DICOM AE titles: 1-16 characters of the default repertoire, no backslash, not only spaces. */
export const aeTitle = z
  .string()
  .min(1)
  .max(16)
  .regex(/^[\x20-\x5b\x5d-\x7e]*[^\s\\][\x20-\x5b\x5d-\x7e]*$/, 'must be 1-16 printable ASCII characters, no backslash');

/** A TCP port; 0 asks the OS for a free one (tests). */
export const port = z.number().int().min(0).max(65535);

/** A scanner or node we know: its AE title and the host it connects from. */
export const knownModality = z.strictObject({
  aeTitle,
  /** Address the association must come from (IP or host name); omit to accept any. */
  host: z.string().min(1).optional(),
  /** Where to reach it as an SCP (for forwarding); optional. */
  port: port.optional(),
  /** Reach it over DICOM TLS (forwards, C-ECHO): the CA that signs it, our certificate and key. */
  tls: z.strictObject({ caFile: z.string().min(1).optional(), certFile: z.string().min(1).optional(), keyFile: z.string().min(1).optional() }).optional(),
  description: z.string().optional(),
});

export const dicomSection = z
  .strictObject({
    aeTitle: aeTitle.default('VIGIL'),
    port: port.default(11112),
    /**
     * Interface the DICOM listener binds. A PACS node must be reachable by scanners, so the
     * default is every interface; the AE policy below decides who may store.
     */
    host: z.string().min(1).default('0.0.0.0'),
    /** Accept associations from calling AE titles not listed in `modalities`. */
    acceptUnknownModalities: z.boolean().default(true),
    modalities: z.array(knownModality).default([]),
    maxAssociations: z.number().int().min(1).max(1000).default(32),
    /**
     * One peer must not take every slot: associations open at once from one address (also the
     * most connections from it that may wait to ask for one), and with one calling AE title.
     */
    maxAssociationsPerAddress: z.number().int().min(1).max(1000).default(8),
    maxAssociationsPerAeTitle: z.number().int().min(1).max(1000).default(8),
    /** Of maxAssociations, the last slots kept for the AE titles of `modalities` (none while it is empty). */
    reservedAssociations: z.number().int().min(0).max(999).default(4),
    /** Largest PDU we accept (bytes), advertised in A-ASSOCIATE-AC. */
    maxPduLength: z
      .number()
      .int()
      .min(4096)
      .max(4 * 1024 * 1024)
      .default(262144),
    timeouts: z
      .strictObject({
        /** A connection with no byte either way for this long is closed: a backstop behind the timers below. */
        connectMs: z.number().int().min(1000).default(60_000),
        /** From connection to A-ASSOCIATE-RQ (DICOM's ARTIM timer); an SCU asks at once. Also bounds the TLS handshake. */
        associationMs: z.number().int().min(1000).default(10_000),
        /** From A-ASSOCIATE-AC to the SCU's first PDU: an association taken and left silent is aborted. */
        firstMessageMs: z.number().int().min(1000).default(10_000),
        /** Between two PDUs inside an association, while no answer of ours is due (a slow scanner mid-series). */
        pduMs: z.number().int().min(1000).default(60_000),
        /**
         * At a stop: how long C-STOREs under way may take to be stored and answered before
         * their associations are cut (an instance cut off is never acknowledged, so never lost).
         * Short enough that the whole stop fits in `docker stop`'s 10 s before its SIGKILL.
         */
        drainMs: z.number().int().min(0).max(300_000).default(5000),
      })
      .prefault({}),
    /**
     * Storage SOP classes accepted: "all" is every standard storage class
     * (1.2.840.10008.5.1.4.1.1.*); a list restricts to those UIDs.
     */
    storageSopClasses: z.union([z.literal('all'), z.array(z.string().regex(/^[0-9.]+$/)).min(1)]).default('all'),
    /** Transfer syntaxes accepted, by UID; the sender's order of preference decides among them. */
    transferSyntaxes: z
      .array(z.string().regex(/^[0-9.]+$/))
      .min(1)
      .optional(),
    /**
     * The Query/Retrieve SCP (C-FIND, C-MOVE, C-GET; Patient Root and Study Root). Nobody may
     * query or retrieve until their calling AE title is listed: the index holds patient data.
     */
    queryRetrieve: z
      .strictObject({
        /** Calling AE titles allowed to query and retrieve; others get status 0124 (refused: not authorized). */
        allowedAeTitles: z.array(aeTitle).default([]),
        /** Most matches one C-FIND answers; past it the query ends with status A700 after the first ones. */
        maxResults: z.number().int().min(1).max(100_000).default(1000),
      })
      .prefault({}),
    /** A listener for DICOM over TLS (PS3.15 B.1), beside the plain one or, with `only`, instead of it; absent: none. */
    tls: z
      .strictObject({
        /** 2762 is the port registered for DICOM over TLS. */
        port: port.default(2762),
        /** Our certificate (chain) and key, PEM. */
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
        /** CA bundle (PEM) that signs the scanners' certificates, to check them when they send one. */
        caFile: z.string().min(1).optional(),
        /** Refuse a connection whose client sends no certificate that caFile signed. */
        requireClientCert: z.boolean().default(false),
        /** Open no plain listener: scanners reach the node over TLS only (`port` is then unused). */
        only: z.boolean().default(false),
      })
      .refine((t) => !t.requireClientCert || t.caFile !== undefined, {
        message: 'requireClientCert needs caFile (the CA that signs the scanners)',
        path: ['caFile'],
      })
      .optional(),
  })
  .superRefine((dicom, ctx) => {
    if (dicom.modalities.length > 0 && dicom.reservedAssociations >= dicom.maxAssociations) {
      ctx.addIssue({
        code: 'custom',
        message: `must be less than maxAssociations (${dicom.maxAssociations}), or no peer outside modalities could ever associate`,
        path: ['reservedAssociations'],
      });
    }
    if (dicom.timeouts.connectMs < dicom.timeouts.pduMs) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at least timeouts.pduMs (${dicom.timeouts.pduMs}), or it cuts a quiet association first`,
        path: ['timeouts', 'connectMs'],
      });
    }
  })
  .prefault({});

export type DicomConfig = z.infer<typeof dicomSection>;
export type KnownModality = z.infer<typeof knownModality>;
