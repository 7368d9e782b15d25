-- The node's state: what it must remember across a crash to finish its task and never commit twice.
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE tasks (
  task_id TEXT PRIMARY KEY,
  task_hash TEXT NOT NULL,
  seen_at INTEGER NOT NULL,      -- ms since the epoch when its TaskCreated event was read
  stage TEXT NOT NULL,           -- the last step begun (NodeStore.Stage)
  result TEXT,                   -- hex of the result to disclose, stored before committing
  nonce TEXT,                    -- hex of the commitment's nonce, stored before committing
  images INTEGER NOT NULL DEFAULT 0,
  inference_ms INTEGER,
  note TEXT,                     -- why a task error was reported
  outcome TEXT,                  -- how it ended for this node, in words
  earned TEXT,                   -- CNX wei earned, negative when slashed or penalised
  ended_at INTEGER
);

CREATE TABLE logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL
);
