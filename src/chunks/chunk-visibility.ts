/**
 * The condition that chunk `c` is visible: its write is neither pending nor retired. Every query
 * that reads chunks for a caller includes it. Whether any write is in flight at all is read once
 * per statement, and so are their ids (init plans; usually none, always few); rows stored before
 * writes had ids (null) are visible. A correlated lookup of each row's write (`not exists …`)
 * looked expensive to the planner, which then chose a slower plan for the full-text list
 * (pgbench, the exact fusion statement on bench:retrieval's 100k corpus: 1.84–1.89 ms against
 * 1.33–1.38 without the condition); this form keeps the plan.
 */
export const VISIBLE_CHUNK =
  '((select not exists (select 1 from chunk_writes)) or c.write_id is null or c.write_id <> all(array(select w.id from chunk_writes w)))';
