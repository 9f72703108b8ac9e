import { VigilError } from '../core/errors.js';
import type { ChangeFeed } from '../store/changes.js';
import type { Db } from '../db/database.js';
import type { AiResult } from './entry.js';
import type { WorklistLive } from './live.js';

export const VERDICTS = ['agree', 'disagree'] as const;
export type Verdict = (typeof VERDICTS)[number];

export const MAX_COMMENT_CHARS = 2000;

export interface Feedback {
  findingId: string;
  by: string;
  verdict: Verdict;
  comment: string | null;
  at: number;
}

interface FeedbackRow {
  finding_id: string;
  by_token: string;
  verdict: Verdict;
  comment: string | null;
  at: number;
}

/**
 * Radiologists' verdicts on findings: agree or disagree, with a comment. One verdict per
 * finding and radiologist (a second replaces the first). The verdicts on positive findings
 * give each model's PPV (src/worklist/monitoring/). The comment may quote the patient: it is
 * shown in the audited API and never logged.
 */
export class FeedbackStore {
  private readonly stmts;

  constructor(
    private readonly db: Db,
    private readonly deps: { changes: ChangeFeed; live: WorklistLive; finding: (id: string) => AiResult | undefined },
  ) {
    this.stmts = {
      upsert: db.prepare(
        `INSERT INTO worklist_feedback (finding_id, by_token, verdict, comment, at) VALUES (@findingId, @by, @verdict, @comment, @at)
         ON CONFLICT (finding_id, by_token) DO UPDATE SET verdict = excluded.verdict, comment = excluded.comment, at = excluded.at`,
      ),
      ofFinding: db.prepare<[string], FeedbackRow>('SELECT * FROM worklist_feedback WHERE finding_id = ? ORDER BY at'),
    };
  }

  give(input: Feedback): Feedback {
    const finding = this.deps.finding(input.findingId);
    if (!finding) throw new VigilError('NOT_FOUND', 'no such finding on the worklist');
    if (input.comment !== null && input.comment.length > MAX_COMMENT_CHARS) {
      throw new VigilError('BAD_REQUEST', `comment must be at most ${MAX_COMMENT_CHARS} characters`);
    }
    this.db.transaction(() => {
      this.stmts.upsert.run(input);
      this.deps.changes.append('finding-feedback', 'finding', input.findingId, { by: input.by, verdict: input.verdict }, input.at);
    })();
    this.deps.live.notify('finding', finding.studyId);
    return input;
  }

  ofFinding(findingId: string): Feedback[] {
    return this.stmts.ofFinding.all(findingId).map((r) => ({ findingId: r.finding_id, by: r.by_token, verdict: r.verdict, comment: r.comment, at: r.at }));
  }
}
