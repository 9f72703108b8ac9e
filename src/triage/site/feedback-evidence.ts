import type { Db } from '../../db/database.js';
import type { LabelledScore } from './calibrate.js';

/**
 * Local evidence from the worklist: every finding of a pack version (shadow or live) that
 * radiologists gave a verdict on. `agree` says the model's result is right, `disagree` that it
 * is wrong, so a positive with agree and a negative with disagree are cases with the finding.
 * A finding on which radiologists split evenly is left out (counted as excluded).
 */
export function feedbackEvidence(db: Db, modelId: string, packVersion: string): { cases: LabelledScore[]; excluded: number } {
  const rows = db
    .prepare<[string, string], { probability: number; positive: number; agree: number; disagree: number }>(
      `SELECT f.probability, f.positive,
              SUM(CASE WHEN fb.verdict = 'agree' THEN 1 ELSE 0 END) AS agree,
              SUM(CASE WHEN fb.verdict = 'disagree' THEN 1 ELSE 0 END) AS disagree
         FROM worklist_findings f JOIN worklist_feedback fb ON fb.finding_id = f.finding_id
        WHERE f.model_id = ? AND f.model_version = ?
        GROUP BY f.finding_id`,
    )
    .all(modelId, packVersion);
  const cases: LabelledScore[] = [];
  let excluded = 0;
  for (const r of rows) {
    if (r.agree === r.disagree) {
      excluded++;
      continue;
    }
    const modelRight = r.agree > r.disagree;
    const present = (r.positive === 1) === modelRight;
    cases.push({ score: r.probability, label: present ? 1 : 0 });
  }
  return { cases, excluded };
}
