CREATE TABLE task_args (
  task_id TEXT PRIMARY KEY,
  creator TEXT NOT NULL,
  size INTEGER NOT NULL,
  stored_at INTEGER NOT NULL
);

CREATE TABLE task_results (
  task_id TEXT PRIMARY KEY,
  result_node TEXT NOT NULL,
  images INTEGER NOT NULL,
  stored_at INTEGER NOT NULL
);

CREATE TABLE used_signatures (
  signature TEXT PRIMARY KEY,
  seen_at INTEGER NOT NULL
);
