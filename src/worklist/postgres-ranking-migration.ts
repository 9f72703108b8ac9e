import { aiRank, claimedByOf, orderRank, RANK_COLUMNS, rowOf, ruleRank, statusOf } from './ranking-migration.js';

/**
 * The maintained worklist ranking (see ranking-migration.ts for why it exists) on PostgreSQL: the
 * same tables, the same derivations (the SQL pieces are shared), SQLite's triggers as PL/pgSQL
 * ones (one function each, named after its trigger), the generated rank with GREATEST where SQLite
 * has a scalar MAX, and `INSERT OR REPLACE` as `ON CONFLICT DO UPDATE`. No rows to fill: a
 * PostgreSQL index starts empty.
 */

/** An AFTER ... FOR EACH ROW trigger whose function runs `body` (statements ending in `;`). */
const trigger = (name: string, event: string, body: string, when?: string): string => `
  CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${body}
    RETURN NULL;
  END $$;
  CREATE TRIGGER ${name} AFTER ${event} FOR EACH ROW${when ? ` WHEN (${when})` : ''} EXECUTE FUNCTION ${name}();`;

const count = (sign: '+' | '-', row: 'NEW' | 'OLD'): string =>
  sign === '+'
    ? `INSERT INTO worklist_rank_counts (status, effective_rank, n) VALUES (${row}.status, ${row}.effective_rank, 1)
         ON CONFLICT (status, effective_rank) DO UPDATE SET n = worklist_rank_counts.n + 1;`
    : `UPDATE worklist_rank_counts SET n = n - 1 WHERE status = ${row}.status AND effective_rank = ${row}.effective_rank;`;

export const worklistPostgresRankingSql = `
  CREATE TABLE worklist_rank (
    study_id TEXT PRIMARY KEY,
    accession_number TEXT,
    received_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    claimed_by TEXT,
    order_rank INTEGER,
    rule_rank INTEGER,
    ai_rank INTEGER,
    effective_rank INTEGER GENERATED ALWAYS AS (GREATEST(COALESCE(order_rank, 1), COALESCE(rule_rank, 1), COALESCE(ai_rank, 1))) STORED
  );
  CREATE INDEX worklist_rank_order ON worklist_rank (status, effective_rank DESC, received_at, study_id);
  CREATE INDEX worklist_rank_accession ON worklist_rank (accession_number);

  CREATE TABLE worklist_rank_counts (
    status TEXT NOT NULL,
    effective_rank INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (status, effective_rank)
  );

  -- the counts follow the ranking
  ${trigger('worklist_rank_counted', 'INSERT ON worklist_rank', count('+', 'NEW'))}
  ${trigger('worklist_rank_uncounted', 'DELETE ON worklist_rank', count('-', 'OLD'))}
  ${trigger(
    'worklist_rank_recounted',
    'UPDATE ON worklist_rank',
    `${count('-', 'OLD')}
    ${count('+', 'NEW')}`,
    'OLD.status IS DISTINCT FROM NEW.status OR OLD.effective_rank IS DISTINCT FROM NEW.effective_rank',
  )}

  -- every study is on the list
  ${trigger(
    'worklist_rank_study_added',
    'INSERT ON studies',
    `INSERT INTO worklist_rank (${RANK_COLUMNS}) ${rowOf('NEW')}
      ON CONFLICT (study_id) DO UPDATE SET accession_number = EXCLUDED.accession_number, received_at = EXCLUDED.received_at,
        status = EXCLUDED.status, claimed_by = EXCLUDED.claimed_by, order_rank = EXCLUDED.order_rank, rule_rank = EXCLUDED.rule_rank,
        ai_rank = EXCLUDED.ai_rank;`,
  )}
  ${trigger(
    'worklist_rank_study_changed',
    'UPDATE OF accession_number, created_at ON studies',
    `UPDATE worklist_rank SET accession_number = NEW.accession_number, received_at = NEW.created_at, order_rank = ${orderRank('NEW.accession_number')}
      WHERE study_id = NEW.id;`,
  )}
  ${trigger('worklist_rank_study_removed', 'DELETE ON studies', 'DELETE FROM worklist_rank WHERE study_id = OLD.id;')}

  -- claims and readings
  ${trigger(
    'worklist_rank_reading_added',
    'INSERT ON worklist_reading',
    'UPDATE worklist_rank SET status = NEW.status, claimed_by = NEW.claimed_by WHERE study_id = NEW.study_id;',
  )}
  ${trigger(
    'worklist_rank_reading_changed',
    'UPDATE ON worklist_reading',
    `UPDATE worklist_rank SET status = ${statusOf('OLD.study_id')}, claimed_by = ${claimedByOf('OLD.study_id')} WHERE study_id = OLD.study_id;
    UPDATE worklist_rank SET status = NEW.status, claimed_by = NEW.claimed_by WHERE study_id = NEW.study_id;`,
  )}
  ${trigger(
    'worklist_rank_reading_removed',
    'DELETE ON worklist_reading',
    `UPDATE worklist_rank SET status = 'unread', claimed_by = NULL WHERE study_id = OLD.study_id;`,
  )}

  -- orders from the RIS
  ${trigger(
    'worklist_rank_order_added',
    'INSERT ON worklist_orders',
    `UPDATE worklist_rank SET order_rank = ${orderRank('NEW.accession')} WHERE accession_number = NEW.accession;`,
  )}
  ${trigger(
    'worklist_rank_order_changed',
    'UPDATE ON worklist_orders',
    `UPDATE worklist_rank SET order_rank = ${orderRank('OLD.accession')} WHERE accession_number = OLD.accession;
    UPDATE worklist_rank SET order_rank = ${orderRank('NEW.accession')} WHERE accession_number = NEW.accession;`,
  )}
  ${trigger('worklist_rank_order_removed', 'DELETE ON worklist_orders', 'UPDATE worklist_rank SET order_rank = NULL WHERE accession_number = OLD.accession;')}

  -- routing rules' hints
  ${trigger(
    'worklist_rank_hint_added',
    'INSERT ON worklist_rule_hints',
    `UPDATE worklist_rank SET rule_rank = ${ruleRank('NEW.study_id')} WHERE study_id = NEW.study_id;`,
  )}
  ${trigger(
    'worklist_rank_hint_changed',
    'UPDATE ON worklist_rule_hints',
    `UPDATE worklist_rank SET rule_rank = ${ruleRank('OLD.study_id')} WHERE study_id = OLD.study_id;
    UPDATE worklist_rank SET rule_rank = ${ruleRank('NEW.study_id')} WHERE study_id = NEW.study_id;`,
  )}
  ${trigger(
    'worklist_rank_hint_removed',
    'DELETE ON worklist_rule_hints',
    `UPDATE worklist_rank SET rule_rank = ${ruleRank('OLD.study_id')} WHERE study_id = OLD.study_id;`,
  )}

  -- AI results (a later one replaces an earlier: an UPDATE of replaced_by)
  ${trigger(
    'worklist_rank_finding_added',
    'INSERT ON worklist_findings',
    `UPDATE worklist_rank SET ai_rank = ${aiRank('NEW.study_id')} WHERE study_id = NEW.study_id;`,
  )}
  ${trigger(
    'worklist_rank_finding_changed',
    'UPDATE OF study_id, ai_priority, replaced_by ON worklist_findings',
    `UPDATE worklist_rank SET ai_rank = ${aiRank('OLD.study_id')} WHERE study_id = OLD.study_id;
    UPDATE worklist_rank SET ai_rank = ${aiRank('NEW.study_id')} WHERE study_id = NEW.study_id;`,
  )}
  ${trigger(
    'worklist_rank_finding_removed',
    'DELETE ON worklist_findings',
    `UPDATE worklist_rank SET ai_rank = ${aiRank('OLD.study_id')} WHERE study_id = OLD.study_id;`,
  )}
`;
