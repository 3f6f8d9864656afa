-- The question log as it was before versioned migrations: IF NOT EXISTS, so a file written
-- then passes through this migration unchanged and goes on to the next.
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    question TEXT NOT NULL,
    normalized TEXT NOT NULL,
    answered INTEGER NOT NULL,
    kind TEXT NOT NULL,
    confidence REAL NOT NULL,
    top_source TEXT,
    answer_id TEXT NOT NULL UNIQUE,
    latency_ms REAL NOT NULL,
    index_version TEXT NOT NULL,
    client TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_time ON questions(time);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    answer_id TEXT NOT NULL,
    helpful INTEGER NOT NULL,
    comment TEXT
);
CREATE INDEX IF NOT EXISTS feedback_answer ON feedback(answer_id);
