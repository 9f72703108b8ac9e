import fs from 'node:fs';
import YAML from 'yaml';
import type { RuleProblem } from './language.js';

/** Rules files are YAML or JSON (YAML is a superset of JSON, so one parser reads both). */
export const MAX_RULES_FILE_BYTES = 1024 * 1024;

export type ParsedText = { document: unknown } | { error: RuleProblem };

export function parseRulesText(text: string): ParsedText {
  if (Buffer.byteLength(text) > MAX_RULES_FILE_BYTES) return { error: { path: '(file)', message: `is larger than ${MAX_RULES_FILE_BYTES} bytes` } };
  try {
    const doc = YAML.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      const line = first.linePos?.[0];
      return { error: { path: line ? `(syntax, line ${line.line} column ${line.col})` : '(syntax)', message: first.message.split('\n')[0]! } };
    }
    return { document: doc.toJS({ maxAliasCount: 100 }) ?? {} };
  } catch (err) {
    return { error: { path: '(syntax)', message: (err as Error).message } };
  }
}

export interface RulesFileRead {
  text: string;
  parsed: ParsedText;
}

/** Reads a rules file; a missing or unreadable file is reported as a problem, never thrown. */
export function readRulesFile(file: string): RulesFileRead {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { text: '', parsed: { error: { path: '(file)', message: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` } } };
  }
  return { text, parsed: parseRulesText(text) };
}
