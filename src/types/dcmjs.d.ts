/**
 * dcmjs ships no type declarations; these cover the parts Vigil uses. Values are kept loose
 * (`unknown`) on purpose: DICOM data is untrusted input and is checked where it is read.
 */
declare module 'dcmjs' {
  export interface DicomJsonElement {
    vr: string;
    Value?: unknown[];
    InlineBinary?: string;
    BulkDataURI?: string;
    /** Vigil's own: a value left out of a parsed header, by its length (see header-compact.ts). */
    BulkDataLength?: number;
  }
  export type DicomDict = Record<string, DicomJsonElement>;

  export interface ReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }

  export class DicomMessage {
    static readFile(buffer: ArrayBuffer, options?: ReadOptions): DicomMessageFile;
  }

  export interface DicomMessageFile {
    meta: DicomDict;
    dict: DicomDict;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }

  export class DicomDictClass {
    constructor(meta: DicomDict);
    meta: DicomDict;
    dict: DicomDict;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }

  export class DicomMetaDictionary {
    static naturalizeDataset(dict: DicomDict): Record<string, unknown>;
    static denaturalizeDataset(dataset: Record<string, unknown>): DicomDict;
    static punctuateTag(rawTag: string): string;
    static unpunctuateTag(tag: string): string;
    static uid(): string;
    static date(): string;
    static time(): string;
    static dictionary: Record<string, { tag: string; vr: string; name: string; vm: string; version: string }>;
    static nameMap: Record<string, { tag: string; vr: string; name: string; vm: string; version: string }>;
  }

  const dcmjs: {
    data: {
      DicomMessage: typeof DicomMessage;
      DicomMetaDictionary: typeof DicomMetaDictionary;
      DicomDict: typeof DicomDictClass;
      /** Builds a writable dict from a naturalized data set with `_meta` and optional `_vrMap`. */
      datasetToDict(dataset: Record<string, unknown>): DicomDictClass;
    };
    log: { setLevel(level: string): void; getLogger?(name: string): { setLevel(level: string): void } };
  };
  export default dcmjs;
}
