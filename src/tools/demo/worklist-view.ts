import type { DemoStudy } from './demo-set.js';
import type { NodeApi } from './node-api.js';

interface WorklistEntryView {
  studyId: string;
  priority: { effective: string; raisedByAi: boolean };
  why: string;
}

/**
 * Prints where the demo's studies sit on the reading worklist, by label (never a patient name;
 * other studies are only counted), and checks the demo's point: every positive study sits
 * above every normal one. Returns what is wrong, if anything.
 */
export async function showWorklist(api: NodeApi, studies: readonly DemoStudy[], say: (line: string) => void): Promise<string[]> {
  const list = await api.get<{ total: number; entries: WorklistEntryView[] }>('/worklist?limit=500');
  const byId = new Map(studies.map((s) => [s.studyId, s]));
  say('');
  say(`Worklist (GET /worklist, most pressing first): the demo's studies at their places among ${list.total} to read`);
  list.entries.forEach((e, i) => {
    const study = byId.get(e.studyId);
    if (study) say(`  ${String(i + 1).padStart(3)}. ${e.priority.effective.toUpperCase().padEnd(8)} ${study.label.padEnd(36)} ${e.why}`);
  });
  const rank = (s: DemoStudy): number => list.entries.findIndex((e) => e.studyId === s.studyId);
  const positives = studies.filter((s) => s.expected.positive === true);
  const normals = studies.filter((s) => s.expected.positive !== true);
  const problems: string[] = [];
  for (const s of studies) if (rank(s) < 0) problems.push(`${s.label} is not on the worklist`);
  const lowestPositive = Math.max(...positives.map(rank));
  const highestNormal = Math.min(...normals.map(rank).filter((r) => r >= 0));
  if (positives.length > 0 && normals.length > 0 && lowestPositive > highestNormal) {
    problems.push('a normal study is ranked above a positive one on the worklist');
  } else if (positives.length > 0) {
    say('Every positive study of the demo is above every normal one.');
  }
  return problems;
}
