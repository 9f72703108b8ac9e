/**
 * Worklist migration 4: the ranking kept as a table, so that the list never ranks every study
 * on each read.
 *
 * Before it, each page computed every study's effective priority (a join and two subqueries per
 * study) and sorted them all: linear in the index, 200 ms at 50k studies. Now `worklist_rank`
 * holds one row per study with its three ranks, its reading status and its effective rank (a
 * generated column, the same rule as decidePriority: the greatest of the three, routine when
 * none), and `worklist_rank_order` matches the list's order within one status, so a page reads
 * its rows off the index. `worklist_rank_counts` holds the number of studies per status and
 * effective rank for the page's total.
 *
 * Triggers keep both in the transactions that change what they derive from (a study indexed or
 * deleted, a claim or a reading, an order, a rule hint, a finding): they can never disagree with
 * the tables, a crash included. Written out literally (ranks stat 3, urgent 2, routine 1 as in
 * priority.ts) because an applied migration never changes; test/worklist/ranking.test.ts checks
 * the table against the rule.
 */

// The pieces below are plain SQL that SQLite and PostgreSQL read alike: the PostgreSQL ranking
// (postgres-ranking-migration.ts) is built from the same ones, so the two cannot derive a rank
// differently.

/** The rank of a priority column, as priority.ts's PRIORITY_RANK. */
export const rankOf = (column: string): string => `(CASE ${column} WHEN 'stat' THEN 3 WHEN 'urgent' THEN 2 WHEN 'routine' THEN 1 END)`;

export const orderRank = (accession: string): string =>
  `(SELECT CASE WHEN o.state = 'active' THEN ${rankOf('o.priority')} END FROM worklist_orders o WHERE o.accession = ${accession})`;
export const ruleRank = (studyId: string): string => `(SELECT MAX(${rankOf('h.priority')}) FROM worklist_rule_hints h WHERE h.study_id = ${studyId})`;
export const aiRank = (studyId: string): string =>
  `(SELECT MAX(${rankOf('f.ai_priority')}) FROM worklist_findings f WHERE f.study_id = ${studyId} AND f.replaced_by IS NULL AND f.ai_priority IS NOT NULL)`;
export const statusOf = (studyId: string): string => `COALESCE((SELECT r.status FROM worklist_reading r WHERE r.study_id = ${studyId}), 'unread')`;
export const claimedByOf = (studyId: string): string => `(SELECT r.claimed_by FROM worklist_reading r WHERE r.study_id = ${studyId})`;

/** One study's row, from the tables it derives from. */
export const rowOf = (s: string): string =>
  `SELECT ${s}.id, ${s}.accession_number, ${s}.created_at, ${statusOf(`${s}.id`)}, ${claimedByOf(`${s}.id`)}, ${orderRank(`${s}.accession_number`)}, ${ruleRank(`${s}.id`)}, ${aiRank(`${s}.id`)}`;

export const RANK_COLUMNS = 'study_id, accession_number, received_at, status, claimed_by, order_rank, rule_rank, ai_rank';

export const worklistRankingSql = `
  CREATE TABLE worklist_rank (
    study_id TEXT PRIMARY KEY,
    accession_number TEXT,
    received_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    claimed_by TEXT,
    order_rank INTEGER,
    rule_rank INTEGER,
    ai_rank INTEGER,
    effective_rank INTEGER GENERATED ALWAYS AS (MAX(COALESCE(order_rank, 1), COALESCE(rule_rank, 1), COALESCE(ai_rank, 1))) STORED
  );
  -- the list's order within one status (a page reads one range per status and priority asked for)
  CREATE INDEX worklist_rank_order ON worklist_rank (status, effective_rank DESC, received_at, study_id);
  -- an order names an accession
  CREATE INDEX worklist_rank_accession ON worklist_rank (accession_number);

  CREATE TABLE worklist_rank_counts (
    status TEXT NOT NULL,
    effective_rank INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (status, effective_rank)
  );

  INSERT INTO worklist_rank (${RANK_COLUMNS}) ${rowOf('s')} FROM studies s;
  INSERT INTO worklist_rank_counts (status, effective_rank, n) SELECT status, effective_rank, COUNT(*) FROM worklist_rank GROUP BY status, effective_rank;

  -- the counts follow the ranking
  CREATE TRIGGER worklist_rank_counted AFTER INSERT ON worklist_rank BEGIN
    INSERT INTO worklist_rank_counts (status, effective_rank, n) VALUES (NEW.status, NEW.effective_rank, 1)
      ON CONFLICT (status, effective_rank) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER worklist_rank_uncounted AFTER DELETE ON worklist_rank BEGIN
    UPDATE worklist_rank_counts SET n = n - 1 WHERE status = OLD.status AND effective_rank = OLD.effective_rank;
  END;
  CREATE TRIGGER worklist_rank_recounted AFTER UPDATE ON worklist_rank
    WHEN OLD.status IS NOT NEW.status OR OLD.effective_rank IS NOT NEW.effective_rank BEGIN
    UPDATE worklist_rank_counts SET n = n - 1 WHERE status = OLD.status AND effective_rank = OLD.effective_rank;
    INSERT INTO worklist_rank_counts (status, effective_rank, n) VALUES (NEW.status, NEW.effective_rank, 1)
      ON CONFLICT (status, effective_rank) DO UPDATE SET n = n + 1;
  END;

  -- every study is on the list
  CREATE TRIGGER worklist_rank_study_added AFTER INSERT ON studies BEGIN
    INSERT OR REPLACE INTO worklist_rank (${RANK_COLUMNS}) ${rowOf('NEW')};
  END;
  CREATE TRIGGER worklist_rank_study_changed AFTER UPDATE OF accession_number, created_at ON studies BEGIN
    UPDATE worklist_rank SET accession_number = NEW.accession_number, received_at = NEW.created_at, order_rank = ${orderRank('NEW.accession_number')}
      WHERE study_id = NEW.id;
  END;
  CREATE TRIGGER worklist_rank_study_removed AFTER DELETE ON studies BEGIN
    DELETE FROM worklist_rank WHERE study_id = OLD.id;
  END;

  -- claims and readings
  CREATE TRIGGER worklist_rank_reading_added AFTER INSERT ON worklist_reading BEGIN
    UPDATE worklist_rank SET status = NEW.status, claimed_by = NEW.claimed_by WHERE study_id = NEW.study_id;
  END;
  CREATE TRIGGER worklist_rank_reading_changed AFTER UPDATE ON worklist_reading BEGIN
    UPDATE worklist_rank SET status = ${statusOf('OLD.study_id')}, claimed_by = ${claimedByOf('OLD.study_id')} WHERE study_id = OLD.study_id;
    UPDATE worklist_rank SET status = NEW.status, claimed_by = NEW.claimed_by WHERE study_id = NEW.study_id;
  END;
  CREATE TRIGGER worklist_rank_reading_removed AFTER DELETE ON worklist_reading BEGIN
    UPDATE worklist_rank SET status = 'unread', claimed_by = NULL WHERE study_id = OLD.study_id;
  END;

  -- orders from the RIS
  CREATE TRIGGER worklist_rank_order_added AFTER INSERT ON worklist_orders BEGIN
    UPDATE worklist_rank SET order_rank = ${orderRank('NEW.accession')} WHERE accession_number = NEW.accession;
  END;
  CREATE TRIGGER worklist_rank_order_changed AFTER UPDATE ON worklist_orders BEGIN
    UPDATE worklist_rank SET order_rank = ${orderRank('OLD.accession')} WHERE accession_number = OLD.accession;
    UPDATE worklist_rank SET order_rank = ${orderRank('NEW.accession')} WHERE accession_number = NEW.accession;
  END;
  CREATE TRIGGER worklist_rank_order_removed AFTER DELETE ON worklist_orders BEGIN
    UPDATE worklist_rank SET order_rank = NULL WHERE accession_number = OLD.accession;
  END;

  -- routing rules' hints
  CREATE TRIGGER worklist_rank_hint_added AFTER INSERT ON worklist_rule_hints BEGIN
    UPDATE worklist_rank SET rule_rank = ${ruleRank('NEW.study_id')} WHERE study_id = NEW.study_id;
  END;
  CREATE TRIGGER worklist_rank_hint_changed AFTER UPDATE ON worklist_rule_hints BEGIN
    UPDATE worklist_rank SET rule_rank = ${ruleRank('OLD.study_id')} WHERE study_id = OLD.study_id;
    UPDATE worklist_rank SET rule_rank = ${ruleRank('NEW.study_id')} WHERE study_id = NEW.study_id;
  END;
  CREATE TRIGGER worklist_rank_hint_removed AFTER DELETE ON worklist_rule_hints BEGIN
    UPDATE worklist_rank SET rule_rank = ${ruleRank('OLD.study_id')} WHERE study_id = OLD.study_id;
  END;

  -- AI results (a later one replaces an earlier: an UPDATE of replaced_by)
  CREATE TRIGGER worklist_rank_finding_added AFTER INSERT ON worklist_findings BEGIN
    UPDATE worklist_rank SET ai_rank = ${aiRank('NEW.study_id')} WHERE study_id = NEW.study_id;
  END;
  CREATE TRIGGER worklist_rank_finding_changed AFTER UPDATE OF study_id, ai_priority, replaced_by ON worklist_findings BEGIN
    UPDATE worklist_rank SET ai_rank = ${aiRank('OLD.study_id')} WHERE study_id = OLD.study_id;
    UPDATE worklist_rank SET ai_rank = ${aiRank('NEW.study_id')} WHERE study_id = NEW.study_id;
  END;
  CREATE TRIGGER worklist_rank_finding_removed AFTER DELETE ON worklist_findings BEGIN
    UPDATE worklist_rank SET ai_rank = ${aiRank('OLD.study_id')} WHERE study_id = OLD.study_id;
  END;
`;
