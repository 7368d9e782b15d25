-- Portable SQL: runs on SQLite and PostgreSQL alike. Amounts in wei are decimal text.

CREATE TABLE bridge_tasks (
  id VARCHAR(64) PRIMARY KEY,
  owner VARCHAR(64) NOT NULL,
  task_json TEXT NOT NULL,
  task_hash VARCHAR(66) NOT NULL,
  num_images INTEGER NOT NULL,
  vram BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  attempt INTEGER NOT NULL,
  chain_task_id VARCHAR(80),
  submit_block BIGINT,
  args_uploaded INTEGER NOT NULL,
  committed INTEGER NOT NULL,
  disclosed INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL,
  images INTEGER NOT NULL,
  reason TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE INDEX bridge_tasks_status ON bridge_tasks (status, created_at);
CREATE INDEX bridge_tasks_owner ON bridge_tasks (owner, created_at);

-- Every status change of a task, in order: its timeline, stage timings and history.
CREATE TABLE bridge_task_events (
  task_id VARCHAR(64) NOT NULL,
  seq INTEGER NOT NULL,
  at_ms BIGINT NOT NULL,
  status VARCHAR(16) NOT NULL,
  detail TEXT,
  PRIMARY KEY (task_id, seq)
);

-- Each time a task was created on chain (a resubmitted task has several).
CREATE TABLE bridge_attempts (
  chain_task_id VARCHAR(80) PRIMARY KEY,
  task_id VARCHAR(64) NOT NULL,
  attempt INTEGER NOT NULL,
  fee_wei VARCHAR(80) NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE INDEX bridge_attempts_task ON bridge_attempts (task_id);

-- Chain events about our tasks that the Task contract's state does not keep (abort reasons,
-- refunds), once each.
CREATE TABLE bridge_chain_events (
  tx_hash VARCHAR(66) NOT NULL,
  log_index BIGINT NOT NULL,
  chain_task_id VARCHAR(80) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  value VARCHAR(80) NOT NULL,
  PRIMARY KEY (tx_hash, log_index)
);

CREATE INDEX bridge_chain_events_task ON bridge_chain_events (chain_task_id);

-- Named values: the next block whose events are not processed yet.
CREATE TABLE bridge_state (
  name VARCHAR(64) PRIMARY KEY,
  value VARCHAR(80) NOT NULL
);
